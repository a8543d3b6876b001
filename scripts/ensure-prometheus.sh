#!/usr/bin/env bash
# The metrics adapter is tested against a real Prometheus: Debian's package. Install it when
# missing and we are root with apt-get; otherwise say exactly what to install.
set -euo pipefail
target="${PROMETHEUS_BIN:-/usr/bin/prometheus}"
if [ -x "$target" ]; then
  exit 0
fi
if [ -n "${PROMETHEUS_BIN:-}" ]; then
  echo "PROMETHEUS_BIN=$PROMETHEUS_BIN is not an executable Prometheus." >&2
  exit 1
fi
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's prometheus for the metrics adapter tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus > /dev/null
  # The package starts a system service; the tests run their own server.
  (systemctl stop prometheus 2> /dev/null || service prometheus stop 2> /dev/null || pkill -x prometheus || true) > /dev/null 2>&1
  exit 0
fi
echo "Prometheus is required for the metrics adapter tests: install Debian's package with" >&2
echo "  sudo apt-get install prometheus" >&2
echo "or set PROMETHEUS_BIN to a Prometheus binary." >&2
exit 1
