#!/usr/bin/env bash
# The server's tests on PostgreSQL (S2): starts a throwaway cluster
# (scripts/ci/postgres.sh), runs the given vitest arguments against it
# (default: the server and database tests), and stops it whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/syncagent-pg.XXXXXX")
chmod 755 "$dir"
trap 'bash scripts/ci/postgres.sh stop "$dir"' EXIT
eval "$(bash scripts/ci/postgres.sh start "$dir")"
export SYNCAGENT_TEST_DATABASE_URL
if [ $# -eq 0 ]; then set -- tests/server tests/db; fi
npx vitest run "$@"
