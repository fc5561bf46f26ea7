#!/usr/bin/env bash
# Runs a command beside a throwaway redis-server on 127.0.0.1 (a free port, nothing written to
# disk) and always stops it. The command sees TEST_REDIS_URL. Usage: scripts/with-redis.sh CMD...
set -euo pipefail
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d /tmp/confapp-redis.XXXXXX)
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --save "" --appendonly no \
  --logfile "$DIR/redis.log" >/dev/null &
REDIS_PID=$!
stop() {
  kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap stop EXIT INT TERM
for _ in $(seq 100); do
  redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG && break
  kill -0 "$REDIS_PID" 2>/dev/null || break
  sleep 0.05
done
redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG || {
  echo "redis-server did not start:" >&2; cat "$DIR/redis.log" >&2; exit 1; }
export TEST_REDIS_URL="redis://127.0.0.1:$PORT"
"$@"
