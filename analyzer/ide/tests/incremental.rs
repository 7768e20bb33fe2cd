//! Incremental analysis agrees with a fresh one: after every edit in a sequence (BUILD files,
//! macro `.bzl` files, toolchains that change resolution, broken text, MODULE.bazel), the
//! updated snapshot's index and diagnostics equal those of a host built from scratch on the
//! same texts, and `file_diagnostics` equals the whole run filtered to that file.

mod common;

use std::sync::Arc;

use toolcheck_ide::{Analysis, AnalysisHost, FileId, FileKind, LintConfig, RepoName};

const MODULE: &str = r#"module(name = "m")
register_toolchains("//toolchains:all")
register_execution_platforms("//platforms:linux", "//platforms:mac")
"#;

const PLATFORMS: &str = r#"constraint_setting(name = "os")
constraint_value(name = "linux", constraint_setting = ":os")
constraint_value(name = "macos", constraint_setting = ":os")
platform(name = "linux", constraint_values = [":linux"])
platform(name = "mac", constraint_values = [":macos"])
"#;

const TOOLCHAINS: &str = r#"load("//defs:tc.bzl", "tc_for")
toolchain_type(name = "t")
tc_for(os = "linux")
toolchain(
    name = "tc_mac",
    toolchain = ":impl",
    toolchain_type = ":t",
    exec_compatible_with = ["//platforms:macos"],
)
filegroup(name = "impl")
"#;

const MACROS: &str = r#"def tc_for(os):
    native.toolchain(
        name = "tc_" + os,
        toolchain = "//toolchains:impl",
        toolchain_type = "//toolchains:t",
        exec_compatible_with = ["//platforms:" + os],
    )

def lib(name, deps = []):
    native.filegroup(name = name, srcs = deps)
"#;

const RULES: &str = r#"def _impl(ctx):
    return []

my_rule = rule(
    implementation = _impl,
    toolchains = ["//toolchains:t"],
)
"#;

fn app(i: usize) -> String {
    format!(
        "load(\"//defs:tc.bzl\", \"lib\")\nload(\"//defs:rules.bzl\", \"my_rule\")\nlib(name = \"a{i}\", deps = [\"//app1:a1\"])\nmy_rule(name = \"r{i}\")\nfilegroup(name = \"x\", srcs = [\"//missing:thing\"])\n"
    )
}

fn files() -> Vec<(&'static str, FileKind, String)> {
    let mut v = vec![
        ("MODULE.bazel", FileKind::Module, MODULE.to_string()),
        (
            "platforms/BUILD.bazel",
            FileKind::Build,
            PLATFORMS.to_string(),
        ),
        (
            "toolchains/BUILD.bazel",
            FileKind::Build,
            TOOLCHAINS.to_string(),
        ),
        ("defs/BUILD.bazel", FileKind::Build, String::new()),
        ("defs/tc.bzl", FileKind::Bzl, MACROS.to_string()),
        ("defs/rules.bzl", FileKind::Bzl, RULES.to_string()),
    ];
    for (i, path) in ["app1/BUILD.bazel", "app2/BUILD.bazel", "app3/BUILD.bazel"]
        .into_iter()
        .enumerate()
    {
        v.push((path, FileKind::Build, app(i + 1)));
    }
    v
}

fn host_with(texts: &[(&str, FileKind, String)]) -> AnalysisHost {
    let files: Vec<(&str, FileKind, &str)> = texts
        .iter()
        .map(|(path, kind, text)| (*path, *kind, text.as_str()))
        .collect();
    common::host_with(&files)
}

/// Everything observable about a snapshot: targets with their declarations and positions,
/// packages, rules, and every diagnostic.
fn observe(a: &Analysis) -> String {
    let index = a.index();
    let mut out = String::new();
    for t in index.targets.values() {
        out += &format!("{:?}\n", t);
    }
    for (id, p) in index.packages() {
        out += &format!("{id:?} {p:?}\n");
    }
    for r in &index.rules {
        out += &format!("{r:?}\n");
    }
    for d in a.diagnostics(&LintConfig::default()) {
        out += &format!("{d:?}\n");
    }
    // What the resolution simulation says: the hover on the toolchain type lists the
    // registered toolchains in priority order and what Bazel picks per platform.
    let ws = a.workspace();
    if let Some(file) = ws
        .file_ids()
        .find(|&f| ws.file(f).path == "toolchains/BUILD.bazel")
    {
        if let Some(at) = ws.file(file).text.find("toolchain_type(name") {
            out += &format!("{:?}\n", a.hover(file, at as u32 + 2));
        }
    }
    out
}

fn assert_file_diagnostics_agree(a: &Analysis) {
    let config = LintConfig::default();
    let all = a.diagnostics(&config);
    for file in a.workspace().file_ids() {
        let scoped = a.file_diagnostics(file, &config);
        let filtered: Vec<_> = all.iter().filter(|d| d.file == file).cloned().collect();
        assert_eq!(
            format!("{scoped:?}"),
            format!("{filtered:?}"),
            "file_diagnostics of {}",
            a.workspace().file(file).path
        );
    }
}

/// Computes a file's new text from its old one.
type Edit = Box<dyn Fn(&str) -> String>;

#[test]
fn edits_agree_with_a_fresh_analysis() {
    let mut texts = files();
    let mut host = host_with(&texts);
    // Every file open in an editor: edits reparse incrementally from the kept trees.
    for (path, _, _) in &texts {
        let file = host.file_id(&RepoName::main(), path).unwrap();
        host.set_file_open(file, true);
    }
    // Build the first snapshot (and its simulation), so that later ones are updates.
    let first = host.analysis();
    assert!(!first.diagnostics(&LintConfig::default()).is_empty());

    let edits: Vec<(&str, Edit)> = vec![
        // A new target in a BUILD file.
        (
            "app2/BUILD.bazel",
            Box::new(|t: &str| format!("{t}filegroup(name = \"new\")\n")),
        ),
        // A comment (positions shift, nothing else changes).
        (
            "app2/BUILD.bazel",
            Box::new(|t: &str| format!("# edited\n{t}")),
        ),
        // A catch-all toolchain: resolution changes.
        (
            "toolchains/BUILD.bazel",
            Box::new(|t: &str| {
                t.replace("    exec_compatible_with = [\"//platforms:macos\"],\n", "")
            }),
        ),
        // Back again.
        (
            "toolchains/BUILD.bazel",
            Box::new(|_: &str| TOOLCHAINS.to_string()),
        ),
        // The macro file: every package using `lib` and `tc_for` changes.
        (
            "defs/tc.bzl",
            Box::new(|t: &str| t.replace("name = name,", "name = name + \"_lib\",")),
        ),
        // A rule's toolchains.
        (
            "defs/rules.bzl",
            Box::new(|t: &str| t.replace("[\"//toolchains:t\"]", "[\"//toolchains:nope\"]")),
        ),
        // Broken text.
        (
            "app3/BUILD.bazel",
            Box::new(|t: &str| format!("{t}filegroup(name = \n")),
        ),
        // A label that stops resolving.
        (
            "app1/BUILD.bazel",
            Box::new(|t: &str| t.replace("a1", "gone")),
        ),
        // The loads of a BUILD file change.
        (
            "app3/BUILD.bazel",
            Box::new(|_: &str| {
                "load(\"//defs:tc.bzl\", \"tc_for\")\ntc_for(os = \"mac\")\n".to_string()
            }),
        ),
        // MODULE.bazel: registrations change, repository mappings do not (the package units
        // are kept, the registrations and the simulation recomputed).
        (
            "MODULE.bazel",
            Box::new(|t: &str| t.replace("//toolchains:all", "//toolchains:tc_linux")),
        ),
        (
            "MODULE.bazel",
            Box::new(|t: &str| t.replace("\"//platforms:linux\", ", "")),
        ),
        // A BUILD edit right after it.
        (
            "toolchains/BUILD.bazel",
            Box::new(|t: &str| t.replace("tc_mac", "tc_macos")),
        ),
        // A new dependency: the main repository's mapping changes (a full rebuild).
        (
            "MODULE.bazel",
            Box::new(|t: &str| format!("{t}bazel_dep(name = \"rules_x\", version = \"1.0\")\n")),
        ),
        // And a BUILD edit after the rebuild.
        (
            "app2/BUILD.bazel",
            Box::new(|t: &str| t.replace("\"new\"", "\"newer\"")),
        ),
    ];
    for (step, (path, edit)) in edits.iter().enumerate() {
        let i = texts.iter().position(|(p, _, _)| p == path).unwrap();
        texts[i].2 = edit(&texts[i].2);
        let file = host.file_id(&RepoName::main(), path).unwrap();
        host.set_file_text(file, Arc::from(texts[i].2.as_str()));
        let updated = host.analysis();
        let fresh = host_with(&texts).analysis();
        assert_eq!(
            observe(&updated),
            observe(&fresh),
            "step {step}: editing {path} diverged from a fresh analysis"
        );
        assert_file_diagnostics_agree(&updated);
    }
}

#[test]
fn several_files_changed_before_one_snapshot() {
    let mut texts = files();
    let mut host = host_with(&texts);
    host.analysis().diagnostics(&LintConfig::default());
    for (path, from, to) in [
        ("defs/tc.bzl", "\"tc_\" + os", "\"toolchain_\" + os"),
        ("app1/BUILD.bazel", "a1", "b1"),
        ("toolchains/BUILD.bazel", "tc_mac", "tc_macos"),
    ] {
        let i = texts.iter().position(|(p, _, _)| *p == path).unwrap();
        texts[i].2 = texts[i].2.replace(from, to);
        let file: FileId = host.file_id(&RepoName::main(), path).unwrap();
        host.set_file_text(file, Arc::from(texts[i].2.as_str()));
    }
    let updated = host.analysis();
    let fresh = host_with(&texts).analysis();
    assert_eq!(observe(&updated), observe(&fresh));
    assert_file_diagnostics_agree(&updated);
}
