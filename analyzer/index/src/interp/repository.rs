//! Repository rules and module extensions, run by the concrete evaluator: the
//! `repository_ctx` and `module_ctx` objects, the `attr` module, Bazel's own repository
//! rules (`http_archive`, `maybe`, ...) and what a run generates.
//!
//! A repository rule's implementation runs with the attributes its instantiation gives (and
//! the defaults its `attrs` declare). What it writes is recorded: `repository_ctx.file`
//! with its content, `repository_ctx.template` with the template file's text and the
//! substitutions applied in Bazel's order, and `repository_ctx.symlink` of a workspace file.
//! Each generated file remembers where it came from (the template and its lines, or the
//! `file()` call), so findings can point there. What depends on the machine (`os`, `which`,
//! `execute`, `getenv`, downloads) is unknown; a rule that downloads, extracts, patches or
//! executes may create files toolcheck does not see, so its repository is marked partial.
//!
//! A module extension's implementation runs over the tags every module of the graph
//! declares; the repository rules it calls are recorded like macro emissions and become
//! repositories of their own.

use std::sync::Arc;

use crate::label::{Label, LabelContext};
use crate::workspace::FileId;

use super::call::Args;
use super::concrete::Env;
use super::run::Gap;
use super::value::{unknown_v, Loc, Val, V};

/// Bazel's repository rules from `@bazel_tools//tools/build_defs/repo`, by the name they
/// are loaded under in their `.bzl` file; toolcheck knows them without reading `bazel_tools`.
const NATIVE_REPO_RULES: &[&str] = &[
    "http_archive",
    "http_file",
    "http_jar",
    "git_repository",
    "new_git_repository",
    "local_repository",
    "new_local_repository",
];

/// Repository rules WORKSPACE files may call without loading them.
pub const WORKSPACE_NATIVE_REPO_RULES: &[&str] = &["local_repository", "new_local_repository"];

/// Whether `kind` (an emitted call's kind with no `rule()` binding) is one of Bazel's own
/// repository rules.
pub fn is_native_repo_rule(kind: &str) -> bool {
    NATIVE_REPO_RULES.contains(&kind)
}

/// The builtin a symbol of `@bazel_tools//tools/build_defs/repo:*.bzl` is, when toolcheck
/// knows it.
pub(crate) fn bazel_tools_repo_symbol(module: &str, symbol: &str) -> Option<&'static str> {
    let rest = module
        .strip_prefix("@bazel_tools//tools/build_defs/repo:")
        .or_else(|| module.strip_prefix("@@bazel_tools//tools/build_defs/repo:"))?;
    if !rest.ends_with(".bzl") {
        return None;
    }
    match symbol {
        "maybe" => Some("repo.maybe"),
        "http_archive" => Some("repo.http_archive"),
        "http_file" => Some("repo.http_file"),
        "http_jar" => Some("repo.http_jar"),
        "git_repository" => Some("repo.git_repository"),
        "new_git_repository" => Some("repo.new_git_repository"),
        "local_repository" => Some("repo.local_repository"),
        "new_local_repository" => Some("repo.new_local_repository"),
        // `utils.bzl`: credentials only matter to downloads, which toolcheck does not make.
        "read_netrc" | "read_user_netrc" | "use_netrc" | "get_auth" => Some("repo.no_auth"),
        "patch" => Some("repo.patch"),
        "workspace_and_buildfile" => Some("repo.workspace_and_buildfile"),
        _ => None,
    }
}

/// Builtins whose attributes are further builtins or properties (`native.glob`,
/// `repository_ctx.attr`, `attr.string`).
pub(crate) fn is_object(b: &str) -> bool {
    matches!(
        b,
        "native"
            | "config_common"
            | "json"
            | "dicts"
            | "attr"
            | "repository_ctx"
            | "repository_ctx.os"
            | "module_ctx"
            | "module_ctx.os"
    )
}

/// The field of an `attr.*` value that holds its type (a name Starlark code cannot write).
const ATTR_TYPE_FIELD: &str = "\u{1}attr";

/// The type of an `attr.*` value (`string`, `label_list`, ...), if `v` is one.
pub fn attr_type(v: &V) -> Option<&str> {
    match v {
        V::Struct(fields) => fields.iter().find_map(|(n, v)| match &v.v {
            V::Str(t) if n == ATTR_TYPE_FIELD => Some(t.as_str()),
            _ => None,
        }),
        _ => None,
    }
}

/// The value an attribute of type `ty` has when neither given nor defaulted.
pub(crate) fn attr_type_default(ty: &str) -> V {
    match ty {
        "label_list" | "string_list" | "int_list" | "output_list" => V::List(Vec::new()),
        "string" => V::Str(String::new()),
        "bool" => V::Bool(false),
        "int" => V::Int(0),
        "string_dict"
        | "label_keyed_string_dict"
        | "string_keyed_label_dict"
        | "string_list_dict" => V::Dict(Vec::new()),
        _ => V::None,
    }
}

/// Where a generated file's text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileSource {
    /// `repository_ctx.template` (or a symlink to a workspace file): the template file and,
    /// for each generated line, the template line it came from (empty when the
    /// substitutions moved lines in a way toolcheck does not follow).
    Template {
        template: FileId,
        lines: Arc<[u32]>,
        call: Loc,
    },
    /// `repository_ctx.file(..., content)`: the call that wrote it.
    Written { call: Loc },
    /// Bazel's own rules (`http_archive(build_file = ...)`): the file given, line for line.
    Copied { from: FileId, at: Loc },
    /// `http_archive(build_file_content = ...)`: the attribute's value.
    Attribute { at: Loc },
}

impl FileSource {
    /// Whether `file` is one a finding in the generated file may be shown in (the template,
    /// the copied file, or the file of the call or attribute that wrote it).
    pub fn shows_in(&self, file: FileId) -> bool {
        match self {
            FileSource::Template { template, call, .. } => *template == file || call.file == file,
            FileSource::Copied { from, at } => *from == file || at.file == file,
            FileSource::Written { call } => call.file == file,
            FileSource::Attribute { at } => at.file == file,
        }
    }

    /// The place a finding on line `line` of the generated file points at: a template line,
    /// or the call or attribute that wrote the file.
    pub fn origin_of_line(&self, line: u32) -> (FileId, Option<u32>, Loc) {
        match self {
            FileSource::Template {
                template,
                lines,
                call,
            } => (*template, lines.get(line as usize).copied(), *call),
            FileSource::Copied { from, at } => (*from, Some(line), *at),
            FileSource::Written { call } => (call.file, None, *call),
            FileSource::Attribute { at } => (at.file, None, *at),
        }
    }
}

/// A file a repository rule generated.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedFile {
    /// Path relative to the generated repository's root.
    pub path: String,
    /// `None` when the content is not known.
    pub text: Option<Arc<str>>,
    pub source: FileSource,
}

/// The state of a repository rule's run (lives in `Env::repo_run` while it is under way).
#[derive(Debug, Default)]
pub struct RepoRun {
    /// The repository's canonical name (`repository_ctx.name`).
    pub name: String,
    pub attrs: Vec<(String, Val)>,
    pub files: Vec<GeneratedFile>,
    /// Why the repository may hold files toolcheck did not see (downloads, `execute`).
    pub partial: Option<String>,
    /// For a module extension: `module_ctx.modules`.
    pub modules: Vec<Val>,
    /// Workspace files read with `repository_ctx.read`: a file written with exactly one's
    /// content is a copy of it (hermetic_cc_toolchain copies its BUILD templates this way).
    pub read: Vec<(FileId, Arc<str>)>,
}

/// What running a repository rule generated.
#[derive(Clone, Debug, PartialEq)]
pub struct RepoOutcome {
    pub files: Vec<GeneratedFile>,
    pub partial: Option<String>,
    /// Why the run may have missed files (an unknown callee, a failed evaluation).
    pub incomplete: Option<Gap>,
}

/// Normalizes a path a repository rule writes to (`./BUILD`, `pkg//BUILD.bazel`); `None`
/// for absolute paths and paths that leave the repository.
fn repo_relative(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Applies `repository_ctx.template` substitutions in order (each replaces every occurrence
/// in the text the previous ones produced, as Bazel does), keeping for each output line the
/// template line it came from. `None` when the text would grow past `max` bytes.
pub fn substitute(
    template: &str,
    subs: &[(String, String)],
    max: usize,
) -> Option<(String, Vec<u32>)> {
    if subs.iter().any(|(k, _)| k.contains('\n') || k.is_empty()) {
        // A key spanning lines: apply the substitutions to the whole text, without a line map.
        let mut text = template.to_string();
        for (k, v) in subs {
            if !k.is_empty() {
                text = text.replace(k.as_str(), v);
            }
            if text.len() > max {
                return None;
            }
        }
        return Some((text, Vec::new()));
    }
    let mut lines: Vec<(String, u32)> = template
        .split('\n')
        .enumerate()
        .map(|(i, l)| (l.to_string(), i as u32))
        .collect();
    let mut size = template.len();
    for (k, v) in subs {
        let mut next = Vec::with_capacity(lines.len());
        for (line, origin) in lines {
            if !line.contains(k.as_str()) {
                next.push((line, origin));
                continue;
            }
            let replaced = line.replace(k.as_str(), v);
            size = (size + replaced.len()).saturating_sub(line.len());
            if size > max {
                return None;
            }
            next.extend(replaced.split('\n').map(|l| (l.to_string(), origin)));
        }
        lines = next;
    }
    let map = lines.iter().map(|(_, o)| *o).collect();
    let text = lines
        .into_iter()
        .map(|(l, _)| l)
        .collect::<Vec<_>>()
        .join("\n");
    Some((text, map))
}

impl<'a> Env<'a> {
    /// `obj.attr` for a builtin object (`native`, `repository_ctx`, `attr`, ...): a
    /// property's value, or the builtin method it names.
    pub(crate) fn object_attr(&self, b: &str, attr: &str) -> V {
        let run = self.repo_run.borrow();
        match (b, attr) {
            ("repository_ctx", "attr") => match run.as_ref() {
                Some(r) => V::Struct(r.attrs.clone()),
                None => unknown_v(),
            },
            ("repository_ctx", "name") => match run.as_ref() {
                Some(r) => V::Str(r.name.clone()),
                None => unknown_v(),
            },
            ("module_ctx", "modules") => match run.as_ref() {
                Some(r) => V::List(r.modules.clone()),
                None => unknown_v(),
            },
            // The machine Bazel runs on: the host the analysis describes (the machine the
            // loader read, or `host_constraints`), in the JVM's words.
            ("repository_ctx.os" | "module_ctx.os", "name") => self
                .host_jvm()
                .map_or_else(unknown_v, |(os, _)| V::Str(os.into())),
            ("repository_ctx.os" | "module_ctx.os", "arch") => self
                .host_jvm()
                .map_or_else(unknown_v, |(_, arch)| V::Str(arch.into())),
            ("repository_ctx" | "module_ctx", "workspace_root")
            | ("repository_ctx.os" | "module_ctx.os", _) => unknown_v(),
            _ => V::Builtin(format!("{b}.{attr}")),
        }
    }

    /// `repository_ctx.os.name` and `.arch` on the analysed host, as the JVM Bazel runs in
    /// reports them (`linux`/`amd64`, `mac os x`/`aarch64`, `windows 10`/`amd64`); `None`
    /// when the host is unknown or one these strings are not known for.
    fn host_jvm(&self) -> Option<(&'static str, &'static str)> {
        self.read_host.set(true);
        let os = self.ws.settings.host_os()?;
        let cpu = self.ws.settings.host_cpu()?;
        let os_name = match os.as_str() {
            "linux" => "linux",
            "macos" => "mac os x",
            "windows" => "windows 10",
            "freebsd" => "freebsd",
            _ => return None,
        };
        let arch = match (os_name, cpu.as_str()) {
            ("mac os x", "x86_64") => "x86_64",
            (_, "x86_64") => "amd64",
            (_, "aarch64" | "arm64") => "aarch64",
            (_, "s390x") => "s390x",
            (_, "ppc64le" | "ppc") => "ppc64le",
            _ => return None,
        };
        Some((os_name, arch))
    }

    /// The label a path argument names (`Label("//:BUILD.tpl")`, `rctx.path(Label(...))`,
    /// a label string resolved where the rule is defined).
    fn path_label(&self, v: &Val, file: FileId) -> Option<Label> {
        match &v.v {
            V::Label(l) => Some(*l),
            V::Str(s) if s.starts_with("//") || s.starts_with('@') || s.starts_with(':') => {
                self.label_context(file).resolve(s).ok()
            }
            _ => None,
        }
    }

    /// The text of the workspace file `label` names, when toolcheck has read it.
    fn label_text(&self, label: &Label) -> Option<(FileId, Arc<str>)> {
        let path = if label.package.is_empty() {
            label.name.to_string()
        } else {
            format!("{}/{}", label.package, label.name)
        };
        let id = self.file_by_path.get(self.ws, label.repo, &path)?;
        if self.ws.is_removed(id) {
            return None;
        }
        Some((id, self.ws.file(id).stored_text().to_shared()))
    }

    /// Records a generated file (a later write to the same path replaces it).
    fn generate(&self, path: &Val, text: Option<Arc<str>>, source: FileSource, loc: Loc) {
        let mut guard = self.repo_run.borrow_mut();
        let Some(run) = guard.as_mut() else { return };
        let path = match &path.v {
            V::Str(s) => repo_relative(s),
            _ => None,
        };
        let Some(path) = path else {
            run.partial
                .get_or_insert_with(|| "writes a file whose path toolcheck cannot tell".into());
            drop(guard);
            self.gap(loc, "writes a file whose path toolcheck cannot tell");
            return;
        };
        run.files.retain(|f| f.path != path);
        run.files.push(GeneratedFile { path, text, source });
    }

    /// Records a generated file that is a workspace file's text, line for line.
    fn copy_file(&self, path: &Val, from: FileId, text: Arc<str>, loc: Loc) {
        let lines: Vec<u32> = (0..text.split('\n').count() as u32).collect();
        self.generate(
            path,
            Some(text),
            FileSource::Template {
                template: from,
                lines: lines.into(),
                call: loc,
            },
            loc,
        );
    }

    fn mark_partial(&self, why: &str) {
        if let Some(run) = self.repo_run.borrow_mut().as_mut() {
            run.partial.get_or_insert_with(|| why.to_string());
        }
    }

    /// The builtins of repository rules and module extensions (`repository_ctx.*`,
    /// `module_ctx.*`, `attr.*`, `tag_class`, Bazel's repository rules); `None` for a name
    /// this module does not define.
    pub(crate) fn call_repository_builtin(
        &self,
        name: &str,
        file: FileId,
        args: &Args<Val>,
        loc: Loc,
    ) -> Option<V> {
        if let Some(ty) = name.strip_prefix("attr.") {
            // An attribute schema: its type and its keyword arguments (`default`, ...).
            let mut fields = vec![(
                ATTR_TYPE_FIELD.to_string(),
                Val {
                    v: V::Str(ty.to_string()),
                    loc,
                },
            )];
            fields.extend(args.kw.iter().cloned());
            return Some(V::Struct(fields));
        }
        if let Some(rule) = name.strip_prefix("repo.") {
            return Some(self.call_native_repo_rule(rule, file, args, loc));
        }
        Some(match name {
            "tag_class" => V::Struct(args.kw.clone()),
            "repository_ctx.file" => {
                let path = args.get(0, "path").cloned().unwrap_or(Val::unknown(loc));
                let text: Option<Arc<str>> = match args.get(1, "content").map(|v| &v.v) {
                    None => Some(Arc::from("")),
                    Some(V::Str(s)) => Some(Arc::from(s.as_str())),
                    Some(_) => None,
                };
                let copied_from = text.as_ref().and_then(|t| {
                    let run = self.repo_run.borrow();
                    run.as_ref()?
                        .read
                        .iter()
                        .find(|(_, read)| read.as_ref() == t.as_ref())
                        .map(|(id, _)| *id)
                });
                let source = match copied_from {
                    Some(from) => FileSource::Copied { from, at: loc },
                    None => FileSource::Written { call: loc },
                };
                self.generate(&path, text, source, loc);
                V::None
            }
            "repository_ctx.template" => {
                let path = args.get(0, "path").cloned().unwrap_or(Val::unknown(loc));
                let template = args
                    .get(1, "template")
                    .and_then(|t| self.path_label(t, file))
                    .and_then(|l| self.label_text(&l));
                let subs: Option<Vec<(String, String)>> =
                    match args.get(2, "substitutions").map(|v| &v.v) {
                        None => Some(Vec::new()),
                        Some(V::Dict(pairs)) => pairs
                            .iter()
                            .map(|(k, v)| match (&k.v, &v.v) {
                                (V::Str(k), V::Str(v)) => Some((k.clone(), v.clone())),
                                _ => None,
                            })
                            .collect(),
                        Some(_) => None,
                    };
                match (template, subs) {
                    (Some((tid, text)), Some(subs)) => {
                        match substitute(&text, &subs, super::bounds::MAX_STRING) {
                            Some((out, lines)) => self.generate(
                                &path,
                                Some(Arc::from(out)),
                                FileSource::Template {
                                    template: tid,
                                    lines: lines.into(),
                                    call: loc,
                                },
                                loc,
                            ),
                            None => {
                                self.hit_limit(
                                    loc,
                                    format!(
                                        "a template grew past {} bytes",
                                        super::bounds::MAX_STRING
                                    ),
                                );
                            }
                        }
                    }
                    (Some((tid, _)), None) => self.generate(
                        &path,
                        None,
                        FileSource::Template {
                            template: tid,
                            lines: Arc::from([]),
                            call: loc,
                        },
                        loc,
                    ),
                    (None, _) => self.generate(&path, None, FileSource::Written { call: loc }, loc),
                }
                V::None
            }
            "repository_ctx.symlink" => {
                let target = args.get(0, "target");
                let link = args
                    .get(1, "link_name")
                    .cloned()
                    .unwrap_or(Val::unknown(loc));
                match target
                    .and_then(|t| self.path_label(t, file))
                    .and_then(|l| self.label_text(&l))
                {
                    Some((from, text)) => self.copy_file(&link, from, text, loc),
                    // A directory or a file outside the workspace: its files are not known.
                    None => self.mark_partial("links files toolcheck cannot read"),
                }
                V::None
            }
            "repository_ctx.read" | "module_ctx.read" => {
                match args
                    .get(0, "path")
                    .and_then(|t| self.path_label(t, file))
                    .and_then(|l| self.label_text(&l))
                {
                    Some((id, text)) => {
                        if let Some(run) = self.repo_run.borrow_mut().as_mut() {
                            run.read.push((id, text.clone()));
                        }
                        V::Str(text.to_string())
                    }
                    None => unknown_v(),
                }
            }
            "repository_ctx.path" | "module_ctx.path" => match args.get(0, "path") {
                Some(Val { v: V::Label(l), .. }) => V::Label(*l),
                Some(Val { v: V::Str(s), .. }) if repo_relative(s).is_some() => V::Str(s.clone()),
                _ => unknown_v(),
            },
            "repository_ctx.download"
            | "repository_ctx.download_and_extract"
            | "repository_ctx.extract"
            | "repository_ctx.patch"
            | "repository_ctx.execute" => {
                let what = name.trim_start_matches("repository_ctx.");
                self.mark_partial(&format!(
                    "calls `repository_ctx.{what}`, whose files toolcheck does not see"
                ));
                unknown_v()
            }
            "repository_ctx.report_progress"
            | "module_ctx.report_progress"
            | "repository_ctx.watch"
            | "repository_ctx.watch_tree"
            | "module_ctx.watch"
            | "repository_ctx.delete" => V::None,
            "module_ctx.extension_metadata" => V::None,
            n if n.starts_with("repository_ctx.") || n.starts_with("module_ctx.") => unknown_v(),
            _ => return None,
        })
    }

    /// `http_archive(...)` and Bazel's other repository rules, called in a WORKSPACE macro
    /// or a module extension: recorded as an instantiation. `maybe(rule, name, ...)` calls
    /// `rule` unless a repository of that name exists already.
    fn call_native_repo_rule(&self, rule: &str, file: FileId, args: &Args<Val>, loc: Loc) -> V {
        match rule {
            "no_auth" => return V::Dict(Vec::new()),
            "patch" => {
                self.mark_partial("applies patches, whose result toolcheck does not see");
                return V::None;
            }
            // The BUILD file `build_file` / `build_file_content` give, as Bazel's helper
            // writes it for repository rules that take those attributes.
            "workspace_and_buildfile" => {
                let attrs = self
                    .repo_run
                    .borrow()
                    .as_ref()
                    .map(|r| r.attrs.clone())
                    .unwrap_or_default();
                let attr = |n: &str| {
                    attrs
                        .iter()
                        .find(|(k, v)| k == n && !matches!(v.v, V::None))
                        .map(|(_, v)| v.clone())
                };
                let build = Val {
                    v: V::Str("BUILD.bazel".into()),
                    loc,
                };
                if let Some(label) = attr("build_file").and_then(|l| self.path_label(&l, file)) {
                    match self.label_text(&label) {
                        Some((from, text)) => self.copy_file(&build, from, text, loc),
                        None => self.generate(&build, None, FileSource::Written { call: loc }, loc),
                    }
                } else if let Some(content) = attr("build_file_content") {
                    let text = match &content.v {
                        V::Str(s) => Some(Arc::from(s.as_str())),
                        _ => None,
                    };
                    self.generate(&build, text, FileSource::Attribute { at: content.loc }, loc);
                }
                return V::None;
            }
            _ => {}
        }
        if rule == "maybe" {
            let Some(callee) = args.pos.first().cloned() else {
                return unknown_v();
            };
            let mut rest = Args {
                pos: Vec::new(),
                kw: args.kw.clone(),
                complete: args.complete,
            };
            if let Some(n) = args.pos.get(1) {
                rest.kw.insert(0, ("name".to_string(), n.clone()));
            }
            let name = rest.get(usize::MAX, "name").and_then(|v| match &v.v {
                V::Str(s) => Some(s.clone()),
                _ => None,
            });
            if let Some(n) = &name {
                if self.emitted_repo(n) {
                    return V::None;
                }
            }
            let v = self.call_value(callee, rest, file, loc);
            return v.v;
        }
        self.emit(rule.to_string(), None, args.clone(), loc);
        V::None
    }

    /// Whether the run under way already instantiated a repository named `name`.
    fn emitted_repo(&self, name: &str) -> bool {
        self.run
            .borrow()
            .as_ref()
            .is_some_and(|r| r.emitted.iter().any(|e| e.name() == Some(name)))
    }

    /// The attribute values a rule, macro or repository rule gets: the given ones, else the
    /// declared defaults, else the type's default; label-typed strings resolved (given ones
    /// where the call is, defaults where the rule is defined). `schema` is the evaluated
    /// `attrs` dict. Attributes given but not declared are kept (`name`, and common ones).
    pub(crate) fn attribute_values(
        &self,
        schema: &V,
        given: &Args<Val>,
        call_ctx: &LabelContext<'_>,
        def_ctx: &LabelContext<'_>,
    ) -> Vec<(String, Val)> {
        let mut out: Vec<(String, Val)> = Vec::new();
        let declared: Vec<(String, Val)> = match schema {
            V::Dict(pairs) => pairs
                .iter()
                .filter_map(|(k, v)| match &k.v {
                    V::Str(k) => Some((k.clone(), v.clone())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let convert = |ty: &str, v: Val, ctx: &LabelContext<'_>| -> Val {
            let to_label = |v: &Val| match &v.v {
                V::Str(s) => match ctx.resolve(s) {
                    Ok(l) => Val {
                        v: V::Label(l),
                        loc: v.loc,
                    },
                    Err(_) => Val::unknown(v.loc),
                },
                _ => v.clone(),
            };
            match (ty, &v.v) {
                ("label", V::Str(_)) => to_label(&v),
                ("label_list", V::List(items)) => Val {
                    v: V::List(items.iter().map(to_label).collect()),
                    loc: v.loc,
                },
                ("label_keyed_string_dict", V::Dict(pairs)) => Val {
                    v: V::Dict(
                        pairs
                            .iter()
                            .map(|(k, x)| (to_label(k), x.clone()))
                            .collect(),
                    ),
                    loc: v.loc,
                },
                _ => v,
            }
        };
        for (k, v) in &given.kw {
            let ty = declared
                .iter()
                .find(|(n, _)| n == k)
                .and_then(|(_, s)| attr_type(&s.v))
                .unwrap_or("");
            let v = if matches!(v.v, V::None) {
                // `None` means "use the default".
                continue;
            } else {
                convert(ty, v.clone(), call_ctx)
            };
            out.retain(|(n, _)| n != k);
            out.push((k.clone(), v));
        }
        for (k, s) in &declared {
            if out.iter().any(|(n, _)| n == k) {
                continue;
            }
            if !given.complete {
                // An unknown `**kwargs` may have set it.
                out.push((k.clone(), Val::unknown(s.loc)));
                continue;
            }
            let ty = attr_type(&s.v).unwrap_or("");
            let default = match &s.v {
                V::Struct(fields) => fields
                    .iter()
                    .find(|(n, _)| n == "default")
                    .map(|(_, d)| d.clone()),
                _ => None,
            };
            let v = match default {
                Some(d) => convert(ty, d, def_ctx),
                None => Val {
                    v: attr_type_default(ty),
                    loc: s.loc,
                },
            };
            out.push((k.clone(), v));
        }
        out
    }

    /// Runs a repository rule's implementation for one instantiation: `implementation` is
    /// the function, `attrs` the attribute values (see [`Env::attribute_values`]), `name`
    /// the repository's canonical name. `site` is the instantiation, whose file's budget the
    /// run is charged to.
    pub fn run_repository_rule(
        &self,
        implementation: Val,
        attrs: Vec<(String, Val)>,
        name: &str,
        site: Loc,
    ) -> RepoOutcome {
        let (_, state, run, limit) = self.run_with_ctx(
            "repository_ctx",
            RepoRun {
                name: name.to_string(),
                attrs,
                ..RepoRun::default()
            },
            implementation,
            site,
        );
        let incomplete = limit
            .map(|l| Gap {
                loc: l.loc,
                why: l.what,
            })
            .or(run.incomplete);
        RepoOutcome {
            files: state.files,
            partial: state.partial,
            incomplete,
        }
    }

    /// Runs a module extension's implementation with `module_ctx.modules` = `modules`; the
    /// repository rules it calls are returned as emitted calls, in order.
    pub fn run_module_extension(
        &self,
        implementation: Val,
        modules: Vec<Val>,
        site: Loc,
    ) -> super::run::MacroOutcome {
        let (value, _, run, limit) = self.run_with_ctx(
            "module_ctx",
            RepoRun {
                modules,
                ..RepoRun::default()
            },
            implementation,
            site,
        );
        super::run::MacroOutcome::of(run, limit, value)
    }

    /// Calls `implementation(ctx)` in a run charged to `site`'s file, with `state` as the
    /// repository rule or extension under way and `ctx` the builtin object it is given;
    /// returns the call's value, the final state, the run and the bound it hit.
    fn run_with_ctx(
        &self,
        ctx: &str,
        state: RepoRun,
        implementation: Val,
        site: Loc,
    ) -> (Val, RepoRun, super::run::Run, Option<super::run::LimitHit>) {
        let previous_run = self.start_run(site.file);
        let previous = self.repo_run.replace(Some(state));
        let args = Args {
            pos: vec![Val {
                v: V::Builtin(ctx.into()),
                loc: site,
            }],
            kw: Vec::new(),
            complete: true,
        };
        let value = self.call_value(implementation, args, site.file, site);
        let state = self.repo_run.replace(previous).unwrap_or_default();
        let (run, limit) = self.finish_run(previous_run);
        (value, state, run, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_apply_in_order_and_keep_lines() {
        let (text, lines) = substitute(
            "a\n%{x}\nb %{y}\n",
            &[
                ("%{x}".into(), "1\n2".into()),
                ("%{y}".into(), "%{x}".into()),
            ],
            1 << 20,
        )
        .unwrap();
        assert_eq!(text, "a\n1\n2\nb %{x}\n");
        assert_eq!(lines, vec![0, 1, 1, 2, 3]);
    }

    #[test]
    fn substitution_past_the_bound_is_refused() {
        let subs = vec![("x".to_string(), "y".repeat(1000))];
        assert!(substitute(&"x".repeat(100), &subs, 10_000).is_none());
    }

    #[test]
    fn paths_stay_inside_the_repository() {
        assert_eq!(repo_relative("./a//BUILD").as_deref(), Some("a/BUILD"));
        assert_eq!(repo_relative("../x"), None);
        assert_eq!(repo_relative("/etc/passwd"), None);
        assert_eq!(repo_relative(""), None);
    }
}
