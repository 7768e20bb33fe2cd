//! `Analysis::coverage`: what a snapshot could not evaluate, counted per kind with the top
//! reasons and their first places; complete (and silent) on a workspace toolcheck sees in
//! full; the same on every run.

mod common;

use common::{file_at, host_with};
use toolcheck_ide::{Analysis, AnalysisHost, Coverage, FileKind, GapKind, HostMachine};

const MODULE: &str = r#"module(name = "demo")

bazel_dep(name = "rules_go", version = "0.50.0")

TC = "//:tc"

register_toolchains("//:all", "@rules_go//go:all")

register_toolchains(TC)
"#;

const DEFS: &str = r#"load("@rules_go//go:def.bzl", "GO_TOOLCHAINS", "go_binary")

def _impl(ctx):
    pass

computed = rule(implementation = _impl, toolchains = GO_TOOLCHAINS)

grouped = rule(
    implementation = _impl,
    exec_groups = {"link": exec_group(toolchains = GO_TOOLCHAINS)},
)

invisible_type = rule(implementation = _impl, toolchains = ["@rules_go//go:toolchain"])

def my_macro(name):
    go_binary(name = name + "_bin")
    native.filegroup(name = name)
"#;

const BUILD: &str = r#"load("@rules_go//go:def.bzl", "go_library")
load("//:defs.bzl", "computed", "my_macro")

toolchain_type(name = "tt")

platform(name = "linux")

computed(name = "r")

go_library(name = "lib")

go_library(name = "lib2")

my_macro(name = "m")
"#;

fn gaps() -> Analysis {
    host_with(&[
        ("MODULE.bazel", FileKind::Module, MODULE),
        ("defs.bzl", FileKind::Bzl, DEFS),
        ("BUILD.bazel", FileKind::Build, BUILD),
    ])
    .analysis()
}

/// `(kind, count)` of every category with gaps.
fn counts(c: &Coverage) -> Vec<(GapKind, usize)> {
    c.categories.iter().map(|c| (c.kind, c.count)).collect()
}

/// The reasons of one kind, as `(text, count, path:line)` (1-based line).
fn reasons(a: &Analysis, kind: GapKind) -> Vec<(String, usize, String)> {
    let c = a.coverage();
    let Some(cat) = c.categories.iter().find(|c| c.kind == kind) else {
        return Vec::new();
    };
    cat.reasons
        .iter()
        .map(|r| {
            let place = r.example.map_or("-".to_string(), |p| {
                let line = a.line_index(p.file).line_col_utf8(p.range.start).line + 1;
                format!("{}:{line}", a.display_path(p.file))
            });
            (r.text.clone(), r.count, place)
        })
        .collect()
}

#[test]
fn every_kind_of_gap_is_counted_with_its_reasons() {
    let a = gaps();
    let c = a.coverage();
    assert_eq!(
        counts(&c),
        [
            (GapKind::Rules, 2),
            (GapKind::Targets, 2),
            (GapKind::Macros, 1),
            (GapKind::Registrations, 3),
            (GapKind::Repositories, 1),
            (GapKind::Resolutions, 1),
        ],
        "{c:#?}"
    );
    assert_eq!(
        reasons(&a, GapKind::Rules),
        [
            (
                "the rule's requests are unknown: its `toolchains` list is computed in a way toolcheck cannot follow".into(),
                1,
                "defs.bzl:6".into()
            ),
            (
                "the rule's requests are unknown: the `toolchains` of one of its exec groups are computed".into(),
                1,
                "defs.bzl:8".into()
            ),
        ]
    );
    // Both `go_library` targets have the same reason: one reason, counted twice, at the first.
    assert_eq!(
        reasons(&a, GapKind::Targets),
        [(
            "`go_library` is loaded from '@rules_go', which toolcheck cannot read".into(),
            2,
            "BUILD.bazel:10".into()
        )]
    );
    let macros = reasons(&a, GapKind::Macros);
    assert_eq!(macros.len(), 1);
    assert_eq!((macros[0].1, macros[0].2.as_str()), (1, "BUILD.bazel:14"));
    // `//:all` expands into the root package, which the unevaluated targets leave open.
    assert_eq!(
        reasons(&a, GapKind::Registrations),
        [
            (
                "the pattern matches a package that may declare targets toolcheck cannot list"
                    .into(),
                1,
                "MODULE.bazel:7".into()
            ),
            (
                "registers from '@rules_go', which toolcheck cannot read".into(),
                1,
                "MODULE.bazel:7".into()
            ),
            (
                "an argument of `register_toolchains` is computed (not known statically)".into(),
                1,
                "MODULE.bazel:9".into()
            ),
        ]
    );
    // Named by the bazel_dep, both loads, the registration and the requested type; the
    // example is the first place in file order.
    let repos = reasons(&a, GapKind::Repositories);
    assert_eq!(repos.len(), 1);
    assert!(
        repos[0].0.starts_with("'@rules_go' cannot be read"),
        "{repos:?}"
    );
    assert_eq!(repos[0].2, "MODULE.bazel:3");
    assert!(repos[0].1 >= 5, "{repos:?}");
    // `invisible_type` requests a type in @rules_go: undecided on the declared platform.
    let undecided = reasons(&a, GapKind::Resolutions);
    assert_eq!(undecided.len(), 1);
    assert_eq!(undecided[0].2, "defs.bzl:13");
    assert!(undecided[0].0.contains("@rules_go"), "{undecided:?}");

    assert!(!c.is_complete());
    assert_eq!(
        c.summary().as_deref(),
        Some(
            "2 rules with unknown toolchain requests, 2 targets or packages not evaluated, \
             1 macro call not fully evaluated, 3 registrations not expanded, \
             1 repository not readable, 1 resolution undecided"
        )
    );
}

#[test]
fn coverage_is_deterministic() {
    assert_eq!(gaps().coverage(), gaps().coverage());
}

/// With the host machine known (as the CLI and the server always give it); without one, what
/// reaches the autodetected host is undecided, and coverage says so.
#[test]
fn a_workspace_seen_in_full_is_complete() {
    let host = host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"demo\")\n\nregister_toolchains(\"//:all\")\n"),
        (
            "defs.bzl",
            FileKind::Bzl,
            "def _impl(ctx):\n    pass\n\nmy_rule = rule(implementation = _impl, toolchains = [\"//:tt\"])\n",
        ),
        (
            "BUILD.bazel",
            FileKind::Build,
            "load(\"//:defs.bzl\", \"my_rule\")\n\ntoolchain_type(name = \"tt\")\n\nplatform(name = \"p\")\n\ntoolchain(name = \"tc\", toolchain = \":impl\", toolchain_type = \":tt\")\n\nfilegroup(name = \"impl\")\n\nmy_rule(name = \"r\")\n",
        ),
    ]);
    let unknown_host = host.workspace().clone();
    let mut ws = unknown_host.clone();
    ws.settings.host_machine = Some(HostMachine {
        os: "linux".into(),
        arch: "x86_64".into(),
        little_endian: true,
    });
    let c = AnalysisHost::new(ws).analysis().coverage();
    assert!(c.is_complete(), "{c:#?}");
    assert_eq!(c.summary(), None);
    let c = AnalysisHost::new(unknown_host).analysis().coverage();
    assert_eq!(counts(&c), [(GapKind::Resolutions, 1)], "{c:#?}");
}

/// WORKSPACE: a function loaded from an unreadable repository may register anything; one
/// from `@bazel_tools` (Bazel's own repository rules) is not a gap.
#[test]
fn workspace_calls_into_unreadable_repositories_are_registration_gaps() {
    let host = host_with(&[
        (
            "WORKSPACE",
            FileKind::Workspace,
            r#"load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

http_archive(name = "io_bazel_rules_go", urls = ["https://example.com/go.zip"])

load("@io_bazel_rules_go//go:deps.bzl", "go_register_toolchains")

go_register_toolchains(version = "1.22.0")
"#,
        ),
        (
            "BUILD.bazel",
            FileKind::Build,
            "toolchain_type(name = \"tt\")\n",
        ),
    ]);
    let mut ws = host.workspace().clone();
    ws.settings.bazel_version = Some("6.5.0".into());
    let a = AnalysisHost::new(ws).analysis();
    let _ = file_at(&a, "WORKSPACE");
    assert_eq!(
        reasons(&a, GapKind::Registrations),
        [(
            "`go_register_toolchains` is loaded from '@io_bazel_rules_go', which toolcheck cannot read: what it registers is not known".into(),
            1,
            "WORKSPACE:7".into()
        )]
    );
    let repos = reasons(&a, GapKind::Repositories);
    assert_eq!(repos.len(), 1, "{repos:?}");
    assert!(repos[0].0.starts_with("'@io_bazel_rules_go'"), "{repos:?}");
}
