#!/usr/bin/env bash
# The Procfile's web process: uvicorn, HTTP and WebSocket (docs/operations.md).
#
# The client's address. uvicorn by default believes X-Forwarded-For from 127.0.0.1, so with no
# proxy in front anyone on this machine (or a local proxy that passes the header on) picks
# their own address, and address-based login limits mean nothing. Here uvicorn reads proxy
# headers only from the proxies listed in FORWARDED_ALLOW_IPS (comma-separated addresses or
# networks); with none listed (the default) it ignores them.
set -euo pipefail

if [[ -n "${FORWARDED_ALLOW_IPS:-}" ]]; then
  proxy_headers=(--proxy-headers --forwarded-allow-ips "$FORWARDED_ALLOW_IPS")
else
  proxy_headers=(--no-proxy-headers)
fi

exec uvicorn config.asgi:application --host "${HOST:-127.0.0.1}" --port "$PORT" \
  --workers "${WEB_PROCESSES:-2}" --ws-per-message-deflate false --no-access-log \
  --lifespan off --timeout-graceful-shutdown 5 "${proxy_headers[@]}"
