#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser specs (spec/console/browser.spec.ts), which drive it
# through playwright-core with executablePath /usr/bin/chromium: playwright never downloads a browser.
# A no-op when chromium is already there; without root or apt-get it says so and lets the specs skip.
set -euo pipefail

# chromium runs the specs (without its recommends, so its Latin fonts are listed here); a small CJK font makes the Chinese screenshots legible (cosmetic only).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
for pkg in fonts-liberation fonts-wqy-microhei; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-browser: chromium and a CJK font are present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; the browser specs will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-browser: not root and no sudo; the browser specs will be skipped" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
