#!/bin/sh
# Entrypoint of the image: prepares the writable folders, applies migrations when asked
# (MIGRATE_ON_START=1, set on the web service only, so worker and beat never race it), then
# runs the service's command.
set -eu

mkdir -p "${VAR_DIR:-/var/lib/ducha}/celery" "${MEDIA_ROOT:-/var/lib/ducha/media}"

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
  python manage.py migrate --noinput
fi

exec "$@"
