#!/usr/bin/env bash
# Browser tests use Debian's Chromium. Install it when missing and we are root with apt-get;
# otherwise say exactly what to install.
set -euo pipefail
target="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$target" ]; then
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "CHROMIUM_PATH=$CHROMIUM_PATH does not point to an executable Chromium." >&2
  exit 1
fi
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium > /dev/null
  exit 0
fi
echo "Chromium is required for the browser tests: install Debian's package with" >&2
echo "  sudo apt-get install chromium" >&2
echo "or set CHROMIUM_PATH to an existing Chromium binary." >&2
exit 1
