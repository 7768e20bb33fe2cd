#!/usr/bin/env bash
# toolcheck_test (bazel/) under the real Bazel 4.2.3, in WORKSPACE mode, offline:
#
# 1. a clean workspace of two packages, toolcheck from a local path (`toolcheck_repositories(path
#    = ...)`): the test passes; run again, it is cached, also after a change to a file that is not
#    a Bazel file; the binary from TOOLCHECK_BIN instead, and the errors without a binary or
#    without the root's files;
# 2. the same workspace made hazardous (a catch-all toolchain registered first, a registered
#    target that does not exist), toolcheck downloaded as a .tar.gz from a file:// URL with its
#    SHA-256 (`binaries = {...}`): `toolcheck` fails and its log holds the findings, while a
#    second test with `fail_on = "error"`, `ignore = ["unresolved-label"]` and `args` passes
#    (the warnings still in its log);
# 3. the plain executable downloaded (file:// and its SHA-256): the same findings;
# 4. a wrong SHA-256: Bazel refuses the download.
#
# Every workspace is written into one fixed directory, so one Bazel server serves every run.
# Needs /usr/bin/bazel-4 (tests/oracle/setup.sh installs Debian's bazel-bootstrap when missing)
# and builds toolcheck (debug) unless TOOLCHECK_BIN names one.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bash "$root/tests/oracle/setup.sh" >/dev/null
if [ -z "${TOOLCHECK_BIN:-}" ]; then
  (cd "$root" && cargo build -q -p toolcheck --bin toolcheck)
  TOOLCHECK_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/toolcheck"
fi
toolcheck="$(cd "$(dirname "$TOOLCHECK_BIN")" && pwd)/$(basename "$TOOLCHECK_BIN")"
# Repository rules see the client's environment: the rule's own fallback must not be what
# makes these runs pass.
unset TOOLCHECK_BIN

work="$(mktemp -d)"
ws="$work/ws"
bazel() {
  (cd "$ws" && /usr/bin/bazel-4 --ignore_all_rc_files --install_base=/usr/share/bazel \
    --trust_install_base --output_user_root="$work/bazel" --host_jvm_args=-Xmx1g \
    --max_idle_secs=120 "$@")
}
cleanup() {
  [ -d "$ws" ] && bazel shutdown >/dev/null 2>&1 || true
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

# Every test rule depends on @remote_coverage_tools, which Bazel would download; nothing here
# collects coverage, so an empty stand-in does.
stub="$work/remote_coverage_tools"
mkdir -p "$stub"
echo 'workspace(name = "remote_coverage_tools")' >"$stub/WORKSPACE"
printf '#!/bin/sh\nexit 0\n' >"$stub/none.sh"
chmod +x "$stub/none.sh"
cat >"$stub/BUILD" <<'EOF'
filegroup(name = "coverage_report_generator", srcs = ["none.sh"], visibility = ["//visibility:public"])

filegroup(name = "lcov_merger", srcs = ["none.sh"], visibility = ["//visibility:public"])
EOF
test_flags=(--symlink_prefix=/ --test_output=errors --override_repository=remote_coverage_tools="$stub")

mkdir -p "$ws/toolchains"
write_workspace() { # $1: how WORKSPACE gets toolcheck, $2: the registrations
  cat >"$ws/WORKSPACE" <<EOF
workspace(name = "demo")

local_repository(
    name = "toolcheck_bazel",
    path = "$root/bazel",
)

load("@toolcheck_bazel//:repositories.bzl", "toolcheck_repositories")

toolcheck_repositories($1)

register_toolchains($2)
EOF
}
cat >"$ws/BUILD.bazel" <<'EOF'
load("@toolcheck_bazel//:defs.bzl", "toolcheck_test")

toolcheck_test(
    name = "toolcheck",
    srcs = ["//toolchains:toolcheck_files"],
)
EOF
echo 4.2.3 >"$ws/.bazelversion"
cat >"$ws/toolchains/defs.bzl" <<'EOF'
"""A toolchain rule with nothing in it."""

def _compiler_impl(ctx):
    return [platform_common.ToolchainInfo(name = ctx.label.name)]

compiler = rule(implementation = _compiler_impl)
EOF
cat >"$ws/toolchains/BUILD.bazel" <<'EOF'
load("@toolcheck_bazel//:defs.bzl", "toolcheck_files")
load(":defs.bzl", "compiler")

toolcheck_files()

toolchain_type(
    name = "compiler_type",
    visibility = ["//visibility:public"],
)

compiler(name = "linux_impl")

compiler(name = "macos_impl")

toolchain(
    name = "linux",
    exec_compatible_with = ["@platforms//os:linux"],
    target_compatible_with = ["@platforms//os:linux"],
    toolchain = ":linux_impl",
    toolchain_type = ":compiler_type",
)

toolchain(
    name = "macos",
    exec_compatible_with = ["@platforms//os:osx"],
    target_compatible_with = ["@platforms//os:osx"],
    toolchain = ":macos_impl",
    toolchain_type = ":compiler_type",
)
EOF

echo "--- a clean workspace"
write_workspace "path = \"$toolcheck\"" '"//toolchains:all"'
set +e
out="$(bazel test "${test_flags[@]}" //:toolcheck 2>&1)"
code=$?
set -e
log="$(find "$work/bazel" -path '*/testlogs/toolcheck/test.log' | head -n 1)"
[ "$code" = 0 ] && grep -q '//:toolcheck  *PASSED' <<<"$out" && pass "toolcheck_test passes" \
  || { fail "bazel test exited $code"; echo "$out"; }
[ -n "$log" ] && grep -q '^0 errors, 0 warnings' "$log" && pass "its log says what toolcheck found" \
  || fail "no summary in the test log ${log:-(none)}"
grep -q ': 5 files,' "$log" 2>/dev/null && pass "the root's and the package's files reached the test" \
  || fail "not the 5 Bazel files: $(head -n 3 "$log" 2>/dev/null)"
echo "not a Bazel file" >"$ws/toolchains/README.md"
out="$(bazel test "${test_flags[@]}" //:toolcheck 2>&1)" || true
grep -q '//:toolcheck  *(cached) PASSED' <<<"$out" && pass "cached while no Bazel file changes" \
  || { fail "not cached"; echo "$out"; }

echo "--- toolcheck from the TOOLCHECK_BIN environment variable"
write_workspace "" '"//toolchains:all"'
out="$(TOOLCHECK_BIN="$toolcheck" bazel test "${test_flags[@]}" //:toolcheck 2>&1)" || true
grep -q '//:toolcheck .*PASSED' <<<"$out" && pass "toolcheck_repositories() takes the binary from TOOLCHECK_BIN" \
  || { fail "TOOLCHECK_BIN"; echo "$out"; }
mkdir -p "$ws/nested"
printf 'load("@toolcheck_bazel//:defs.bzl", "toolcheck_test")\n\ntoolcheck_test(name = "nested")\n' >"$ws/nested/BUILD.bazel"
set +e
out="$(TOOLCHECK_BIN="$toolcheck" bazel build "${test_flags[@]}" //nested:nested 2>&1)"
code=$?
set -e
[ "$code" != 0 ] && grep -q "toolcheck_test needs the workspace's root file" <<<"$out" \
  && pass "a test without the root's files is an analysis error" || { fail "nested: exit $code"; echo "$out"; }
rm -rf "$ws/nested"
set +e
out="$(bazel test "${test_flags[@]}" //:toolcheck 2>&1)"
code=$?
set -e
[ "$code" != 0 ] && grep -q 'no toolcheck binary: set path, or urls and sha256, or the TOOLCHECK_BIN' <<<"$out" \
  && pass "without a binary the fetch says how to name one" || { fail "no binary: exit $code"; echo "$out"; }

echo "--- a hazardous workspace, toolcheck downloaded"
cat >>"$ws/toolchains/BUILD.bazel" <<'EOF'

compiler(name = "any_impl")

# A catch-all: no constraints, registered first.
toolchain(
    name = "any",
    toolchain = ":any_impl",
    toolchain_type = ":compiler_type",
)
EOF
cat >>"$ws/BUILD.bazel" <<'EOF'

toolcheck_test(
    name = "errors_only",
    srcs = ["//toolchains:toolcheck_files"],
    args = ["--host", "linux-x86_64"],
    bazel_configs = ["ci"],
    fail_on = "error",
    ignore = ["unresolved-label"],
)
EOF
# A root file the clean workspace lacked, and the config errors_only checks (an undefined one
# would be an error).
echo 'build:ci --extra_toolchains=//toolchains:linux' >"$ws/.bazelrc"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86_64 ;;
  Linux-aarch64) platform=linux-aarch64 ;;
  Darwin-x86_64) platform=macos-x86_64 ;;
  Darwin-arm64) platform=macos-aarch64 ;;
  *) echo "bazel_rule: no toolcheck_repositories platform for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
esac
mkdir -p "$work/dist/toolcheck-test"
cp "$toolcheck" "$work/dist/toolcheck-test/toolcheck"
tar -C "$work/dist" -cf - toolcheck-test | gzip -1 >"$work/dist/toolcheck.tar.gz"
sha="$(sha256sum "$work/dist/toolcheck.tar.gz" | cut -d' ' -f1)"
registrations='
    "//toolchains:any",
    "//toolchains:linux",
    "//toolchains:macos",
    "//toolchains:missing",
'
write_workspace "binaries = {\"$platform\": [\"file://$work/dist/toolcheck.tar.gz\", \"$sha\", \"toolcheck-test/toolcheck\"]}" "$registrations"
set +e
out="$(bazel test "${test_flags[@]}" //:toolcheck //:errors_only 2>&1)"
code=$?
set -e
echo "$out"
log="$(find "$work/bazel" -path '*/testlogs/toolcheck/test.log' | head -n 1)"
[ "$code" = 3 ] && grep -q '//:toolcheck  *FAILED' <<<"$out" && pass "toolcheck_test fails" \
  || { fail "bazel test exited $code, expected 3 (tests failed)"; echo "$out"; }
errors_log="$(find "$work/bazel" -path '*/testlogs/errors_only/test.log' | head -n 1)"
grep -q '//:errors_only  *PASSED' <<<"$out" \
  && grep -q 'toolcheck check --fail-on error --bazel-config ci --ignore unresolved-label --host linux-x86_64$' "$errors_log" \
  && grep -q '^warning\[shadowed-toolchain\]' "$errors_log" && pass "fail_on, bazel_configs (with .bazelrc), ignore and args reach toolcheck" \
  || { fail "errors_only"; cat "$errors_log"; }
grep -q "^warning\[shadowed-toolchain\]: toolchain '//toolchains:linux' can never be selected" "$log" \
  && grep -q '^  --> WORKSPACE:' "$log" && pass "the log has the catch-all hazard, with its place" \
  || fail "no shadowed-toolchain in the log"
grep -q "^error\[unresolved-label\]: '//toolchains:missing'" "$log" && pass "the log has the unresolved label" \
  || fail "no unresolved-label in the log"
grep -q 'shadowed-toolchain' <<<"$out" && pass "bazel test prints the findings" || fail "findings not printed"
# The repository's toolcheck links to the binary unpacked beside it.
repo_binary() { find "$work/bazel"/*/external -maxdepth 2 -path '*/toolcheck_bin_*/toolcheck' | head -n 1; }
[ -L "$(repo_binary)" ] && [ "$(readlink "$(repo_binary)")" = "$(dirname "$(repo_binary)")/archive/toolcheck-test/toolcheck" ] \
  && pass "the downloaded archive was used" || fail "no unpacked archive: $(repo_binary) -> $(readlink "$(repo_binary)")"

echo "--- a plain executable downloaded"
bin_sha="$(sha256sum "$toolcheck" | cut -d' ' -f1)"
write_workspace "binaries = {\"$platform\": [\"file://$toolcheck\", \"$bin_sha\"]}" "$registrations"
set +e
out="$(bazel test "${test_flags[@]}" //:toolcheck 2>&1)"
code=$?
set -e
downloaded="$(repo_binary)"
[ -f "$downloaded" ] && [ ! -L "$downloaded" ] && [ -x "$downloaded" ] && pass "downloaded as an executable" \
  || fail "no executable download: ${downloaded:-(none)}"
[ "$code" = 3 ] && grep -q "^warning\[shadowed-toolchain\]" <<<"$out" && pass "the test runs it" \
  || { fail "bazel test exited $code, expected 3"; echo "$out"; }

echo "--- a download with the wrong SHA-256"
write_workspace "binaries = {\"$platform\": [\"file://$toolcheck\", \"$(printf '0%.0s' {1..64})\"]}" "$registrations"
set +e
out="$(bazel test "${test_flags[@]}" //:toolcheck 2>&1)"
code=$?
set -e
[ "$code" != 0 ] && [ "$code" != 3 ] && grep -qi 'checksum' <<<"$out" && pass "Bazel refuses it" \
  || { fail "bazel test exited $code"; echo "$out"; }

if [ "$failures" -ne 0 ]; then
  echo "bazel rule: $failures failed"
  exit 1
fi
echo "bazel rule: all passed"
