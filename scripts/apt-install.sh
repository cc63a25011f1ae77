# Sourced by scripts/ensure-*.sh: `apt_install WHAT PACKAGE...` installs Debian packages when running
# as root with apt-get (CI), and otherwise fails with the command a user should run. WHAT names the
# tests that need them. apt-get update runs once per script.
apt_install() {
  local what=$1
  shift
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "br: missing $*: install it (Debian/Ubuntu: sudo apt-get install $*) and rerun." >&2
    exit 1
  fi
  echo "br: installing Debian's $* for $what..." >&2
  if [ -z "${_BR_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; _BR_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
