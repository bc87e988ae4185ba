#!/usr/bin/env bash
# The server's tests on PostgreSQL (S2): beside a throwaway cluster
# (scripts/ci/with-postgres.sh), every test server gets a schema of its own
# in it; runs the given vitest arguments (default: the server and database
# tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -eq 0 ]; then set -- tests/server tests/db; fi
# shellcheck disable=SC2016 # expanded by the inner shell, once the cluster is up
exec bash scripts/ci/with-postgres.sh bash -c 'SYNCAGENT_TEST_DATABASE_URL="$SYNCAGENT_TEST_PG_URL" exec npx vitest run --coverage.enabled=false "$@"' test-postgres "$@"
