#!/usr/bin/env bash
# The main job for a new user: database ready, seed catalog and sample profiles loaded, a Celery
# worker, Celery beat and the web UI running on localhost. `scripts/demo.sh stop` stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
PORT=${PORT:-8000}
RUN=var/run
LOG=var/log
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-procure.settings.local}
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export HF_HOME=${HF_HOME:-$PWD/var/hf}
mkdir -p "$RUN" "$LOG"

stop_one() {  # name
  local pidfile="$RUN/$1.pid" pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" && echo "[demo] stopped $1"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$pidfile"
}

if [ "${1:-}" = stop ]; then
  stop_one web
  stop_one beat
  stop_one worker
  exit 0
fi

began=$(date +%s)
step=$began
took() {  # how long the step since the last call took, so that the log shows where time goes
  local now; now=$(date +%s)
  echo "[demo]   ($(( now - step )) s)"
  step=$now
}
echo "[demo] migrating the database"
$BIN/python manage.py migrate --noinput >"$LOG/migrate.log"
$BIN/python manage.py collectstatic --noinput >/dev/null
took

echo "[demo] loading the seed catalog and sample profiles"
$BIN/python manage.py demo_setup
took

stop_one worker
stop_one beat
stop_one web
echo "[demo] starting a Celery worker (log: $LOG/worker.log)"
$BIN/celery -A procure worker -Q eval_cpu,eval_api,housekeeping --concurrency 1 \
  -n demo@%h --loglevel INFO --logfile "$LOG/worker.log" --pidfile "$RUN/worker.pid" --detach
# Beat sends the periodic work: re-queueing orphaned runs, and each profile's schedule. Its
# schedule lives in the database (django-celery-beat), so one beat process serves them all.
echo "[demo] starting Celery beat (log: $LOG/beat.log)"
$BIN/celery -A procure beat --loglevel INFO --logfile "$LOG/beat.log" --pidfile "$RUN/beat.pid" \
  --detach

echo "[demo] starting the web server on http://127.0.0.1:$PORT (log: $LOG/web.log)"
$BIN/gunicorn procure.wsgi:application --env DJANGO_SETTINGS_MODULE="$DJANGO_SETTINGS_MODULE" \
  --bind "127.0.0.1:$PORT" --workers 2 --daemon --pid "$RUN/web.pid" \
  --access-logfile "$LOG/web-access.log" --error-logfile "$LOG/web.log"

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" && echo
took

echo "[demo] services up in $(( $(date +%s) - began )) s"
echo "[demo] running the demo campaigns (the first run builds two tiny models: about a minute)"
$BIN/python manage.py demo_campaign --profile "${DEMO_PROFILE:-demo}" --out var/reports
echo "[demo] the main job took $(( $(date +%s) - began )) s"

cat <<TXT

procure is running.
  Web UI:   http://127.0.0.1:$PORT/          (log in as demo / demo-password-1)
  Admin:    http://127.0.0.1:$PORT/admin/    (the seed catalog is under "Candidate models")
  Reports:  var/reports/*.pdf (and under "Latest reports" in the web UI)
  Log:      $LOG/demo.log (this output)
  Next:     the five-minute tour in docs/demo.md
  Schedules: set one on a task profile ("Schedule"); Celery beat fires it (log: $LOG/beat.log)
  Stop it:  make stop
TXT
