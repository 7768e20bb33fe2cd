//! Registration order: spec §9 C (C24–C27), §3 ordering per Bazel version, §8 edge cases about
//! registration (8–12, 22–26), and the 4.2.3 observations of `bazel-oracle.md`.

mod support;

use expect_test::expect;
use support::registered;

const TCS: &str = "
platform //p:host
type //t:type
toolchain //:tool type=//t:type
toolchain //:dev_tool type=//t:type
toolchain //:wstool type=//t:type
toolchain //:extra type=//t:type
toolchain //:tc_1 type=//t:type
toolchain @bbb//:tool type=//t:type
toolchain @ccc//:tool type=//t:type
toolchain @ddd//:tool type=//t:type
toolchain @eee//:tool type=//t:type
toolchain @bazel_tools//:suffix_tool type=//t:type
";

#[test]
fn c24_flag_override() {
    let text = format!("{TCS}toolchains ws //:tc_1\ntoolchains flag //:extra");
    expect![[r#"
        toolchains:
        //:extra
        //:tc_1
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&text));
}

/// The root module registers //:tool and //:dev_tool (dev); BFS order bbb, ccc, eee, ddd
/// (ddd@1.1 registers @eee//:tool then //:tool, which is @ddd//:tool); WORKSPACE registers
/// //:wstool; non-root dev registrations are ignored.
const C25: &str = "
bzlmod
toolchains root //:tool
toolchains root-dev //:dev_tool
toolchains module:bbb:1 @bbb//:tool
toolchains module-dev:bbb:1 @bbb//:tool
toolchains module:ccc:2 @ccc//:tool
toolchains module:ddd:4 @eee//:tool @ddd//:tool
toolchains ws //:wstool
";

#[test]
fn c25_bzlmod_order_per_version() {
    expect![[r#"
        toolchains:
        //:tool
        //:dev_tool
        @bbb//:tool
        @ccc//:tool
        @eee//:tool
        @ddd//:tool
        //:wstool
        note: registration #3 ignored: dev_dependency registrations of non-root modules are ignored
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{TCS}{C25}version 6.4.0")));
    expect![[r#"
        toolchains:
        //:tool
        //:dev_tool
        //:wstool
        @bbb//:tool
        @ccc//:tool
        @eee//:tool
        @ddd//:tool
        note: registration #3 ignored: dev_dependency registrations of non-root modules are ignored
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{TCS}{C25}version 7.0.0")));
    // 9.x: no WORKSPACE.
    expect![[r#"
        toolchains:
        //:tool
        //:dev_tool
        @bbb//:tool
        @ccc//:tool
        @eee//:tool
        @ddd//:tool
        note: registration #3 ignored: dev_dependency registrations of non-root modules are ignored
        note: registration #7 ignored: Bazel 9.0.0 has no WORKSPACE
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{TCS}{C25}version 9.0.0")));
    // --ignore_dev_dependency drops the root module's dev registration.
    expect![[r#"
        toolchains:
        //:tool
        //:wstool
        @bbb//:tool
        @ccc//:tool
        @eee//:tool
        @ddd//:tool
        note: registration #1 ignored: dev_dependency registration with --ignore_dev_dependency
        note: registration #3 ignored: dev_dependency registrations of non-root modules are ignored
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{TCS}{C25}ignore_dev")));
}

const EXTRA: &str = "
platform //p:host
type //t:type
toolchain //extra:extra_toolchain1 type=//t:type
toolchain //extra:extra_toolchain2 type=//t:type
toolchain //extra/more:more_toolchain type=//t:type
toolchains ws //extra/...
";

#[test]
fn c26_target_pattern_workspace() {
    expect![[r#"
        toolchains:
        //extra/more:more_toolchain
        //extra:extra_toolchain1
        //extra:extra_toolchain2
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(EXTRA));
}

#[test]
fn c27_not_a_toolchain() {
    let text = "
platform //p:host
rule //error:not_a_toolchain filegroup
toolchains ws //error:not_a_toolchain
";
    expect![[r#"
        toolchains:
        error: invalid registered toolchain '//error:not_a_toolchain': target does not provide the DeclaredToolchainInfo provider
        exec platforms:
        //p:host (host)
    "#]].assert_eq(&registered(text));
}

#[test]
fn workspace_suffix_and_workspace_bzlmod() {
    let text =
        format!("{TCS}toolchains ws //:wstool\ntoolchains suffix @bazel_tools//:suffix_tool");
    expect![[r#"
        toolchains:
        //:wstool
        @bazel_tools//:suffix_tool
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&text));
    // §8.26: with WORKSPACE.bzlmod the suffix is not used.
    expect![[r#"
        toolchains:
        //:wstool
        note: registration #1 ignored: the WORKSPACE suffix is not used (no WORKSPACE, or WORKSPACE.bzlmod)
        exec platforms:
        //p:host (host)
    "#]].assert_eq(&registered(&format!("{text}\nbzlmod\nworkspace_bzlmod")));
}

#[test]
fn recursive_order_is_per_version() {
    // Observed with 4.2.3: //a/b, //a, //b, //c, //.
    let text = "
platform //p:host
type //t:type
toolchain //:root type=//t:type
toolchain //a:a type=//t:type
toolchain //a/b:ab type=//t:type
toolchain //b:b type=//t:type
toolchain //c:c type=//t:type
toolchains ws //...
";
    expect![[r#"
        toolchains:
        //a/b:ab
        //a:a
        //b:b
        //c:c
        //:root
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("version 4.2.3\n{text}")));
    expect![[r#"
        toolchains:
        //a/b:ab
        //a:a
        //b:b
        //c:c
        //:root
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("version 8.0.0\n{text}")));
    // A package name with a character below '/' makes the two orders differ: noted.
    let dash = "
platform //p:host
type //t:type
toolchain //a:a type=//t:type
toolchain //a/b:ab type=//t:type
toolchain //a-c:ac type=//t:type
toolchains ws //...
";
    expect![[r#"
        toolchains:
        //a/b:ab
        //a:a
        //a-c:ac
        note: the order of //... differs between Bazel versions (low confidence)
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("version 4.2.3\n{dash}")));
    expect![[r#"
        toolchains:
        //a-c:ac
        //a/b:ab
        //a:a
        note: the order of //... differs between Bazel versions (low confidence)
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("version 7.0.0\n{dash}")));
}

#[test]
fn all_sorts_by_name_in_byte_order_and_skips_aliases() {
    // §3.4 and §8.22: `A` < `Z` < `_` < `a`, `tc10` < `tc2`; aliases are skipped by `:all`
    // but accepted when named explicitly.
    let text = "
platform //p:host
type //t:type
toolchain //tc:tc2 type=//t:type
toolchain //tc:tc10 type=//t:type
toolchain //tc:_x type=//t:type
toolchain //tc:Z type=//t:type
toolchain //tc:a type=//t:type
alias //tc:alias_to_a //other:real
toolchain //other:real type=//t:type
rule //tc:files filegroup
toolchains ws //tc:all //tc:alias_to_a
";
    expect![[r#"
        toolchains:
        //tc:Z
        //tc:_x
        //tc:a
        //tc:tc10
        //tc:tc2
        //other:real
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(text));
}

#[test]
fn duplicates_keep_the_first_position() {
    // §8.9: `:all` plus an explicit label.
    let text = "
platform //p:host
type //t:type
toolchain //tc:a type=//t:type
toolchain //tc:b type=//t:type
toolchains ws //tc:all //tc:a
toolchains ws //tc:b
";
    expect![[r#"
        toolchains:
        //tc:a
        //tc:b
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(text));
}

#[test]
fn extra_toolchains_order_per_version() {
    let base = "
platform //p:host
type //t:type
toolchain //t:a type=//t:type
toolchain //t:b type=//t:type
";
    // §8.10: --extra_toolchains=a --extra_toolchains=b.
    let two = "toolchains flag@0 //t:a\ntoolchains flag@1 //t:b";
    expect![[r#"
        toolchains:
        //t:b
        //t:a
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{two}")));
    expect![[r#"
        toolchains:
        //t:a
        //t:b
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{two}\nversion 6.5.0")));
    // 4.2.3 observed: the first value has the highest priority.
    expect![[r#"
        toolchains:
        //t:a
        //t:b
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{two}\nversion 4.2.3")));
    // §8.11: --extra_toolchains=a,b --extra_toolchains=a → [a, b] from 7.4.0, which keeps the
    // last copy of a repeated value; 7.0-7.3 kept the first copy and then reversed, giving
    // [b, a] (bazelbuild/bazel#22912, fixed by PR #23670 for 7.4.0).
    let three = "toolchains flag@0 //t:a //t:b\ntoolchains flag@1 //t:a";
    expect![[r#"
        toolchains:
        //t:a
        //t:b
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{three}\nversion 7.4.0")));
    expect![[r#"
        toolchains:
        //t:b
        //t:a
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{three}\nversion 7.3.0")));
    expect![[r#"
        toolchains:
        //t:b
        //t:a
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{three}")));
}

#[test]
fn extra_execution_platforms_per_version() {
    let base = "
platform //p:host
platform //p:a
platform //p:b
platform //p:c
exec ws //p:c
";
    // §8.12: in 7.0+ only the last occurrence counts; before, occurrences accumulate with the
    // first value first. The host is appended last even when registered (§8.8, 4.2.3).
    let flags = "exec flag@0 //p:a //p:host\nexec flag@1 //p:b";
    expect![[r#"
        toolchains:
        exec platforms:
        //p:b
        //p:c
        //p:host (host)
        note: registration #1 ignored: a later --extra_execution_platforms overrides it (7.0+)
        note: registration #2 ignored: a later --extra_execution_platforms overrides it (7.0+)
    "#]]
    .assert_eq(&registered(&format!("{base}{flags}")));
    expect![[r#"
        toolchains:
        exec platforms:
        //p:a
        //p:host
        //p:b
        //p:c
        //p:host (host)
    "#]]
    .assert_eq(&registered(&format!("{base}{flags}\nversion 4.2.3")));
}

#[test]
fn negative_patterns_subtract_from_earlier_flag_values() {
    let text = "
platform //p:host
type //t:type
toolchain //t:a type=//t:type
toolchain //t:b type=//t:type
toolchain //t:c type=//t:type
toolchains flag //t:all -//t:b
";
    expect![[r#"
        toolchains:
        //t:a
        //t:c
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(text));
}

#[test]
fn exec_platform_wildcards_keep_only_platforms() {
    let text = "
platform //p:host
platform //plats:b
platform //plats:a
alias //plats:alias //plats:a
rule //plats:files filegroup
rule //other:files filegroup
exec ws //plats:all //other:files
";
    expect![[r#"
        toolchains:
        exec platforms:
        //plats:a
        //plats:b
        //p:host (host)
        error: invalid registered execution platform '//other:files': Target //other:files was referenced as a platform, but does not provide PlatformInfo
    "#]].assert_eq(&registered(text));
}

#[test]
fn unknowns_in_registrations() {
    // An invisible repository, a package that may hide targets, a select() alias: unknown
    // entries at the earliest position they could occupy, never guessed or dropped.
    let text = "
platform //p:host
type //t:type
invisible hidden
open //macro_pkg
toolchain //macro_pkg:known type=//t:type
alias //t:chooser ?
toolchains ws @hidden//:all //macro_pkg:all //t:chooser //macro_pkg:not_seen
";
    expect![[r#"
        toolchains:
        <unseen targets> [unknown: pattern @hidden//:all may match targets toolcheck cannot see]
        <unseen targets> [unknown: pattern //macro_pkg:all may match targets toolcheck cannot see]
        //macro_pkg:known
        //t:chooser [unknown: alias //t:chooser has a select() or computed `actual`]
        //macro_pkg:not_seen [unknown: //macro_pkg:not_seen is not declared, but its package may define targets through macros]
        exec platforms:
        //p:host (host)
    "#]].assert_eq(&registered(text));
}

#[test]
fn alias_cycles_and_long_chains_terminate() {
    let mut text = String::from(
        "platform //p:host\ntype //t:type\nalias //c:x //c:y\nalias //c:y //c:x\ntoolchain //long:end type=//t:type\n",
    );
    for i in 0..20_000 {
        text.push_str(&format!("alias //long:a{i} //long:a{}\n", i + 1));
    }
    text.push_str("alias //long:a20000 //long:end\n");
    text.push_str("toolchains ws //c:x //long:a0\n");
    expect![[r#"
        toolchains:
        //long:end
        error: invalid registered toolchain '//c:x': cycle in dependency graph: //c:x -> //c:y
        exec platforms:
        //p:host (host)
    "#]]
    .assert_eq(&registered(&text));
}
