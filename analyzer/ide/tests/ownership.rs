//! A file that may receive a dependency's findings (the main repository's registration of a
//! dependency's toolchains) shows them in a run scoped to it too: an editor that checks the
//! edited file first must not drop them until the workspace-wide run catches up.

use std::sync::Arc;

use toolcheck_ide::{
    AnalysisHost, FileKind, LintConfig, RepoInfo, RepoName, RepoOrigin, Workspace,
};

#[test]
fn a_scoped_run_shows_the_dependency_findings_moved_to_the_file() {
    let mut ws = Workspace::with_main_repo("/ws");
    ws.repos.push(RepoInfo {
        name: RepoName::new("rules_dep"),
        root_display: "/deps/rules_dep".to_string(),
        display_prefix: String::new(),
        origin: RepoOrigin::Explicit,
        module_name: None,
    });
    let dep = RepoName::new("rules_dep");
    ws.add_file(
        dep,
        "WORKSPACE",
        FileKind::Workspace,
        Arc::from("workspace(name = \"rules_dep\")\n"),
    );
    ws.add_file(
        dep,
        "tc/BUILD",
        FileKind::Build,
        Arc::from(
            "toolchain_type(name = \"type\")\ntoolchain(\n    name = \"linux\",\n    exec_compatible_with = [\"//tc:no_such_constraint\"],\n    toolchain = \":i\",\n    toolchain_type = \":type\",\n)\nfilegroup(name = \"i\")\n",
        ),
    );
    let registering = ws.add_file(
        RepoName::main(),
        "WORKSPACE",
        FileKind::Workspace,
        Arc::from("register_toolchains(\"@rules_dep//tc:all\")\n"),
    );
    ws.add_file(RepoName::main(), "BUILD", FileKind::Build, Arc::from(""));
    let mut host = AnalysisHost::new(ws);
    let a = host.analysis();
    let config = LintConfig::default();
    let all: Vec<_> = a
        .diagnostics(&config)
        .into_iter()
        .filter(|d| d.file == registering)
        .collect();
    assert!(
        all.iter()
            .any(|d| d.check == "unresolved-label" && d.message.contains("no_such_constraint")),
        "the workspace-wide run moves the dependency's finding to the registration: {all:#?}"
    );
    let scoped = a.file_diagnostics(registering, &config);
    assert_eq!(format!("{scoped:?}"), format!("{all:?}"));
}
