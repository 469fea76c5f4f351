#!/usr/bin/env bash
# Install what the tests need (Debian packages, a venv with requirements-dev.txt) and run the whole
# suite, browser, R and PostgreSQL tests included.  Usage: bash scripts/test.sh [pytest args]
# Measured from a fresh clone on the 2-core project machine, installs included: about 11 minutes for 1,946
# tests (pytest 10 min 31 s, machine otherwise idle, 2026-12-07, CI=true); 1,226 tests took ~6 minutes idle.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: chromium (browser tests, kaleido export), strace and iproute2
# (the no-network test runs the server under strace in a loopback-only network namespace),
# r-base-core and r-cran-metafor (the reproduce scripts are run under R), postgresql (the store
# suite starts a throwaway cluster on loopback; tests/store_pg.py), nginx-light (deploy/nginx.conf is
# tested in front of two replicas).
if [ ! -x /usr/bin/chromium ] || ! command -v strace >/dev/null || ! command -v ip >/dev/null \
   || ! command -v Rscript >/dev/null || ! Rscript -e 'library(metafor)' >/dev/null 2>&1 \
   || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v nginx >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  # --no-upgrade: install what is missing, never upgrade what is already there (it upgraded PostgreSQL once).
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-upgrade chromium strace iproute2 \
    r-base-core r-cran-metafor postgresql nginx-light
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt

# Keep Chromium's and kaleido's side files inside the project: both write profiles, caches and
# crash dumps under TMPDIR and the XDG folders, which must not leak into (or depend on) the user's home.
mkdir -p tmp/xdg-config tmp/xdg-cache
export TMPDIR="$PWD/tmp" XDG_CONFIG_HOME="$PWD/tmp/xdg-config" XDG_CACHE_HOME="$PWD/tmp/xdg-cache"
export PYTHONDONTWRITEBYTECODE=1
exec .venv/bin/python -m pytest --basetemp="$PWD/tmp/pytest" "$@"
