#!/bin/sh
# System packages the test suite uses beyond Python: Debian's Chromium for the agent-screen tests.
# Idempotent; needs root (or sudo) and Debian's package registry only the first time.
set -e
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get install -y --no-install-recommends chromium >/dev/null \
        || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends chromium >/dev/null; }
else
    echo "install Chromium with your package manager to run the browser tests" >&2
fi
