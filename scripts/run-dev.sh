#!/usr/bin/env bash
# `make run`: the app on http://127.0.0.1:5000 (gunicorn), a mail worker, and a local mail sink
# that prints one line per mail and keeps it in instance/mail/. Ctrl+C, or a TERM to this
# script (or to `make run`), stops all three; so does any one of them ending.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
MAIL_PORT=${MAIL_PORT:-1025}
export FLASK_MAIL_SERVER=127.0.0.1 FLASK_MAIL_PORT=$MAIL_PORT
export FLASK_PUBLIC_BASE_URL=${FLASK_PUBLIC_BASE_URL:-http://$HOST:$PORT}

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
# The children run in the background and the script waits with `wait -n`, which a signal
# interrupts at once (bash defers traps while a foreground child runs: that made TERM slow).
trap 'stop; exit 0' INT TERM
trap stop EXIT

.venv/bin/python scripts/mail_sink.py --port "$MAIL_PORT" & pids+=($!)
.venv/bin/flask --app confapp mail deliver --loop --interval 1 --quiet & pids+=($!)
.venv/bin/gunicorn --bind "$HOST:$PORT" --workers 1 --threads 8 --graceful-timeout 2 \
  --log-level warning wsgi:app & pids+=($!)
for _ in $(seq 100); do
  if .venv/bin/python -c "import urllib.request as u; u.urlopen('http://$HOST:$PORT/', timeout=1)" \
      2>/dev/null; then break; fi
  sleep 0.2
done
echo "confapp runs on http://$HOST:$PORT  (mail to the sink is shown here and kept in instance/mail/; Ctrl+C stops)"
wait -n "${pids[@]}"
