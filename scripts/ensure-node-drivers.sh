#!/usr/bin/env bash
# Install the Node.js drivers the executed JS/TS SQL autofix tests run code with (pg, better-sqlite3,
# mysql, mysql2) and the MariaDB server binaries their throwaway MySQL-protocol server runs from:
# `npm ci` of tests/node/package-lock.json into a cache dir outside the repository, keyed by the lock
# file and the node version. Prints that directory (its node_modules) on stdout; progress on stderr.
# As root it installs what is missing from Debian (nodejs + npm, a C++ toolchain for better-sqlite3,
# Node's headers, mariadb-server-core + mariadb-client-core). Fails loudly: the tests never skip because node or a driver is missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
spec="$repo/tests/node"

. "$(dirname "$0")/apt-install.sh"
NEEDS="the JS autofix tests"

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install "$NEEDS" nodejs npm
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "br: node $(node --version) is too old: better-sqlite3 12 needs Node.js >= 20 (Debian 12 ships 18:" \
       "install nodejs 20+ from NodeSource or your distribution's backports)." >&2
  exit 1
fi
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || apt_install "$NEEDS" make g++
command -v python3 >/dev/null 2>&1 || apt_install "$NEEDS" python3
# node-gyp compiles against the installed node's headers (no download): NodeSource's nodejs ships
# them in /usr/include/node, Debian's in libnode-dev.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ ! -f "$node_prefix/include/node/node.h" ]; then apt_install "$NEEDS" libnode-dev; fi
# mariadbd + mariadb-install-db (which needs my_print_defaults): tests/sqli/mysqlserver.py
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || apt_install "$NEEDS" mariadb-server-core
command -v my_print_defaults >/dev/null 2>&1 || apt_install "$NEEDS" mariadb-client-core

key=$( (cat "$spec/package.json" "$spec/package-lock.json"; node --version) | sha256sum | cut -c1-16)
cache="${BR_NODE_DRIVERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/buildrunner/node-drivers}"
dir="$cache/$key"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # parallel test workers: one installs, the others wait
if [ ! -f "$dir/.installed" ]; then
  echo "br: installing the node drivers for the JS autofix tests into $dir (builds better-sqlite3)..." >&2
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  cp "$spec/package.json" "$spec/package-lock.json" "$dir.tmp/"
  # build from source: reproducible, and no binary download (only the npm registry is needed)
  (cd "$dir.tmp" && npm_config_nodedir="$node_prefix" npm_config_build_from_source=true \
      npm ci --no-audit --no-fund --loglevel=error >&2)
  (cd "$dir.tmp" && node -e '
    const Database = require("better-sqlite3"); require("pg");
    if (new Database(":memory:").prepare("SELECT ? + 1 AS n").get(1).n !== 2) process.exit(1);' )
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  touch "$dir/.installed"
fi
echo "$dir/node_modules"
