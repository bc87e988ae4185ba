#!/usr/bin/env bash
# Installs the Debian packages the test suite uses, when they are missing:
# OpenStack Swift for the strict S3 test (DESIGN.md §5); a session bus,
# GNOME Keyring and secret-tool for the OS keyring test; notify-send for the
# notification test (tests/platform/keyring.test.ts, notify.test.ts); libfaketime
# for the clock-skew tests (an agent whose clock runs hours off); Chromium for the
# dashboard's browser tests (driven by playwright-core); HAProxy for the cluster
# check (scripts/cluster: server processes behind a balancer).
set -euo pipefail
need=()
# command:package — a package is needed when its command is missing.
for cmd in \
  swift-proxy-server:swift-proxy swift-object-server:swift-object swift-container-server:swift-container swift-account-server:swift-account \
  dbus-daemon:dbus-daemon dbus-run-session:dbus-daemon dbus-monitor:dbus-bin dbus-send:dbus-bin \
  gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools notify-send:libnotify-bin faketime:faketime chromium:chromium haproxy:haproxy; do
  bin=${cmd%%:*}; pkg=${cmd##*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
# The bus configuration and its service files come with the `dbus` package itself.
if command -v dpkg-query >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' dbus 2>/dev/null | grep -q "install ok installed"; then
  need+=(dbus)
fi
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  if [ "$(id -u)" -ne 0 ]; then
    echo "system-packages: missing ${need[*]} and not root; run: sudo apt-get install --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system packages ready"
