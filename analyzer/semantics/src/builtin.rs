//! What toolcheck knows of Bazel's built-in repositories without reading them, per Bazel
//! version: `@bazel_tools`' toolchain types, the toolchain types Bazel's native rules request
//! (`cc_*`, `java_*`, `proto_library`, native tests), and the toolchains of the autodetected
//! repositories (`@local_config_cc_toolchains`, `@local_config_sh`, `@local_config_python`,
//! Bazel's Java toolchains), which are bound to the host Bazel runs on and registered after
//! the workspace's own toolchains; and rules_shell's host-probed `@local_config_shell`, which
//! the workspace registers itself.
//!
//! Like `@platforms` (`toolcheck_resolve::platforms_repo`), these repositories are modelled
//! from what every release of them declares, and only when the workspace cannot read them (an
//! output base makes them readable, and then they are used as written). What toolcheck cannot
//! know (a toolchain's constraints that depend on the JDKs or interpreters of the machine) is
//! unknown, so resolution reaching it is undecided, never a claim.

use toolcheck_index::index::{RegistrationOrigin, WorkspaceIndex};
use toolcheck_index::label::{Label, RepoName};
use toolcheck_index::workspace::Workspace;
use toolcheck_resolve::model::{BazelVersion, Known, Model, TargetKind, Toolchain, TypeRequest};
use toolcheck_resolve::registration::RegisteredEntry;

/// The repository Bazel bundles with every release.
pub const BAZEL_TOOLS: &str = "bazel_tools";

fn tools(package: &str, name: &str) -> Label {
    Label::new(RepoName::new(BAZEL_TOOLS), package, name)
}

/// `@bazel_tools//tools/cpp:toolchain_type`, the C++ toolchain type (rules_cc's
/// `use_cc_toolchain()` requests the same label).
pub fn cpp_toolchain_type() -> Label {
    tools("tools/cpp", "toolchain_type")
}

/// `@bazel_tools//tools/sh:toolchain_type`.
pub fn sh_toolchain_type() -> Label {
    tools("tools/sh", "toolchain_type")
}

/// `@bazel_tools//tools/python:toolchain_type`.
pub fn python_toolchain_type() -> Label {
    tools("tools/python", "toolchain_type")
}

/// `@bazel_tools//tools/jdk:toolchain_type` (the Java compilation toolchain).
pub fn java_toolchain_type() -> Label {
    tools("tools/jdk", "toolchain_type")
}

/// `@bazel_tools//tools/jdk:runtime_toolchain_type` (the Java runtime a binary runs on).
pub fn java_runtime_toolchain_type() -> Label {
    tools("tools/jdk", "runtime_toolchain_type")
}

/// The toolchain types `@bazel_tools` declares in every release toolcheck simulates (4.0 on):
/// known to exist even when the repository is unreadable. Bazel 9's
/// `tools/test:default_test_toolchain_type` is added with the test toolchains
/// (`simulation::implicit_test_exec_group`).
pub fn toolchain_types() -> Vec<Label> {
    vec![
        cpp_toolchain_type(),
        sh_toolchain_type(),
        python_toolchain_type(),
        java_toolchain_type(),
        java_runtime_toolchain_type(),
    ]
}

/// What a native rule (one not defined by `rule()` in a readable file) asks of toolchain
/// resolution in a Bazel release.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeRequest {
    /// These types in the default exec group (possibly none).
    Types(Vec<TypeRequest>),
    /// The rule finds its tools without toolchain resolution in this release (why, in words).
    Legacy(String),
    /// The rule resolves toolchains, but which types is not known (why, in words).
    Unknown(String),
}

const CC_RULES: &[&str] = &[
    "cc_binary",
    "cc_library",
    "cc_test",
    "cc_import",
    "cc_shared_library",
    "cc_static_library",
    "objc_library",
];

/// Whether `kind` is one of the C++ rules (Bazel's, and rules_cc's of the same name).
pub fn is_cc_rule(kind: &str) -> bool {
    CC_RULES.contains(&kind)
}

const JAVA_RULES: &[&str] = &[
    "java_library",
    "java_binary",
    "java_test",
    "java_plugin",
    "java_import",
];

/// The requests of native rule `kind` in `version`, given `--[no]incompatible_enable_cc_
/// toolchain_resolution` from the rc files (`cc_flag`). `None` for kinds toolcheck has no
/// knowledge of (then the caller keeps its own answer).
///
/// Confirmed in Bazel's sources and issues:
/// - C++: `CppOptions.enableCcToolchainResolution` was `defaultValue = "false"` before 7.0
///   and flipped in 7.0 (bazelbuild/bazel#7260); before, the rules found their
///   `cc_toolchain` through `--crosstool_top`'s `cc_toolchain_suite` and `--cpu`. The
///   Starlark C++ rules (`builtins_bzl/common/cc/cc_helper.bzl`) request the type through
///   `use_cpp_toolchain(mandatory = False)`: optional for resolution, a rule error when
///   nothing matched. From 9.0 the rules live in rules_cc, whose default changed between
///   releases, so whether it is mandatory there is unknown.
/// - Java: toolchain resolution for the Java rules since 5.0 (spec §13; #12812): every rule
///   requests the Java toolchain type, binaries and tests also the runtime type.
/// - `proto_library` resolves the proto toolchain from 9.0
///   (`--incompatible_enable_proto_toolchain_resolution`, #28182), of a type in the protobuf
///   module toolcheck does not name.
pub fn native_rule_request(
    kind: &str,
    version: BazelVersion,
    cc_flag: Option<bool>,
) -> Option<NativeRequest> {
    if CC_RULES.contains(&kind) {
        let on = cc_flag.unwrap_or(version.major >= 7);
        if !on {
            return Some(NativeRequest::Legacy(format!(
                "Bazel {}.x's C++ rules do not use toolchain resolution unless \
                 --incompatible_enable_cc_toolchain_resolution is set (its default is true \
                 from 7.0): `{kind}` takes its C++ toolchain from the `cc_toolchain_suite` \
                 --crosstool_top names (by default the autodetected @local_config_cc) and \
                 --cpu, so registered C++ toolchains are not consulted",
                version.major
            )));
        }
        return Some(NativeRequest::Types(vec![TypeRequest {
            toolchain_type: cpp_toolchain_type(),
            mandatory: if version.major >= 9 {
                Known::Unknown
            } else {
                Known::Known(false)
            },
            ignore_if_invalid: false,
        }]));
    }
    if JAVA_RULES.contains(&kind) {
        if version.major < 5 {
            return Some(NativeRequest::Legacy(format!(
                "Bazel {}.x's Java rules do not use toolchain resolution: `{kind}` takes its \
                 toolchain from --java_toolchain and --javabase",
                version.major
            )));
        }
        let mut types = vec![TypeRequest {
            toolchain_type: java_toolchain_type(),
            mandatory: Known::Known(true),
            ignore_if_invalid: false,
        }];
        if matches!(kind, "java_binary" | "java_test") {
            types.push(TypeRequest {
                toolchain_type: java_runtime_toolchain_type(),
                mandatory: Known::Known(true),
                ignore_if_invalid: false,
            });
        }
        return Some(NativeRequest::Types(types));
    }
    if kind == "proto_library" && version.major >= 9 {
        return Some(NativeRequest::Unknown(
            "from Bazel 9.0 `proto_library` resolves the proto toolchain of the protobuf module, \
             whose type toolcheck does not know without reading it"
                .to_string(),
        ));
    }
    None
}

/// Whether native rule `kind` is a test rule (Bazel 9.0 to 9.2 give test rules an implicit
/// `test` exec group).
pub fn is_native_test(kind: &str) -> bool {
    kind.ends_with("_test") && !kind.contains('.')
}

/// Adds the toolchains of Bazel's autodetected repositories to the model (those the
/// workspace cannot read) and returns those Bazel registers itself (the ones no registration
/// of the workspace names), in Bazel's order:
/// - `@local_config_cc_toolchains//:cc-toolchain-<host>` (execution and target constraints
///   are the host's CPU and OS, as `cc_configure` writes them), and the stub
///   `cc-toolchain-armeabi-v7a` (host execution, Android ARMv7 targets) of Linux and macOS
///   hosts; on other hosts the package is open (a wildcard over it may match more);
/// - `@local_config_sh//:local_sh_toolchain`, `@bazel_tools//tools/python:autodetecting_toolchain`
///   and Bazel's Java toolchains: their constraints depend on what the machine has installed,
///   so they are unknown (a resolution reaching them is undecided).
///
/// `host` is the host's constraint values when known.
pub fn model_builtin_toolchains(
    ws: &Workspace,
    index: &WorkspaceIndex,
    version: BazelVersion,
    host: Option<&[Label]>,
    model: &mut Model,
) -> Vec<Label> {
    // On Linux and macOS hosts `cc_configure` writes exactly the host's toolchain and the
    // Android ARMv7 stub; `sh_configure` writes one toolchain everywhere.
    let host_os = host.and_then(|v| v.iter().find(|l| l.package == "os"));
    let unix = host_os.is_some_and(|l| matches!(l.name.as_str(), "linux" | "osx" | "macos"));
    let complete = |repo: &str| repo == "local_config_sh" || unix;
    // Read from an output base: then as written.
    let readable = |repo: &str| {
        ws.repos
            .iter()
            .any(|r| is_repo_named(r.name.as_str(), repo))
    };
    for ty in toolchain_types() {
        model.targets.entry(ty).or_insert(TargetKind::ToolchainType);
    }
    let mut out = Vec::new();
    let mut add = |model: &mut Model, label: Label, tc: Toolchain| {
        model.targets.insert(label, TargetKind::Toolchain);
        model.toolchains.insert(label, tc);
        // A workspace that registers the repository's toolchains itself (WORKSPACE's
        // `register_toolchains("@local_config_cc_toolchains//:all")`, or a dependency that
        // does, as rules_cc from Bazel 8) gets them where it registers them, through the
        // repository's modelled root package; otherwise Bazel's own registration puts them
        // at the end.
        if label.repo.as_str() != BAZEL_TOOLS {
            let pkg = label.package_id();
            model
                .packages
                .entry(pkg)
                .or_default()
                .push(toolcheck_index::label::SmolStr::new(label.name));
            // Toolchains the package may hold beyond those modelled (Windows' several, a
            // host toolcheck does not know) make it open: a wildcard over it may match more.
            if !complete(label.repo.as_str()) {
                model.open_packages.insert(pkg);
            }
            model.invisible_repos.retain(|r| r != &label.repo);
            if let Some(visible) = &model.visible_repos {
                let mut v = (**visible).clone();
                v.insert(label.repo);
                model.visible_repos = Some(std::sync::Arc::new(v));
            }
        }
        if !registered_by_workspace(index, label.repo.as_str()) {
            out.push(label);
        }
    };
    let unknown = |ty: Label, implementation: Label| Toolchain {
        exec_compatible_with: Known::Unknown,
        target_compatible_with: Known::Unknown,
        ..Toolchain::new(ty, implementation)
    };
    // `BAZEL_DO_NOT_DETECT_CPP_TOOLCHAIN=1` in the environment repository rules get from the
    // rc files: `cc_autoconf_toolchains` writes a BUILD file without toolchains.
    let cc_detection_off = index
        .flags
        .repository_env("BAZEL_DO_NOT_DETECT_CPP_TOOLCHAIN")
        == Some("1");
    if cc_detection_off && !readable("local_config_cc_toolchains") {
        let cc = RepoName::new("local_config_cc_toolchains");
        let pkg = Label::new(cc, "", "all").package_id();
        model.packages.entry(pkg).or_default();
        model.invisible_repos.retain(|r| r != &cc);
        if let Some(visible) = &model.visible_repos {
            let mut v = (**visible).clone();
            v.insert(cc);
            model.visible_repos = Some(std::sync::Arc::new(v));
        }
    } else if !readable("local_config_cc_toolchains") && !readable("local_config_cc") {
        let cc = RepoName::new("local_config_cc_toolchains");
        let host_values = host.map(<[Label]>::to_vec);
        let value = |setting: &str| {
            host_values
                .as_ref()?
                .iter()
                .find(|l| l.package == setting)
                .map(|l| l.name.to_string())
        };
        let cpu = bazel_cpu(value("os").as_deref(), value("cpu").as_deref());
        let mut tc = Toolchain::new(
            cpp_toolchain_type(),
            Label::new(
                RepoName::new("local_config_cc"),
                "",
                format!("cc-compiler-{cpu}"),
            ),
        );
        let name = format!("cc-toolchain-{cpu}");
        match &host_values {
            Some(v) => {
                tc.exec_compatible_with = Known::Known(v.clone());
                tc.target_compatible_with = Known::Known(v.clone());
            }
            None => {
                tc.exec_compatible_with = Known::Unknown;
                tc.target_compatible_with = Known::Unknown;
            }
        }
        add(model, Label::new(cc, "", &name), tc);
        if let (true, Some(os)) = (unix, host_os) {
            // The stub for Android ARMv7 targets (it fails when used, but it is selected).
            let platforms = |package: &str, name: &str| Label::new(os.repo, package, name);
            let mut stub = Toolchain::new(
                cpp_toolchain_type(),
                Label::new(
                    RepoName::new("local_config_cc"),
                    "",
                    "cc-compiler-armeabi-v7a",
                ),
            );
            stub.exec_compatible_with = Known::Known(host_values.clone().unwrap_or_default());
            stub.target_compatible_with =
                Known::Known(vec![platforms("cpu", "armv7"), platforms("os", "android")]);
            add(model, Label::new(cc, "", "cc-toolchain-armeabi-v7a"), stub);
        }
    }
    if !readable("local_config_sh") {
        add(
            model,
            Label::new(RepoName::new("local_config_sh"), "", "local_sh_toolchain"),
            unknown(
                sh_toolchain_type(),
                Label::new(RepoName::new("local_config_sh"), "", "local_sh"),
            ),
        );
    }
    model_local_config_shell(ws, index, model);
    if !readable(BAZEL_TOOLS) {
        add(
            model,
            tools("tools/python", "autodetecting_toolchain"),
            unknown(
                python_toolchain_type(),
                tools("tools/python", "_autodetecting_py_runtime_pair"),
            ),
        );
        if version.major >= 5 {
            add(
                model,
                tools("tools/jdk", "toolchain"),
                unknown(java_toolchain_type(), tools("tools/jdk", "toolchain")),
            );
            add(
                model,
                tools("tools/jdk", "runtime_toolchain"),
                unknown(
                    java_runtime_toolchain_type(),
                    tools("tools/jdk", "runtime_toolchain"),
                ),
            );
        }
    }
    out
}

/// The repository rules_shell's `sh_configure` extension (and its WORKSPACE macro
/// `rules_shell_toolchains`) makes with the repository rule `sh_config`, which probes the
/// host's shell (`BAZEL_SH`, then `bash`, then `sh` on the `PATH`).
pub const LOCAL_CONFIG_SHELL: &str = "local_config_shell";

/// The operating systems `sh_config` writes a toolchain for, in its order (every rules_shell
/// release from 0.1.0 to 0.6.1 writes the same five).
const SH_CONFIG_OSES: [&str; 5] = ["windows", "linux", "osx", "freebsd", "openbsd"];

/// Models `@local_config_shell` where the workspace registers it and cannot read it. Every
/// rules_shell release's `sh_config` writes, for each OS of [`SH_CONFIG_OSES`], an
/// `sh_toolchain` `<os>_sh` (the host's with the shell path it found, the others with a
/// default path) and `toolchain(name = "<os>_sh_toolchain", toolchain_type =
/// "@rules_shell//shell:toolchain_type", target_compatible_with = ["@platforms//os:<os>"])`
/// without execution constraints: so the toolchains and their constraints are known on every
/// host, and only the host's shell path is not. Bazel does not register them itself
/// (rules_shell's MODULE.bazel or its WORKSPACE macro does), so nothing is added to Bazel's
/// own registrations; the repository is modelled under every name a registration of the
/// workspace gives it (the apparent name, or a canonical `…+sh_configure+local_config_shell`).
fn model_local_config_shell(ws: &Workspace, index: &WorkspaceIndex, model: &mut Model) {
    use toolcheck_index::label::TargetPattern;
    let mut repos: Vec<RepoName> = index
        .registrations
        .iter()
        .filter_map(|r| match &r.pattern {
            Ok(TargetPattern::Single(l)) => Some(l.repo),
            Ok(TargetPattern::AllInPackage(p) | TargetPattern::Recursive(p)) => Some(p.repo),
            Err(_) => None,
        })
        .filter(|r| is_repo_named(r.as_str(), LOCAL_CONFIG_SHELL) && ws.repo(r).is_none())
        .collect();
    repos.sort();
    repos.dedup();
    if repos.is_empty() {
        return;
    }
    // The generated BUILD file's labels are read in rules_shell's repository mapping (the
    // extension's owner), or the main repository's in WORKSPACE mode.
    let rules_shell = index
        .modules
        .iter()
        .find(|m| m.name == "rules_shell")
        .map(|m| m.repo);
    let mapping_of = rules_shell.unwrap_or_else(RepoName::main);
    let resolve = |apparent: &str| {
        index
            .mappings
            .get(&mapping_of)
            .and_then(|m| m.get(apparent))
            .unwrap_or_else(|| RepoName::new(apparent))
    };
    let rules_shell = rules_shell.unwrap_or_else(|| resolve("rules_shell"));
    let platforms = resolve("platforms");
    let toolchain_type = Label::new(rules_shell, "shell", "toolchain_type");
    for repo in repos {
        for os in SH_CONFIG_OSES {
            let label = Label::new(repo, "", format!("{os}_sh_toolchain"));
            let mut tc = Toolchain::new(toolchain_type, Label::new(repo, "", format!("{os}_sh")));
            tc.exec_compatible_with = Known::Known(Vec::new());
            tc.target_compatible_with = Known::Known(vec![Label::new(platforms, "os", os)]);
            model.targets.insert(label, TargetKind::Toolchain);
            model.toolchains.insert(label, tc);
            model
                .packages
                .entry(label.package_id())
                .or_default()
                .push(toolcheck_index::label::SmolStr::new(label.name));
        }
        model.invisible_repos.retain(|r| r != &repo);
        if let Some(visible) = &model.visible_repos {
            let mut v = (**visible).clone();
            v.insert(repo);
            model.visible_repos = Some(std::sync::Arc::new(v));
        }
    }
}

/// Modules whose every release registers no toolchains (libraries and Starlark utilities
/// nearly every graph holds): unread, they hide nothing.
const REGISTER_NO_TOOLCHAINS: &[&str] = &[
    "platforms",
    "bazel_skylib",
    "bazel_features",
    "rules_license",
    "abseil-cpp",
    "googletest",
    "zlib",
];

/// The first module of the Bzlmod graph toolcheck cannot read (BFS order): what it and the
/// modules after it register is unknown, and rulesets register toolchains of `@bazel_tools`'
/// types (rules_cc, toolchains_llvm, rules_java, rules_python). For each of those types this
/// adds a stand-in toolchain with unknown constraints and returns it with the module's
/// position (`bfs_index`, `depth`): a resolution that gets that far is undecided, never
/// "no matching toolchain".
pub fn model_unread_module(
    ws: &Workspace,
    index: &WorkspaceIndex,
    model: &mut Model,
) -> Option<(usize, usize, Vec<Label>)> {
    if !index.modes.bzlmod {
        return None;
    }
    let m = index.modules.iter().find(|m| {
        m.bfs_index > 0
            && m.file.is_none()
            && ws.repo(&m.repo).is_none()
            && !REGISTER_NO_TOOLCHAINS.contains(&m.name.as_str())
    })?;
    let label = |ty: &Label| {
        Label::new(
            m.repo,
            "",
            format!(
                "MODULE.bazel ({} toolchains)",
                ty.package.trim_start_matches("tools/")
            ),
        )
    };
    let mut out = Vec::new();
    for ty in toolchain_types() {
        let l = label(&ty);
        let tc = Toolchain {
            exec_compatible_with: Known::Unknown,
            target_compatible_with: Known::Unknown,
            implementation: Known::Unknown,
            ..Toolchain::new(ty, l)
        };
        model.toolchains.insert(l, tc);
        model.targets.insert(l, TargetKind::Toolchain);
        out.push(l);
    }
    Some((m.bfs_index, m.depth, out))
}

/// The CPU name `cc_configure` gives the host's C++ toolchain (`cc-toolchain-<cpu>`,
/// `cc-compiler-<cpu>`), from the host's `@platforms` OS and CPU values; `host` when toolcheck
/// does not know it.
fn bazel_cpu(os: Option<&str>, cpu: Option<&str>) -> &'static str {
    match (os, cpu) {
        (Some("linux"), Some("x86_64")) => "k8",
        (Some("linux"), Some("aarch64" | "arm64")) => "aarch64",
        (Some("linux"), Some("ppc")) => "ppc",
        (Some("linux"), Some("s390x")) => "s390x",
        (Some("osx" | "macos"), Some("x86_64")) => "darwin_x86_64",
        (Some("osx" | "macos"), Some("aarch64" | "arm64")) => "darwin_arm64",
        (Some("windows"), Some("x86_64")) => "x64_windows",
        (Some("windows"), Some("aarch64" | "arm64")) => "arm64_windows",
        (Some("freebsd"), Some("x86_64")) => "freebsd",
        _ => "host",
    }
}

/// Where Bazel's own toolchains go in the registered list (an index into `entries`): after
/// the workspace's toolchains, as the WORKSPACE suffix puts them; with Bzlmod, the
/// `bazel_tools` module is an implicit dependency of the root after its own `bazel_dep`s
/// (spec §3.3), so toolchains of modules deeper in the graph come after it; and Bazel 6 and
/// earlier put every module before the WORKSPACE file.
pub fn insertion_point(
    index: &WorkspaceIndex,
    version: BazelVersion,
    entries: &[RegisteredEntry],
    registrations: &[toolcheck_resolve::model::Registration],
) -> usize {
    let depth = |name: &str| {
        index
            .modules
            .iter()
            .find(|m| m.name == name)
            .map_or(usize::MAX, |m| m.depth)
    };
    entries
        .iter()
        .position(|e| {
            let Some(r) = e.registration.and_then(|r| registrations.get(r)) else {
                return false;
            };
            match index.registrations.get(r.source).map(|o| &o.origin) {
                Some(RegistrationOrigin::Module { name, .. }) => depth(name) >= 2,
                Some(RegistrationOrigin::Workspace | RegistrationOrigin::Library { .. }) => {
                    version.major <= 6 && index.modes.bzlmod
                }
                _ => false,
            }
        })
        .unwrap_or(entries.len())
}

/// Whether canonical repository name `canonical` is the repository Bazel calls `name` in
/// WORKSPACE (`local_config_cc`) or a module extension's (`bazel_tools~cc_configure_extension~
/// local_config_cc`, `rules_cc++cc_configure_extension+local_config_cc`).
/// Whether a repository's canonical name is `name` or ends in it after an extension's
/// separator (`bazel_tools+cc_configure_extension+local_config_cc`, or `~` before Bazel 7.4).
pub fn is_repo_named(canonical: &str, name: &str) -> bool {
    canonical == name
        || canonical
            .strip_suffix(name)
            .is_some_and(|rest| rest.ends_with('~') || rest.ends_with('+'))
}

/// Whether a registration of the workspace names `repo` (a dependency registers an
/// autodetected repository's toolchains itself, as rules_cc does from Bazel 8): then that
/// registration stands for them, and toolcheck adds none of its own.
pub fn registered_by_workspace(index: &WorkspaceIndex, repo: &str) -> bool {
    use toolcheck_index::label::TargetPattern;
    index.registrations.iter().any(|r| match &r.pattern {
        Ok(TargetPattern::Single(l)) => is_repo_named(l.repo.as_str(), repo),
        Ok(TargetPattern::AllInPackage(p) | TargetPattern::Recursive(p)) => {
            is_repo_named(p.repo.as_str(), repo)
        }
        Err(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32) -> BazelVersion {
        BazelVersion {
            major,
            minor: 0,
            patch: 0,
        }
    }

    #[test]
    fn cc_rules_resolve_from_7_or_with_the_flag() {
        assert!(matches!(
            native_rule_request("cc_binary", v(6), None),
            Some(NativeRequest::Legacy(_))
        ));
        let Some(NativeRequest::Types(t)) = native_rule_request("cc_binary", v(6), Some(true))
        else {
            panic!()
        };
        assert_eq!(t[0].toolchain_type, cpp_toolchain_type());
        let Some(NativeRequest::Types(t)) = native_rule_request("cc_library", v(7), None) else {
            panic!()
        };
        assert_eq!(t[0].mandatory, Known::Known(false));
        assert!(matches!(
            native_rule_request("cc_test", v(7), Some(false)),
            Some(NativeRequest::Legacy(_))
        ));
        let Some(NativeRequest::Types(t)) = native_rule_request("cc_test", v(9), None) else {
            panic!()
        };
        assert_eq!(t[0].mandatory, Known::Unknown);
    }

    #[test]
    fn java_rules_resolve_from_5() {
        assert!(matches!(
            native_rule_request("java_library", v(4), None),
            Some(NativeRequest::Legacy(_))
        ));
        let Some(NativeRequest::Types(t)) = native_rule_request("java_binary", v(5), None) else {
            panic!()
        };
        assert_eq!(
            t.iter().map(|t| t.toolchain_type).collect::<Vec<_>>(),
            vec![java_toolchain_type(), java_runtime_toolchain_type()]
        );
        assert!(native_rule_request("genrule", v(7), None).is_none());
        assert!(native_rule_request("proto_library", v(8), None).is_none());
        assert!(matches!(
            native_rule_request("proto_library", v(9), None),
            Some(NativeRequest::Unknown(_))
        ));
    }
}
