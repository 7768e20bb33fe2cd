#!/usr/bin/env bash
# Prepares a machine for the Bazel differential tests (tests/oracle).
#
#  1. installs Debian's `bazel-bootstrap` (Bazel 4.2.3) if /usr/bin/bazel-4 is missing;
#  2. writes the offline stub repositories rules_cc, rules_java, rules_proto and rules_python
#     (their defs.bzl files forward to Bazel's native rules) under the cache dir.
#
# Idempotent: running it twice is cheap. Usage: setup.sh [CACHE_DIR]
# CACHE_DIR defaults to $TOOLCHECK_ORACLE_CACHE, else /tmp/toolcheck-oracle.
# Prints the cache dir on its last line.
set -euo pipefail

cache="${1:-${TOOLCHECK_ORACLE_CACHE:-/tmp/toolcheck-oracle}}"

if [ ! -x /usr/bin/bazel-4 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup.sh: bazel-bootstrap is not installed and this is not root" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # `apt-get update` can fail for one unreachable mirror; the install below decides.
    apt-get update -qq >&2 || true
    apt-get install -y -qq --no-install-recommends bazel-bootstrap >&2
fi
test -x /usr/bin/bazel-4 || { echo "setup.sh: /usr/bin/bazel-4 missing after install" >&2; exit 1; }
test -d /usr/share/bazel || { echo "setup.sh: /usr/share/bazel (install base) missing" >&2; exit 1; }

stubs="$cache/stubs"
mkdir -p "$stubs"

# write FILE CONTENT: writes only when the content changed (keeps the server's caches warm).
write() {
    local file="$1" content="$2"
    mkdir -p "$(dirname "$file")"
    if [ ! -f "$file" ] || [ "$(cat "$file")" != "$content" ]; then
        printf '%s\n' "$content" >"$file"
    fi
}

# --- rules_cc -----------------------------------------------------------------------------
write "$stubs/rules_cc/WORKSPACE" 'workspace(name = "rules_cc")'
write "$stubs/rules_cc/BUILD" ''
write "$stubs/rules_cc/cc/BUILD" ''
write "$stubs/rules_cc/cc/defs.bzl" '"""Offline stand-in for rules_cc: every macro calls the native rule."""

def cc_binary(**kwargs):
    native.cc_binary(**kwargs)

def cc_import(**kwargs):
    native.cc_import(**kwargs)

def cc_library(**kwargs):
    native.cc_library(**kwargs)

def cc_proto_library(**kwargs):
    native.cc_proto_library(**kwargs)

def cc_test(**kwargs):
    native.cc_test(**kwargs)

def cc_toolchain(**kwargs):
    native.cc_toolchain(**kwargs)

def cc_toolchain_suite(**kwargs):
    native.cc_toolchain_suite(**kwargs)

def fdo_prefetch_hints(**kwargs):
    native.fdo_prefetch_hints(**kwargs)

def fdo_profile(**kwargs):
    native.fdo_profile(**kwargs)

def objc_import(**kwargs):
    native.objc_import(**kwargs)

def objc_library(**kwargs):
    native.objc_library(**kwargs)'

# --- rules_java ---------------------------------------------------------------------------
write "$stubs/rules_java/WORKSPACE" 'workspace(name = "rules_java")'
write "$stubs/rules_java/BUILD" ''
write "$stubs/rules_java/java/BUILD" ''
write "$stubs/rules_java/java/defs.bzl" '"""Offline stand-in for rules_java: every macro calls the native rule."""

def java_binary(**kwargs):
    native.java_binary(**kwargs)

def java_import(**kwargs):
    native.java_import(**kwargs)

def java_library(**kwargs):
    native.java_library(**kwargs)

def java_lite_proto_library(**kwargs):
    native.java_lite_proto_library(**kwargs)

def java_package_configuration(**kwargs):
    native.java_package_configuration(**kwargs)

def java_plugin(**kwargs):
    native.java_plugin(**kwargs)

def java_proto_library(**kwargs):
    native.java_proto_library(**kwargs)

def java_runtime(**kwargs):
    native.java_runtime(**kwargs)

def java_test(**kwargs):
    native.java_test(**kwargs)

def java_toolchain(**kwargs):
    native.java_toolchain(**kwargs)'

# --- rules_proto --------------------------------------------------------------------------
write "$stubs/rules_proto/WORKSPACE" 'workspace(name = "rules_proto")'
write "$stubs/rules_proto/BUILD" ''
write "$stubs/rules_proto/proto/BUILD" ''
write "$stubs/rules_proto/proto/defs.bzl" '"""Offline stand-in for rules_proto: forwards to the native rules."""

ProtoInfo = ProtoInfo

def proto_library(**kwargs):
    native.proto_library(**kwargs)

def proto_lang_toolchain(**kwargs):
    native.proto_lang_toolchain(**kwargs)'

# --- rules_python -------------------------------------------------------------------------
write "$stubs/rules_python/WORKSPACE" 'workspace(name = "rules_python")'
write "$stubs/rules_python/BUILD" ''
write "$stubs/rules_python/python/BUILD" ''
write "$stubs/rules_python/python/defs.bzl" '"""Offline stand-in for rules_python: forwards to the native rules."""

load("@bazel_tools//tools/python:toolchain.bzl", _py_runtime_pair = "py_runtime_pair")

py_runtime_pair = _py_runtime_pair

def py_binary(**kwargs):
    native.py_binary(**kwargs)

def py_library(**kwargs):
    native.py_library(**kwargs)

def py_runtime(**kwargs):
    native.py_runtime(**kwargs)

def py_test(**kwargs):
    native.py_test(**kwargs)'

echo "$cache"
