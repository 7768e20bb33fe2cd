//! Hover descriptions built from the index and the resolution simulator: a platform's full
//! constraint set (own, inherited, default) and merged `exec_properties`; a toolchain type's
//! registered toolchains in priority order and what Bazel picks per declared target platform.

mod common;

use toolcheck_ide::{AnalysisHost, FileKind, RepoName, Workspace};

const PLATFORMS: &str = r#"constraint_setting(name = "os")
constraint_value(name = "linux", constraint_setting = ":os")
constraint_value(name = "mac", constraint_setting = ":os")
constraint_setting(name = "cpu", default_constraint_value = ":x86")
constraint_value(name = "x86", constraint_setting = ":cpu")
constraint_setting(name = "gpu")
constraint_value(name = "cuda", constraint_setting = ":gpu")

platform(
    name = "base",
    constraint_values = [":linux", ":cuda"],
    exec_properties = {"pool": "default", "OSFamily": "Linux", "dockerImage": "img"},
)

platform(
    name = "child",
    parents = [":base"],
    constraint_values = [":mac"],
    exec_properties = {"pool": "big", "dockerImage": ""},
)
"#;

const TOOLCHAINS: &str = r#"toolchain_type(name = "type")

toolchain(
    name = "linux_tc",
    exec_compatible_with = ["//plat:linux"],
    target_compatible_with = ["//plat:linux"],
    toolchain = ":impl",
    toolchain_type = ":type",
)

toolchain(
    name = "mac_tc",
    exec_compatible_with = ["//plat:mac"],
    toolchain = ":impl",
    toolchain_type = ":type",
)

filegroup(name = "impl")
"#;

const MODULE: &str = "module(name = \"m\")\nregister_execution_platforms(\"//plat:base\")\nregister_toolchains(\"//tc:linux_tc\", \"//tc:mac_tc\")\n";

fn analysis() -> (
    toolcheck_ide::Analysis,
    toolcheck_ide::FileId,
    toolcheck_ide::FileId,
) {
    let ws = Workspace::with_main_repo("");
    let mut host = AnalysisHost::new(ws);
    host.add_file(
        RepoName::main(),
        "MODULE.bazel".into(),
        FileKind::Module,
        MODULE.into(),
    );
    let plat = host.add_file(
        RepoName::main(),
        "plat/BUILD.bazel".into(),
        FileKind::Build,
        PLATFORMS.into(),
    );
    let tc = host.add_file(
        RepoName::main(),
        "tc/BUILD.bazel".into(),
        FileKind::Build,
        TOOLCHAINS.into(),
    );
    (host.analysis(), plat, tc)
}

#[test]
fn platform_hover_shows_inherited_default_and_merged_properties() {
    let (analysis, plat, _) = analysis();
    let offset = PLATFORMS.find("\"child\"").unwrap() as u32 + 2;
    let hover = analysis
        .hover(plat, offset)
        .expect("hover on the platform's name")
        .markdown;
    assert!(
        hover.contains("`//plat:os`: `//plat:mac` (set here)"),
        "{hover}"
    );
    assert!(
        hover.contains("`//plat:gpu`: `//plat:cuda` (inherited from `//plat:base`)"),
        "{hover}"
    );
    assert!(
        hover.contains("`//plat:cpu`: `//plat:x86` (default of the setting)"),
        "{hover}"
    );
    // The child's `pool` wins, its empty `dockerImage` deletes the parent's, `OSFamily` is inherited.
    assert!(
        hover.contains("exec_properties: `OSFamily=Linux`, `pool=big`"),
        "{hover}"
    );
}

#[test]
fn toolchain_type_hover_lists_toolchains_in_priority_order_and_picks() {
    let (analysis, _, tc) = analysis();
    let offset = TOOLCHAINS.find("\"type\"").unwrap() as u32 + 2;
    let hover = analysis
        .hover(tc, offset)
        .expect("hover on the type's name")
        .markdown;
    let linux = hover.find("1. `//tc:linux_tc`").expect(&hover);
    let mac = hover.find("2. `//tc:mac_tc`").expect(&hover);
    assert!(linux < mac, "{hover}");
    assert!(
        hover.contains("exec: `//plat:linux`; target: `//plat:linux`"),
        "{hover}"
    );
    assert!(hover.contains("What Bazel picks"), "{hover}");
    // Target platform base (linux): exec base has linux, so linux_tc on exec base.
    assert!(
        hover.contains("| `//plat:base` | `//tc:linux_tc` | `//plat:base` |"),
        "{hover}"
    );
    // Target platform child: only the host, which this workspace cannot describe, could run
    // mac_tc, so the row is undecided, and mac_tc is not marked as never picked.
    assert!(
        hover.contains("| `//plat:child` | cannot decide: "),
        "{hover}"
    );
    assert!(
        !hover
            .lines()
            .any(|l| l.contains("`//tc:") && l.contains("selected")),
        "{hover}"
    );
}

/// The hover leads with the answer: right under its title, a table of what Bazel picks per
/// target platform (platform, toolchain, exec platform); the documentation and the registered
/// toolchains follow, and a toolchain an earlier registration always beats is marked.
#[test]
fn toolchain_type_hover_leads_with_the_picks_and_marks_shadowed_toolchains() {
    let build = r#"constraint_setting(name = "os")
constraint_value(name = "linux", constraint_setting = ":os")
constraint_setting(name = "gpu")
constraint_value(name = "cuda", constraint_setting = ":gpu")
platform(name = "box", constraint_values = [":linux", ":cuda"])

# The compiler.
toolchain_type(name = "type")

toolchain(
    name = "general",
    exec_compatible_with = [":linux"],
    toolchain = ":impl",
    toolchain_type = ":type",
)

toolchain(
    name = "special",
    exec_compatible_with = [":linux", ":cuda"],
    toolchain = ":impl",
    toolchain_type = ":type",
)

toolchain(
    name = "gpu_only",
    exec_compatible_with = [":cuda"],
    toolchain = ":impl",
    toolchain_type = ":type",
)

filegroup(name = "impl")
"#;
    let module = "module(name = \"m\")\nregister_execution_platforms(\"//p:box\")\nregister_toolchains(\"//p:general\", \"//p:special\", \"//p:gpu_only\")\n";
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, module),
        ("p/BUILD.bazel", FileKind::Build, build),
    ]);
    let a = host.analysis();
    let file = common::file_at(&a, "p/BUILD.bazel");
    let offset = build.find("\"type\"").unwrap() as u32 + 2;
    let hover = a.hover(file, offset).expect("a hover").markdown;
    let lines: Vec<&str> = hover.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "**toolchain_type** `//p:type`", "{hover}");
    assert_eq!(
        lines[1], "**What Bazel picks** (as a mandatory type):",
        "{hover}"
    );
    assert_eq!(
        lines[2], "| target platform | toolchain | exec platform |",
        "{hover}"
    );
    assert!(
        hover.contains("| `//p:box` | `//p:general` | `//p:box` |"),
        "{hover}"
    );
    let table = hover.find("What Bazel picks").unwrap();
    assert!(table < hover.find("The compiler.").unwrap(), "{hover}");
    assert!(
        table < hover.find("Registered toolchains").unwrap(),
        "{hover}"
    );
    let special = lines
        .iter()
        .find(|l| l.starts_with("2. `//p:special`"))
        .expect(&hover);
    assert!(
        special.ends_with(
            "— **never selected**: `//p:general`, registered earlier, matches everywhere it does"
        ),
        "{hover}"
    ); // Not shadowed (general does not run where only cuda is asked for), but box, the only
       // target platform, gets general: every row is decided, so it is marked.
    let gpu_only = lines
        .iter()
        .find(|l| l.starts_with("3. `//p:gpu_only`"))
        .expect(&hover);
    assert!(
        gpu_only.ends_with("— **not selected** for any target platform above"),
        "{hover}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("1. `//p:general`") && l.contains("selected")),
        "{hover}"
    );
}

/// A macro that declares thousands of toolchains (a fuzzer found the quadratic list this
/// used to build): the hover lists the first ones in priority order and counts the rest.
#[test]
fn toolchain_type_hover_summarises_long_lists() {
    let bzl = "def many(count):\n    for i in range(count):\n        native.toolchain(name = \"r%d\" % i, toolchain = \":impl\", toolchain_type = \":type\")\n    for i in range(count):\n        native.toolchain(name = \"u%d\" % i, toolchain = \":impl\", toolchain_type = \":type\")\n";
    let build = "load(\":defs.bzl\", \"many\")\n\ntoolchain_type(name = \"type\")\n\nfilegroup(name = \"impl\")\n\nmany(count = 3000)\n";
    let module = "module(name = \"m\")\n\nregister_toolchains(\"//tc:all\")\n";
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, module),
        ("tc/defs.bzl", FileKind::Bzl, bzl),
        ("tc/BUILD.bazel", FileKind::Build, build),
    ]);
    let a = host.analysis();
    let tc = common::file_at(&a, "tc/BUILD.bazel");
    let offset = build.find("\"type\"").unwrap() as u32 + 1;
    let hover = a.hover(tc, offset).expect("a hover").markdown;
    // `//tc:all` registers all 6,000; the first in priority order come first.
    assert!(hover.contains("1. `//tc:r0`"), "{hover}");
    assert!(hover.contains("… and 5950 more"), "{hover}");
    assert!(
        hover.lines().count() < 120,
        "{} lines",
        hover.lines().count()
    );
}

/// A label into a repository toolcheck cannot read is not "no such target"; for `@platforms`
/// the hover says what its layout makes the label and which releases declare it.
#[test]
fn hover_on_labels_into_unreadable_repositories() {
    let text = r#"platform(
    name = "p",
    constraint_values = ["@platforms//os:linux", "@platforms//os:macos", "@other//c:v"],
)

platform(
    name = "q",
    constraint_values = ["@platforms//cpu:riscv32", "@platforms//cpu:x86-64"],
)
"#;
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\nbazel_dep(name = \"platforms\", version = \"0.0.11\")\nbazel_dep(name = \"other\", version = \"1\")\n"),
        ("plat/BUILD", FileKind::Build, text),
    ]);
    let a = host.analysis();
    let file = common::file_at(&a, "plat/BUILD");
    let at = |needle: &str| {
        let offset = text.find(needle).unwrap() as u32 + 3;
        a.hover(file, offset).expect("a hover").markdown
    };
    let linux = at("@platforms//os:linux");
    assert!(
        linux.contains("a `constraint_value` of `@platforms//os:os`")
            && linux.contains("which toolcheck cannot read")
            && !linux.contains("No such target"),
        "{linux}"
    );
    assert!(linux.contains("Declared by every release"), "{linux}");
    assert!(at("@platforms//os:macos").contains("an alias of `@platforms//os:osx`"));
    let riscv = at("@platforms//cpu:riscv32");
    assert!(riscv.contains("releases since 0.0.5"), "{riscv}");
    let typo = at("@platforms//cpu:x86-64");
    assert!(
        typo.contains(
            "Declared by no release of `@platforms` up to 1.1.0 (did you mean `x86_64`?)"
        ),
        "{typo}"
    );
    let other = at("@other//c:v");
    assert!(
        other.contains("In `@other`, which toolcheck cannot read") && !other.contains("layout"),
        "{other}"
    );
}
