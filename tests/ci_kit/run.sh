#!/usr/bin/env bash
# The CI kit end to end, the parts `cargo test` leaves out because they build a release or reach
# PyPI (tests/tests/github_action.rs runs the action with a downloaded binary):
#
# 1. The GitHub Action's step (ci/github-action.sh) as a runner runs it, installing toolcheck the
#    default way, `cargo install --locked` from the action's checkout, on a copy of corpus/example:
#    the README's install line, checked by doing it.
# 2. The pre-commit hooks (.pre-commit-hooks.yaml) with `pre-commit try-repo` against this
#    checkout (uncommitted changes included, as try-repo does), pre-commit installed from PyPI
#    into a venv: a failing commit, a `--fix` run through the hook's arguments (a configuration
#    naming this checkout's HEAD), a passing commit, and the `toolcheck-system` hook with
#    toolcheck on PATH. The hook builds toolcheck twice (try-repo's temporary store, then the
#    configuration's), each a few minutes.
#
# Both builds share one target directory (CI_KIT_TARGET, default target/ci-kit), so the second
# is an install of what the first built.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/ci_kit"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="${CI_KIT_TARGET:-$root/target/ci-kit}"
# What is tested is that installing works, not the optimised binary's speed: a lighter release
# profile for these installs keeps the kit's three builds to a few minutes on a CI machine.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0
export XDG_CACHE_HOME="$work/cache"
failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

echo "--- the GitHub Action, installing with cargo install --locked"
cp -r "$root/corpus/example" "$work/checkout"
mkdir -p "$work/runner-temp"
: >"$work/github-output"
: >"$work/github-path"
set +e
(
  cd "$work"
  env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$work/checkout" GITHUB_OUTPUT="$work/github-output" \
    GITHUB_PATH="$work/github-path" RUNNER_TEMP="$work/runner-temp" GITHUB_ACTION_PATH="$root" \
    INPUT_PATH=. INPUT_FAIL_ON=error \
    bash "$root/ci/github-action.sh"
) >"$work/action.out" 2>"$work/action.err"
code=$?
set -e
cat "$work/action.out"
[ "$code" = 1 ] && pass "the step fails on the example's error" || { fail "exit $code, expected 1"; cat "$work/action.err"; }
grep -q '^::error file=platforms/BUILD.bazel,.*title=unresolved-label::' "$work/action.out" \
  && pass "the error is annotated" || fail "no unresolved-label annotation"
grep -q '^::warning file=MODULE.bazel,.*title=shadowed-toolchain::' "$work/action.out" \
  && pass "the warnings are annotated" || fail "no shadowed-toolchain annotation"
grep -qx "exit-code=1" "$work/github-output" && pass "exit-code output" || fail "exit-code output: $(cat "$work/github-output")"
grep -qx "sarif-file=$work/runner-temp/toolcheck.sarif" "$work/github-output" && pass "sarif-file output" || fail "sarif-file output"
installed="$work/runner-temp/toolcheck/bin/toolcheck"
grep -qx "toolcheck=$installed" "$work/github-output" && [ -x "$installed" ] && pass "installed into RUNNER_TEMP" || fail "toolcheck output"
grep -qx "$work/runner-temp/toolcheck/bin" "$work/github-path" && pass "added to GITHUB_PATH" || fail "GITHUB_PATH"
python3 - "$work/runner-temp/toolcheck.sarif" <<'PY' && pass "SARIF holds the findings" || fail "SARIF"
import json, sys
doc = json.load(open(sys.argv[1]))
rules = {r["ruleId"] for r in doc["runs"][0]["results"]}
assert doc["version"] == "2.1.0", doc["version"]
assert {"unresolved-label", "shadowed-toolchain", "empty-registration-pattern"} <= rules, rules
PY

echo "--- pre-commit try-repo"
venv="$here/.venv"
if ! "$venv/bin/pre-commit" --version >/dev/null 2>&1 || ! cmp -s "$here/requirements.txt" "$venv/.toolcheck-requirements"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.toolcheck-requirements"
fi
export PRE_COMMIT_HOME="$work/pre-commit-home"
repo="$work/repo"
mkdir -p "$repo"
cd "$repo"
git init -q
git config user.email ci-kit@example.invalid
git config user.name "ci kit"
printf 'module(name = "demo")\n' >MODULE.bazel
printf '8.4.0\n' >.bazelversion
printf 'toolchain_type(name = "tt")  # toolcheck: disable=shadowed-toolchain\n' >BUILD.bazel
printf 'not a Bazel file\n' >notes.txt
git add -A && git commit -qm "a Bazel workspace with an unused suppression"
try_repo() { "$venv/bin/pre-commit" try-repo "$root" "$@" 2>&1; }

set +e
out="$(try_repo toolcheck --all-files)"
code=$?
set -e
echo "$out"
[ "$code" = 1 ] && pass "the hook fails on a finding" || fail "try-repo exited $code, expected 1"
grep -q 'unused-suppression' <<<"$out" && pass "the finding is shown" || fail "no unused-suppression in the output"
grep -q '1 fixable with --fix' <<<"$out" && pass "the fix is offered" || fail "no fixable count"

# Only a file the hook does not look at changed: the hook is skipped.
echo "more" >>notes.txt
git add notes.txt
set +e
out="$(try_repo toolcheck)"
code=$?
set -e
[ "$code" = 0 ] && grep -q 'no files to check' <<<"$out" && pass "skipped when no Bazel file changed" || fail "not skipped: $out"
git commit -qm notes

# The hook's arguments, as a configuration's `args: [--fix]` passes them. A configuration names
# a commit: this checkout's HEAD (in CI, the clean clone being tested; locally, uncommitted
# changes are not in it). With try-repo's store entry for the same commit, nothing is rebuilt.
cat >"$work/fix-config.yaml" <<YAML
repos:
  - repo: $root
    rev: $(git -C "$root" rev-parse HEAD)
    hooks:
      - id: toolcheck
        args: [--fix]
YAML
# try-repo has no args option: run the cloned hook with pre-commit's own config instead.
set +e
out="$("$venv/bin/pre-commit" run --config "$work/fix-config.yaml" --all-files 2>&1)"
code=$?
set -e
echo "$out"
# pre-commit fails a hook that changed files (the commit must be retried with them).
[ "$code" = 1 ] && grep -q 'files were modified by this hook' <<<"$out" \
  && pass "pre-commit reports the fixed files" || fail "pre-commit exited $code"
grep -q 'fixed 1 finding in 1 file' <<<"$out" && pass "--fix through the hook's args" || fail "--fix through args"
grep -q 'disable=' BUILD.bazel && fail "the suppression is still there" || pass "the file was fixed"
git add -A && git commit -qm fixed
# The clean run through the same configuration, without args: try-repo keeps its clone in a
# temporary store, so another try-repo would build toolcheck once more.
sed -e '/args:/d' "$work/fix-config.yaml" >"$work/config.yaml"
out="$("$venv/bin/pre-commit" run --config "$work/config.yaml" --all-files 2>&1)" \
  && pass "the hook passes on a clean workspace" || fail "a clean workspace fails: $out"

# The system hook: the toolcheck on PATH (the one the action installed).
printf 'register_toolchains("//nothing:all")\n' >>MODULE.bazel
set +e
out="$(PATH="$(dirname "$installed"):$PATH" try_repo toolcheck-system --all-files)"
code=$?
set -e
echo "$out"
[ "$code" = 1 ] && grep -q 'unresolved-label\|empty-registration-pattern' <<<"$out" \
  && pass "toolcheck-system runs the toolcheck on PATH" || fail "toolcheck-system exited $code"

if [ "$failures" -ne 0 ]; then
  echo "ci kit: $failures failed"
  exit 1
fi
echo "ci kit: all passed"
