//! What `toolcheck fetch` reads of a MODULE.bazel (the root's, and each dependency's from its
//! registry): the module's identity, its `bazel_dep`s and, for the root, its overrides; and
//! of a WORKSPACE, its pinned `http_archive`s. Only literal arguments count: a value computed
//! from a variable is reported, never guessed.

use toolcheck_ide::expr::{Call, Expr, ExprKind};
use toolcheck_ide::{lower, FileKind};

#[derive(Clone, Debug, Default)]
pub struct ModuleFile {
    pub name: Option<String>,
    pub version: Option<String>,
    pub compatibility_level: i64,
    pub deps: Vec<Dep>,
    pub overrides: Vec<Override>,
    /// Arguments toolcheck could not read (computed values), for the user.
    pub unreadable: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Dep {
    pub name: String,
    /// Empty: any version (only meaningful with an override).
    pub version: String,
    pub dev: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ArchiveSpec {
    pub urls: Vec<String>,
    pub integrity: Option<String>,
    /// WORKSPACE's hex `sha256`.
    pub sha256: Option<String>,
    pub strip_prefix: String,
    pub archive_type: Option<String>,
    /// Labels of patch files in the main repository.
    pub patches: Vec<String>,
    pub patch_strip: usize,
    /// `build_file_content`, or the text of `build_file` once read.
    pub build_file_content: Option<String>,
    /// `build_file` label in the main repository.
    pub build_file: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Override {
    SingleVersion {
        module: String,
        version: Option<String>,
        registry: Option<String>,
        patches: Vec<String>,
        patch_strip: usize,
    },
    MultipleVersion {
        module: String,
    },
    Archive {
        module: String,
        spec: ArchiveSpec,
    },
    Git {
        module: String,
        remote: String,
        commit: Option<String>,
        strip_prefix: String,
        patches: Vec<String>,
        patch_strip: usize,
        /// `init_submodules = True`: a forge's archive holds no submodules.
        init_submodules: bool,
    },
    LocalPath {
        module: String,
        path: String,
    },
}

impl Override {
    pub fn module(&self) -> &str {
        match self {
            Override::SingleVersion { module, .. }
            | Override::MultipleVersion { module }
            | Override::Archive { module, .. }
            | Override::Git { module, .. }
            | Override::LocalPath { module, .. } => module,
        }
    }
}

fn str_arg(call: &Call, name: &str) -> Option<String> {
    call.kwarg(name)
        .and_then(|k| k.value.as_str().map(str::to_string))
}

fn list_arg(call: &Call, name: &str) -> Option<Vec<String>> {
    let k = call.kwarg(name)?;
    match &k.value.kind {
        ExprKind::List(items) | ExprKind::Tuple(items) => items
            .iter()
            .map(|e| e.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn int_arg(call: &Call, name: &str) -> Option<i64> {
    call.kwarg(name).and_then(|k| match k.value.kind {
        ExprKind::Int(i) => Some(i),
        _ => None,
    })
}

fn bool_arg(call: &Call, name: &str) -> Option<bool> {
    call.kwarg(name).and_then(|k| match k.value.kind {
        ExprKind::Bool(b) => Some(b),
        _ => None,
    })
}

fn is_literal(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Str(_) | ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::None
    ) || matches!(&e.kind, ExprKind::List(items) | ExprKind::Tuple(items) if items.iter().all(is_literal))
        || matches!(&e.kind, ExprKind::Dict(items) if items.iter().all(|(k, v)| is_literal(k) && is_literal(v)))
}

/// Parses a MODULE.bazel text.
pub fn parse_module(text: &str) -> ModuleFile {
    let facts = lower(FileKind::Module, text);
    let mut m = ModuleFile::default();
    for c in &facts.calls {
        let call = &c.call;
        let Some(func) = call.func.dotted_name() else {
            continue;
        };
        let relevant = matches!(
            func.as_str(),
            "module"
                | "bazel_dep"
                | "single_version_override"
                | "multiple_version_override"
                | "archive_override"
                | "git_override"
                | "local_path_override"
        );
        if !relevant {
            continue;
        }
        for k in call.kwargs.iter() {
            if !is_literal(&k.value) {
                m.unreadable
                    .push(format!("{func}({} = ...) is not a literal", k.name));
            }
        }
        let module = || str_arg(call, "module_name");
        let patches = || list_arg(call, "patches").unwrap_or_default();
        let strip = || int_arg(call, "patch_strip").unwrap_or(0).max(0) as usize;
        match func.as_str() {
            "module" => {
                m.name = str_arg(call, "name");
                m.version = str_arg(call, "version");
                m.compatibility_level = int_arg(call, "compatibility_level").unwrap_or(0);
            }
            "bazel_dep" => {
                if let Some(name) = str_arg(call, "name") {
                    m.deps.push(Dep {
                        name,
                        version: str_arg(call, "version").unwrap_or_default(),
                        dev: bool_arg(call, "dev_dependency").unwrap_or(false),
                    });
                }
            }
            "single_version_override" => {
                if let Some(module) = module() {
                    m.overrides.push(Override::SingleVersion {
                        module,
                        version: str_arg(call, "version").filter(|v| !v.is_empty()),
                        registry: str_arg(call, "registry").filter(|v| !v.is_empty()),
                        patches: patches(),
                        patch_strip: strip(),
                    });
                }
            }
            "multiple_version_override" => {
                if let Some(module) = module() {
                    m.overrides.push(Override::MultipleVersion { module });
                }
            }
            "archive_override" => {
                if let Some(module) = module() {
                    m.overrides.push(Override::Archive {
                        module,
                        spec: ArchiveSpec {
                            urls: urls(call),
                            integrity: str_arg(call, "integrity"),
                            sha256: None,
                            strip_prefix: str_arg(call, "strip_prefix").unwrap_or_default(),
                            archive_type: str_arg(call, "type").filter(|t| !t.is_empty()),
                            patches: patches(),
                            patch_strip: strip(),
                            build_file_content: None,
                            build_file: None,
                        },
                    });
                }
            }
            "git_override" => {
                if let Some(module) = module() {
                    m.overrides.push(Override::Git {
                        module,
                        remote: str_arg(call, "remote").unwrap_or_default(),
                        commit: str_arg(call, "commit").filter(|c| !c.is_empty()),
                        strip_prefix: str_arg(call, "strip_prefix").unwrap_or_default(),
                        patches: patches(),
                        patch_strip: strip(),
                        init_submodules: bool_arg(call, "init_submodules").unwrap_or(false),
                    });
                }
            }
            "local_path_override" => {
                if let (Some(module), Some(path)) = (module(), str_arg(call, "path")) {
                    m.overrides.push(Override::LocalPath { module, path });
                }
            }
            _ => {}
        }
    }
    m
}

fn urls(call: &Call) -> Vec<String> {
    let mut out = list_arg(call, "urls").unwrap_or_default();
    if let Some(u) = str_arg(call, "url") {
        out.insert(0, u);
    }
    out
}

/// One `http_archive` of a WORKSPACE file.
#[derive(Clone, Debug)]
pub struct HttpArchive {
    pub name: String,
    pub spec: ArchiveSpec,
}

/// The top-level `http_archive` calls of a WORKSPACE text, and a note for each that cannot be
/// fetched (no pin, computed arguments).
pub fn parse_workspace(text: &str) -> (Vec<HttpArchive>, Vec<String>) {
    let facts = lower(FileKind::Workspace, text);
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for c in &facts.calls {
        let call = &c.call;
        if call.func.dotted_name().as_deref() != Some("http_archive") {
            continue;
        }
        let Some(name) = str_arg(call, "name") else {
            notes.push("an http_archive without a literal name was skipped".to_string());
            continue;
        };
        if let Some(k) = call.kwargs.iter().find(|k| {
            matches!(
                k.name.as_str(),
                "url" | "urls" | "sha256" | "integrity" | "strip_prefix" | "patches" | "patch_args"
            ) && !is_literal(&k.value)
        }) {
            notes.push(format!(
                "http_archive '{name}' skipped: its {} is computed, not a literal",
                k.name
            ));
            continue;
        }
        let spec = ArchiveSpec {
            urls: urls(call),
            integrity: str_arg(call, "integrity").filter(|s| !s.is_empty()),
            sha256: str_arg(call, "sha256").filter(|s| !s.is_empty()),
            strip_prefix: str_arg(call, "strip_prefix").unwrap_or_default(),
            archive_type: str_arg(call, "type").filter(|t| !t.is_empty()),
            patches: list_arg(call, "patches").unwrap_or_default(),
            patch_strip: list_arg(call, "patch_args")
                .unwrap_or_default()
                .iter()
                .find_map(|a| a.strip_prefix("-p").and_then(|n| n.parse().ok()))
                .unwrap_or(0),
            build_file_content: str_arg(call, "build_file_content"),
            build_file: str_arg(call, "build_file"),
        };
        if spec.integrity.is_none() && spec.sha256.is_none() {
            notes.push(format!(
                "http_archive '{name}' skipped: it pins no sha256 or integrity, and toolcheck fetch downloads only what is pinned"
            ));
            continue;
        }
        if spec.urls.is_empty() {
            notes.push(format!("http_archive '{name}' skipped: it has no url"));
            continue;
        }
        out.push(HttpArchive { name, spec });
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_module_and_overrides() {
        let m = parse_module(
            r#"
module(name = "root", version = "1.0", compatibility_level = 2)
bazel_dep(name = "a", version = "1.2")
bazel_dep(name = "b", version = "0.1", dev_dependency = True)
single_version_override(module_name = "a", version = "1.3", patches = ["//p:a.patch"], patch_strip = 1)
archive_override(module_name = "c", urls = ["https://x/c.tar.gz"], integrity = "sha256-x", strip_prefix = "c-1")
local_path_override(module_name = "d", path = "third_party/d")
V = "2"
bazel_dep(name = "e", version = V)
"#,
        );
        assert_eq!(m.name.as_deref(), Some("root"));
        assert_eq!(m.compatibility_level, 2);
        assert_eq!(m.deps.len(), 3);
        assert!(m.deps[1].dev);
        assert_eq!(m.overrides.len(), 3);
        assert!(m.unreadable[0].contains("bazel_dep(version = ...)"));
    }

    #[test]
    fn reads_pinned_http_archives() {
        let (a, notes) = parse_workspace(
            r#"
load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
http_archive(name = "x", urls = ["https://x/x.tar.gz"], sha256 = "ab", patch_args = ["-p1"], patches = ["//:x.patch"])
http_archive(name = "y", url = "https://x/y.zip")
"#,
        );
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].spec.patch_strip, 1);
        assert!(notes[0].contains("'y' skipped: it pins no sha256"));
    }
}
