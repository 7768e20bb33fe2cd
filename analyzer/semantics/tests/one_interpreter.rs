//! The interpreter's two domains see the same language: a builtin, a binding rule, a lambda
//! or a nested `def` works in a macro (the concrete domain, which creates targets) and in a
//! rule implementation (the flow analysis, which finds unguarded optional toolchains) alike.

use std::sync::Arc;

use toolcheck_index::facts::FileFacts;
use toolcheck_index::index::WorkspaceIndex;
use toolcheck_index::workspace::Workspace;
use toolcheck_semantics::flow::{analyze, EventKind};

fn build(files: &[(&str, &str)]) -> (Workspace, Vec<Arc<FileFacts>>, WorkspaceIndex) {
    toolcheck_index::testing::indexed(files)
}

/// Target names of package `pkg`, sorted.
fn targets(index: &WorkspaceIndex, pkg: &str) -> Vec<String> {
    let mut names: Vec<String> = index
        .targets
        .values_by_position_in(|_| true)
        .filter(|t| t.label.package == pkg)
        .map(|t| t.label.name.to_string())
        .collect();
    names.sort();
    names
}

/// The source text of every unguarded dereference the flow analysis reports.
fn unguarded(ws: &Workspace, facts: &[Arc<FileFacts>], index: &WorkspaceIndex) -> Vec<String> {
    let analysis = analyze(ws, facts, index);
    let mut out: Vec<String> = analysis
        .findings
        .iter()
        .filter(|f| matches!(f.event.kind, EventKind::Unguarded { .. }))
        .map(|f| {
            let text = &ws.file(f.event.file).text();
            text[f.event.range.start as usize..f.event.range.end as usize].to_string()
        })
        .collect();
    out.sort();
    out
}

const TOOLCHAIN_TYPES: (&str, &str) = (
    "tc/BUILD",
    r#"
toolchain_type(name = "Opt")
toolchain_type(name = "other")
"#,
);

/// `str.title()` was added to the builtin table once; a macro names targets with it and a
/// rule implementation computes a toolchain type with it.
#[test]
fn a_builtin_added_once_serves_macros_and_rule_implementations() {
    let (ws, facts, index) = build(&[
        ("WORKSPACE", ""),
        TOOLCHAIN_TYPES,
        (
            "p/defs.bzl",
            r#"
def toolchains(names):
    for n in names:
        native.toolchain(
            name = n.title() + "_tc",
            toolchain_type = "//tc:" + "opt".title(),
            toolchain = ":impl",
        )

def _impl(ctx):
    tc = ctx.toolchains["//tc:" + "opt".title()]
    return [tc.info]

uses = rule(
    implementation = _impl,
    toolchains = [config_common.toolchain_type("//tc:Opt", mandatory = False)],
)
"#,
        ),
        (
            "p/BUILD",
            r#"
load(":defs.bzl", "toolchains")
toolchains(["linux", "mac os"])
"#,
        ),
    ]);
    assert_eq!(targets(&index, "p"), ["Linux_tc", "Mac Os_tc"]);
    assert_eq!(unguarded(&ws, &facts, &index), ["tc"]);
}

/// Lambdas and nested `def`s are closures in both domains, and `*args`/`**kwargs` bind by
/// the same rules.
#[test]
fn closures_and_varargs_work_in_both_domains() {
    let (ws, facts, index) = build(&[
        ("WORKSPACE", ""),
        TOOLCHAIN_TYPES,
        (
            "p/defs.bzl",
            r#"
def toolchains(prefix, *names, **attrs):
    def one(n):
        native.toolchain(name = prefix + n, toolchain = ":impl", **attrs)
    upper = lambda s: s.upper()
    for n in names:
        one(n)
    one(upper("last"))

def _deref(tc, *rest, field = "info"):
    return getattr(tc, field)

def _impl(ctx):
    def compiler(tc):
        return tc.compiler
    get = lambda: ctx.toolchains["//tc:Opt"]
    compiler(get())

def _impl2(ctx):
    _deref(ctx.toolchains["//tc:Opt"], 1, 2, field = "x")

uses = rule(
    implementation = _impl,
    toolchains = [config_common.toolchain_type("//tc:Opt", mandatory = False)],
)

uses2 = rule(
    implementation = _impl2,
    toolchains = [config_common.toolchain_type("//tc:Opt", mandatory = False)],
)
"#,
        ),
        (
            "p/BUILD",
            r#"
load(":defs.bzl", "toolchains")
toolchains("t_", "a", "b", toolchain_type = "//tc:Opt")
"#,
        ),
    ]);
    assert_eq!(targets(&index, "p"), ["t_LAST", "t_a", "t_b"]);
    // Inside the nested `def` (called with the lambda's `None`-able result), and inside the
    // helper that takes `*rest` and a keyword-only parameter (from another rule: after the
    // first dereference the build has failed or the toolchain is there).
    assert_eq!(unguarded(&ws, &facts, &index), ["tc", "tc"]);
}

/// A closure does not take the current value of a name its function assigns again later
/// (Starlark closures see the variable, not a copy): the value is unknown to it.
#[test]
fn closures_do_not_guess_reassigned_names() {
    let (_, _, index) = build(&[
        ("WORKSPACE", ""),
        (
            "p/defs.bzl",
            r#"
def toolchains():
    suffix = "_a"
    make = lambda n: native.toolchain(name = n + suffix, toolchain = ":impl", toolchain_type = "//tc:x")
    suffix = "_b"
    make("late")
    fixed = "_c"
    again = lambda n: native.toolchain(name = n + fixed, toolchain = ":impl", toolchain_type = "//tc:x")
    again("known")
"#,
        ),
        (
            "p/BUILD",
            r#"
load(":defs.bzl", "toolchains")
toolchains()
"#,
        ),
    ]);
    assert_eq!(targets(&index, "p"), ["known_c"]);
}
