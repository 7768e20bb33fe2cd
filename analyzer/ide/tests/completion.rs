//! Label completion: labels are written the way the file's repository names their repository
//! (apparent names, not the canonical names of an output base), repositories the file cannot
//! name are not offered, and `@platforms` is completed from its known releases when unreadable.

mod common;

use toolcheck_ide::{
    AnalysisHost, Completion, FileKind, RepoInfo, RepoName, RepoOrigin, Workspace,
};

const MODULE: &str = r#"module(name = "app")

bazel_dep(name = "rules_cc", version = "0.1.0")
bazel_dep(name = "platforms", version = "0.0.4")
"#;

const BUILD: &str = r#"toolchain(
    name = "tc",
    toolchain_type = "@rules_cc//",
    exec_compatible_with = ["@platforms//cpu:ris", "@platforms//os:li", "@"],
    toolchain = ":impl",
)
"#;

fn module_repo(name: &str, module: &str) -> RepoInfo {
    RepoInfo {
        name: RepoName::new(name),
        root_display: format!("/ob/external/{name}"),
        display_prefix: String::new(),
        origin: RepoOrigin::OutputBase,
        module_name: Some(module.to_string()),
    }
}

/// A bzlmod workspace whose output base holds `rules_cc+` (a dependency) and `tools+` (a module
/// nobody depends on); `@platforms` is not readable.
fn host() -> AnalysisHost {
    let mut ws = Workspace::with_main_repo("");
    ws.repos.push(module_repo("rules_cc+", "rules_cc"));
    ws.repos.push(module_repo("tools+", "tools"));
    let cc = RepoName::new("rules_cc+");
    let tools = RepoName::new("tools+");
    ws.add_file(
        RepoName::main(),
        "MODULE.bazel",
        FileKind::Module,
        MODULE.into(),
    );
    ws.add_file(RepoName::main(), "tc/BUILD", FileKind::Build, BUILD.into());
    ws.add_file(
        cc,
        "MODULE.bazel",
        FileKind::Module,
        "module(name = \"rules_cc\", version = \"0.1.0\")\n".into(),
    );
    ws.add_file(
        cc,
        "cc/BUILD",
        FileKind::Build,
        "toolchain_type(name = \"toolchain_type\")\n".into(),
    );
    ws.add_file(
        tools,
        "MODULE.bazel",
        FileKind::Module,
        "module(name = \"tools\")\n".into(),
    );
    ws.add_file(
        tools,
        "lint/BUILD",
        FileKind::Build,
        "toolchain_type(name = \"lint\")\n".into(),
    );
    AnalysisHost::new(ws)
}

fn complete_after(needle: &str) -> Vec<Completion> {
    let mut host = host();
    let a = host.analysis();
    let file = common::file_at(&a, "tc/BUILD");
    let offset = BUILD.find(needle).expect("needle") + needle.len();
    a.completions(file, offset as u32)
}

fn labels(items: &[Completion]) -> Vec<&str> {
    items.iter().map(|c| c.label.as_str()).collect()
}

#[test]
fn external_labels_use_apparent_names() {
    let items = complete_after("\"@rules_cc//");
    assert_eq!(labels(&items), ["@rules_cc//cc:toolchain_type"]);
    let all = complete_after("\"@\"");
    let all: Vec<&str> = labels(&all);
    assert!(
        all.iter().all(|l| !l.contains('+')),
        "canonical names offered: {all:?}"
    );
    // `tools` is in the output base but no module of the graph depends on it.
    assert!(all.iter().all(|l| !l.contains("lint")), "{all:?}");
}

#[test]
fn platforms_from_known_releases_when_unreadable() {
    let os = complete_after("@platforms//os:li");
    assert_eq!(labels(&os), ["@platforms//os:linux"]);
    assert_eq!(os[0].detail.as_deref(), Some("constraint_value"));
    let cpu = complete_after("@platforms//cpu:ris");
    assert_eq!(
        labels(&cpu),
        ["@platforms//cpu:riscv32", "@platforms//cpu:riscv64"]
    );
    assert_eq!(
        cpu[0].detail.as_deref(),
        Some("constraint_value (@platforms 0.0.5 and later)")
    );
}
