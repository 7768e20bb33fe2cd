#!/usr/bin/env bash
# Builds a platform-specific, self-contained .vsix: the extension with the toolcheck server
# binary inside (server/toolcheck, the path the extension tries after its settings), for the
# Marketplace's and Open VSX's per-platform packages.
#
# Usage: editors/vscode/package-platform.sh [TOOLCHECK_BIN] [VSCODE_TARGET]
#   TOOLCHECK_BIN   the server to bundle (default: a release build of this checkout)
#   VSCODE_TARGET   linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, ...
#                   (default: this machine's); the binary must be built for it
# Output: editors/vscode/dist/toolcheck-VSCODE_TARGET.vsix
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${1:-}
target=${2:-}
if [ -z "$target" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) target=linux-x64 ;;
    Linux-aarch64) target=linux-arm64 ;;
    Darwin-x86_64) target=darwin-x64 ;;
    Darwin-arm64) target=darwin-arm64 ;;
    *) echo "package-platform.sh: name the VS Code target for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
  esac
fi
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --release --locked -p toolcheck)
  bin="${CARGO_TARGET_DIR:-$repo/target}/release/toolcheck"
fi
[ -x "$bin" ] || { echo "package-platform.sh: $bin is not an executable" >&2; exit 2; }
exe=toolcheck
case "$target" in win32-*) exe=toolcheck.exe ;; esac

cd "$here"
# The binary goes in for this package only: a later plain `npm run package` must not carry it.
rm -rf server
mkdir -p server dist
trap 'rm -rf "$here/server"' EXIT
cp "$bin" "server/$exe"
chmod 755 "server/$exe"
npx --no-install vsce package --target "$target" --out "dist/toolcheck-$target.vsix"
echo "wrote $here/dist/toolcheck-$target.vsix"
