#!/usr/bin/env bash
# Install what the tests need (Debian Chromium, a venv with requirements-dev.txt) and run the whole
# suite, browser tests included.  Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: chromium (browser tests, kaleido export), strace and iproute2
# (the no-network test runs the server under strace in a loopback-only network namespace).
if [ ! -x /usr/bin/chromium ] || ! command -v strace >/dev/null || ! command -v ip >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium strace iproute2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt

# Keep Chromium's and kaleido's side files inside the project (TOOLCHAIN.md §3).
mkdir -p tmp/xdg-config tmp/xdg-cache
export TMPDIR="$PWD/tmp" XDG_CONFIG_HOME="$PWD/tmp/xdg-config" XDG_CACHE_HOME="$PWD/tmp/xdg-cache"
export PYTHONDONTWRITEBYTECODE=1
exec .venv/bin/python -m pytest --basetemp="$PWD/tmp/pytest" "$@"
