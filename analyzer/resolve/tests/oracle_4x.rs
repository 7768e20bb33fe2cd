//! What a real Bazel 4.2.3 was observed to do (`bazel-oracle.md`), encoded as tests.

mod support;

use expect_test::expect;
use support::{explained, summarize};

/// Exec platforms linux, darwin (host linux last); linux_tc (exec linux, target linux),
/// darwin_tc (exec darwin, target darwin), dummy_tc (no constraints).
const DUMMY: &str = "
version 4.2.3
setting //:os = linux_c darwin_c
platform //:linux //:linux_c
platform //:darwin //:darwin_c
platform //:host_p //:linux_c
host //:host_p
type //:tt
toolchain //:linux_tc type=//:tt exec=//:linux_c target=//:linux_c impl=//:linux_impl
toolchain //:darwin_tc type=//:tt exec=//:darwin_c target=//:darwin_c impl=//:darwin_impl
toolchain //:dummy_tc type=//:tt impl=//:dummy_impl
toolchains ws //:linux_tc //:darwin_tc //:dummy_tc
group types=//:tt
";

#[test]
fn dummy_hazard_reproduced() {
    // Target darwin resolves to exec linux with the dummy.
    expect![[r#"
        [default exec group] exec //:linux (first suitable, 1/1); //:tt -> //:dummy_tc
    "#]]
    .assert_eq(&summarize(&format!(
        "{DUMMY}exec ws //:linux //:darwin\nrequest //:darwin"
    )));
    // Exec order darwin, linux and target linux: exec darwin with the dummy.
    expect![[r#"
        [default exec group] exec //:darwin (first suitable, 1/1); //:tt -> //:dummy_tc
    "#]]
    .assert_eq(&summarize(&format!(
        "{DUMMY}exec ws //:darwin //:linux\nrequest //:linux"
    )));
}

#[test]
fn dummy_never_chosen_when_real_toolchains_constrain_only_exec() {
    let text = DUMMY
        .replace(" target=//:linux_c", "")
        .replace(" target=//:darwin_c", "");
    for (order, target) in [
        ("//:linux //:darwin", "//:darwin"),
        ("//:darwin //:linux", "//:linux"),
    ] {
        let s = summarize(&format!("{text}exec ws {order}\nrequest {target}"));
        assert!(!s.contains("dummy"), "{s}");
    }
    // A dummy registered first always wins; a dummy between two real toolchains shadows the
    // later one.
    let first = text.replace(
        "toolchains ws //:linux_tc //:darwin_tc //:dummy_tc",
        "toolchains ws //:dummy_tc //:linux_tc //:darwin_tc",
    );
    expect![[r#"
        [default exec group] exec //:darwin (first suitable, 1/1); //:tt -> //:dummy_tc
    "#]]
    .assert_eq(&summarize(&format!(
        "{first}exec ws //:darwin //:linux\nrequest //:linux"
    )));
    let between = text.replace(
        "toolchains ws //:linux_tc //:darwin_tc //:dummy_tc",
        "toolchains ws //:linux_tc //:dummy_tc //:darwin_tc",
    );
    expect![[r#"
        [default exec group] exec //:darwin (first suitable, 1/1); //:tt -> //:dummy_tc
    "#]]
    .assert_eq(&summarize(&format!(
        "{between}exec ws //:darwin //:linux\nrequest //:linux"
    )));
}

#[test]
fn all_orders_by_name_not_declaration() {
    let text = "
version 4.2.3
setting //:os = linux_c darwin_c
platform //:host_p //:linux_c
host //:host_p
type //:tt
toolchain //tc:a_linux type=//:tt exec=//:linux_c
toolchain //tc:a0_dummy type=//:tt
toolchains ws //tc:all
request //:host_p
group types=//:tt
";
    expect![[r#"
        [default exec group] exec //:host_p (first suitable, 1/1); //:tt -> //tc:a0_dummy
    "#]]
    .assert_eq(&summarize(text));
}

#[test]
fn first_extra_toolchains_value_wins_and_flags_precede_workspace() {
    let text = "
version 4.2.3
platform //:host_p
host //:host_p
type //:tt
toolchain //:ws type=//:tt
toolchain //:one type=//:tt
toolchain //:two type=//:tt
toolchains ws //:ws
toolchains flag@0 //:one
toolchains flag@1 //:two
request //:host_p
group types=//:tt
";
    expect![[r#"
        [default exec group] exec //:host_p (first suitable, 1/1); //:tt -> //:one
    "#]]
    .assert_eq(&summarize(text));
}

#[test]
fn exec_compatible_with_filters_first_then_no_matching_toolchains() {
    let text = "
version 4.2.3
setting //:os = linux_c darwin_c
platform //:linux //:linux_c
platform //:darwin //:darwin_c
host //:linux
type //:tt
toolchain //:darwin_tc type=//:tt exec=//:darwin_c impl=//:darwin_impl
exec ws //:darwin
toolchains ws //:darwin_tc
request //:linux
group types=//:tt exec=//:linux_c
";
    expect![[r#"
        Performing resolution of //:tt for target platform //:linux
          Toolchain //:darwin_impl is compatible with target platform, searching for execution platforms:
            Incompatible execution platform //:linux; mismatching values: darwin_c
        No //:tt toolchain found for target platform //:linux.
        Removed execution platform //:darwin from available execution platforms, it is missing constraint //:linux_c
        Error (no_matching_toolchains): no matching toolchains found for types //:tt
    "#]].assert_eq(&explained(text));
}

#[test]
fn target_settings_and_defaults() {
    let text = "
version 4.2.3
setting //:os default=linux_c = linux_c darwin_c
platform //:plain
platform //:darwin //:darwin_c
host //:plain
type //:tt
config_setting //:is_opt compilation_mode=opt
toolchain //:opt_tc type=//:tt settings=//:is_opt impl=//:opt_impl
toolchain //:linux_tc type=//:tt target=//:linux_c impl=//:linux_impl
toolchains ws //:opt_tc //:linux_tc
group types=//:tt
";
    // The platform that sets nothing gets the default linux_c.
    expect![[r#"
        [default exec group] exec //:plain (first suitable, 1/1); //:tt -> //:linux_tc
    "#]]
    .assert_eq(&summarize(&format!("{text}request //:plain")));
    expect![[r#"
        Performing resolution of //:tt for target platform //:darwin
          Rejected toolchain //:opt_tc; mismatching target_settings: is_opt
          Rejected toolchain //:linux_impl; mismatching values: linux_c
        No //:tt toolchain found for target platform //:darwin.
        Error (no_matching_toolchains): no matching toolchains found for types //:tt
    "#]]
    .assert_eq(&explained(&format!("{text}request //:darwin")));
}
