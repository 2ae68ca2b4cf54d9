#!/usr/bin/env bash
# What the browser tests need: Debian's chromium and axe-core from the npm registry.
# (and a CJK font so Chinese pages render). Never downloads a Playwright browser; the tests launch /usr/bin/chromium themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
    echo "== installing chromium (Debian package)"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends chromium fonts-noto-cjk
fi

echo "== axe-core (tests/web/node_modules)"
if [ -f tests/web/package-lock.json ]; then
    npm ci --prefix tests/web --no-audit --no-fund
else
    npm install --prefix tests/web --no-audit --no-fund
fi
