#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster (scripts/ci/postgres.sh),
# with its URL in SYNCAGENT_TEST_PG_URL, and stops the cluster whatever happens.
#   bash scripts/ci/with-postgres.sh env CI=true npm test
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || { echo "usage: with-postgres.sh COMMAND [ARGS…]" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/syncagent-pg.XXXXXX")
chmod 755 "$dir"
trap 'bash scripts/ci/postgres.sh stop "$dir"' EXIT
url=$(bash scripts/ci/postgres.sh start "$dir" | sed -n 's/^export SYNCAGENT_TEST_DATABASE_URL=//p')
[ -n "$url" ] || { echo "with-postgres.sh: the cluster did not start" >&2; exit 1; }
SYNCAGENT_TEST_PG_URL=$url "$@"
