//! Navigation over targets that macros declare: go to definition lands on the macro call in
//! the BUILD file and, second, on the native rule call inside the macro; hover on the macro
//! call lists what it declares.

use toolcheck_ide::{AnalysisHost, FileKind, RepoName, Workspace};

const MODULE: &str = "module(name = \"m\")\n\nregister_toolchains(\"//tc:linux_tc\")\n";
const DEFS: &str = "def per_os(oses):\n    for os in oses:\n        native.toolchain(\n            name = os + \"_tc\",\n            toolchain = \":impl\",\n            toolchain_type = \":type\",\n        )\n";
const BUILD: &str = "load(\":defs.bzl\", \"per_os\")\n\ntoolchain_type(name = \"type\")\n\nfilegroup(name = \"impl\")\n\nper_os([\"linux\", \"macos\"])\n";

#[test]
fn definition_has_call_site_then_macro_declaration() {
    let ws = Workspace::with_main_repo("");
    let mut host = AnalysisHost::new(ws);
    let module = host.add_file(
        RepoName::main(),
        "MODULE.bazel".into(),
        FileKind::Module,
        MODULE.into(),
    );
    let defs = host.add_file(
        RepoName::main(),
        "tc/defs.bzl".into(),
        FileKind::Bzl,
        DEFS.into(),
    );
    let build = host.add_file(
        RepoName::main(),
        "tc/BUILD.bazel".into(),
        FileKind::Build,
        BUILD.into(),
    );
    let analysis = host.analysis();
    let at = MODULE.find("//tc:linux_tc").unwrap() as u32 + 3;
    let nav = analysis.goto_definition(module, at);
    assert_eq!(nav.len(), 2, "{nav:?}");
    let call = BUILD.find("per_os([").unwrap() as u32;
    assert_eq!((nav[0].file, nav[0].range.start), (build, call));
    let native = DEFS.find("native.toolchain").unwrap() as u32;
    assert_eq!((nav[1].file, nav[1].range.start), (defs, native));

    let hover = analysis
        .hover(build, call + 2)
        .expect("hover on the macro call");
    assert!(
        hover.markdown.contains("`//tc:linux_tc` (toolchain)"),
        "{}",
        hover.markdown
    );
    assert!(
        hover.markdown.contains("`//tc:macos_tc` (toolchain)"),
        "{}",
        hover.markdown
    );
    assert!(
        hover.markdown.contains("tc/defs.bzl:3"),
        "{}",
        hover.markdown
    );
}
