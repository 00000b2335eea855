#!/usr/bin/env bash
# Installs Debian's redis-server for the shared-store specs (spec/stores/), which start their own server on a
# free port with no persistence. A no-op when it is already there; without root or apt-get it says so (the
# Redis specs then fail, saying why: they are not skipped).
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "install-redis: $(redis-server --version | cut -d' ' -f1-3) is present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-redis: no apt-get here; install redis-server yourself for the Redis specs" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-redis: not root and no sudo; install redis-server yourself for the Redis specs" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends redis-server
# The package starts a system service on 6379; the specs do not use it (they start their own).
echo "install-redis: installed $(redis-server --version | cut -d' ' -f1-3)"
