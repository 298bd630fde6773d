#!/usr/bin/env bash
# Serve the site with Django's runserver and, beside it, a Celery worker with embedded beat.
#
# Without REDIS_URL the worker uses the filesystem broker under var/celery, so nothing but
# Python is needed. The worker is a helper, not a dependency: if it cannot start or dies, the
# site keeps serving (pages never wait on the broker). It is stopped when runserver exits.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN="${VENV:-.venv}/bin"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export TRACKER_TODAY="${TRACKER_TODAY-2020-02-15}"

if [[ ! -x "$BIN/python" ]]; then
  echo "serve: $BIN/python not found; run 'make run' (or 'make install') first" >&2
  exit 1
fi

# The demo is served as a deployment would be, with Django's debug pages off (DEBUG=1 in the
# environment turns them back on), but over plain http on this machine: the settings'
# production defaults stay strict and only this local run relaxes them, through the env.
export DEBUG="${DEBUG:-0}"
if [[ "$DEBUG" == "0" ]]; then
  var_dir="${VAR_DIR:-var}"
  mkdir -p "$var_dir"
  key_file="$var_dir/secret_key"
  if [[ ! -s "$key_file" ]]; then
    # Generated once and kept, so sessions survive a restart; never committed (var/ is ignored).
    (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$key_file")
  fi
  export SECRET_KEY="${SECRET_KEY:-$(<"$key_file")}"
  mkdir -p "${STATIC_ROOT:-$var_dir/staticfiles}"  # WhiteNoise warns when it is missing
  export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]${HOST:+,$HOST}}"
  export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-0}"
  export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-0}"
  export CSRF_COOKIE_SECURE="${CSRF_COOKIE_SECURE:-0}"
  export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
  # WhiteNoise serves the static files from the source folders: no collectstatic (a minute
  # of hashing and compressing) before each start of a local demo.
  export STATICFILES_STORAGE="${STATICFILES_STORAGE:-django.contrib.staticfiles.storage.StaticFilesStorage}"
  export WHITENOISE_USE_FINDERS="${WHITENOISE_USE_FINDERS:-1}"
fi

worker_pid=""
server_pid=""

stop() {
  local pid
  for pid in "$server_pid" "$worker_pid"; do
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null
  done
  # Celery's warm shutdown finishes the running job; give both a few seconds, then insist.
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "$server_pid" "$worker_pid"; do
      [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [[ $alive -eq 0 ]] && break
    sleep 0.5
  done
  for pid in "$server_pid" "$worker_pid"; do
    [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  [[ -n "$worker_pid" ]] && echo "serve: Celery worker stopped"
  return 0
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ "${WITH_WORKER:-1}" == "1" ]]; then
  # The filesystem broker needs its folders to exist before the worker starts; take them
  # from settings so VAR_DIR and friends are honoured.
  log_file=$("$BIN/python" - <<'PY' 2>/dev/null
import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django

django.setup()
from django.conf import settings

options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
for key in ("data_folder_in", "data_folder_out", "control_folder"):
    if options.get(key):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
backend = getattr(settings, "CELERY_RESULT_BACKEND", "") or ""
if backend.startswith("file://"):
    Path(backend[len("file://"):]).mkdir(parents=True, exist_ok=True)
log_dir = Path(settings.VAR_DIR) / "log"
log_dir.mkdir(parents=True, exist_ok=True)
print(log_dir / "celery.log")
PY
  )
  if [[ -n "$log_file" ]]; then
    "$BIN/celery" -A config worker -B --loglevel=info --concurrency=1 \
      --logfile="$log_file" >/dev/null 2>&1 &
    worker_pid=$!
    echo "serve: Celery worker with beat started (pid $worker_pid), log: $log_file"
  else
    echo "serve: could not prepare the Celery worker; serving without background jobs" >&2
  fi
fi

echo "serve: http://$HOST:$PORT/  (business date TRACKER_TODAY=${TRACKER_TODAY:-today}, DEBUG=$DEBUG)"
# runserver runs as a child the script waits on, so Ctrl-C or a TERM sent to the script stops
# the site and the worker together.
"$BIN/python" manage.py runserver "$HOST:$PORT" &
server_pid=$!
wait "$server_pid"
