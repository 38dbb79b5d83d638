#!/usr/bin/env bash
# CI's short load test: start the production stack (scripts/prod.sh) on DATABASE_URL and
# REDIS_URL in the background, wait until it is ready, run scripts/loadtest.sh with 50
# members for 30 s, and stop the whole stack again. Fails on any failed request (a 5xx
# first of all), on a stack that never gets ready, and on connections above the bound.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to an empty PostgreSQL database}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379/0}"
READY_TIMEOUT="${READY_TIMEOUT:-90}"

database=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).path.strip("/"))' "$DATABASE_URL")
# Keys of their own on a Redis that other runs may share.
export CHANNEL_PREFIX="loadci-$database" CACHE_KEY_PREFIX="loadci-$database"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORT
work=$(mktemp -d)
export BEAT_SCHEDULE="$work/celerybeat-schedule"  # not the checkout's: another stack may use it
# One key for the stack and the seeding (sessions are signed with it); none written to disk.
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
log="$work/stack.log"

stack_group=""
stop_stack() {
  if [[ -z "$stack_group" || "$stack_group" == "$(ps -o pgid= -p $$ | tr -d ' ')" ]]; then
    return  # never signal our own group
  fi
  kill -TERM -- "-$stack_group" 2>/dev/null || true
  for _ in $(seq 1 30); do
    pgrep -g "$stack_group" >/dev/null || break
    sleep 0.5
  done
  if pgrep -g "$stack_group" >/dev/null; then
    echo "The stack did not stop within 15 s; killing what is left:" >&2
    ps -o pid,args -g "$stack_group" >&2 || true
    kill -KILL -- "-$stack_group" 2>/dev/null || true
  fi
  stack_group=""
}
finish() {
  local status=$?
  stop_stack
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT

# The stack runs in a process group of its own (setsid), so stopping it reaches every
# process honcho started: uvicorn's workers, Celery's pool children, beat.
echo "Starting the production stack on port $PORT"
setsid bash scripts/prod.sh > "$log" 2>&1 < /dev/null &
stack_pid=$!
stack_group=""
# Without job control setsid does not fork: the stack's first process leads the new group.
for _ in $(seq 1 50); do
  if [[ "$(ps -o pgid= -p "$stack_pid" | tr -d ' ')" == "$stack_pid" ]]; then
    stack_group=$stack_pid
    break
  fi
  sleep 0.1
done

if [[ -z "$stack_group" ]]; then
  echo "The stack did not get a process group of its own; stopping it by its PID." >&2
  kill -TERM "$stack_pid" 2>/dev/null || true
  exit 1
fi

started=$SECONDS
until curl -fsS --max-time 2 "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
  if ! kill -0 "$stack_pid" 2>/dev/null || (( SECONDS - started > READY_TIMEOUT )); then
    echo "The stack was not ready within ${READY_TIMEOUT} s. Its log ends with:" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "Stack ready after $(( SECONDS - started )) s"

status=0
USERS="${USERS:-50}" DURATION="${DURATION:-30s}" SPAWN_RATE="${SPAWN_RATE:-25}" \
  bash scripts/loadtest.sh || status=$?
if (( status != 0 )); then
  echo "Load test failed. Errors in the stack's log:" >&2
  grep -E -m 40 "Traceback|ERROR|Error:|too many clients|PoolTimeout" "$log" >&2 || true
fi
exit "$status"
