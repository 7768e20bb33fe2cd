#!/usr/bin/env bash
# Builds the fuzz targets with cargo-fuzz (libFuzzer, stable Rust: --sanitizer none) and runs
# each one for a bounded time from the seed corpora. Usage:
#
#   bash tests/fuzz/run.sh                 # every target, FUZZ_SECONDS (default 8) each
#   bash tests/fuzz/run.sh starlark lsp    # some targets
#   FUZZ_SECONDS=36000 FUZZ_KEEP=1 bash tests/fuzz/run.sh starlark   # a long run (README.md)
#
# FUZZ_KEEP=1 keeps the grown corpus in tests/fuzz/corpus/<target> (git-ignored) instead of a
# temporary directory. FUZZ_TARGET_DIR (default ~/.cache/toolcheck/fuzz-target) keeps the
# instrumented build between runs. A crash, timeout or out-of-memory fails the script; the
# input is left in the artifacts directory it prints.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(starlark label bazelrc workspace lsp)
seconds="${FUZZ_SECONDS:-8}"
target_dir="${FUZZ_TARGET_DIR:-$HOME/.cache/toolcheck/fuzz-target}"
cargo fuzz build --sanitizer none --target-dir "$target_dir" 2>&1 | grep -v '^warning: ' | tail -3
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  if [ "${FUZZ_KEEP:-}" = 1 ]; then work="corpus/$t"; else work="$scratch/$t"; fi
  mkdir -p "$work" "$scratch/artifacts-$t"
  extra=()
  case "$t" in starlark | workspace) extra=(../../corpus) ;; esac
  # Seed directories that exist (git keeps no empty directory).
  if [ -d "seeds/$t" ]; then extra+=("seeds/$t"); fi
  echo "fuzz $t: ${seconds}s"
  # PIPESTATUS is read right after the pipeline: behind `|| true` it would be `true`'s (a
  # crash was reported as success and its input deleted with the scratch directory).
  set +e
  cargo fuzz run --sanitizer none --target-dir "$target_dir" "$t" "$work" "${extra[@]}" -- \
    -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 -entropic_scale_per_exec_time=1 \
    -artifact_prefix="$scratch/artifacts-$t/" -dict=starlark.dict 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==|SUMMARY|.*panicked)'
  status="${PIPESTATUS[0]}"
  set -e
  if [ "$status" != 0 ]; then
    echo "fuzz $t FAILED; inputs kept in $here/artifacts/$t" >&2
    mkdir -p "artifacts/$t" && cp "$scratch/artifacts-$t/"* "artifacts/$t/" 2>/dev/null || true
    exit 1
  fi
done
