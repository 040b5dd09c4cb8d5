# Sourced by the scripts: where builds go. Outside the clone, so a fresh
# clone on the same machine reuses earlier builds.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/certdesk/target"
fi
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
true
