#!/usr/bin/env bash
# The machine components CI's tests require beyond the virtualenv (tests/components.py):
# Debian's chromium for the browser tests of the pages we ship. Root is needed, as it is for the
# tmpfs of the full-disk tests. Anything missing afterwards is a CI failure, not a skip.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "ci_setup: chromium is not installed and this is not root: install it (apt-get install -y chromium)" >&2
    exit 1
  fi
  echo "ci_setup: installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "ci_setup: chromium at $(command -v chromium)"
