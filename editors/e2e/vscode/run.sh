#!/usr/bin/env bash
# Real VS Code end to end: package the extension, install the .vsix into code-server, open the
# fixture workspace, and drive it in headless Chromium (driver.js).
#
# Usage: run.sh TOOLCHECK_BIN WORKSPACE SPEC_JSON OPEN_FILE OUT_DIR
# Needs: code-server at $CODE_SERVER, editors/vscode/dist/toolcheck.vsix built, node_modules here.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$1 WS=$2 SPEC=$3 OPEN_FILE=$4 OUT=$5
CODE_SERVER=${CODE_SERVER:?set CODE_SERVER to the code-server executable}
VSIX=${VSIX:-$HERE/../../vscode/dist/toolcheck.vsix}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/toolcheck-vscode.XXXXXX")
mkdir -p "$OUT"
# Keep code-server's config and data out of $HOME.
export XDG_CONFIG_HOME=$RUN/xdg-config XDG_DATA_HOME=$RUN/xdg-data XDG_CACHE_HOME=$RUN/xdg-cache

"$CODE_SERVER" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" \
  --install-extension "$VSIX" > "$OUT/install.log" 2>&1

mkdir -p "$RUN/user-data/User"
# BUNDLED=1: the .vsix carries the server; it must be found with no setting and no toolcheck on
# PATH (a clean profile, as a user who installs the platform package has).
if [ "${BUNDLED:-}" = 1 ]; then
  SERVER_SETTING=""
  python3 -c 'import sys, zipfile; sys.exit("extension/server/toolcheck" not in zipfile.ZipFile(sys.argv[1]).namelist())' "$VSIX" \
    || { echo "$VSIX carries no server" >&2; exit 1; }
  PATH=$(printf '%s' "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/toolcheck" ] || printf '%s:' "$d"; done)
  PATH=${PATH%:}
  export PATH
  unset TOOLCHECK_SERVER_PATH
  ! command -v toolcheck >/dev/null || { echo "toolcheck is still on PATH" >&2; exit 1; }
else
  SERVER_SETTING="\"toolcheck.server.path\": \"$BIN\","
fi
cat > "$RUN/user-data/User/settings.json" <<JSON
{
  $SERVER_SETTING
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "toolcheck.trace.server": "messages",
  "editor.hover.delay": 100,
  "editor.lightbulb.enabled": "off",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" "$WS" > "$OUT/code-server.log" 2>&1 &
CS_PID=$!
cleanup() {
  kill "$CS_PID" 2>/dev/null || true
  wait "$CS_PID" 2>/dev/null || true
  # The extension host's output (including the toolcheck output channel) is useful on failure.
  find "$RUN/user-data/logs" -name '*toolcheck*' -exec cp {} "$OUT/" \; 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
for _ in $(seq 1 240); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.25
done

rc=0
OUT="$OUT" SPEC="$SPEC" OPEN_FILE="$OPEN_FILE" CS_URL="http://127.0.0.1:$PORT/?folder=$WS" \
  timeout 300 node "$HERE/driver.js" || rc=$?
if [ "${BUNDLED:-}" = 1 ] && [ $rc = 0 ]; then
  # The server that answered is the one inside the package.
  grep -rqs "(from the binary bundled with the extension)" "$RUN/user-data/logs" \
    || { echo "the extension did not start its bundled server (see $OUT)" >&2; rc=1; }
fi
exit $rc
