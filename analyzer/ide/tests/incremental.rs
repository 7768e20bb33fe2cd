//! Incremental analysis agrees with a fresh one: after every edit in a sequence (BUILD files,
//! macro `.bzl` files, toolchains that change resolution, broken text, MODULE.bazel), the
//! updated snapshot's index and diagnostics equal those of a host built from scratch on the
//! same texts, and `file_diagnostics` equals the whole run filtered to that file. Deleting
//! files keeps every other file's id, and re-adding one gives its id back.

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
        if let Some(at) = ws.file(file).text().find("toolchain_type(name") {
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

/// [`files`] where every `app*` package also declares a toolchain of a missing type, so each
/// has a finding of its own.
fn files_with_findings() -> Vec<(&'static str, FileKind, String)> {
    let mut v = files();
    for (path, _, text) in &mut v {
        if path.starts_with("app") {
            text.push_str(
                "toolchain(name = \"bad\", toolchain = \":x\", toolchain_type = \"//missing:type\")\n",
            );
        }
    }
    v
}

/// [`observe`] with every `FileId(n)` replaced by the file's path: a host that had files
/// deleted keeps their ids as tombstones, so its ids differ from a fresh host's while
/// naming the same files.
fn observe_by_path(a: &Analysis) -> String {
    let text = observe(a);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("FileId(") {
        let (before, after) = rest.split_at(at + "FileId(".len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let id: u32 = after[..digits].parse().expect("a file id");
        out.push_str(&a.workspace().file(FileId(id)).path);
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn deleting_and_re_adding_files_agrees_with_a_fresh_analysis() {
    let mut texts = files_with_findings();
    let mut host = host_with(&texts);
    for (path, _, _) in &texts {
        let file = host.file_id(&RepoName::main(), path).unwrap();
        host.set_file_open(file, true);
    }
    let first = host.analysis();
    let ids: Vec<(String, FileId)> = texts
        .iter()
        .map(|(p, _, _)| (p.to_string(), host.file_id(&RepoName::main(), p).unwrap()))
        .collect();
    let config = LintConfig::default();
    let app3 = host.file_id(&RepoName::main(), "app3/BUILD.bazel").unwrap();
    let app3_before = first.file_diagnostics(app3, &config);
    assert!(!app3_before.is_empty());

    // A BUILD file in the middle, then a loaded `.bzl` file, then both back.
    let mut removed: Vec<(&str, FileKind, String)> = Vec::new();
    for path in ["app1/BUILD.bazel", "defs/tc.bzl"] {
        let i = texts.iter().position(|(p, _, _)| *p == path).unwrap();
        removed.push(texts.remove(i));
        let file = host.file_id(&RepoName::main(), path).unwrap();
        host.remove_file(file);
        assert_eq!(host.file_id(&RepoName::main(), path), None);
        let updated = host.analysis();
        // Every other file keeps its id.
        for (p, id) in &ids {
            if texts.iter().any(|(t, _, _)| t == p) {
                assert_eq!(host.file_id(&RepoName::main(), p), Some(*id), "{p}");
                assert_eq!(&updated.workspace().file(*id).path, p);
            }
        }
        let fresh = host_with(&texts).analysis();
        assert_eq!(
            observe_by_path(&updated),
            observe_by_path(&fresh),
            "deleting {path} diverged from a fresh analysis"
        );
        assert_file_diagnostics_agree(&updated);
    }
    // Nothing is reported in a tombstone.
    let after = host.analysis();
    for d in after.diagnostics(&config) {
        assert!(!after.workspace().is_removed(d.file), "{d:?}");
    }

    for (path, kind, text) in removed.into_iter().rev() {
        let id = host.add_file(
            RepoName::main(),
            path.to_string(),
            kind,
            text.as_str().into(),
        );
        let old = ids.iter().find(|(p, _)| p == path).unwrap().1;
        assert_eq!(id, old, "{path} gets its old id back");
        texts.push((path, kind, text));
        let updated = host.analysis();
        texts.sort_by_key(|(p, _, _)| ids.iter().position(|(q, _)| q == p));
        let fresh = host_with(&texts).analysis();
        assert_eq!(
            observe_by_path(&updated),
            observe_by_path(&fresh),
            "re-adding {path} diverged from a fresh analysis"
        );
        assert_file_diagnostics_agree(&updated);
    }
    // Every file is back in its own slot: the same ids as a fresh host over the files in
    // their original order.
    assert_eq!(
        observe(&host.analysis()),
        observe(&host_with(&texts).analysis())
    );
    // Back where it started: app3's findings are what they were, ids and ranges included.
    assert_eq!(host.analysis().file_diagnostics(app3, &config), app3_before);
}

#[test]
fn diagnostics_of_later_files_survive_a_deletion() {
    let texts = files_with_findings();
    let mut host = host_with(&texts);
    let config = LintConfig::default();
    let before = host.analysis();
    let later = ["app2/BUILD.bazel", "app3/BUILD.bazel"]
        .map(|p| host.file_id(&RepoName::main(), p).unwrap());
    let expected: Vec<_> = later
        .iter()
        .map(|&f| before.file_diagnostics(f, &config))
        .collect();
    assert!(expected.iter().all(|d| !d.is_empty()));

    // app1 comes before them; nothing in app2 or app3 depends on it being declared.
    let app1 = host.file_id(&RepoName::main(), "app1/BUILD.bazel").unwrap();
    assert!(app1 < later[0]);
    host.remove_file(app1);
    let after = host.analysis();
    for (f, want) in later.iter().zip(&expected) {
        assert_eq!(&after.file_diagnostics(*f, &config), want);
        let all: Vec<_> = after
            .diagnostics(&config)
            .into_iter()
            .filter(|d| d.file == *f)
            .collect();
        assert_eq!(&all, want);
    }
    assert!(after.file_diagnostics(app1, &config).is_empty());
}
