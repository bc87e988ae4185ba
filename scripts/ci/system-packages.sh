#!/usr/bin/env bash
# Installs the Debian packages the test suite uses, when they are missing:
# OpenStack Swift for the strict S3 test (DESIGN.md §5).
set -euo pipefail
need=()
for cmd in swift-proxy-server:swift-proxy swift-object-server:swift-object swift-container-server:swift-container swift-account-server:swift-account; do
  bin=${cmd%%:*}; pkg=${cmd##*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "system-packages: missing ${need[*]} and not root; run: sudo apt-get install --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system packages ready"
