#!/usr/bin/env bash
# System packages the test suite needs beyond Node and Python (Debian/Ubuntu CI images).
# - chromium: the evaluation report test renders report.html headless and checks the screenshot.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium
fi
