# Sourced by scripts/prod.sh and the load test: the environment of the local production
# stack. Defaults suit a run over plain http on this machine; behind a TLS proxy set
# SITE_URL, ALLOWED_HOSTS and SECRET_KEY, and leave SECURE_COOKIES and SECURE_SSL_REDIRECT unset.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.venv/bin:$PATH"

if [[ "${DATABASE_URL:-}" != postgres* ]]; then
  echo "The production stack needs PostgreSQL: set DATABASE_URL, e.g." >&2
  echo "  createdb -h 127.0.0.1 -U postgres community" >&2
  echo "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/community REDIS_URL=redis://127.0.0.1:6379/0 make prod" >&2
  exit 2
fi
if [[ "${REDIS_URL:-}" != redis* ]]; then
  echo "The production stack needs Redis: set REDIS_URL, e.g. redis://127.0.0.1:6379/0" >&2
  exit 2
fi

export PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-false}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SECURE_COOKIES="${SECURE_COOKIES:-false}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export CELERY_TASK_ALWAYS_EAGER=false
if [[ -z "${SECRET_KEY:-}" ]]; then
  # Kept in a git-ignored file, so sessions survive a restart of the local stack.
  [[ -s .prod-secret-key ]] || python -c 'import secrets; print(secrets.token_urlsafe(50))' > .prod-secret-key
  SECRET_KEY="$(cat .prod-secret-key)"
  export SECRET_KEY
fi
