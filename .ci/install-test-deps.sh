#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against, when missing (a no-op when all are there):
#   chromium (+ its Latin fonts, and a small CJK font for legible Chinese screenshots): the console's browser
#     specs drive it through playwright-core at /usr/bin/chromium; playwright never downloads a browser;
#   redis-server: the shared-store specs (spec/stores/) start their own on a free port, without persistence.
# Without them those specs fail, saying what is missing: they are never skipped.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
for pkg in fonts-liberation fonts-wqy-microhei; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: chromium, redis-server and the fonts are present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-test-deps: not root and no sudo; install yourself: ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: no apt-get here; install yourself: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# redis-server's package starts a system service on 6379; the specs do not use it (they start their own).
echo "install-test-deps: installed ${missing[*]}"
