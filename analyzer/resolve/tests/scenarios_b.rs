//! Spec §9 B: scenarios from `toolchain_test.sh` that are about resolution (B11–B16,
//! B18–B23). B17 (reading an undeclared type in an aspect) is about `ctx.toolchains`, not
//! resolution, and belongs to the lints.

mod support;

use expect_test::expect;
use support::{explained, registered, summarize};

const VALUES: &str = "
setting //c:s = value1 value2
platform //p:platform1 //c:value1
platform //p:platform2 //c:value2
type //toolchain:test_toolchain
";

const B11: &str = "
toolchain //register:tc_1 type=//toolchain:test_toolchain exec=//c:value1 target=//c:value2
toolchain //register:tc_2 type=//toolchain:test_toolchain exec=//c:value2 target=//c:value1
toolchains ws //register:tc_1 //register:tc_2
group types=//toolchain:test_toolchain
";

#[test]
fn b11_toolchain_constraints() {
    let run = |host: &str, target: &str| {
        summarize(&format!("{VALUES}{B11}host {host}\nrequest {target}"))
    };
    expect![[r#"
        [default exec group] exec //p:platform1 (first suitable, 1/1); //toolchain:test_toolchain -> //register:tc_1
    "#]].assert_eq(&run("//p:platform1", "//p:platform2"));
    expect![[r#"
        [default exec group] exec //p:platform2 (first suitable, 1/1); //toolchain:test_toolchain -> //register:tc_2
    "#]].assert_eq(&run("//p:platform2", "//p:platform1"));
    expect![[r#"
        [default exec group] error no_matching_toolchains: No matching toolchains found for types //toolchain:test_toolchain.
        To debug, rerun with --toolchain_resolution_debug='//toolchain:test_toolchain'
        If platforms or toolchains are a new concept for you, we'd encourage reading https://bazel.build/concepts/platforms-intro.
    "#]].assert_eq(&run("//p:platform1", "//p:platform1"));
}

#[test]
fn b12_native_rule_target_exec_constraints() {
    let base = "
setting //c:test = test_enabled test_disabled
platform //p:host //c:test_disabled
platform //p:test_platform //c:test_enabled
request //p:host
group exec=//c:test_enabled
";
    expect![[r#"
        [default exec group] error no_matching_exec_platform: Unable to find an execution platform for target platform //p:host from available execution platforms []
    "#]].assert_eq(&summarize(base));
    let with_flag = format!("{base}exec flag //p:test_platform");
    expect![[r#"
        [default exec group] exec //p:test_platform (first suitable, 0/0)
    "#]]
    .assert_eq(&summarize(&with_flag));
}

#[test]
fn b13_rule_with_default_execution_constraints() {
    let text = format!(
        "{VALUES}platform //p:host //c:value1
exec ws //p:platform1 //p:platform2
request //p:host
group exec=//c:value2"
    );
    expect![[r#"
        [default exec group] exec //p:platform2 (first suitable, 0/0)
    "#]]
    .assert_eq(&summarize(&text));
}

const B14: &str = "
platform //p:host //c:value1
toolchain //register:tc type=//toolchain:test_toolchain exec=//c:value2
exec ws //p:platform1 //p:platform2
toolchains ws //register:tc
request //p:host
";

#[test]
fn b14_exec_platform_order_with_mandatory_toolchains() {
    let text = format!("{VALUES}{B14}group types=//toolchain:test_toolchain");
    expect![[r#"
        [default exec group] exec //p:platform2 (first suitable, 1/1); //toolchain:test_toolchain -> //register:tc
    "#]].assert_eq(&summarize(&text));
}

#[test]
fn b15_exec_platform_order_with_optional_toolchains() {
    let text = format!("{VALUES}{B14}group types=//toolchain:test_toolchain?");
    expect![[r#"
        [default exec group] exec //p:platform2 (most resolved, 1/1); //toolchain:test_toolchain -> //register:tc
    "#]].assert_eq(&summarize(&text));
}

const B16: &str = "
platform //p:host
type //t:type
toolchain //t:tc_1 type=//t:type
toolchain //t:tc_2 type=//t:type
toolchain //t:tc_3 type=//t:type
toolchain //t:tc_4 type=//t:type
toolchains ws //t:tc_1
request //p:host
group types=//t:type
";

#[test]
fn b16_extra_toolchain_precedence() {
    let run = |extra: &str| summarize(&format!("{B16}{extra}"));
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //t:type -> //t:tc_1
    "#]]
    .assert_eq(&run(""));
    // The .bazelrc adds tc_2.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //t:type -> //t:tc_2
    "#]]
    .assert_eq(&run("toolchains flag@0 //t:tc_2"));
    // The command line adds tc_3 after the rc's tc_2.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //t:type -> //t:tc_3
    "#]]
    .assert_eq(&run(
        "toolchains flag@0 //t:tc_2\ntoolchains flag@1 //t:tc_3",
    ));
    // The command line has tc_3 then tc_4: the last wins (7.0+).
    let both = "toolchains flag@0 //t:tc_2\ntoolchains flag@1 //t:tc_3\ntoolchains flag@2 //t:tc_4";
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //t:type -> //t:tc_4
    "#]]
    .assert_eq(&run(both));
    // Before 7.0 the first value wins.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //t:type -> //t:tc_2
    "#]]
    .assert_eq(&run(&format!("version 6.5.0\n{both}")));
}

#[test]
fn b18_b19_invalid_registrations() {
    let text = "
platform //p:host
type //t:type
rule //demo:invalid filegroup
package //demo
toolchains ws //demo:invalid //demo:not_a_target //nopkg:tc
request //p:host
group types=//t:type
";
    expect![[r#"
        toolchains:
        error: invalid registered toolchain '//demo:invalid': target does not provide the DeclaredToolchainInfo provider
        error: invalid registered toolchain '//demo:not_a_target': no such target '//demo:not_a_target': target 'not_a_target' not declared in package 'demo'
        error: invalid registered toolchain '//nopkg:tc': no such package 'nopkg': BUILD file not found in any of the following directories. Add a BUILD file to a directory to mark it as a package.
        exec platforms:
        //p:host (host)
    "#]].assert_eq(&registered(text));
    // The first error fails resolution.
    expect![[r#"
        [default exec group] error invalid_registration: invalid registered toolchain '//demo:invalid': target does not provide the DeclaredToolchainInfo provider
    "#]].assert_eq(&summarize(text));
}

#[test]
fn b20_two_toolchain_types_resolve_to_same_label() {
    let text = "
platform //p:host
type //t:a
type //t:b
toolchain //t:tc_a type=//t:a impl=//t:shared
toolchain //t:tc_b type=//t:b impl=//t:shared
toolchains ws //t:all
request //p:host
group types=//t:a,//t:b
";
    expect![[r#"
        Performing resolution of //t:a for target platform //p:host
          Toolchain //t:shared is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:host
          All execution platforms have been assigned a //t:a toolchain, stopping
        Recap of selected //t:a toolchains for target platform //p:host:
          Selected //t:shared to run on execution platform //p:host
        Performing resolution of //t:b for target platform //p:host
          Toolchain //t:shared is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:host
          All execution platforms have been assigned a //t:b toolchain, stopping
        Recap of selected //t:b toolchains for target platform //p:host:
          Selected //t:shared to run on execution platform //p:host
        Target platform //p:host: Selected execution platform //p:host, type //t:a -> toolchain //t:shared, type //t:b -> toolchain //t:shared
        Why //p:host: first suitable: it is the highest-priority available platform on which every mandatory type resolved (2 of 2 types resolved)
    "#]].assert_eq(&explained(text));
}

#[test]
fn b21_toolchain_requires_toolchain() {
    // The outer toolchain was resolved for exec platform2; its own (inner) resolution is
    // forced onto platform2 although platform1 comes first.
    let text = format!(
        "{VALUES}platform //p:host //c:value1
type //t:inner
toolchain //t:inner_tc type=//t:inner
exec ws //p:platform1 //p:platform2
toolchains ws //t:inner_tc
request //p:host
forced //p:platform2
group types=//t:inner"
    );
    expect![[r#"
        [default exec group] exec //p:platform2 (forced); //t:inner -> //t:inner_tc
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn b22_repository_relative_toolchain_type() {
    let text = "
platform //p:host
type @rules_foo//toolchain:foo_toolchain_type
toolchain @rules_foo//toolchain:foo_default_toolchain type=@rules_foo//toolchain:foo_toolchain_type impl=@rules_foo//toolchain:foo_impl
toolchains ws @rules_foo//toolchain:foo_default_toolchain
request //p:host
group types=@rules_foo//toolchain:foo_toolchain_type
";
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); @rules_foo//toolchain:foo_toolchain_type -> @rules_foo//toolchain:foo_default_toolchain
    "#]].assert_eq(&summarize(text));
}

#[test]
fn b23_toolchain_debug_messages() {
    let text = "
platform //p:host
type //toolchain:test_toolchain
toolchain //register/demo:test_toolchain_1 type=//toolchain:test_toolchain impl=//register/demo:test_toolchain_impl_1
toolchains ws //register/demo:all
request //p:host
group types=//toolchain:test_toolchain
";
    expect![[r#"
        Performing resolution of //toolchain:test_toolchain for target platform //p:host
          Toolchain //register/demo:test_toolchain_impl_1 is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:host
          All execution platforms have been assigned a //toolchain:test_toolchain toolchain, stopping
        Recap of selected //toolchain:test_toolchain toolchains for target platform //p:host:
          Selected //register/demo:test_toolchain_impl_1 to run on execution platform //p:host
        Target platform //p:host: Selected execution platform //p:host, type //toolchain:test_toolchain -> toolchain //register/demo:test_toolchain_impl_1
        Why //p:host: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(text));
}
