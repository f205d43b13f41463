#!/usr/bin/env bash
# The PostgreSQL session-store tests (tests/test_pg_store.py) run Debian's real PostgreSQL,
# started by the tests themselves in a temporary folder (initdb + pg_ctl as the `postgres`
# user when we are root; never the system service). Installs the package with apt when
# missing and we are root; otherwise explains what to do.
set -euo pipefail
# The same reading of CI as tests/conftest.py IN_CI: 1, true or yes, any case (.ci/run sets it).
case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')" in 1|true|yes) in_ci=1 ;; *) in_ci=0 ;; esac
have_pg() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1
}
if have_pg && { [ "$(id -u)" != "0" ] || getent passwd postgres >/dev/null; }; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's postgresql for the PostgreSQL session-store tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # policy-rc.d may refuse to start the service in a container: the tests start their own
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null
  exit 0
fi
echo "PostgreSQL is missing: install Debian's package (sudo apt-get install postgresql) to run the PostgreSQL store tests." >&2
if [ "$in_ci" = 1 ]; then exit 1; fi
