#!/usr/bin/env bash
# The Kubernetes test API server (tests/support/kube) is checked against the real kubectl:
# Debian's package (kubernetes-client). Install it when missing and we are root with apt-get;
# otherwise say exactly what to install. KUBECTL_BIN names another kubectl to test with.
set -euo pipefail
if [ -n "${KUBECTL_BIN:-}" ]; then
  if "$KUBECTL_BIN" version --client > /dev/null 2>&1; then
    exit 0
  fi
  echo "KUBECTL_BIN=$KUBECTL_BIN is not a working kubectl." >&2
  exit 1
fi
if command -v kubectl > /dev/null && kubectl version --client > /dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's kubernetes-client (kubectl) for the Kubernetes API server tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends kubernetes-client > /dev/null
  exit 0
fi
echo "kubectl is required for the Kubernetes API server tests: install Debian's package with" >&2
echo "  sudo apt-get install kubernetes-client" >&2
echo "or set KUBECTL_BIN to a kubectl binary." >&2
exit 1
