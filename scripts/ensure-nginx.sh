#!/usr/bin/env bash
# The reverse-proxy test (tests/test_proxy_nginx.py) runs Debian's real nginx, started by the
# test itself in a temporary folder (never the system service). Installs the package with
# apt when missing and we are root; otherwise explains what to do.
set -euo pipefail
# The same reading of CI as tests/conftest.py IN_CI: 1, true or yes, any case (.ci/run sets it).
case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')" in 1|true|yes) in_ci=1 ;; *) in_ci=0 ;; esac
if { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } && command -v openssl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's nginx (and openssl) for the reverse-proxy test..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # policy-rc.d may refuse to start the service in a container: the test starts its own
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq nginx openssl >/dev/null
  exit 0
fi
echo "nginx is missing: install Debian's package (sudo apt-get install nginx) to run the reverse-proxy test." >&2
if [ "$in_ci" = 1 ]; then exit 1; fi
