//! Bazel's autodetected host platform: described by the machine toolcheck runs on (as Bazel
//! maps it), by `host_constraints`, or left unknown; a host platform the workspace declares
//! is used as written.

use toolcheck_ide::{AnalysisHost, FileKind, HostConstraints, RepoName, ResolveQuery, Workspace};

const MODULE: &str = r#"module(name = "m")

bazel_dep(name = "platforms", version = "0.0.10")

register_toolchains("//tc:all")
"#;

const TC: &str = r#"toolchain_type(name = "t")

toolchain(
    name = "linux_only",
    exec_compatible_with = ["@platforms//os:linux"],
    toolchain = ":impl",
    toolchain_type = ":t",
)

platform(
    name = "declared_host",
    constraint_values = ["@platforms//os:windows"],
)

filegroup(name = "impl")
"#;

fn analysis_with(host_constraints: HostConstraints, host_platform: Option<&str>) -> AnalysisHost {
    let mut ws = Workspace::with_main_repo("");
    ws.settings.bazel_version = Some("7.4.1".into());
    ws.settings.host_constraints = host_constraints;
    ws.settings.host_platform = host_platform.map(str::to_string);
    ws.add_file(
        RepoName::main(),
        "MODULE.bazel",
        FileKind::Module,
        MODULE.into(),
    );
    ws.add_file(
        RepoName::main(),
        "tc/BUILD.bazel",
        FileKind::Build,
        TC.into(),
    );
    AnalysisHost::new(ws)
}

/// The explanation for the host as target platform, resolving `//tc:t`.
fn explain(host: &mut AnalysisHost) -> String {
    let a = host.analysis();
    let outcomes = a
        .resolve(&ResolveQuery {
            types: vec!["//tc:t".into()],
            ..ResolveQuery::default()
        })
        .expect("resolves");
    outcomes[0].explanation.clone()
}

#[test]
fn configured_host_constraints_decide_resolution() {
    let linux = HostConstraints::Labels(vec![
        "@platforms//cpu:x86_64".into(),
        "@platforms//os:linux".into(),
    ]);
    let mut host = analysis_with(linux, None);
    let note = host.analysis().host_note().expect("an autodetected host");
    assert_eq!(note.platform, "@platforms//host:host");
    assert_eq!(note.source, "configured");
    assert_eq!(
        note.constraint_values,
        ["@platforms//cpu:x86_64", "@platforms//os:linux"]
    );
    let text = explain(&mut host);
    assert!(
        text.contains("Selected //tc:impl to run on execution platform @platforms//host:host"),
        "{text}"
    );

    let mac = HostConstraints::Labels(vec!["@platforms//os:macos".into()]);
    let text = explain(&mut analysis_with(mac, None));
    assert!(
        text.contains(
            "Incompatible execution platform @platforms//host:host; mismatching values: linux"
        ),
        "{text}"
    );
}

#[test]
fn unknown_host_leaves_resolution_undecided() {
    let mut host = analysis_with(HostConstraints::Unknown, None);
    assert_eq!(host.analysis().host_note().unwrap().source, "unknown");
    let text = explain(&mut host);
    assert!(text.contains("Cannot decide"), "{text}");
}

#[test]
fn detection_uses_this_machine() {
    let mut host = analysis_with(HostConstraints::Detect, None);
    let note = host.analysis().host_note().unwrap();
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(note.source, "detected");
        assert_eq!(
            note.constraint_values,
            ["@platforms//cpu:x86_64", "@platforms//os:linux"]
        );
        assert!(note.sentence().contains("as Bazel detects this machine"));
    }
}

#[test]
fn a_declared_host_platform_is_used_as_written() {
    let linux = HostConstraints::Labels(vec!["@platforms//os:linux".into()]);
    let mut host = analysis_with(linux, Some("//tc:declared_host"));
    assert_eq!(host.analysis().host_note(), None);
    let text = explain(&mut host);
    assert!(
        text.contains(
            "Incompatible execution platform //tc:declared_host; mismatching values: linux"
        ),
        "the declared host is Windows: {text}"
    );
}

#[test]
fn bazel_tools_host_platform_is_the_default_host() {
    let linux = HostConstraints::Labels(vec!["@platforms//os:linux".into()]);
    let mut host = analysis_with(linux, Some("@bazel_tools//tools:host_platform"));
    let note = host.analysis().host_note().expect("an autodetected host");
    assert_eq!(note.platform, "@platforms//host:host");
    let text = explain(&mut host);
    assert!(
        text.contains("Selected //tc:impl to run on execution platform @platforms//host:host"),
        "{text}"
    );
}
