#!/usr/bin/env bash
# The step of the toolcheck GitHub Action (action.yml at the repository root).
#
# Reads what GitHub Actions sets: GITHUB_WORKSPACE (the checkout to check), GITHUB_OUTPUT
# (where step outputs go), RUNNER_TEMP (scratch space for the install and the SARIF file),
# GITHUB_ACTION_PATH (this action's own checkout; derived from the script's place when unset),
# GITHUB_PATH (optional: toolcheck's directory is added for later steps), and the inputs as
# INPUT_PATH, INPUT_ARGS, INPUT_FAIL_ON, INPUT_BINARY_URL, INPUT_BINARY_SHA256, INPUT_SARIF_FILE.
#
# Writes the outputs sarif-file, exit-code and toolcheck, and exits with toolcheck's exit code
# (so the step fails on findings at or above fail-on). The SARIF report is written whatever the
# findings, so an upload step with `if: always()` has it. tests/ci_kit/run.sh runs this script
# with that environment, both ways of installing included.
set -euo pipefail

action_dir="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
temp="${RUNNER_TEMP:?RUNNER_TEMP is not set: this script runs as a GitHub Actions step}"
workspace="${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set: this script runs as a GitHub Actions step}"
outputs="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs as a GitHub Actions step}"
path="${INPUT_PATH:-.}"
fail_on="${INPUT_FAIL_ON:-warning}"
sarif="${INPUT_SARIF_FILE:-$temp/toolcheck.sarif}"
install_root="$temp/toolcheck"
bin="$install_root/bin/toolcheck"

install_download() {
  local url="$1" download="$install_root/download"
  mkdir -p "$install_root/bin"
  echo "toolcheck: downloading $url"
  curl --fail --silent --show-error --location --retry 3 --output "$download" "$url"
  if [ -n "${INPUT_BINARY_SHA256:-}" ]; then
    local actual
    actual="$(sha256sum "$download" | cut -d' ' -f1)"
    if [ "$actual" != "$INPUT_BINARY_SHA256" ]; then
      echo "::error title=toolcheck::the download's SHA-256 is $actual, not $INPUT_BINARY_SHA256"
      exit 2
    fi
  fi
  case "$url" in
    *.tar.gz | *.tgz)
      local unpacked="$install_root/unpacked" found
      rm -rf "$unpacked" && mkdir -p "$unpacked"
      tar -xzf "$download" -C "$unpacked"
      found="$(find "$unpacked" -type f -name toolcheck | head -n 1)"
      if [ -z "$found" ]; then
        echo "::error title=toolcheck::$url holds no file named toolcheck"
        exit 2
      fi
      mv "$found" "$bin"
      ;;
    *) mv "$download" "$bin" ;;
  esac
  chmod +x "$bin"
}

if [ -n "${INPUT_BINARY_URL:-}" ]; then
  install_download "$INPUT_BINARY_URL"
elif [ -x "$bin" ]; then
  # A second use of the action in one job: already installed.
  :
else
  # --locked: the versions of Cargo.lock, the ones toolcheck is tested with.
  echo "toolcheck: building with cargo install --locked from $action_dir"
  cargo install --locked --quiet --path "$action_dir/server" --root "$install_root"
fi
"$bin" --version
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$install_root/bin" >>"$GITHUB_PATH"
fi

read -r -a extra <<<"${INPUT_ARGS:-}"
mkdir -p "$(dirname "$sarif")"
cd "$workspace"
set +e
# The second run reuses the first's stored result (nothing changed in between).
"$bin" check --format sarif --fail-on never "${extra[@]}" "$path" >"$sarif"
sarif_code=$?
"$bin" check --format github --fail-on "$fail_on" "${extra[@]}" "$path"
code=$?
set -e
if [ "$sarif_code" -ne 0 ] && [ "$code" -eq 0 ]; then
  code=$sarif_code
fi
{
  echo "sarif-file=$sarif"
  echo "exit-code=$code"
  echo "toolcheck=$bin"
} >>"$outputs"
exit "$code"
