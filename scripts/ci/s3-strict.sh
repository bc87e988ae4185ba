#!/usr/bin/env bash
# Strict S3 for tests: OpenStack Swift with its s3api middleware, run
# unprivileged-style from a temp folder on loopback ports. Swift checks SigV4
# signatures and payload hashes, which s3rver does not.
#
# Usage:
#   scripts/ci/s3-strict.sh                install (if missing), then start in a new temp folder
#   scripts/ci/s3-strict.sh install        apt-get the Swift packages if they are missing
#   scripts/ci/s3-strict.sh start [DIR]    start in DIR (default: a new temp folder)
#   scripts/ci/s3-strict.sh stop DIR       stop the servers started in DIR and remove DIR
#
# `start` prints shell assignments on stdout, for example:
#   SYNCAGENT_TEST_S3_STRICT_ENDPOINT=http://127.0.0.1:41234
#   SYNCAGENT_TEST_S3_STRICT_DIR=/tmp/syncagent-swift.abc123
# The S3 credentials are those of the tempauth user: access key
# `test:tester`, secret `testing`, region `us-east-1`, path-style URLs.
set -euo pipefail

PACKAGES=(swift-proxy swift-object swift-container swift-account)
START_DEADLINE_SECONDS=${SWIFT_START_DEADLINE_SECONDS:-60}

log() { echo "s3-strict: $*" >&2; }

installed() {
  command -v swift-proxy-server >/dev/null 2>&1 \
    && command -v swift-object-server >/dev/null 2>&1 \
    && command -v swift-container-server >/dev/null 2>&1 \
    && command -v swift-account-server >/dev/null 2>&1 \
    && command -v swift-ring-builder >/dev/null 2>&1
}

install() {
  if installed; then
    log "Swift is already installed"
    return 0
  fi
  log "installing ${PACKAGES[*]}"
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2
  # The packages enable system services; this setup runs its own servers.
  installed || { log "Swift commands still missing after install"; exit 1; }
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

write_common() {
  # $1 = file, $2 = port, $3 = log name
  cat >"$1" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $(id -un)
swift_dir = $DIR
devices = $DIR/devices
mount_check = false
log_name = $3
log_level = WARNING
CONF
}

write_configs() {
  mkdir -p "$DIR/devices/d1" "$DIR/log" "$DIR/run"
  cat >"$DIR/swift.conf" <<CONF
[swift-hash]
swift_hash_path_prefix = syncagent-test
swift_hash_path_suffix = syncagent-test

[storage-policy:0]
name = Policy-0
default = yes
CONF

  write_common "$DIR/account-server.conf" "$ACCOUNT_PORT" account-server
  cat >>"$DIR/account-server.conf" <<CONF

[pipeline:main]
pipeline = account-server

[app:account-server]
use = egg:swift#account
CONF

  write_common "$DIR/container-server.conf" "$CONTAINER_PORT" container-server
  cat >>"$DIR/container-server.conf" <<CONF

[pipeline:main]
pipeline = container-server

[app:container-server]
use = egg:swift#container
CONF

  write_common "$DIR/object-server.conf" "$OBJECT_PORT" object-server
  cat >>"$DIR/object-server.conf" <<CONF

[pipeline:main]
pipeline = object-server

[app:object-server]
use = egg:swift#object
CONF

  write_common "$DIR/proxy-server.conf" "$PROXY_PORT" proxy-server
  cat >>"$DIR/proxy-server.conf" <<CONF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
CONF
}

build_ring() {
  # $1 = ring kind, $2 = port of its server; one device, one replica.
  cd "$DIR"
  swift-ring-builder "$1.builder" create 6 1 1 >/dev/null
  swift-ring-builder "$1.builder" add "r1z1-127.0.0.1:$2/d1" 100 >/dev/null
  swift-ring-builder "$1.builder" rebalance >/dev/null
}

build_rings() {
  build_ring account "$ACCOUNT_PORT" &
  local account=$!
  build_ring container "$CONTAINER_PORT" &
  local container=$!
  build_ring object "$OBJECT_PORT" &
  local object=$!
  wait "$account" && wait "$container" && wait "$object" || { log "swift-ring-builder failed"; exit 1; }
}

start_server() {
  # $1 = server kind (account, container, object, proxy)
  "swift-$1-server" "$DIR/$1-server.conf" >"$DIR/log/$1.log" 2>&1 &
  echo $! >"$DIR/run/$1.pid"
}

stop() {
  DIR=${1:?usage: s3-strict.sh stop DIR}
  local pidfile pid
  for pidfile in "$DIR"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
  done
  for pidfile in "$DIR"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$DIR"
}

start() {
  installed || { log "Swift is not installed (run: scripts/ci/s3-strict.sh install)"; exit 3; }
  DIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/syncagent-swift.XXXXXX")}
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  PROXY_PORT=$(free_port)
  ACCOUNT_PORT=$(free_port)
  CONTAINER_PORT=$(free_port)
  OBJECT_PORT=$(free_port)
  write_configs
  build_rings
  local kind
  for kind in account container object proxy; do start_server "$kind"; done

  local deadline=$((SECONDS + START_DEADLINE_SECONDS))
  until python3 - "$PROXY_PORT" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" <<'PY' 2>/dev/null
import socket, sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/healthcheck" % sys.argv[1], timeout=2).read()
for port in sys.argv[2:]:
    socket.create_connection(("127.0.0.1", int(port)), timeout=2).close()
PY
  do
    for kind in account container object proxy; do
      if ! kill -0 "$(cat "$DIR/run/$kind.pid")" 2>/dev/null; then
        log "swift-$kind-server exited; its log ($DIR/log/$kind.log):"
        cat "$DIR/log/$kind.log" >&2 || true
        stop "$DIR"
        exit 1
      fi
    done
    if [ $SECONDS -ge $deadline ]; then
      log "Swift did not answer within ${START_DEADLINE_SECONDS}s; logs in $DIR/log"
      exit 1
    fi
    sleep 0.1
  done
  echo "SYNCAGENT_TEST_S3_STRICT_ENDPOINT=http://127.0.0.1:$PROXY_PORT"
  echo "SYNCAGENT_TEST_S3_STRICT_DIR=$DIR"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  "") install; start ;;
  *) log "unknown command: $1 (expected install, start or stop)"; exit 2 ;;
esac
