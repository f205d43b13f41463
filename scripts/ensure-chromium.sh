#!/usr/bin/env bash
# Browser tests need Debian's Chromium (never a browser downloaded by a test tool).
# Installs it with apt when missing and we are root; otherwise explains what to do.
set -euo pipefail
# The same reading of CI as tests/conftest.py IN_CI: 1, true or yes, any case (.ci/run sets it).
case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')" in 1|true|yes) in_ci=1 ;; *) in_ci=0 ;; esac
fonts_ok() { [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || [ "$(id -u)" != "0" ]; }
if { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } && fonts_ok; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
  # CJK glyphs, so that screenshots of real conversations (vTaiwan) are readable; optional
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq fonts-wqy-zenhei >/dev/null || true
  exit 0
fi
echo "Chromium is missing: install Debian's package (sudo apt-get install chromium) to run the browser tests." >&2
if [ "$in_ci" = 1 ]; then exit 1; fi
