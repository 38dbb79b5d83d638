#!/usr/bin/env bash
# `make prod`: the production topology on this machine (Procfile: web processes, a Celery
# worker and beat) on the PostgreSQL and Redis that DATABASE_URL and REDIS_URL name, with
# DEBUG off (environment: scripts/prod-env.sh).
set -euo pipefail
source "$(dirname "$0")/prod-env.sh"

python manage.py migrate --noinput
python manage.py collectstatic --noinput -v 0
echo "Serving on $SITE_URL (web x${WEB_PROCESSES:-2}, worker, beat). Stop with Ctrl-C."
exec honcho start -f Procfile -p "$PORT"
