#!/usr/bin/env bash
# The whole suite twice: on SQLite, then on a throwaway PostgreSQL server.
# Browser tests (Playwright + Debian's Chromium) run in both passes; both passes also get a
# throwaway redis-server (TEST_REDIS_URL) for the login-throttling test with two workers.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider "$@")

echo "=== SQLite ==="
env -u TEST_DATABASE_URL scripts/with-redis.sh "${PYTEST[@]}"
sqlite_rc=$?

echo "=== PostgreSQL ==="
scripts/with-redis.sh scripts/with-postgres.sh "${PYTEST[@]}"
pg_rc=$?

echo "SQLite pass exit code: $sqlite_rc, PostgreSQL pass exit code: $pg_rc"
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
