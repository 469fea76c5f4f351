#!/usr/bin/env bash
# One app replica on 127.0.0.1:<port>, pinned to one core when a second argument names it:
#   deploy/run_replica.sh 8501 0      # replica 1 on core 0
#   deploy/run_replica.sh 8502 1      # replica 2 on core 1
# Settings: the file $MSCDM_ENV_FILE (default deploy/replica.env; see deploy/replica.env.example).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:?usage: run_replica.sh PORT [CORE]}"
env_file="${MSCDM_ENV_FILE:-deploy/replica.env}"
if [[ -f "$env_file" ]]; then set -a; . "$env_file"; set +a; fi
# Streamlit signs its XSRF cookie with this secret: an empty, default or short one is refused.
secret="${STREAMLIT_SERVER_COOKIE_SECRET:-}"
if [[ -z "$secret" || "$secret" == "change-me" || ${#secret} -lt 32 ]]; then
    echo "run_replica.sh: STREAMLIT_SERVER_COOKIE_SECRET is empty, the example's 'change-me' or shorter than 32" \
         "characters; generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'" >&2
    exit 2
fi
pin=()
if [[ -n "${2:-}" ]]; then pin=(taskset -c "$2"); fi
exec "${pin[@]}" "${PYTHON:-.venv/bin/python}" -m streamlit run app.py \
    --server.address 127.0.0.1 --server.port "$port" \
    --server.headless true --server.fileWatcherType none --server.runOnSave false \
    --browser.gatherUsageStats false \
    --server.enableCORS true --server.enableXsrfProtection true
