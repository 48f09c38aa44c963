#!/usr/bin/env bash
# Chromium for the browser checks: Debian's package, installed with apt when this runs as root and
# it is missing. Not root and missing: fail loudly (the checks would fail anyway, less clearly).
set -euo pipefail
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "chromium: $candidate ($("$candidate" --version 2>/dev/null || true))"
    exit 0
  fi
done
if [ "$(id -u)" != "0" ]; then
  echo "error: Chromium is not installed, and installing it needs root (apt-get install -y chromium)." >&2
  echo "Install it, or set CHROMIUM_PATH to a Chromium binary, then run the browser checks again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null || true)"
