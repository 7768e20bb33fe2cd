//! The configuration and host matrix: a forked analysis (a named config, another host) must
//! be exactly the analysis of the same files loaded afresh with those settings, and the
//! merged findings must name where each holds.

use toolcheck_ide::{
    check_matrix, AnalysisHost, Diagnostic, FileKind, HostConstraints, HostMachine, LintConfig,
    RepoName, Settings, Workspace,
};

const RC: &str = "common --enable_platform_specific_config
build --extra_toolchains=//tc:gcc_linux
build:macos --extra_toolchains=//tc:missing_mac
build:remote --extra_execution_platforms=//plat:rbe --platforms=//plat:rbe
build:remote --extra_toolchains=//tc:gone
build:opt -c opt
build:ci --config=remote
";

const FILES: &[(&str, FileKind, &str)] = &[
    ("WORKSPACE", FileKind::Workspace, ""),
    (".bazelversion", FileKind::Bazelrc, "7.4.1\n"),
    (
        "plat/BUILD",
        FileKind::Build,
        "platform(name = \"rbe\", constraint_values = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"])\n",
    ),
    (
        "tc/BUILD",
        FileKind::Build,
        "toolchain_type(name = \"t\")\n\ntoolchain(\n    name = \"gcc_linux\",\n    target_compatible_with = [\"@platforms//os:linux\"],\n    toolchain = \":impl\",\n    toolchain_type = \":t\",\n)\n\nfilegroup(name = \"impl\", srcs = [\"gcc\"])\n",
    ),
];

fn workspace(settings: Settings) -> Workspace {
    let mut ws = Workspace::with_main_repo("");
    for (path, kind, text) in FILES {
        if *path == ".bazelversion" {
            ws.bazel_version_file = Some(text.trim().to_string());
            continue;
        }
        ws.add_file(RepoName::main(), *path, *kind, (*text).into());
    }
    let id = ws.add_file(RepoName::main(), ".bazelrc", FileKind::Bazelrc, RC.into());
    ws.rc_files.push((".bazelrc".to_string(), id));
    ws.settings = settings;
    ws
}

fn machine(id: &str) -> HostMachine {
    HostMachine::parse(id).unwrap()
}

fn base_settings() -> Settings {
    Settings {
        host_constraints: HostConstraints::Detect,
        host_machine: Some(machine("linux-x86_64")),
        ..Settings::default()
    }
}

fn found(diags: &[Diagnostic]) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    let mut out: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d.check.to_string(),
                d.message.clone(),
                d.configs.clone(),
                d.hosts.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_fork_is_a_fresh_analysis_with_its_settings() {
    let lint = LintConfig::default();
    let mut host = AnalysisHost::new(workspace(base_settings()));
    let base = host.analysis();
    let variants = [
        Settings {
            command_line_flags: vec!["--config=remote".into()],
            ..base_settings()
        },
        Settings {
            host_machine: Some(machine("macos-aarch64")),
            ..base_settings()
        },
        Settings {
            command_line_flags: vec!["--config=opt".into(), "--config=remote".into()],
            host_machine: Some(machine("windows-x86_64")),
            ..base_settings()
        },
    ];
    for settings in variants {
        let forked = host.fork(settings.clone()).analysis().diagnostics(&lint);
        let fresh = AnalysisHost::new(workspace(settings.clone()))
            .analysis()
            .diagnostics(&lint);
        assert_eq!(found(&forked), found(&fresh), "{settings:?}");
        assert_ne!(
            found(&forked),
            found(&base.diagnostics(&lint)),
            "every variant here changes a finding: {settings:?}"
        );
    }
    // The fork left the original alone.
    assert_eq!(
        found(&host.analysis().diagnostics(&lint)),
        found(&base.diagnostics(&lint))
    );
}

#[test]
fn findings_are_merged_by_root_cause_and_say_where_they_hold() {
    let mut host = AnalysisHost::new(workspace(base_settings()));
    let out = check_matrix(&mut host, &LintConfig::default());
    // `remote` changes the platforms; `opt` changes nothing resolution depends on; `macos`
    // is the macOS host's platform-specific config, so the host matrix covers it.
    let configs: Vec<&str> = out
        .summary
        .configs
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    // `ci` sets what `remote` sets: evaluated once, named with it.
    assert_eq!(configs, ["remote", "ci"]);
    assert_eq!(out.summary.skipped_configs[0].0, "opt");
    let hosts: Vec<String> = out.summary.hosts.iter().map(|(m, _)| m.id()).collect();
    assert_eq!(hosts, ["linux-x86_64", "macos-aarch64"]);
    assert!(out.summary.hosts[1].1.contains("`build:macos`"));
    let unresolved: Vec<&Diagnostic> = out
        .diagnostics
        .iter()
        .filter(|d| d.check == "unresolved-label")
        .collect();
    let gone = unresolved
        .iter()
        .find(|d| d.message.contains("//tc:gone"))
        .expect("the remote config's label");
    assert_eq!(gone.configs, ["remote", "ci"]);
    assert!(gone.hosts.is_empty());
    assert!(
        gone.message.ends_with("(only in configs `remote`, `ci`)"),
        "{}",
        gone.message
    );
    let mac = unresolved
        .iter()
        .find(|d| d.message.contains("//tc:missing_mac"))
        .expect("the macOS config's label");
    assert_eq!(mac.hosts, ["macos-aarch64"]);
    assert!(
        mac.message.ends_with("(only on a macOS arm64 host)"),
        "{}",
        mac.message
    );
    // Each root cause once.
    let mut keys: Vec<_> = out
        .diagnostics
        .iter()
        .map(|d| (d.check, d.file, d.range))
        .collect();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

/// A repository rule that generates another BUILD file on a Mac: a fork for a macOS host must
/// run it again (it read the host), and a rule that never asks may be reused.
#[test]
fn forks_recompute_repositories_that_read_the_host() {
    let lint = LintConfig::default();
    let make = |settings: Settings, reads_host: bool| {
        let mut ws = Workspace::with_main_repo("");
        let name = if reads_host {
            "\"tc_mac\" if rctx.os.name.startswith(\"mac\") else \"tc_other\""
        } else {
            "\"tc_other\""
        };
        let bzl = format!(
            "def _impl(rctx):\n    name = {name}\n    rctx.file(\"BUILD\", 'toolchain_type(name = \"t\")\\ntoolchain(name = \"%s\", toolchain = \":i\", toolchain_type = \":t\")\\nfilegroup(name = \"i\")\\n' % name)\n\ngen = repository_rule(implementation = _impl)\n"
        );
        ws.add_file(RepoName::main(), "BUILD", FileKind::Build, "".into());
        ws.add_file(RepoName::main(), "repo.bzl", FileKind::Bzl, bzl.into());
        ws.add_file(
            RepoName::main(),
            "WORKSPACE",
            FileKind::Workspace,
            "load(\"//:repo.bzl\", \"gen\")\ngen(name = \"gen\")\nregister_toolchains(\"@gen//:tc_mac\")\n"
                .into(),
        );
        ws.bazel_version_file = Some("7.4.1".into());
        ws.settings = settings;
        ws
    };
    let mac = Settings {
        host_machine: Some(machine("macos-aarch64")),
        ..base_settings()
    };
    for reads_host in [true, false] {
        let mut host = AnalysisHost::new(make(base_settings(), reads_host));
        let linux = found(&host.analysis().diagnostics(&lint));
        assert!(
            linux
                .iter()
                .any(|(c, m, ..)| c == "unresolved-label" && m.contains("tc_mac")),
            "{linux:?}"
        );
        let forked = found(&host.fork(mac.clone()).analysis().diagnostics(&lint));
        let fresh = found(
            &AnalysisHost::new(make(mac.clone(), reads_host))
                .analysis()
                .diagnostics(&lint),
        );
        assert_eq!(forked, fresh, "reads_host = {reads_host}");
        // On the Mac, the host-reading rule declares the registered toolchain.
        assert_eq!(forked == linux, !reads_host, "{forked:?}");
    }
}
