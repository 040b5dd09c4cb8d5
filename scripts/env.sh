# Sourced by the scripts: where builds go. Outside the clone, so a fresh
# clone on the same machine reuses earlier builds.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/certdesk/target"
fi
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
# The Python the tests run kept parsers with (scripts/setup fills it).
export CERTDESK_PYTHON="${CERTDESK_PYTHON:-${XDG_CACHE_HOME:-$HOME/.cache}/certdesk/python/bin/python}"
# Installs those of the Debian packages named that are missing (sudo when
# not root): each script names what it needs.
install_missing() {
  local pkg need=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  ((${#need[@]})) || return 0
  echo "$(basename "$0"): installing ${need[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
true
