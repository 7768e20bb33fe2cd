#!/usr/bin/env bash
# CI entry point for the Bazel differential tests: installs Bazel 4.2.3 and the offline stubs,
# builds toolcheck, then compares 300 generated cases (override with ORACLE_CASES / ORACLE_SEED).
# Extra arguments go to the oracle binary, e.g. `run.sh --keep /tmp/oracle-failures`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bash "$here/setup.sh" >/dev/null
cd "$root"
cargo build -q -p toolcheck -p toolcheck-tests --bin toolcheck --bin oracle
target="${CARGO_TARGET_DIR:-$root/target}"
export TOOLCHECK_BIN="${TOOLCHECK_BIN:-$target/debug/toolcheck}"
exec "$target/debug/oracle" --cases "${ORACLE_CASES:-300}" --seed "${ORACLE_SEED:-1}" "$@"
