//! Spec §8 edge cases about resolution, the §2.5 defaults table, and unknown handling.

mod support;

use expect_test::expect;
use support::{explained, summarize, OS};

#[test]
fn e1_e2_no_requested_types() {
    let base = format!("{OS}exec ws //p:mac //p:linux\nrequest //p:linux\n");
    expect![[r#"
        [default exec group] exec //p:mac (first suitable, 0/0)
    "#]]
    .assert_eq(&summarize(&format!("{base}group")));
    expect![[r#"
        [default exec group] error no_matching_exec_platform: Unable to find an execution platform for target platform //p:linux from available execution platforms []
    "#]].assert_eq(&summarize(&format!("{base}setting //c:x = y\ngroup exec=//c:y")));
}

#[test]
fn e3_toolchain_only_on_filtered_platform() {
    let text = format!(
        "{OS}toolchain //tc:mac type=//tc:type exec=//c:mac
exec ws //p:mac
toolchains ws //tc:mac
request //p:linux
group types=//tc:type exec=//c:linux"
    );
    expect![[r#"
        Performing resolution of //tc:type for target platform //p:linux
          Toolchain //tc:mac_impl is compatible with target platform, searching for execution platforms:
            Incompatible execution platform //p:host; mismatching values: mac
        No //tc:type toolchain found for target platform //p:linux.
        Removed execution platform //p:mac from available execution platforms, it is missing constraint //c:linux
        Error (no_matching_toolchains): No matching toolchains found for types //tc:type.
        To debug, rerun with --toolchain_resolution_debug='//tc:type'
        If platforms or toolchains are a new concept for you, we'd encourage reading https://bazel.build/concepts/platforms-intro.
    "#]].assert_eq(&explained(&text));
}

#[test]
fn e4_two_mandatory_types_on_disjoint_platforms() {
    let text = format!(
        "{OS}type //tc:t2
toolchain //tc:on_mac type=//tc:type exec=//c:mac
toolchain //tc:on_linux type=//tc:t2 exec=//c:linux
exec ws //p:mac //p:linux
toolchains ws //tc:all
request //p:linux
group types=//tc:type,//tc:t2"
    );
    expect![[r#"
        [default exec group] error no_matching_exec_platform: Unable to find an execution platform for toolchains [//tc:type, //tc:t2] and target platform //p:linux from available execution platforms [//p:mac, //p:linux, //p:host]
    "#]].assert_eq(&summarize(&text));
}

#[test]
fn e7_equal_scores_keep_the_earlier_platform() {
    let text = format!(
        "{OS}toolchain //tc:any type=//tc:type
exec ws //p:mac //p:linux
toolchains ws //tc:any
request //p:linux
group types=//tc:type?"
    );
    expect![[r#"
        [default exec group] exec //p:mac (first suitable, 1/1); //tc:type -> //tc:any
    "#]]
    .assert_eq(&summarize(&text));
}

#[test]
fn e8_duplicate_exec_platforms() {
    let text = format!(
        "{OS}toolchain //tc:linux type=//tc:type exec=//c:linux
exec ws //p:host //p:mac //p:host
toolchains ws //tc:linux
request //p:linux
group types=//tc:type"
    );
    expect![[r#"
        Performing resolution of //tc:type for target platform //p:linux
          Toolchain //tc:linux_impl is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:host
            Incompatible execution platform //p:mac; mismatching values: linux
        Recap of selected //tc:type toolchains for target platform //p:linux:
          Selected //tc:linux_impl to run on execution platform //p:host
        Ignoring execution platform //p:host: registered again later in the list
        Target platform //p:linux: Selected execution platform //p:host, type //tc:type -> toolchain //tc:linux_impl
        Why //p:host: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(&text));
}

#[test]
fn e13_target_settings_hide_a_toolchain() {
    let text = format!(
        "{OS}config_setting //s:opt compilation_mode=opt
toolchain //tc:opt_only type=//tc:type settings=//s:opt
toolchain //tc:any type=//tc:type
toolchains ws //tc:opt_only //tc:any
request //p:linux
group types=//tc:type"
    );
    // compilation_mode defaults to fastbuild.
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:any
    "#]]
    .assert_eq(&summarize(&text));
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:opt_only
    "#]]
    .assert_eq(&summarize(&format!("{text}\noption compilation_mode=opt")));
    // define_values, flag_values (with a known build_setting_default) and constraint_values.
    let more = format!(
        "{OS}config_setting //s:def define:mode=fast
config_setting //s:flag flag://f:x=on
config_setting //s:on_mac constraint=//c:mac
toolchain //tc:a type=//tc:type settings=//s:def
toolchain //tc:b type=//tc:type settings=//s:flag
toolchain //tc:c type=//tc:type settings=//s:on_mac
toolchain //tc:d type=//tc:type
toolchains ws //tc:a //tc:b //tc:c //tc:d
flagdefault //f:x off
request //p:mac
group types=//tc:type"
    );
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:c
    "#]]
    .assert_eq(&summarize(&more));
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:a
    "#]]
    .assert_eq(&summarize(&format!("{more}\ndefine mode=fast")));
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:b
    "#]]
    .assert_eq(&summarize(&format!("{more}\nflag //f:x=on")));
}

/// §2.5: `setting` defaults to `value_a`; rows are the toolchain's constraints, columns the
/// exec platform (nothing set / value_a / value_b).
#[test]
fn defaults_table_2_5() {
    let mut out = String::new();
    for tc in ["", "//c:value_a", "//c:value_b"] {
        for platform in ["//p:nothing", "//p:with_a", "//p:with_b"] {
            let text = format!(
                "setting //c:setting default=value_a = value_a value_b
platform //p:nothing
platform //p:with_a //c:value_a
platform //p:with_b //c:value_b
host {platform}
type //t:type
toolchain //t:tc type=//t:type exec={tc}
toolchains ws //t:tc
request //p:nothing
group types=//t:type?"
            );
            let s = summarize(&text);
            let verdict = if s.contains("//t:tc") {
                "match"
            } else {
                "no match"
            };
            out.push_str(&format!("[{tc}] on {platform}: {verdict}\n"));
        }
    }
    expect![[r#"
        [] on //p:nothing: match
        [] on //p:with_a: match
        [] on //p:with_b: match
        [//c:value_a] on //p:nothing: match
        [//c:value_a] on //p:with_a: match
        [//c:value_a] on //p:with_b: no match
        [//c:value_b] on //p:nothing: no match
        [//c:value_b] on //p:with_a: no match
        [//c:value_b] on //p:with_b: match
    "#]]
    .assert_eq(&out);
}

#[test]
fn e18_two_parents_and_parent_cycles_are_invalid() {
    let text = format!(
        "{OS}platform //p:two parents=//p:linux,//p:mac
platform //p:loop1 parent=//p:loop2
platform //p:loop2 parent=//p:loop1
toolchain //tc:linux type=//tc:type target=//c:linux
toolchains ws //tc:linux
group types=//tc:type"
    );
    expect![[r#"
        [default exec group] error invalid_target_platform: in parents attribute of platform rule: parents attribute must have a single value
    "#]].assert_eq(&summarize(&format!("{text}\nrequest //p:two")));
    expect![[r#"
        [default exec group] error invalid_target_platform: cycle in the parents of platform //p:loop1
    "#]].assert_eq(&summarize(&format!("{text}\nrequest //p:loop1")));
}

#[test]
fn e19_e20_requested_type_alias_and_missing_type() {
    let text = format!(
        "{OS}alias //tc:type_alias //tc:type
toolchain //tc:any type=//tc:type_alias
toolchains ws //tc:any
request //p:linux
"
    );
    expect![[r#"
        Performing resolution of //tc:type (requested as //tc:type_alias) for target platform //p:linux
          Toolchain //tc:any_impl is compatible with target platform, searching for execution platforms:
            Compatible execution platform //p:host
          All execution platforms have been assigned a //tc:type toolchain, stopping
        Recap of selected //tc:type toolchains for target platform //p:linux:
          Selected //tc:any_impl to run on execution platform //p:host
        Target platform //p:linux: Selected execution platform //p:host, type //tc:type -> toolchain //tc:any_impl
        Why //p:host: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(&format!("{text}group types=//tc:type_alias")));
    expect![[r#"
        [default exec group] error invalid_toolchain_type: no such target '//tc:missing': target 'missing' not declared in package 'tc'
    "#]].assert_eq(&summarize(&format!("{text}group types=//tc:missing")));
    // A label that is not a toolchain type is ignored where the requirement says so
    // (genrule `toolchains`).
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:any
    "#]]
    .assert_eq(&summarize(&format!(
        "{text}rule //tc:make_vars filegroup\ngroup types=//tc:type,//tc:make_vars!"
    )));
}

#[test]
fn e27_forced_platform_without_mandatory_type_falls_back() {
    let text = format!(
        "{OS}toolchain //tc:linux type=//tc:type exec=//c:linux
exec ws //p:mac //p:linux
toolchains ws //tc:linux
request //p:linux
forced //p:mac
group types=//tc:type"
    );
    expect![[r#"
        Performing resolution of //tc:type for target platform //p:linux
          Toolchain //tc:linux_impl is compatible with target platform, searching for execution platforms:
            Incompatible execution platform //p:mac; mismatching values: linux
            Compatible execution platform //p:linux
            Compatible execution platform //p:host
        Recap of selected //tc:type toolchains for target platform //p:linux:
          Selected //tc:linux_impl to run on execution platform //p:linux
          Selected //tc:linux_impl to run on execution platform //p:host
        Forced execution platform //p:mac not used: a mandatory toolchain type does not resolve on it
        Target platform //p:linux: Selected execution platform //p:linux, type //tc:type -> toolchain //tc:linux_impl
        Why //p:linux: first suitable: it is the highest-priority available platform on which every mandatory type resolved (1 of 1 types resolved)
    "#]].assert_eq(&explained(&text));
}

#[test]
fn e28_use_target_platform_constraints() {
    let base = format!(
        "{OS}exec ws //p:mac //p:linux
request //p:linux
group types=//tc:type
"
    );
    // The toolchain behaves as if both lists were the target platform's constraints.
    expect![[r#"
        [default exec group] exec //p:linux (first suitable, 1/1); //tc:type -> //tc:test
    "#]]
    .assert_eq(&summarize(&format!(
        "{base}toolchain //tc:test type=//tc:type utpc\ntoolchains ws //tc:test"
    )));
    // Setting explicit constraints as well is an error.
    expect![[r#"
        [default exec group] error invalid_registration: invalid registered toolchain '//tc:test': Cannot set use_target_platform_constraints to True and also set exec_compatible_with or target_compatible_with
    "#]].assert_eq(&summarize(&format!(
        "{base}toolchain //tc:test type=//tc:type utpc exec=//c:linux\ntoolchains ws //tc:test"
    )));
}

#[test]
fn e29_required_settings_on_exec_platforms() {
    let text = format!(
        "{OS}config_setting //s:opt compilation_mode=opt
platform //p:opt_only //c:mac required=//s:opt
exec ws //p:opt_only
request //p:linux
group"
    );
    // 8.0+: the platform is rejected in fastbuild.
    expect![[r#"
        Rejected execution platform //p:opt_only; mismatching required_settings: opt
        Target platform //p:linux: Selected execution platform //p:host
        Why //p:host: first suitable: it is the highest-priority available platform on which every mandatory type resolved (0 of 0 types resolved)
    "#]].assert_eq(&explained(&format!("{text}\nversion 8.0.0")));
    expect![[r#"
        [default exec group] exec //p:opt_only (first suitable, 0/0)
    "#]]
    .assert_eq(&summarize(&format!(
        "{text}\nversion 8.0.0\noption compilation_mode=opt"
    )));
}

#[test]
fn error_texts_per_version() {
    let text = format!("{OS}request //p:linux\ntype //tc:t2\ngroup types=//tc:type,//tc:t2");
    expect![[r#"
        [default exec group] error no_matching_toolchains: no matching toolchains found for types //tc:type, //tc:t2
    "#]].assert_eq(&summarize(&format!("{text}\nversion 4.2.3")));
    expect![[r#"
        [default exec group] error no_matching_toolchains: No matching toolchains found for types //tc:type, //tc:t2. Maybe --incompatible_use_cc_configure_from_rules_cc has been flipped and there is no default C++ toolchain added in the WORKSPACE file? See https://github.com/bazelbuild/bazel/issues/10134 for details and migration instructions.
    "#]].assert_eq(&summarize(&format!("{text}\nversion 6.5.0")));
    expect![[r#"
        [default exec group] error no_matching_toolchains: No matching toolchains found for types //tc:type, //tc:t2.
        To debug, rerun with --toolchain_resolution_debug='//tc:type|//tc:t2'
        For more information on platforms or toolchains see https://bazel.build/concepts/platforms-intro.
    "#]].assert_eq(&summarize(&format!("{text}\nversion 9.0.0\nbzlmod")));
}

#[test]
fn unknown_facts_are_never_guessed() {
    // A toolchain whose exec constraints are a select() comes first: which toolchain the mac
    // platform gets cannot be decided, but linux definitely has one.
    let text = format!(
        "{OS}toolchain //tc:a_dynamic type=//tc:type exec=?
toolchain //tc:b_linux type=//tc:type exec=//c:linux
exec ws //p:mac //p:linux
toolchains ws //tc:all
request //p:linux
group types=//tc:type"
    );
    expect![[r#"
        Performing resolution of //tc:type for target platform //p:linux
          Toolchain //tc:a_dynamic_impl is compatible with target platform, searching for execution platforms:
            Cannot decide execution platform //p:mac: `exec_compatible_with` of //tc:a_dynamic is not statically known
            Cannot decide execution platform //p:linux: `exec_compatible_with` of //tc:a_dynamic is not statically known
            Cannot decide execution platform //p:host: `exec_compatible_with` of //tc:a_dynamic is not statically known
          All execution platforms have been assigned a //tc:type toolchain, stopping
          Toolchain //tc:b_linux_impl is compatible with target platform, searching for execution platforms:
            Skipping execution platform //p:mac; it has already selected a toolchain
            Skipping execution platform //p:linux; it has already selected a toolchain
            Skipping execution platform //p:host; it has already selected a toolchain
        Cannot decide which execution platform is chosen: `exec_compatible_with` of //tc:a_dynamic is not statically known
    "#]].assert_eq(&explained(&text));
    // The same toolchain after a definite catch-all never matters.
    let text = format!(
        "{OS}toolchain //tc:a_any type=//tc:type
toolchain //tc:b_dynamic type=//tc:type exec=?
toolchains ws //tc:all
request //p:linux
group types=//tc:type"
    );
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); //tc:type -> //tc:a_any
    "#]]
    .assert_eq(&summarize(&text));
    // A host platform whose constraints are detected at run time (not in the model).
    let text = "
setting //c:os = linux mac
platform //p:linux //c:linux
type //tc:type
toolchain //tc:linux type=//tc:type exec=//c:linux
host @local_config_platform//:host
toolchains ws //tc:linux
request //p:linux
group types=//tc:type
";
    expect![[r#"
        [default exec group] undecided; cannot decide whether //tc:type resolves: the facts of @local_config_platform//:host are not statically known; cannot decide which execution platform is chosen: the facts of @local_config_platform//:host are not statically known
    "#]].assert_eq(&summarize(text));
    // Whether a type is mandatory is computed: with no toolchain, the outcome is unknown.
    let text = format!("{OS}request //p:linux\ngroup types=//tc:type~");
    expect![[r#"
        [default exec group] undecided; cannot decide whether //tc:type resolves: whether //tc:type is mandatory is not statically known; cannot decide which execution platform is chosen: whether //tc:type is mandatory is not statically known
    "#]].assert_eq(&summarize(&text));
    // A toolchain in an invisible repository registered first.
    let text = format!(
        "{OS}invisible hidden
toolchain //tc:any type=//tc:type
toolchains ws @hidden//:tc //tc:any
request //p:linux
group types=//tc:type"
    );
    expect![[r#"
        [default exec group] exec //p:host (first suitable, 1/1); cannot decide which //tc:type toolchain runs on //p:host: @hidden//:tc is in a repository toolcheck cannot read
    "#]].assert_eq(&summarize(&text));
}

#[test]
fn very_long_parent_chain() {
    let mut text = String::from("setting //c:os = linux mac\nplatform //p:base //c:linux\n");
    text.push_str("platform //p:c0 parent=//p:base\n");
    for i in 1..100_000 {
        text.push_str(&format!("platform //p:c{i} parent=//p:c{}\n", i - 1));
    }
    text.push_str(
        "host //p:c99999\ntype //t:type\ntoolchain //t:tc type=//t:type exec=//c:linux target=//c:linux\ntoolchains ws //t:tc\nrequest //p:c99999\ngroup types=//t:type\n",
    );
    expect![[r#"
        [default exec group] exec //p:c99999 (first suitable, 1/1); //t:type -> //t:tc
    "#]]
    .assert_eq(&summarize(&text));
}

/// `@platforms` unreadable: unknown, unless its fixed layout is modelled (`os`/`cpu` settings
/// without defaults, `os:macos` an alias of `os:osx`; the `arm` CPU names stay unknown without
/// a requested release).
#[test]
fn well_known_platforms_when_unreadable() {
    let world = |extra: &str, exec: &str| {
        format!(
            "{extra}
platform //p:linux @platforms//os:linux @platforms//cpu:x86_64
platform //p:mac @platforms//os:osx @platforms//cpu:arm64
platform //p:host
type //tc:type
toolchain //tc:t type=//tc:type exec={exec}
exec ws //p:linux //p:mac
toolchains ws //tc:t
request //p:linux
group types=//tc:type"
        )
    };
    let unknown = summarize(&world("visible", "@platforms//os:macos"));
    assert!(unknown.contains("undecided"), "{unknown}");
    // The alias resolves to the value //p:mac has; //p:linux has another value of `os`.
    expect![[r#"
        [default exec group] exec //p:mac (first suitable, 1/1); //tc:type -> //tc:t
    "#]]
    .assert_eq(&summarize(&world(
        "visible\nwell_known_platforms",
        "@platforms//os:macos",
    )));
    // A setting of `@platforms` the platform does not set has no default: no match.
    expect![[r#"
        [default exec group] exec //p:linux (first suitable, 1/1); //tc:type -> //tc:t
    "#]]
    .assert_eq(&summarize(&world(
        "visible\nwell_known_platforms",
        "@platforms//cpu:x86_64",
    )));
    let arm = summarize(&world(
        "visible\nwell_known_platforms",
        "@platforms//cpu:arm64",
    ));
    assert!(arm.contains("undecided"), "{arm}");
}

/// A repository only a request names (here the group's `exec_compatible_with`) is invisible
/// when toolcheck reads only some repositories: unknown, not a missing package.
#[test]
fn unreadable_repository_named_only_by_a_request() {
    let text = format!(
        "{OS}exec ws //p:mac
type //tc:type
toolchain //tc:t type=//tc:type
toolchains ws //tc:t
visible
request //p:linux
group types=//tc:type exec=@elsewhere//c:x"
    );
    let out = summarize(&text);
    assert!(out.contains("undecided"), "{out}");
    assert!(!out.contains("no such package"), "{out}");
}

/// Targets of the wrong kind where resolution reads a platform or a constraint value are the
/// errors Bazel reports (ToolchainResolutionFunctionTest: resolve_invalidHostPlatform,
/// resolve_execConstraints_invalid), not undecided; a host platform in a repository toolcheck
/// cannot read stays undecided.
#[test]
fn e40_wrong_kinds_for_platforms_and_constraints_are_errors() {
    let base = format!(
        "{OS}toolchain //tc:any type=//tc:type
toolchains ws //tc:any
rule //bad:files filegroup
request //p:linux"
    );
    expect![[r#"
        [default exec group] error invalid_exec_platform: Target //bad:files was referenced as a platform, but does not provide PlatformInfo
    "#]]
    .assert_eq(&summarize(&format!(
        "{base}\nhost //bad:files\ngroup types=//tc:type"
    )));
    expect![[r#"
        [default exec group] error invalid_constraint_value: '//p:linux' does not have mandatory providers: 'ConstraintValueInfo'
    "#]]
    .assert_eq(&summarize(&format!(
        "{base}\ngroup types=//tc:type exec=//p:linux"
    )));
    // A platform whose parent is no platform is rejected as a target platform.
    expect![[r#"
        [default exec group] error invalid_target_platform: Target //bad:files was referenced as a platform, but does not provide PlatformInfo
    "#]]
    .assert_eq(&summarize(&format!(
        "{base}\nplatform //p:child parent=//bad:files\nrequest //p:child\ngroup types=//tc:type"
    )));
    let unreadable = summarize(&format!(
        "{base}\ninvisible far\nhost @far//:host\ngroup types=//tc:type"
    ));
    assert!(unreadable.contains("undecided"), "{unreadable}");
}

/// A requested label that is no toolchain type fails resolution, optional or not; only a
/// request marked "ignore if invalid" (the `toolchains` attribute of `genrule`) skips it
/// (ToolchainResolutionFunctionTest: resolve_invalidToolchainType,
/// resolve_invalidToolchainType_ignored).
#[test]
fn e41_optional_non_type_fails_unless_ignored() {
    let base = format!(
        "{OS}rule //fake:not_a_toolchain filegroup
toolchain //tc:any type=//tc:type
toolchains ws //tc:any
request //p:linux"
    );
    expect![[r#"
        [default exec group] error invalid_toolchain_type: Target //fake:not_a_toolchain was referenced as a toolchain type, but does not provide ToolchainTypeInfo
    "#]]
    .assert_eq(&summarize(&format!(
        "{base}\ngroup types=//tc:type,//fake:not_a_toolchain?"
    )));
    let ignored = summarize(&format!(
        "{base}\ngroup types=//tc:type,//fake:not_a_toolchain!"
    ));
    assert!(!ignored.contains("error"), "{ignored}");
    assert!(ignored.contains("//tc:any"), "{ignored}");
}
