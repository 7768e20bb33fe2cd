//! `workspace/symbol`: the toolchain model's declarations and the rules that request
//! toolchains, found by name, label or a scattered query, best matches first.

mod common;

use toolcheck_ide::{FileKind, SymbolKind};

const BUILD: &str = r#"toolchain_type(name = "cc_type")
constraint_setting(name = "cpu")
constraint_value(name = "x86", constraint_setting = ":cpu")
platform(name = "linux_x86", constraint_values = [":x86"])
toolchain(name = "cc_x86", toolchain = ":impl", toolchain_type = ":cc_type")
config_setting(name = "opt", values = {"compilation_mode": "opt"})
filegroup(name = "impl")
"#;

const DEFS: &str = r#"def _impl(ctx):
    return []

cc_binary_like = rule(_impl, toolchains = ["//toolchains:cc_type"])
plain = rule(_impl)
"#;

fn names(query: &str) -> Vec<(String, SymbolKind)> {
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        ("toolchains/BUILD", FileKind::Build, BUILD),
        ("tools/defs.bzl", FileKind::Bzl, DEFS),
    ]);
    host.analysis()
        .workspace_symbols(query, 100)
        .expect("not cancelled")
        .into_iter()
        .map(|s| (s.name, s.kind))
        .collect()
}

#[test]
fn declarations_by_name_label_and_scattered_query() {
    // Everything toolchain resolution is made of, and the rule that requests a toolchain;
    // not the filegroup, nor the rule that requests none.
    let all: Vec<String> = names("").into_iter().map(|(n, _)| n).collect();
    assert_eq!(all.len(), 7, "{all:?}");
    assert!(all.contains(&"cc_binary_like".to_string()), "{all:?}");
    assert!(
        !all.iter().any(|n| n.ends_with(":impl") || n == "plain"),
        "{all:?}"
    );

    // Names starting with the query (shorter first), then the query's characters scattered
    // in a label (`//toolchains:cpu`).
    let cc = names("cc");
    assert_eq!(
        cc.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        [
            "//toolchains:cc_x86",
            "//toolchains:cc_type",
            "cc_binary_like",
            "//toolchains:cpu"
        ]
    );
    assert_eq!(
        names("linux_x86")[0],
        ("//toolchains:linux_x86".into(), SymbolKind::Platform)
    );
    assert_eq!(
        names("X86")[0].0,
        "//toolchains:x86",
        "case-insensitive, exact first"
    );
    // Characters in order anywhere in the label; whitespace is ignored.
    assert_eq!(names("tc lnx")[0].0, "//toolchains:linux_x86");
    assert!(names("zzz").is_empty());
}

#[test]
fn limit_and_cancellation() {
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        ("toolchains/BUILD", FileKind::Build, BUILD),
    ]);
    let a = host.analysis();
    assert_eq!(a.workspace_symbols("", 2).unwrap().len(), 2);
    let id = common::file_at(&a, "toolchains/BUILD");
    host.set_file_text(id, "".into());
    assert!(
        a.workspace_symbols("", 10).is_err(),
        "a stale snapshot is cancelled"
    );
}
