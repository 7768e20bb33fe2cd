#!/usr/bin/env bash
# Installs code-server (real VS Code, served to a browser) from the npm registry only.
#
# Usage: install-code-server.sh DEST_DIR
# Result: DEST_DIR/node_modules/.bin/code-server. Idempotent: a finished install is
# marked with DEST_DIR/.installed-<version> and is not redone.
#
# Why the dance: code-server's own postinstall would npm-install VS Code's
# dependencies, and one of them (@vscode/ripgrep) downloads `rg` from GitHub, while
# several native modules try to fetch prebuilt binaries from GitHub. We skip every
# install script, seed ripgrep from Debian, and compile the native modules from
# source against the system Node headers (npm_config_nodedir=/usr).
set -euo pipefail
DEST=${1:?usage: install-code-server.sh DEST_DIR}
# 4.100.3 (VS Code 1.100.3) is the last code-server release whose engines.node is 20.
CS_VERSION=${CS_VERSION:-4.100.3}
STAMP="$DEST/.installed-$CS_VERSION-node$(node -v)"
if [ -f "$STAMP" ] && [ -x "$DEST/node_modules/.bin/code-server" ]; then
  exit 0
fi
for tool in cc make python3 rg; do
  command -v "$tool" >/dev/null || { echo "install-code-server: missing $tool" >&2; exit 2; }
done
export npm_config_nodedir=${npm_config_nodedir:-/usr}
export npm_config_yes=true            # node-pty's build step runs `npx node-gyp`
export npm_config_audit=false npm_config_fund=false
mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"toolcheck-e2e-code-server","private":true}' > package.json
npm install --ignore-scripts --no-save "code-server@$CS_VERSION"
npm rebuild argon2
cd node_modules/code-server/lib/vscode
npm install --ignore-scripts --omit=dev
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev)
"$DEST/node_modules/.bin/code-server" --version >/dev/null
touch "$STAMP"
