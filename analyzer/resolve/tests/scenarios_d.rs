//! Spec §9 D (docs, issues, design docs: D28–D37) and the §6.2 dummy-toolchain table
//! (cases A, B, C, C′, C″, D).

mod support;

use expect_test::expect;
use support::{explained, summarize};

#[test]
fn d28_optional_toolchains_proposal_example() {
    let base = "
setting //c:e = e1 e2
platform //p:exec1 //c:e1
platform //p:exec2 //c:e2
platform //p:host
type //t:type1
type //t:type2
toolchain //t:concrete2 type=//t:type2 exec=//c:e1
toolchain //t:concrete3 type=//t:type1 exec=//c:e2
toolchain //t:concrete4 type=//t:type2 exec=//c:e2
exec ws //p:exec1 //p:exec2
toolchains ws //t:concrete2 //t:concrete3 //t:concrete4
request //p:host
";
    expect![[r#"
        [default exec group] exec //p:exec2 (most resolved, 1/1); //t:type1 -> //t:concrete3
    "#]]
    .assert_eq(&summarize(&format!("{base}group types=//t:type1?")));
    expect![[r#"
        [default exec group] exec //p:exec1 (first suitable, 1/1); //t:type2 -> //t:concrete2
    "#]]
    .assert_eq(&summarize(&format!("{base}group types=//t:type2?")));
    expect![[r#"
        [default exec group] exec //p:exec2 (most resolved, 2/2); //t:type1 -> //t:concrete3; //t:type2 -> //t:concrete4
    "#]].assert_eq(&summarize(&format!(
        "{base}group types=//t:type1?,//t:type2?"
    )));
}

#[test]
fn d29_defaulted_setting_8778() {
    let text = "
setting //c:setting default=value_a = value_a value_b
platform //p:platform_b //c:value_b
host //p:platform_b
type //t:type
toolchain //t:tc type=//t:type
toolchains ws //t:tc
request //p:platform_b
group types=//t:type
";
    expect![[r#"
        [default exec group] exec //p:platform_b (first suitable, 1/1); //t:type -> //t:tc
    "#]]
    .assert_eq(&summarize(text));
}

#[test]
fn d30_platform_inheritance() {
    let base = "
setting //c:os = linux mac
setting //c:cpu = arm x86_64
platform //p:parent //c:linux //c:arm
platform //p:child_a //c:x86_64 parent=//p:parent
host //p:child_a
type //t:type
request //p:child_a
group types=//t:type
";
    let both = format!(
        "{base}toolchain //t:tc type=//t:type exec=//c:linux,//c:arm\ntoolchains ws //t:tc"
    );
    expect![[r#"
        [default exec group] error no_matching_toolchains: No matching toolchains found for types //t:type.
        To debug, rerun with --toolchain_resolution_debug='//t:type'
        If platforms or toolchains are a new concept for you, we'd encourage reading https://bazel.build/concepts/platforms-intro.
    "#]].assert_eq(&summarize(&both));
    let os_only =
        format!("{base}toolchain //t:tc type=//t:type exec=//c:linux\ntoolchains ws //t:tc");
    expect![[r#"
        [default exec group] exec //p:child_a (first suitable, 1/1); //t:type -> //t:tc
    "#]]
    .assert_eq(&summarize(&os_only));
}

#[test]
fn d31_ordering_within_a_package() {
    // b_linux is "declared first" (the DSL keeps declaration order in the package list).
    let text = "
setting //c:os = linux mac
platform //p:linux //c:linux
platform //p:mac //c:mac
host //p:linux
type //t:type
toolchain //tc:b_linux type=//t:type exec=//c:linux
toolchain //tc:a_any type=//t:type
exec ws //p:mac
toolchains ws //tc:all
request //p:linux
group types=//t:type
";
    expect![[r#"
        Performing resolution of //t:type for target platform //p:linux
          Toolchain //tc:a_any_impl is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:mac
            Compatible execution platform //p:linux
          All execution platforms have been assigned a //t:type toolchain, stopping
        Recap of selected //t:type toolchains for target platform //p:linux:
          Selected //tc:a_any_impl to run on execution platform //p:mac
          Selected //tc:a_any_impl to run on execution platform //p:linux
        Target platform //p:linux: Selected execution platform //p:mac, type //t:type -> toolchain //tc:a_any_impl
        Why //p:mac: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(text));
}

#[test]
fn d32_workspace_vs_non_root_module() {
    let base = "
bzlmod
setting //c:py = py_specific
platform //p:host //c:py_specific
type //py:runtime
toolchain @rules_python//:autodetecting type=//py:runtime
toolchain //py:specific type=//py:runtime exec=//c:py_specific
toolchains module:rules_python:1 @rules_python//:autodetecting
toolchains ws //py:specific
request //p:host
group types=//py:runtime
";
    // 7.0 GA: the WORKSPACE toolchain wins.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //py:runtime -> //py:specific
    "#]]
    .assert_eq(&summarize(base));
    // 6.x order (modules, then WORKSPACE): the module's catch-all wins.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //py:runtime -> @rules_python//:autodetecting
    "#]].assert_eq(&summarize(&format!("version 6.4.0\n{base}")));
}

const JAVA: &str = "
platform //p:host
type //jdk:runtime_toolchain_type
config_setting //local_jdk:localjdk_setting java_runtime_version=local_jdk
toolchain //local_jdk:runtime_toolchain_definition type=//jdk:runtime_toolchain_type settings=//local_jdk:localjdk_setting impl=//local_jdk:jdk
toolchain //remotejdk17:toolchain type=//jdk:runtime_toolchain_type impl=//remotejdk17:jdk
toolchains ws //local_jdk:all //remotejdk17:all
request //p:host
group types=//jdk:runtime_toolchain_type
";

#[test]
fn d33_local_java_repository_without_jdk() {
    // The error toolchain's target_settings match: its fail_rule implementation is selected.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //jdk:runtime_toolchain_type -> //local_jdk:runtime_toolchain_definition
    "#]].assert_eq(&summarize(&format!("{JAVA}option java_runtime_version=local_jdk")));
    expect![[r#"
        Performing resolution of //jdk:runtime_toolchain_type for target platform //p:host
          Rejected toolchain //local_jdk:runtime_toolchain_definition; mismatching target_settings: localjdk_setting
          Toolchain //remotejdk17:jdk is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:host
          All execution platforms have been assigned a //jdk:runtime_toolchain_type toolchain, stopping
        Recap of selected //jdk:runtime_toolchain_type toolchains for target platform //p:host:
          Selected //remotejdk17:jdk to run on execution platform //p:host
        Target platform //p:host: Selected execution platform //p:host, type //jdk:runtime_toolchain_type -> toolchain //remotejdk17:jdk
        Why //p:host: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(&format!(
        "{JAVA}option java_runtime_version=remotejdk_17"
    )));
    // --java_runtime_version unset has no statically known default: undecidable.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); cannot decide which //jdk:runtime_toolchain_type toolchain runs on //p:host: the value of --java_runtime_version is not known
    "#]].assert_eq(&summarize(JAVA));
}

const AEG: &str = "
setting //c:os = a b
platform //p:exec_a //c:a
platform //p:exec_b //c:b
platform //p:host
type //t:t1
type //t:t2
toolchain //t:tc1 type=//t:t1 exec=//c:a
toolchain //t:tc2 type=//t:t2 exec=//c:b
exec ws //p:exec_a //p:exec_b
toolchains ws //t:all
request //p:host
group types=//t:t1,//t:t2
";

#[test]
fn d35_automatic_exec_groups() {
    expect![[r#"
        [default exec group] error no_matching_exec_platform: Unable to find an execution platform for toolchains [//t:t1, //t:t2] and target platform //p:host from available execution platforms [//p:exec_a, //p:exec_b, //p:host]
    "#]].assert_eq(&summarize(AEG));
    expect![[r#"
        [default exec group] exec //p:exec_a (first suitable, 0/0)
        [automatic exec group //t:t1] exec //p:exec_a (first suitable, 1/1); //t:t1 -> //t:tc1
        [automatic exec group //t:t2] exec //p:exec_b (first suitable, 1/1); //t:t2 -> //t:tc2
    "#]]
    .assert_eq(&summarize(&format!("{AEG}aeg")));
}

#[test]
fn d36_named_exec_group() {
    let text = "
setting //c:os = linux mac
setting //c:cpu = high_cpu low_cpu
platform //p:mac_high //c:mac //c:high_cpu
platform //p:linux_low //c:linux //c:low_cpu
platform //p:host //c:mac //c:low_cpu
exec ws //p:mac_high //p:linux_low
request //p:host
group exec=//c:high_cpu
group test exec=//c:linux
group link
";
    expect![[r#"
        [default exec group] exec //p:mac_high (first suitable, 0/0)
        [exec group 'test'] exec //p:linux_low (first suitable, 0/0)
        [exec group 'link'] exec //p:mac_high (first suitable, 0/0)
    "#]]
    .assert_eq(&summarize(text));
}

#[test]
fn d37_exec_format_hazard() {
    let text = "
setting //c:os = linux
setting //c:cpu = x86 arm64
platform //p:linux_arm64_rbe //c:linux //c:arm64
platform //p:host //c:linux //c:x86
type //t:type
toolchain //t:x86_tool type=//t:type target=//c:linux,//c:x86
exec ws //p:linux_arm64_rbe
toolchains ws //t:x86_tool
request //p:host
group types=//t:type
";
    expect![[r#"
        [default exec group] exec //p:linux_arm64_rbe (first suitable, 1/1); //t:type -> //t:x86_tool
    "#]].assert_eq(&summarize(text));
}

/// §6.2: darwin and linux exec platforms (host linux last), target linux, mandatory type.
const DUMMY: &str = "
setting //os:os = linux macos
platform //plat:linux //os:linux
platform //plat:darwin //os:macos
platform @platforms//host:host //os:linux
host @platforms//host:host
type //tc:type
toolchain //tc:linux type=//tc:type exec=//os:linux
toolchain //tc:darwin type=//tc:type exec=//os:macos
toolchain //tc:dummy type=//tc:type
exec ws //plat:darwin //plat:linux
request //plat:linux
";

#[test]
fn dummy_case_a_real_toolchains_first() {
    let text =
        format!("{DUMMY}toolchains ws //tc:linux //tc:darwin //tc:dummy\ngroup types=//tc:type");
    expect![[r#"
        [default exec group] exec //plat:darwin (first suitable, 1/1); //tc:type -> //tc:darwin
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn dummy_case_b_dummy_first() {
    let text = format!("{DUMMY}toolchains flag //tc:dummy\ntoolchains ws //tc:linux //tc:darwin\ngroup types=//tc:type");
    expect![[r#"
        [default exec group] exec //plat:darwin (first suitable, 1/1); //tc:type -> //tc:dummy
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn dummy_case_c_darwin_missing() {
    let text = format!("{DUMMY}toolchains ws //tc:linux //tc:dummy\ngroup types=//tc:type");
    expect![[r#"
        Performing resolution of //tc:type for target platform //plat:linux
          Toolchain //tc:linux_impl is compatible with target platform, searching for execution platforms:
            Incompatible execution platform //plat:darwin; mismatching values: linux
            Compatible execution platform //plat:linux
            Compatible execution platform @platforms//host:host
          Toolchain //tc:dummy_impl is compatible with target platform, searching for execution platforms:
            Compatible execution platform //plat:darwin
            Skipping execution platform //plat:linux; it has already selected a toolchain
            Skipping execution platform @platforms//host:host; it has already selected a toolchain
          All execution platforms have been assigned a //tc:type toolchain, stopping
        Recap of selected //tc:type toolchains for target platform //plat:linux:
          Selected //tc:linux_impl to run on execution platform //plat:linux
          Selected //tc:linux_impl to run on execution platform @platforms//host:host
          Selected //tc:dummy_impl to run on execution platform //plat:darwin
        Target platform //plat:linux: Selected execution platform //plat:darwin, type //tc:type -> toolchain //tc:dummy_impl
        Why //plat:darwin: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(&text));
}

#[test]
fn dummy_case_c_prime_optional_without_dummy() {
    let text = format!("{DUMMY}toolchains ws //tc:linux\ngroup types=//tc:type?");
    expect![[r#"
        [default exec group] exec //plat:linux (most resolved, 1/1); //tc:type -> //tc:linux
    "#]]
    .assert_eq(&summarize(&text));
    // "First suitable" (before 7.0) picks darwin with no toolchain.
    expect![[r#"
        [default exec group] exec //plat:darwin (first suitable, 0/1)
    "#]]
    .assert_eq(&summarize(&format!("{text}\nversion 6.5.0")));
}

#[test]
fn dummy_case_c_double_prime_optional_with_dummy() {
    let text = format!("{DUMMY}toolchains ws //tc:linux //tc:dummy\ngroup types=//tc:type?");
    expect![[r#"
        [default exec group] exec //plat:darwin (first suitable, 1/1); //tc:type -> //tc:dummy
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn dummy_case_d_multi_type() {
    let text = format!(
        "{DUMMY}type //cc:type
toolchain //cc:linux type=//cc:type exec=//os:linux
toolchain //cc:darwin type=//cc:type exec=//os:macos
toolchains ws //cc:linux //cc:darwin //tc:linux //tc:dummy
group types=//cc:type,//tc:type"
    );
    expect![[r#"
        [default exec group] exec //plat:darwin (first suitable, 2/2); //cc:type -> //cc:darwin; //tc:type -> //tc:dummy
    "#]].assert_eq(&summarize(&text));
}
