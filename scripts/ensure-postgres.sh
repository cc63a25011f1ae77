#!/usr/bin/env bash
# Make sure PostgreSQL's server binaries (initdb, pg_ctl) are installed for the executed SQL
# autofix tests: each test session starts a throwaway cluster in a temp dir and removes it.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"
if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null 2>&1; then exit 0; fi
apt_install "the SQL autofix tests" postgresql
