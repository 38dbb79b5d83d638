#!/usr/bin/env bash
# `make loadtest`: simulated members (tests/load/locustfile.py) against a running `make prod`
# on the same DATABASE_URL and REDIS_URL. Seeds the load test's group, members and sessions
# (manage.py seed_load), runs locust headless, and prints req/s, p50/p99 per request, the
# responses by status, the WebSocket figures, and the most PostgreSQL connections seen next
# to the documented bound. Fails on any failed request and on connections above the bound.
#
# Knobs: USERS (200), SPAWN_RATE (20/s), DURATION (3m), LOADTEST_HOST
# (http://127.0.0.1:$PORT), WEB_PROCESSES (2), WORKER_PROCESSES (2), DATABASE_POOL_MAX_SIZE
# (10) and LOADTEST_SPARE_CONNECTIONS (5) for the bound, LOADTEST_WAIT_MIN/MAX (5/15 s of
# think time) and LOADTEST_LIVE_CHAT_SHARE (0.15 of members hold the chat socket open).
set -euo pipefail
source "$(dirname "$0")/prod-env.sh"  # the server's environment: its SECRET_KEY signs sessions

USERS="${USERS:-200}"
SPAWN_RATE="${SPAWN_RATE:-20}"
DURATION="${DURATION:-3m}"
HOST="${LOADTEST_HOST:-http://127.0.0.1:$PORT}"
SAMPLE_SECONDS=2

# The documented sizing rule (config/settings.py, "Database"): every process keeps its own
# pool, so the stack holds at most (web + worker processes + beat) x pool size, plus a few.
BOUND=$(( (${WEB_PROCESSES:-2} + ${WORKER_PROCESSES:-2} + 1) * ${DATABASE_POOL_MAX_SIZE:-10} \
  + ${LOADTEST_SPARE_CONNECTIONS:-5} ))

database_host=$(python -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname or "")' "$DATABASE_URL")
if [[ "$database_host" != 127.0.0.1 && "$database_host" != localhost && -z "${LOADTEST_REMOTE_DATABASE:-}" ]]; then
  echo "The load test creates $USERS accounts with live sessions in $database_host's database." >&2
  echo "It runs against a local test stack; set LOADTEST_REMOTE_DATABASE=yes if this is one." >&2
  exit 2
fi
if ! curl -fs --max-time 5 "$HOST/readyz" >/dev/null; then
  echo "Nothing ready at $HOST/readyz: start the stack first (make prod, same environment)." >&2
  exit 2
fi

work=$(mktemp -d)
sampler_pid=""
cleanup() {
  if [[ -n "$sampler_pid" ]]; then kill "$sampler_pid" 2>/dev/null || true; fi
  rm -rf "$work"  # the run data holds live login sessions
}
trap cleanup EXIT

python manage.py seed_load --members "$USERS" --output "$work/run.json" \
  --yes-this-is-a-test-database

# Connections of this database, every few seconds, not counting the sampler's own.
sample_connections() {
  local count
  while true; do
    count=$(psql "$DATABASE_URL" -XAtqc "SELECT count(*) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()" 2>/dev/null) \
      && echo "$count" >> "$work/connections"
    sleep "$SAMPLE_SECONDS"
  done
}
sample_connections &
sampler_pid=$!

echo "Load test: $USERS members (spawning $SPAWN_RATE/s) for $DURATION against $HOST"
locust_status=0
LOADTEST_DATA="$work/run.json" locust -f tests/load/locustfile.py --headless \
  -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" --host "$HOST" --only-summary \
  --loglevel WARNING || locust_status=$?

kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
most=$(sort -n "$work/connections" 2>/dev/null | tail -1)
samples=$(wc -l < "$work/connections" 2>/dev/null || echo 0)
limit=$(psql "$DATABASE_URL" -XAtqc "SHOW max_connections")
echo "PostgreSQL connections: at most ${most:-?} seen in $samples samples; bound $BOUND" \
  "= (${WEB_PROCESSES:-2} web + ${WORKER_PROCESSES:-2} worker + 1 beat)" \
  "x ${DATABASE_POOL_MAX_SIZE:-10} + ${LOADTEST_SPARE_CONNECTIONS:-5}; server max_connections $limit"

status=$locust_status
if [[ -z "$most" ]]; then
  echo "FAILED: no PostgreSQL connection count could be sampled." >&2
  status=1
elif (( most > BOUND )); then
  echo "FAILED: $most PostgreSQL connections, above the bound of $BOUND." >&2
  status=1
fi
exit "$status"
