//! The toolchain implementation chain: from a `toolchain()` to the target that implements
//! it and, for C++, to the `toolchain_config` target behind the `cc_toolchain`, and what of
//! the machine they hard-code: absolute tool paths, builtin include directories and
//! `-isystem`/`-I` flags, the sysroot, `java_home`, `interpreter_path`, and whether the
//! implementation comes from a repository Bazel generates by probing the host
//! (`@local_config_cc` and its siblings).
//!
//! Only attributes are read: a toolchain config rule that hard-codes paths in its
//! implementation function is marked incomplete rather than guessed at. Template
//! placeholders (`%sysroot%`, `%workspace%`, `%package(...)%`, `%{...}`) and paths under
//! `external/` are not absolute host paths.

use std::sync::Arc;

use toolcheck_index::facts::FileFacts;
use toolcheck_index::index::{RefOne, Target, WorkspaceIndex};
use toolcheck_index::interp::value::{Loc, Val, V};
use toolcheck_index::label::Label;
use toolcheck_index::workspace::Workspace;

use crate::Simulation;

/// Repositories Bazel writes by probing the machine it runs on (`cc_configure`,
/// `sh_configure`, the Python and Java autodetection, and rules_shell's `sh_configure`
/// extension), by the end of their canonical names.
pub const HOST_PROBED_REPOS: [&str; 7] = [
    "local_config_cc",
    "local_config_cc_toolchains",
    "local_config_sh",
    crate::builtin::LOCAL_CONFIG_SHELL,
    "local_config_python",
    "local_jdk",
    "local_config_xcode",
];

/// Whether a repository (canonical or apparent name) is one Bazel generates from the host.
pub fn is_host_probed_repo(name: &str) -> bool {
    HOST_PROBED_REPOS
        .iter()
        .any(|r| crate::builtin::is_repo_named(name, r))
}

/// Whether a repository is one of `cc_configure`'s.
fn is_cc_configure_repo(name: &str) -> bool {
    ["local_config_cc", "local_config_cc_toolchains"]
        .iter()
        .any(|r| crate::builtin::is_repo_named(name, r))
}

/// `BAZEL_DO_NOT_DETECT_CPP_TOOLCHAIN=1` in the environment the rc files give repository
/// rules: `cc_configure` then writes a toolchain with no tools instead of probing the host.
fn cc_detection_off(index: &WorkspaceIndex) -> bool {
    index
        .flags
        .repository_env("BAZEL_DO_NOT_DETECT_CPP_TOOLCHAIN")
        == Some("1")
}

/// Where a machine-specific path is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathUse {
    pub path: String,
    /// The attribute (`tool_paths["gcc"]`, `cxx_builtin_include_directories`, `java_home`).
    pub attr: String,
    pub loc: Loc,
}

/// What a toolchain's implementation ties it to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Binding {
    /// The implementation target (aliases followed) and its rule kind.
    pub implementation: Option<(Label, String)>,
    /// For C++: the `toolchain_config` target.
    pub config: Option<Label>,
    /// Absolute paths of tools and installations (`tool_paths`, `java_home`,
    /// `interpreter_path`, `sh_toolchain.path`).
    pub tool_paths: Vec<PathUse>,
    /// Absolute builtin include directories and `-isystem`/`-I` directories.
    pub include_dirs: Vec<PathUse>,
    /// The implementation lives in a repository Bazel generates by probing the host.
    pub host_probed: bool,
    /// Something on the chain could not be read (a computed attribute, an unknown target, a
    /// config rule toolcheck does not know): the lists above may be incomplete.
    pub incomplete: bool,
}

/// The binding of the toolchain `toolchain` (a `toolchain()` target).
pub fn binding(
    ws: &Workspace,
    facts: &[Arc<FileFacts>],
    index: &WorkspaceIndex,
    sim: &Simulation,
    toolchain: &Label,
) -> Binding {
    let mut out = Binding::default();
    let Some(implementation) = sim
        .model
        .toolchains
        .get(toolchain)
        .and_then(|t| t.implementation.as_known())
    else {
        out.incomplete = true;
        return out;
    };
    let implementation = sim.actual(implementation).unwrap_or(*implementation);
    out.host_probed = is_host_probed_repo(implementation.repo.0.as_str())
        && !(is_cc_configure_repo(implementation.repo.0.as_str()) && cc_detection_off(index));
    let Some(target) = index.targets.get(&implementation) else {
        out.incomplete = true;
        return out;
    };
    out.implementation = Some((implementation, target.kind.to_string()));
    let attr = |t: &Target, name: &str| index.target_attr(ws, facts, t, name);
    match target.kind.as_str() {
        "cc_toolchain" => {
            let config = match index.target_label(ws, facts, target, "toolchain_config") {
                RefOne::Known(r) => r.label.ok().map(|l| sim.actual(&l).unwrap_or(l)),
                RefOne::Absent => None,
                RefOne::Unknown(_) => {
                    out.incomplete = true;
                    None
                }
            };
            let Some(config) = config else {
                return out;
            };
            out.config = Some(config);
            let Some(ct) = index.targets.get(&config) else {
                out.incomplete = true;
                return out;
            };
            let mut any = false;
            if let Some((v, _)) = attr(ct, "tool_paths") {
                any = true;
                tool_path_dict(&v, &mut out);
            }
            for name in ["cxx_builtin_include_directories"] {
                if let Some((v, _)) = attr(ct, name) {
                    any = true;
                    strings(&v, &mut out.incomplete, |s, loc| {
                        if let Some(dir) = absolute(s) {
                            out_push(&mut out.include_dirs, dir, name, loc);
                        }
                    });
                }
            }
            for name in ["compile_flags", "cxx_flags"] {
                if let Some((v, _)) = attr(ct, name) {
                    any = true;
                    include_flags(&v, name, &mut out);
                }
            }
            if !any {
                // A config rule that keeps its paths in its implementation.
                out.incomplete = true;
            }
        }
        "java_runtime" => one_path(attr(target, "java_home"), "java_home", &mut out),
        "py_runtime" => one_path(
            attr(target, "interpreter_path"),
            "interpreter_path",
            &mut out,
        ),
        "sh_toolchain" => one_path(attr(target, "path"), "path", &mut out),
        _ => out.incomplete = true,
    }
    out
}

fn out_push(list: &mut Vec<PathUse>, path: &str, attr: &str, loc: Loc) {
    list.push(PathUse {
        path: path.to_string(),
        attr: attr.to_string(),
        loc,
    });
}

fn one_path(v: Option<(Val, toolcheck_syntax::TextRange)>, name: &str, out: &mut Binding) {
    let Some((v, _)) = v else { return };
    match &v.v {
        V::Str(s) => {
            if let Some(p) = absolute(s) {
                out_push(&mut out.tool_paths, p, name, v.loc);
            }
        }
        V::None => {}
        _ => out.incomplete = true,
    }
}

/// `tool_paths = {"gcc": "/usr/bin/gcc", ...}` (rules_cc's `cc_toolchain_config`).
fn tool_path_dict(v: &Val, out: &mut Binding) {
    let V::Dict(pairs) = &v.v else {
        out.incomplete = true;
        return;
    };
    for (k, p) in pairs {
        match (&k.v, &p.v) {
            (V::Str(tool), V::Str(path)) => {
                if let Some(path) = absolute(path) {
                    out_push(
                        &mut out.tool_paths,
                        path,
                        &format!("tool_paths[\"{tool}\"]"),
                        p.loc,
                    );
                }
            }
            _ => out.incomplete = true,
        }
    }
}

/// The directories of `-isystem DIR`, `-isystemDIR`, `-I DIR`, `-IDIR` flags.
fn include_flags(v: &Val, name: &str, out: &mut Binding) {
    let mut flags: Vec<(String, Loc)> = Vec::new();
    strings(v, &mut out.incomplete, |s, loc| {
        flags.push((s.to_string(), loc))
    });
    let mut i = 0;
    while i < flags.len() {
        let (flag, loc) = &flags[i];
        for prefix in ["-isystem", "-I", "-idirafter"] {
            if let Some(rest) = flag.strip_prefix(prefix) {
                let (dir, at) = if rest.is_empty() {
                    match flags.get(i + 1) {
                        Some((d, l)) => {
                            i += 1;
                            (d.as_str(), *l)
                        }
                        None => break,
                    }
                } else {
                    (rest.trim_start_matches('='), *loc)
                };
                if let Some(dir) = absolute(dir) {
                    out_push(&mut out.include_dirs, dir, name, at);
                }
                break;
            }
        }
        i += 1;
    }
}

/// Calls `f` on each string of a list; a part that is not a known string marks the result
/// incomplete.
fn strings(v: &Val, incomplete: &mut bool, mut f: impl FnMut(&str, Loc)) {
    match &v.v {
        V::List(items) => {
            for item in items {
                match &item.v {
                    V::Str(s) => f(s, item.loc),
                    _ => *incomplete = true,
                }
            }
        }
        _ => *incomplete = true,
    }
}

/// `path` when it is an absolute path of the machine that runs the tool: not a placeholder
/// Bazel or a repository rule fills in, not a path inside the execution root.
pub fn absolute(path: &str) -> Option<&str> {
    let p = path.trim();
    let placeholder = [
        "%sysroot%",
        "%workspace%",
        "%package(",
        "%{",
        "${",
        "__BAZEL_",
    ]
    .iter()
    .any(|m| p.contains(m));
    if placeholder || p.starts_with("external/") {
        return None;
    }
    let windows = p.len() > 2 && p.as_bytes()[1] == b':' && p.as_bytes()[0].is_ascii_alphabetic();
    (p.starts_with('/') || windows).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::{absolute, is_host_probed_repo};

    #[test]
    fn placeholders_and_execroot_paths_are_not_host_paths() {
        assert_eq!(absolute("/usr/bin/gcc"), Some("/usr/bin/gcc"));
        assert!(absolute("C:\\tools\\cl.exe").is_some());
        assert_eq!(absolute("%sysroot%/usr/include"), None);
        assert_eq!(absolute("%{cc_path}"), None);
        assert_eq!(absolute("%package(@llvm//)%/include"), None);
        assert_eq!(absolute("external/llvm/bin/clang"), None);
        assert_eq!(absolute("bin/clang"), None);
    }

    #[test]
    fn autodetected_repositories_in_every_naming() {
        assert!(is_host_probed_repo("local_config_cc"));
        assert!(is_host_probed_repo(
            "bazel_tools+cc_configure_extension+local_config_cc"
        ));
        assert!(is_host_probed_repo(
            "bazel_tools~cc_configure_extension~local_config_cc"
        ));
        assert!(!is_host_probed_repo("my_local_config_cc_fork"));
        for name in [
            "local_config_shell",
            "rules_shell+sh_configure+local_config_shell",
            "+sh_configure+local_config_shell",
            "rules_shell~sh_configure~local_config_shell",
            "_main~sh_configure~local_config_shell",
        ] {
            assert!(is_host_probed_repo(name), "{name}");
        }
    }
}
