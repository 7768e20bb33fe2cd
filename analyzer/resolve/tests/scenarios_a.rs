//! Spec §9 A: scenarios from `ToolchainResolutionFunctionTest` (A1–A10).

mod support;

use expect_test::expect;
use support::{summarize, OS};

/// tc_linux (exec linux, target linux), tc_mac (exec mac, target linux); EP=[mac, linux].
const A1: &str = "
toolchain //tc:tc_linux type=//tc:type exec=//c:linux target=//c:linux
toolchain //tc:tc_mac type=//tc:type exec=//c:mac target=//c:linux
exec ws //p:mac //p:linux
toolchains ws //tc:tc_linux //tc:tc_mac
request //p:linux
";

#[test]
fn a1_resolve() {
    let text = format!("{OS}{A1}group types=//tc:type");
    expect![[r#"
        [default exec group] exec //p:mac (first suitable, 1/1); //tc:type -> //tc:tc_mac
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn a2_resolve_optional() {
    let text = format!("{OS}{A1}group types=//tc:type?");
    expect![[r#"
        [default exec group] exec //p:mac (first suitable, 1/1); //tc:type -> //tc:tc_mac
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn a3_resolve_optional_on_first_platform() {
    let text = format!(
        "{OS}
toolchain //tc:tc_mac type=//tc:type exec=//c:mac target=//c:linux
exec ws //p:mac //p:linux
toolchains ws //tc:tc_mac
request //p:linux
group types=//tc:type?"
    );
    expect![[r#"
        [default exec group] exec //p:mac (first suitable, 1/1); //tc:type -> //tc:tc_mac
    "#]]
    .assert_eq(&summarize(&text));
}

const A4: &str = "
toolchain //tc:tc_mac type=//tc:type exec=//c:mac target=//c:linux
exec ws //p:linux //p:mac
toolchains ws //tc:tc_mac
request //p:linux
group types=//tc:type?
";

#[test]
fn a4_resolve_optional_on_second_platform() {
    // 7.0+: "most toolchains" picks mac.
    expect![[r#"
        [default exec group] exec //p:mac (most resolved, 1/1); //tc:type -> //tc:tc_mac
    "#]]
    .assert_eq(&summarize(&format!("{OS}{A4}")));
    // Before 7.0 ("first suitable"): linux, with the optional type unresolved.
    expect![[r#"
        [default exec group] exec //p:linux (first suitable, 0/1)
    "#]]
    .assert_eq(&summarize(&format!("{OS}{A4}version 6.5.0")));
}

#[test]
fn a5_resolve_max_optional_on_second_platform() {
    let text = format!("{OS}{A4}type //tc:other\ngroup types=//tc:type?,//tc:other?");
    // Two groups would be confusing: replace the single group with both types.
    let text = text.replace("group types=//tc:type?\n", "");
    expect![[r#"
        [default exec group] exec //p:mac (most resolved, 1/2); //tc:type -> //tc:tc_mac
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn a6_resolve_multiple() {
    let text = "
setting //c:os = linux mac
platform //p:linux //c:linux
platform //p:host //c:linux
type //toolchain:test_toolchain
type //toolchain:workspace_suffix_toolchain
toolchain //main:t1 type=//toolchain:test_toolchain exec=//c:linux target=//c:linux
toolchain //main:t2 type=//toolchain:workspace_suffix_toolchain exec=//c:linux target=//c:linux
exec ws //p:linux
toolchains ws //main:all
request //p:linux
group types=//toolchain:test_toolchain,//toolchain:workspace_suffix_toolchain
";
    expect![[r#"
        [default exec group] exec //p:linux (first suitable, 2/2); //toolchain:test_toolchain -> //main:t1; //toolchain:workspace_suffix_toolchain -> //main:t2
    "#]].assert_eq(&summarize(text));
}

#[test]
fn a7_resolve_mandatory_missing() {
    let text = "
setting //c:os = linux mac
platform //p:linux //c:linux
platform //p:host //c:linux
type //toolchain:test_toolchain
exec ws //p:linux
request //p:linux
group types=//toolchain:test_toolchain
";
    expect![[r#"
        [default exec group] error no_matching_toolchains: No matching toolchains found for types //toolchain:test_toolchain.
        To debug, rerun with --toolchain_resolution_debug='//toolchain:test_toolchain'
        If platforms or toolchains are a new concept for you, we'd encourage reading https://bazel.build/concepts/platforms-intro.
    "#]].assert_eq(&summarize(text));
}

const TWO_TYPES: &str = "
type //tc:t1
type //tc:t2
toolchain //tc:a1 type=//tc:t1 exec=//c:linux
toolchain //tc:a2 type=//tc:t2 exec=//c:linux
exec ws //p:linux
toolchains ws //tc:all
request //p:linux
";

#[test]
fn a8_resolve_multiple_optional() {
    let text = format!("{OS}{TWO_TYPES}group types=//tc:t1,//tc:t2?");
    expect![[r#"
        [default exec group] exec //p:linux (first suitable, 2/2); //tc:t1 -> //tc:a1; //tc:t2 -> //tc:a2
    "#]].assert_eq(&summarize(&text));
}

#[test]
fn a9_resolve_multiple_optional_missing() {
    let text = format!("{OS}{TWO_TYPES}type //tc:t3\ngroup types=//tc:t1,//tc:t3?");
    expect![[r#"
        [default exec group] exec //p:linux (first suitable, 1/2); //tc:t1 -> //tc:a1
    "#]]
    .assert_eq(&summarize(&text));
}

const A10: &str = "
version 9.0.0
bzlmod
platform //p:allows_single_toolchain allowed=//tc:type
platform //p:allows_all
toolchain //tc:any type=//tc:type
exec root //p:allows_single_toolchain //p:allows_all
toolchains root //tc:any
request //p:linux
";

#[test]
fn a10_check_platform_allowed_toolchains() {
    let text = format!("{OS}{A10}group types=//tc:type");
    expect![[r#"
        [default exec group] exec //p:allows_single_toolchain (first suitable, 1/1); //tc:type -> //tc:any
    "#]].assert_eq(&summarize(&text));
    // A target that requests no types skips the checking platform.
    let text = format!("{OS}{A10}group");
    expect![[r#"
        [default exec group] exec //p:allows_all (first suitable, 0/0)
    "#]]
    .assert_eq(&summarize(&text));
}
