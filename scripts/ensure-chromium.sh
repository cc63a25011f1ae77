#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the dashboard's browser test.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
apt_install "the dashboard browser test" chromium
