//! Bazel's autodetected host platform: described by the machine the loader names (as Bazel
//! maps it), by `host_constraints`, or left unknown; a host platform the workspace declares
//! is used as written. Every machine here is written out, so the tests mean the same on
//! whatever machine runs them.

use toolcheck_ide::{
    AnalysisHost, FileKind, HostConstraints, HostMachine, RepoName, ResolveQuery, Workspace,
};

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
    let mut ws = workspace("7.4.1");
    ws.settings.host_constraints = host_constraints;
    ws.settings.host_platform = host_platform.map(str::to_string);
    AnalysisHost::new(ws)
}

/// The workspace with Bazel detecting the host on `machine` (none: the loader named none).
fn analysis_on(machine: Option<HostMachine>, bazel_version: &str) -> AnalysisHost {
    let mut ws = workspace(bazel_version);
    ws.settings.host_constraints = HostConstraints::Detect;
    ws.settings.host_machine = machine;
    AnalysisHost::new(ws)
}

fn machine(os: &str, arch: &str, little_endian: bool) -> Option<HostMachine> {
    Some(HostMachine {
        os: os.into(),
        arch: arch.into(),
        little_endian,
    })
}

fn workspace(bazel_version: &str) -> Workspace {
    let mut ws = Workspace::with_main_repo("");
    ws.settings.bazel_version = Some(bazel_version.into());
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
    ws
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
fn detection_maps_the_given_machine() {
    let mut host = analysis_on(machine("linux", "x86_64", true), "7.4.1");
    let note = host.analysis().host_note().unwrap();
    assert_eq!(note.source, "detected");
    assert_eq!(note.platform, "@platforms//host:host");
    assert_eq!(
        note.constraint_values,
        ["@platforms//cpu:x86_64", "@platforms//os:linux"]
    );
    assert!(note
        .sentence()
        .contains("as Bazel detects a Linux x86_64 host"));
    let text = explain(&mut host);
    assert!(
        text.contains("Selected //tc:impl to run on execution platform @platforms//host:host"),
        "{text}"
    );

    // The same workspace on other machines: the Linux-only toolchain no longer runs there.
    for (os, arch, values) in [
        (
            "macos",
            "aarch64",
            ["@platforms//cpu:aarch64", "@platforms//os:osx"],
        ),
        (
            "windows",
            "x86_64",
            ["@platforms//cpu:x86_64", "@platforms//os:windows"],
        ),
    ] {
        let mut host = analysis_on(machine(os, arch, true), "7.4.1");
        let note = host.analysis().host_note().unwrap();
        assert_eq!(note.source, "detected");
        assert_eq!(note.constraint_values, values);
        let text = explain(&mut host);
        assert!(
            text.contains(
                "Incompatible execution platform @platforms//host:host; mismatching values: linux"
            ),
            "{os} {arch}: {text}"
        );
    }
}

#[test]
fn detection_follows_the_bazel_version() {
    // Little-endian 64-bit PowerPC: Bazel 7 names it `ppc64le` in `@platforms//host`, Bazel 6
    // `ppc` in `@local_config_platform`.
    let le = || machine("linux", "powerpc64", true);
    let note = analysis_on(le(), "7.4.1").analysis().host_note().unwrap();
    assert_eq!(
        note.constraint_values,
        ["@platforms//cpu:ppc64le", "@platforms//os:linux"]
    );
    let note = analysis_on(le(), "6.5.0").analysis().host_note().unwrap();
    assert_eq!(note.platform, "@local_config_platform//:host");
    assert_eq!(
        note.constraint_values,
        ["@platforms//cpu:ppc", "@platforms//os:linux"]
    );
    let note = analysis_on(machine("linux", "s390x", false), "7.4.1")
        .analysis()
        .host_note()
        .unwrap();
    assert_eq!(
        note.constraint_values,
        ["@platforms//cpu:s390x", "@platforms//os:linux"]
    );
}

#[test]
fn no_machine_leaves_the_detected_host_unknown() {
    // The analysis never reads the machine it runs on: a loader that names none (or one
    // Bazel has no values for) gets an unknown host, and resolution stays undecided.
    for m in [None, machine("haiku", "sparc64", false)] {
        let mut host = analysis_on(m.clone(), "7.4.1");
        assert_eq!(
            host.analysis().host_note().unwrap().source,
            "unknown",
            "{m:?}"
        );
        let text = explain(&mut host);
        assert!(text.contains("Cannot decide"), "{m:?}: {text}");
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
