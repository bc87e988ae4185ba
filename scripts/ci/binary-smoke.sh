#!/usr/bin/env bash
# The compiled binary alone in an empty folder (no node_modules anywhere
# above it): version, crypto and database self-check, then a real server
# with embedded defaults, an admin made by script, an invitation redeemed by
# a machine over HTTP, and a chunk round trip with the machine's token.
set -euo pipefail
binary=$(realpath "${1:-dist/syncagent}")
alone=$(mktemp -d)
cleanup() { [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true; rm -rf "$alone"; }
trap cleanup EXIT
cp "$binary" "$alone/syncagent"
cd "$alone"
./syncagent --version
./syncagent self-check
data="$alone/data"
printf 'correct horse battery staple\n' | ./syncagent server setup-admin --data-dir "$data" >/dev/null
invitation=$(./syncagent server invite --data-dir "$data" | tail -n 1)
./syncagent server --data-dir "$data" --port 0 > server.log 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 200); do
  url=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' server.log | head -n 1 | sed 's/listening on //') || true
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat server.log; echo "binary-smoke: the server exited" >&2; exit 1; }
  sleep 0.05
done
[ -n "$url" ] || { cat server.log; echo "binary-smoke: the server did not start" >&2; exit 1; }
curl -fsS "$url/api/health" >/dev/null
token=$(curl -fsS -X POST "$url/api/machines/register" -H 'content-type: application/json' \
  -d "{\"invitation\":\"$invitation\",\"name\":\"ci\",\"platform\":\"linux\"}" | jq -r .token)
[ -n "$token" ] && [ "$token" != null ] || { echo "binary-smoke: registration failed" >&2; exit 1; }
id=$(printf 'binary smoke chunk' | sha256sum | cut -d' ' -f1)
head -c 4096 /dev/urandom > chunk.bin
curl -fsS -X PUT "$url/api/chunks/$id" -H "authorization: Bearer $token" -H 'content-type: application/octet-stream' --data-binary @chunk.bin >/dev/null
curl -fsS "$url/api/chunks/$id" -H "authorization: Bearer $token" -o back.bin
cmp chunk.bin back.bin
status=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/chunks/$id")
[ "$status" = 401 ] || { echo "binary-smoke: unauthenticated read answered $status" >&2; exit 1; }
echo "binary smoke: ok ($url)"
