#!/usr/bin/env bash
# `make run`: the app on http://127.0.0.1:5000, a mail worker, and a local mail sink that
# prints every mail (and keeps it in instance/mail/). Ctrl+C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
MAIL_PORT=${MAIL_PORT:-1025}
export FLASK_MAIL_SERVER=127.0.0.1 FLASK_MAIL_PORT=$MAIL_PORT
export FLASK_PUBLIC_BASE_URL=${FLASK_PUBLIC_BASE_URL:-http://$HOST:$PORT}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
.venv/bin/python scripts/mail_sink.py --port "$MAIL_PORT" & pids+=($!)
.venv/bin/flask --app confapp mail deliver --loop --interval 1 & pids+=($!)
echo "confapp on http://$HOST:$PORT  (demo accounts above; password demo-password-2027)"
.venv/bin/flask --app confapp run --host "$HOST" --port "$PORT"
