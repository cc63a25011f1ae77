#!/usr/bin/env bash
# `make demo`: run the quality gate on the bundled sample project (which has planted problems),
# then on a fixed copy. Exits non-zero only if the gate does not behave as shown.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
BR="$root/.venv/bin/br"
PY="$root/.venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export BR_TELEMETRY=0 GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com \
       GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com

prepare() {  # copy the sample (plus an optional overlay) into a fresh git repo and measure coverage
  local dest="$1" overlay="${2:-}"
  cp -R "$here/sample-app" "$dest"
  [ -n "$overlay" ] && cp -R "$overlay/." "$dest/"
  (cd "$dest" && git init -q -b main && git add -A && git commit -q --no-verify -m "sample project" \
     && "$BR" init --no-hook --quiet \
     && "$BR" coverage run -- "$PY" -m pytest -q -p no:cacheprovider >/dev/null 2>&1)
}

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

banner "1/2  examples/sample-app as committed: br quality check"
prepare "$work/sample-app"
(cd "$work/sample-app" && "$BR" quality check)
first=$?
echo "-> exit code $first (1 means the gate blocks this project)"

banner "2/2  the same project with examples/fixed applied: br quality check"
prepare "$work/fixed-app" "$here/fixed"
(cd "$work/fixed-app" && "$BR" quality check)
second=$?
echo "-> exit code $second (0 means the gate passes)"

if [ "$first" -ne 1 ] || [ "$second" -ne 0 ]; then
  echo "demo: unexpected result (planted project exit $first, fixed project exit $second)" >&2
  exit 1
fi
