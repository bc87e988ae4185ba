#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked
# gnome-keyring Secret Service, headless (tests of the OS keyring key store).
# Needs the apt packages gnome-keyring, libsecret-tools and dbus.
#   scripts/with-keyring.sh npx vitest run tests/platform/keyring.test.ts
set -eu
if [ "${SYNCAGENT_IN_KEYRING_SESSION:-}" != "1" ]; then
  for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
    command -v "$tool" >/dev/null 2>&1 || { echo "with-keyring: $tool is missing (apt-get install gnome-keyring libsecret-tools dbus)" >&2; exit 127; }
  done
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT INT TERM
  mkdir -p "$scratch/runtime" "$scratch/home"
  chmod 700 "$scratch/runtime"
  # A throwaway HOME keeps the test keyring away from the user's own.
  HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/runtime" XDG_DATA_HOME="$scratch/home/.local/share" \
    SYNCAGENT_IN_KEYRING_SESSION=1 dbus-run-session -- "$0" "$@"
  exit $?
fi
# Inside the session: start the daemon; the password creates and unlocks a throwaway login keyring.
printf 'syncagent-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
