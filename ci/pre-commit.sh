#!/usr/bin/env bash
# The `toolcheck` pre-commit hook (.pre-commit-hooks.yaml): runs `toolcheck check` with the
# hook's `args` in the repository being committed to (pre-commit runs hooks at its root).
# pre-commit keeps a clone of this repository per hook version; the first run builds toolcheck
# into that clone with `cargo install --locked` (the versions of Cargo.lock), later runs reuse
# it. CARGO_TARGET_DIR, when set, is where that build happens.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_root="$here/target/pre-commit"
bin="$install_root/bin/toolcheck"
if [ ! -x "$bin" ]; then
  echo "toolcheck: building toolcheck for pre-commit, once (cargo install --locked)" >&2
  cargo install --locked --quiet --path "$here/server" --root "$install_root" >&2
fi
exec "$bin" check "$@"
