#!/usr/bin/env bash
# The whole test suite: the README's test command, and what CI runs (.ci/run calls it).
# It installs what it needs on a fresh Debian machine (Debian packages, npm and PyPI tools),
# then runs, in order: formatting, clippy, the Rust test suite (unit, corpus, CLI end to end,
# hostile input, protocol abuse), a short run of every fuzz target, the CI kit (the GitHub
# Action installing with cargo install --locked, the pre-commit hooks), the differential tests
# against a real Bazel 4.2.3, toolcheck_test (bazel/) under that Bazel, and the editor end-to-end tests (Neovim, VS Code in
# code-server + Chromium, pytest-lsp).
#
# Environment: ORACLE_CASES (default 300), ORACLE_SEED, FUZZ_SECONDS (default 8 per target),
# SKIP_EDITORS=1 / SKIP_ORACLE=1 / SKIP_FUZZ=1 / SKIP_CI_KIT=1 / SKIP_BAZEL_RULE=1 to
# leave out the slow parts locally (CI never sets them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test --workspace"
cargo test --workspace --quiet

if [ "${SKIP_FUZZ:-}" != 1 ]; then
  step "fuzzing: a short bounded run of every target (tests/fuzz/README.md)"
  bash tests/fuzz/run.sh
fi

if [ "${SKIP_CI_KIT:-}" != 1 ]; then
  step "CI kit: the GitHub Action with cargo install --locked, pre-commit try-repo (tests/ci_kit)"
  bash tests/ci_kit/run.sh
fi

if [ "${SKIP_ORACLE:-}" != 1 ]; then
  step "differential tests against Bazel 4.2.3 (${ORACLE_CASES:-300} cases)"
  bash tests/oracle/run.sh
fi

if [ "${SKIP_BAZEL_RULE:-}" != 1 ]; then
  step "toolcheck_test under Bazel 4.2.3: a clean and a hazardous workspace (tests/bazel_rule)"
  bash tests/bazel_rule/run.sh
fi

if [ "${SKIP_EDITORS:-}" != 1 ] && [ -x editors/e2e/run.sh ]; then
  step "editor end-to-end tests (Neovim, Emacs, VS Code, pytest-lsp)"
  bash editors/e2e/run.sh
fi

step "all tests passed"
