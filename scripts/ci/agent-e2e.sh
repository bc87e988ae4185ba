#!/usr/bin/env bash
# End to end with real processes and nothing in-process: a server, machine A
# made with `init`, machine B with `register`, files put in A, `sync` on A
# then on B, the trees compared, then an edit on B synced back to A. Run
# twice: with the compiled binary (argument 1, default dist/syncagent), then
# with the CLI from source under Deno (`deno run -A main.ts`).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
binary=$(realpath "${1:-$repo/dist/syncagent}")
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export SYNCAGENT_PASSWORD="agent e2e master password"
fail() { echo "agent-e2e ($label): $*" >&2; exit 1; }

# flow LABEL CMD…: the whole flow with CMD as `syncagent`.
flow() {
  label=$1
  shift
  local dir="$work/$label"
  mkdir -p "$dir"
  cd "$dir"
  local data="$dir/data"
  printf 'correct horse battery staple\n' | "$@" server setup-admin --data-dir "$data" >/dev/null
  local invite_a invite_b
  invite_a=$("$@" server invite --data-dir "$data" 2>/dev/null | tail -n 1)
  invite_b=$("$@" server invite --data-dir "$data" 2>/dev/null | tail -n 1)
  "$@" server --data-dir "$data" --port 0 > server.log 2>&1 &
  server_pid=$!
  local url=""
  for _ in $(seq 1 600); do
    url=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' server.log | head -n 1 | sed 's/listening on //') || true
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat server.log; fail "the server exited"; }
    sleep 0.05
  done
  [ -n "$url" ] || { cat server.log; fail "the server did not start"; }

  local fa="$dir/folder-a" fb="$dir/folder-b"
  "$@" init --home "$dir/home-a" --server "$url" --invite "$invite_a" --sync-folder "$fa" --name alpha --key-store none > init.log 2>&1 \
    || { cat init.log; fail "init failed"; }
  "$@" register --home "$dir/home-b" --server "$url" --invite "$invite_b" --sync-folder "$fb" --name beta --key-store none > register.log 2>&1 \
    || { cat register.log; fail "register failed"; }

  mkdir -p "$fa/docs/deep" "$fa/empty folder"
  printf 'hello from A\n' > "$fa/hello.txt"
  printf 'nested\n' > "$fa/docs/deep/nested.md"
  printf 'ünïcödé name\n' > "$fa/docs/café.txt"
  : > "$fa/docs/empty.txt"
  head -c $((5 * 1024 * 1024 + 17)) /dev/urandom > "$fa/docs/random.bin"
  "$@" sync --home "$dir/home-a" > sync-a.log 2>&1 || { cat sync-a.log; fail "sync on A failed"; }
  "$@" sync --home "$dir/home-b" > sync-b.log 2>&1 || { cat sync-b.log; fail "sync on B failed"; }
  diff -r "$fa" "$fb" || fail "B differs from A"

  printf 'edited on B\n' > "$fb/hello.txt"
  printf 'new on B\n' > "$fb/docs/from-b.txt"
  rm "$fb/docs/empty.txt"
  "$@" sync --home "$dir/home-b" > sync-b2.log 2>&1 || { cat sync-b2.log; fail "sync of the edit on B failed"; }
  "$@" sync --home "$dir/home-a" > sync-a2.log 2>&1 || { cat sync-a2.log; fail "sync of the edit on A failed"; }
  diff -r "$fa" "$fb" || fail "A differs from B after the edit"
  [ "$(cat "$fa/hello.txt")" = "edited on B" ] || fail "the edit did not reach A"
  [ ! -e "$fa/docs/empty.txt" ] || fail "the deletion did not reach A"
  "$@" sync --home "$dir/home-a" --json > sync-a3.json || { cat sync-a3.json; fail "A is not in sync"; }
  jq -e '.ok == true and .uploaded == 0 and .downloaded == 0' sync-a3.json >/dev/null || { cat sync-a3.json; fail "A's last sync did something"; }
  [ -z "$(find "$fa" "$fb" -name '.syncagent-tmp-*')" ] || fail "temp files were left behind"

  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  cd "$repo"
  echo "agent e2e ($label): ok ($url)"
}

flow binary "$binary"
flow deno "$repo/node_modules/.bin/deno" run -A --config "$repo/deno.json" "$repo/main.ts"
