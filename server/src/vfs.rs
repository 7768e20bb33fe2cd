//! The disk loader: the only place toolcheck reads files. It finds the workspace root, walks
//! the main repository and every repository it can locate (`local_path_override`,
//! `local_repository`, `new_local_repository`, `--repo`, an output base's `external/`, pinned
//! archives in Bazel's repository cache), reads
//! `.bazelrc` files with their imports, and fills a [`Workspace`] for the analysis. It also
//! describes the machine toolcheck runs on ([`this_machine`]), which the analysis takes as an
//! input instead of looking at its own.
//!
//! Guarantees: it never runs Bazel or workspace code, never writes (but for extracting
//! verified archives of Bazel's repository cache into toolcheck's own cache, see
//! `repo_cache` and `fetch::bazel_cache`), skips `bazel-*`
//! convenience symlinks and `.bazelignore`d paths, does not follow symlinks or rc imports out
//! of the repository being read (for the main repository: its enclosing source tree, see
//! [`enclosing_repository`]), bounds file sizes, and turns every I/O problem into a
//! [`LoadProblem`] instead of failing.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toolcheck_ide::expr::{Call, ExprKind};
use toolcheck_ide::{
    lower, FileId, FileKind, HostMachine, LoadProblem, RepoInfo, RepoName, RepoOrigin, Settings,
    TextRange, Workspace,
};

/// Files larger than this are not parsed (they are reported instead).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Directory levels walked below a repository's root.
const MAX_DIR_DEPTH: usize = 200;

const ROOT_MARKERS: [&str; 4] = ["MODULE.bazel", "REPO.bazel", "WORKSPACE.bazel", "WORKSPACE"];

/// What marks the root of a version-control checkout: the enclosing repository never
/// reaches above it.
const CHECKOUT_MARKERS: [&str; 3] = [".git", ".hg", ".jj"];

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--repo NAME=DIR`.
    pub repos: Vec<(String, PathBuf)>,
    /// `--output-base DIR`.
    pub output_base: Option<PathBuf>,
    /// `--bazelrc FILE`: rc files given explicitly (read after the workspace's `.bazelrc`, as
    /// Bazel reads its `--bazelrc` files), wherever they are.
    pub bazelrcs: Vec<PathBuf>,
    /// Glob patterns (relative to the root) of paths not to read.
    pub ignore: Vec<String>,
    pub max_file_size: u64,
    pub settings: Settings,
    /// The environment Bazel's directories are derived from (`None`: this process's); tests
    /// describe another machine with it.
    pub bazel_env: Option<crate::bazel_paths::Env>,
    /// Do not read the repositories `toolcheck fetch` made, nor make Bzlmod modules from
    /// Bazel's repository cache (fetch itself loads the workspace only for its MODULE.bazel,
    /// WORKSPACE and rc files).
    pub skip_fetched: bool,
}

/// The machine toolcheck runs on, for `Settings::host_machine`: Bazel run here would detect
/// its host platform from it. Read from the build target, which is the machine a toolcheck
/// binary runs on.
pub fn this_machine() -> HostMachine {
    HostMachine {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        little_endian: cfg!(target_endian = "little"),
    }
}

/// The nearest directory at or above `start` that holds a workspace root marker.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = fs::canonicalize(start).ok()?;
    let mut dir: &Path = if start.is_file() {
        start.parent()?
    } else {
        &start
    };
    loop {
        if ROOT_MARKERS.iter().any(|m| dir.join(m).is_file()) {
            return Some(dir.to_path_buf());
        }
        dir = dir.parent()?;
    }
}

/// The source tree the workspace at `root` (canonical) belongs to: the outermost directory at
/// or above it that is itself a Bazel workspace, without going above the root of a
/// version-control checkout. A nested test workspace (`tests/` with its own `MODULE.bazel`)
/// belongs to the repository around it; Bazel reads its `import %workspace%/../.bazelrc` and
/// its links to sibling directories, and so does toolcheck. The bound is what keeps a link in
/// a pull request from making toolcheck quote arbitrary files of the machine it runs on:
/// whatever lies inside is part of the same checkout (or of the workspaces around it), never
/// an unrelated file.
pub fn enclosing_repository(root: &Path) -> PathBuf {
    let mut enclosing = root.to_path_buf();
    let mut dir = root;
    loop {
        if CHECKOUT_MARKERS
            .iter()
            .any(|m| fs::symlink_metadata(dir.join(m)).is_ok())
        {
            break;
        }
        let Some(parent) = dir.parent() else { break };
        dir = parent;
        if ROOT_MARKERS.iter().any(|m| dir.join(m).is_file()) {
            enclosing = dir.to_path_buf();
        }
    }
    enclosing
}

struct Loader {
    ws: Workspace,
    opts: LoadOptions,
    /// Archives WORKSPACE pins by hash, with what to add to them (a `build_file_content`),
    /// read from Bazel's repository cache when no other copy is found.
    pinned: Vec<(crate::repo_cache::Pinned, Option<String>)>,
    root: PathBuf,
    /// [`enclosing_repository`] of `root`: what the main repository's links and rc imports
    /// may lead to.
    enclosing: PathBuf,
    ignore: globset::GlobSet,
}

/// Loads the workspace rooted at `root`.
pub fn load_workspace(root: &Path, opts: LoadOptions) -> anyhow::Result<Workspace> {
    let root = fs::canonicalize(root)
        .map_err(|e| anyhow::format_err!("cannot read workspace root {}: {e}", root.display()))?;
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in &opts.ignore {
        let glob = globset::Glob::new(pattern)
            .map_err(|e| anyhow::format_err!("invalid ignore pattern '{pattern}': {e}"))?;
        builder.add(glob);
    }
    let ignore = builder.build()?;
    let enclosing = enclosing_repository(&root);
    let mut loader = Loader {
        ws: Workspace {
            settings: opts.settings.clone(),
            ..Workspace::default()
        },
        opts,
        pinned: Vec::new(),
        root: root.clone(),
        enclosing,
        ignore,
    };
    loader
        .ws
        .repos
        .push(RepoInfo::main(root.display().to_string()));
    let bazelignore = read_bazelignore(&root);
    let enclosing = loader.enclosing.clone();
    loader.walk_repo(&RepoName::main(), &root, &enclosing, &bazelignore);
    let version_file = root.join(".bazelversion");
    loader.ws.bazel_version_file = read_small(&version_file, &enclosing)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if loader.ws.bazel_version_file.is_none() && loader.ws.settings.bazel_version.is_none() {
        if let Some(target) = leads_outside(&version_file, &enclosing) {
            loader.note(
                &version_file,
                format!(
                    "'.bazelversion' is a link to {}, outside the repository; not read, so the newest Bazel's semantics apply: pass --bazel-version to choose",
                    target.display()
                ),
            );
        }
    }
    loader.load_rc_files();
    loader.load_declared_repos();
    let explicit = loader.opts.repos.clone();
    for (name, dir) in explicit {
        loader.add_repo(&name, &dir, RepoOrigin::Explicit, None);
    }
    loader.load_output_base();
    loader.load_repository_cache();
    if !loader.opts.skip_fetched {
        loader.load_fetched();
        loader.load_modules_from_repository_cache();
    }
    // The file table lives as long as the analysis; growing it by pushes left up to half of
    // its block unused (8 MB at 100,000 packages).
    loader.ws.files_mut().shrink_to_fit();
    Ok(loader.ws)
}

fn read_bazelignore(root: &Path) -> Vec<String> {
    read_small(&root.join(".bazelignore"), root)
        .map(|s| {
            s.lines()
                .map(|l| l.trim().trim_end_matches('/').to_string())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect()
        })
        .unwrap_or_default()
}

fn rel_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What a directory walk found: Starlark files (path, repository-relative path, kind) and
/// problems (path, message, whether it is a note), both in walk order (depth first, entries
/// by name).
#[derive(Default)]
struct Walked {
    found: Vec<(PathBuf, String, FileKind)>,
    problems: Vec<(PathBuf, String, bool)>,
}

impl Walked {
    fn append(&mut self, mut other: Walked) {
        self.found.append(&mut other.found);
        self.problems.append(&mut other.problems);
    }
}

/// One repository's directory walk. Each directory is listed once and its entries' types come
/// from the listing, so only symlinks cost a `stat`; a nested workspace is recognised by its
/// marker files in that listing. Subdirectories are walked in parallel and their results
/// joined in name order, so the order does not depend on scheduling.
struct Walk<'a> {
    /// Where links may lead: the repository's canonical root, or for the main repository its
    /// [`enclosing_repository`].
    boundary: &'a Path,
    bazelignore: &'a [String],
    /// The user's `--ignore` globs (main repository only).
    ignore: Option<&'a globset::GlobSet>,
}

impl Walk<'_> {
    /// Walks directory `path` (`rel` inside the repository, `canon` its canonical path,
    /// `ancestors` the canonical paths above it).
    fn dir(&self, path: &Path, rel: &str, canon: &Path, ancestors: &[&Path], out: &mut Walked) {
        // The walk recurses (on rayon's threads, whose stacks are small): bound the depth.
        if ancestors.len() >= MAX_DIR_DEPTH {
            out.problems.push((
                path.to_path_buf(),
                format!("directories nested deeper than {MAX_DIR_DEPTH} levels; not read"),
                false,
            ));
            return;
        }
        let entries = match fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => {
                out.problems
                    .push((path.to_path_buf(), format!("cannot read: {e}"), false));
                return;
            }
        };
        let mut listed: Vec<(std::ffi::OsString, fs::FileType)> = Vec::new();
        for entry in entries {
            match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
                Ok(pair) => listed.push(pair),
                Err(e) => {
                    out.problems
                        .push((path.to_path_buf(), format!("cannot read: {e}"), false))
                }
            }
        }
        // A nested workspace is a separate root, not part of this repository.
        if !rel.is_empty()
            && listed.iter().any(|(name, ty)| {
                ROOT_MARKERS.iter().any(|m| name == *m)
                    && (ty.is_file() || ty.is_symlink() && path.join(name).is_file())
            })
        {
            return;
        }
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut chain: Vec<&Path> = ancestors.to_vec();
        chain.push(canon);
        // Entries in order; a subdirectory is walked where it sits in that order.
        enum Item {
            Done(Walked),
            Dir(PathBuf, String, PathBuf),
        }
        let mut items: Vec<Item> = Vec::with_capacity(listed.len());
        for (name, ty) in listed {
            let name_str = name.to_string_lossy();
            let full = path.join(&name);
            let child_rel = if rel.is_empty() {
                name_str.to_string()
            } else {
                format!("{rel}/{name_str}")
            };
            let mut done = Walked::default();
            let (ty, child_canon) = if ty.is_symlink() {
                // Skipped paths (`bazel-*` convenience links, `.bazelignore`) are skipped
                // before the link is looked at: they point into the output base.
                if !self.enter(&name_str, &child_rel, rel.is_empty()) {
                    continue;
                }
                // Only links toolcheck would follow are worth a finding: directories, and
                // files it reads. A link to a README or a lock file elsewhere is no problem.
                let wanted =
                    FileKind::from_file_name(&name_str).is_some_and(|k| k != FileKind::Bazelrc);
                let target = match fs::canonicalize(&full) {
                    Ok(t) => t,
                    Err(_) if !wanted => continue,
                    Err(e) => {
                        done.problems
                            .push((full, format!("cannot resolve symlink: {e}"), false));
                        items.push(Item::Done(done));
                        continue;
                    }
                };
                // A link that stays inside the repository is followed wherever it leads
                // there, as Bazel follows it (a nested workspace's link to a sibling
                // directory of the repository around it).
                if !target.starts_with(self.boundary) {
                    // Whether the target is a directory (its metadata only; nothing outside
                    // is read).
                    if !wanted && !fs::metadata(&full).is_ok_and(|m| m.is_dir()) {
                        continue;
                    }
                    done.problems.push((
                        full,
                        format!(
                            "symlink to {}, outside the repository; not read",
                            target.display()
                        ),
                        true,
                    ));
                    items.push(Item::Done(done));
                    continue;
                }
                match fs::metadata(&full) {
                    Ok(m) => (m.file_type(), target),
                    Err(e) => {
                        done.problems
                            .push((full, format!("cannot read: {e}"), false));
                        items.push(Item::Done(done));
                        continue;
                    }
                }
            } else {
                (ty, canon.join(&name))
            };
            if ty.is_dir() {
                if !self.enter(&name_str, &child_rel, rel.is_empty()) {
                    continue;
                }
                if chain.iter().any(|a| *a == child_canon) {
                    done.problems
                        .push((full, "symlink loop; not followed".to_string(), false));
                    items.push(Item::Done(done));
                    continue;
                }
                items.push(Item::Dir(full, child_rel, child_canon));
                continue;
            }
            if !ty.is_file() || self.ignore.is_some_and(|g| g.is_match(&child_rel)) {
                continue;
            }
            // Templates and BUILD files for external repositories are read as text, for the
            // repository rules that make files from them.
            let Some(kind) = FileKind::from_file_name(&name_str)
                .or_else(|| FileKind::is_data_file_name(&name_str).then_some(FileKind::Data))
            else {
                continue;
            };
            if kind == FileKind::Bazelrc {
                continue;
            }
            done.found.push((full, child_rel, kind));
            items.push(Item::Done(done));
        }
        let dirs = items.iter().filter(|i| matches!(i, Item::Dir(..))).count();
        let walk_one = |item: Item| match item {
            Item::Done(w) => w,
            Item::Dir(full, child_rel, child_canon) => {
                let mut w = Walked::default();
                self.dir(&full, &child_rel, &child_canon, &chain, &mut w);
                w
            }
        };
        let results: Vec<Walked> = if dirs > 1 {
            items.into_par_iter().map(walk_one).collect()
        } else {
            items.into_iter().map(walk_one).collect()
        };
        for w in results {
            out.append(w);
        }
    }

    /// Whether to walk into a directory (`top`: directly under the repository root).
    fn enter(&self, name: &str, rel: &str, top: bool) -> bool {
        if name == ".git" || top && name.starts_with("bazel-") {
            return false;
        }
        if self.bazelignore.iter().any(|i| {
            rel == *i
                || rel
                    .strip_prefix(i.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        }) {
            return false;
        }
        !self.ignore.is_some_and(|g| g.is_match(rel))
    }
}

impl Loader {
    fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(p) => rel_path(p, Path::new("")),
            Err(_) => path.display().to_string(),
        }
    }

    /// A problem with `path` (at the check's severity), shown in `file` when it is given.
    fn problem(&mut self, path: &Path, file: Option<FileId>, message: String) {
        self.report(
            path,
            file.map(|f| (f, TextRange::default())),
            message,
            false,
        );
    }

    /// A note about `path`: something toolcheck chose not to read.
    fn note(&mut self, path: &Path, message: String) {
        self.report(path, None, message, true);
    }

    fn report(
        &mut self,
        path: &Path,
        at: Option<(FileId, TextRange)>,
        message: String,
        note: bool,
    ) {
        let path = self.display(path);
        self.ws.problems.push(LoadProblem {
            path,
            file: at.map(|(f, _)| f),
            range: at.map(|(_, r)| r).unwrap_or_default(),
            message,
            note,
        });
    }

    /// Walks one repository directory and adds its Starlark files; links may lead anywhere
    /// inside `boundary`.
    fn walk_repo(&mut self, repo: &RepoName, dir: &Path, boundary: &Path, bazelignore: &[String]) {
        let canonical_dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let walk = Walk {
            boundary,
            bazelignore,
            ignore: repo.is_main().then_some(&self.ignore),
        };
        let mut out = Walked::default();
        walk.dir(dir, "", &canonical_dir, &[], &mut out);
        let Walked { found, problems } = out;
        for (path, msg, note) in problems {
            if note {
                self.note(&path, msg);
            } else {
                self.problem(&path, None, msg);
            }
        }
        let max = if self.opts.max_file_size == 0 {
            DEFAULT_MAX_FILE_SIZE
        } else {
            self.opts.max_file_size
        };
        let read: Vec<_> = found
            .par_iter()
            .map(|(path, _, _)| read_source(path, max))
            .collect();
        for ((path, rel, kind), result) in found.into_iter().zip(read) {
            match result {
                Ok((text, problem)) => {
                    let id = self.ws.add_file(*repo, rel, kind, text.into());
                    // A data file is only ever read as text by a repository rule; what is
                    // off with it (binary, too large) is no finding of its own.
                    if let Some(msg) = problem.filter(|_| kind != FileKind::Data) {
                        self.problem(&path, Some(id), msg);
                    }
                }
                Err(e) => self.problem(&path, None, format!("cannot read: {e}")),
            }
        }
    }

    fn add_repo(&mut self, name: &str, dir: &Path, origin: RepoOrigin, module: Option<String>) {
        let repo = RepoName::new(name);
        if self.ws.repo(&repo).is_some() {
            return;
        }
        let canonical = match fs::canonicalize(dir) {
            Ok(c) => c,
            Err(e) => {
                let what = if e.kind() == std::io::ErrorKind::NotFound {
                    "a directory that does not exist".to_string()
                } else {
                    format!("a directory that cannot be read ({e})")
                };
                self.problem(dir, None, format!("repository '@{name}' points at {what}"));
                return;
            }
        };
        // `local_repository(name = "x", path = ".")` names the main repository itself: an
        // alias, not a second copy of every file.
        if canonical == self.root {
            self.ws.main_aliases.push(name.to_string());
            return;
        }
        let module_name = module.or_else(|| module_name_of(&canonical));
        let display_prefix = canonical
            .strip_prefix(&self.root)
            .map(|p| rel_path(p, Path::new("")))
            .unwrap_or_default();
        self.ws.repos.push(RepoInfo {
            name: repo,
            root_display: canonical.display().to_string(),
            display_prefix,
            origin,
            module_name,
        });
        let ignore = read_bazelignore(&canonical);
        self.walk_repo(&repo, &canonical, &canonical, &ignore);
    }

    /// Repositories declared in the root MODULE.bazel and WORKSPACE with a local path.
    fn load_declared_repos(&mut self) {
        let mut declared: Vec<DeclaredRepo> = Vec::new();
        for marker in [
            "MODULE.bazel",
            "WORKSPACE.bzlmod",
            "WORKSPACE.bazel",
            "WORKSPACE",
        ] {
            let Some(id) = self.ws.file_ids().find(|&id| {
                let f = self.ws.file(id);
                f.repo.is_main() && f.path == marker
            }) else {
                continue;
            };
            let kind = self.ws.file(id).kind;
            let facts = lower(kind, &self.ws.file(id).text());
            for c in &facts.calls {
                let s = |k: &str| kwarg_str(&c.call, k);
                match c.call.func.dotted_name().as_deref() {
                    Some("local_path_override") => {
                        if let (Some(m), Some(p)) = (s("module_name"), s("path")) {
                            declared.push((
                                m.clone(),
                                self.root.join(p),
                                RepoOrigin::LocalPathOverride,
                                Some(m),
                                None,
                            ));
                        }
                    }
                    Some("local_repository") => {
                        if let (Some(n), Some(p)) = (s("name"), s("path")) {
                            declared.push((
                                n,
                                self.root.join(p),
                                RepoOrigin::LocalRepository,
                                None,
                                None,
                            ));
                        }
                    }
                    Some("http_archive") if kind != FileKind::Module => {
                        if let Some(p) = self.pinned_archive(&c.call) {
                            self.pinned.push(p);
                        }
                    }
                    Some("new_local_repository") => {
                        if let (Some(n), Some(p)) = (s("name"), s("path")) {
                            let build = s("build_file_content").or_else(|| {
                                s("build_file").and_then(|l| {
                                    let rel = l
                                        .trim_start_matches('@')
                                        .trim_start_matches("//")
                                        .replace(':', "/");
                                    read_small(&self.root.join(rel), &self.enclosing)
                                })
                            });
                            declared.push((
                                n,
                                self.root.join(p),
                                RepoOrigin::LocalRepository,
                                None,
                                build,
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
        for (name, dir, origin, module, build) in declared {
            let had = self.ws.repo(&RepoName::new(&name)).is_some();
            self.add_repo(&name, &dir, origin, module);
            if let (false, Some(build)) = (had, build) {
                let repo = RepoName::new(&name);
                if !self
                    .ws
                    .files
                    .iter()
                    .any(|f| f.repo == repo && f.path == "BUILD.bazel")
                {
                    self.ws.add_file(
                        repo,
                        "BUILD.bazel".to_string(),
                        FileKind::Build,
                        build.into(),
                    );
                }
            }
        }
    }

    /// A WORKSPACE `http_archive` whose archive toolcheck can take from Bazel's repository
    /// cache: a name, a SHA-256 (`sha256` or `integrity`) and a URL, and nothing that changes
    /// the archive's files after extraction (patches, `workspace_file`, `add_prefix`);
    /// `build_file_content` or a main-repository `build_file` is the BUILD file it adds.
    fn pinned_archive(&self, call: &Call) -> Option<(crate::repo_cache::Pinned, Option<String>)> {
        let s = |k: &str| kwarg_str(call, k);
        let changes = [
            "patches",
            "remote_patches",
            "patch_cmds",
            "patch_cmds_win",
            "workspace_file",
            "workspace_file_content",
            "add_prefix",
        ];
        if changes.iter().any(|k| call.kwarg(k).is_some()) {
            return None;
        }
        let sha256 =
            crate::repo_cache::pinned_sha256(s("sha256").as_deref(), s("integrity").as_deref())?;
        let url = s("url").or_else(|| {
            let urls = call.kwarg("urls")?;
            match &urls.value.kind {
                ExprKind::List(items) => items.iter().find_map(|e| match &e.kind {
                    ExprKind::Str(u) => Some(u.to_string()),
                    _ => None,
                }),
                _ => None,
            }
        })?;
        let file_name = url
            .split(['?', '#'])
            .next()?
            .rsplit('/')
            .next()?
            .to_string();
        let build = match (s("build_file_content"), s("build_file")) {
            (Some(content), _) => Some(content),
            (None, Some(l)) => {
                let rel = l
                    .trim_start_matches('@')
                    .trim_start_matches("//")
                    .replace(':', "/");
                Some(read_small(&self.root.join(rel), &self.enclosing)?)
            }
            (None, None) if call.kwarg("build_file").is_some() => return None,
            (None, None) => None,
        };
        Some((
            crate::repo_cache::Pinned {
                name: s("name")?,
                sha256,
                strip_prefix: s("strip_prefix").unwrap_or_default(),
                file_name,
            },
            build,
        ))
    }

    /// The archives WORKSPACE pins that no output base, `--repo` or local path provided,
    /// from Bazel's repository cache (`repo_cache`): verified, extracted once into
    /// toolcheck's own cache, and read from there. An archive the cache does not hold stays
    /// unread (as before); one that is there but unusable is a note.
    fn load_repository_cache(&mut self) {
        let pinned: Vec<_> = std::mem::take(&mut self.pinned)
            .into_iter()
            .filter(|(p, _)| self.ws.repo(&RepoName::new(&p.name)).is_none())
            .collect();
        if pinned.is_empty() {
            return;
        }
        let (env, rc) = self.bazel_dirs();
        let Some(cache) = crate::bazel_paths::repository_cache(&env, &rc) else {
            return;
        };
        // toolcheck's cache (`--cache-dir`; `--no-cache` writes nothing, so reads none).
        let Some(dest) = crate::cache::configured_dir().map(|d| d.join("repos")) else {
            return;
        };
        for (p, build) in pinned {
            match crate::repo_cache::materialize(&cache, &p, &dest) {
                Ok(dir) => {
                    self.add_repo(&p.name, &dir, RepoOrigin::RepositoryCache, None);
                    let repo = RepoName::new(&p.name);
                    let has_build =
                        self.ws.files.iter().any(|f| {
                            f.repo == repo && (f.path == "BUILD.bazel" || f.path == "BUILD")
                        });
                    if let (Some(build), false) = (build, has_build) {
                        self.ws.add_file(
                            repo,
                            "BUILD.bazel".to_string(),
                            FileKind::Build,
                            build.into(),
                        );
                    }
                }
                Err(crate::repo_cache::Failure::NotCached) => {}
                Err(crate::repo_cache::Failure::Bad(why)) => {
                    self.note(&cache, format!("repository '@{}' not read: {why}", p.name))
                }
            }
        }
    }

    /// The output base Bazel used for this workspace, when there is one: the one given, else
    /// the one the `bazel-<name>` / `bazel-out` convenience links lead to, else where Bazel
    /// puts it by its own rules (`bazel_paths`: `startup --output_base`, or
    /// `<output user root>/<md5 of the workspace path>`), the first that holds `external/`.
    /// One function, so that other sources of repositories (toolcheck's own fetch cache)
    /// can be added beside it.
    fn discover_output_base(&self) -> Option<PathBuf> {
        if let Some(b) = &self.opts.output_base {
            return Some(b.clone());
        }
        let from_links = || {
            let ws_name = self.root.file_name()?.to_string_lossy().into_owned();
            let exec_root = fs::read_link(self.root.join(format!("bazel-{ws_name}")))
                .ok()
                .or_else(|| {
                    fs::read_link(self.root.join("bazel-out"))
                        .ok()
                        .and_then(|p| p.parent().map(Path::to_path_buf))
                })?;
            // <output_base>/execroot/<ws>
            exec_root.parent()?.parent().map(Path::to_path_buf)
        };
        if let Some(b) = from_links().filter(|b| b.join("external").is_dir()) {
            return Some(b);
        }
        let (env, rc) = self.bazel_dirs();
        crate::bazel_paths::output_base_candidates(&self.root, &env, &rc)
            .into_iter()
            .find(|b| b.join("external").is_dir())
    }

    /// The environment Bazel's client would see and the directories the rc files move:
    /// the system rc, the workspace's rc files, then the user's `~/.bazelrc`, in the order
    /// Bazel reads them (`bazel_paths::user_rc_files`; only their startup and
    /// `--repository_cache` lines count here).
    fn bazel_dirs(&self) -> (crate::bazel_paths::Env, crate::bazel_paths::RcDirs) {
        let env = self
            .opts
            .bazel_env
            .clone()
            .unwrap_or_else(crate::bazel_paths::Env::current);
        let (system, home) = crate::bazel_paths::user_rc_files(&env);
        let read = |p: Option<std::path::PathBuf>| p.and_then(|p| read_text_file(&p));
        let (system, home) = (read(system), read(home));
        let rc_texts = self.rc_texts();
        let mut texts: Vec<&str> = Vec::new();
        texts.extend(system.as_deref());
        texts.extend(rc_texts.iter().map(|t| &**t));
        texts.extend(home.as_deref());
        let rc = crate::bazel_paths::rc_dirs(texts, &self.root);
        (env, rc)
    }

    /// The texts of the rc files read, in reading order.
    fn rc_texts(&self) -> Vec<toolcheck_ide::Text> {
        self.ws
            .file_ids()
            .map(|id| self.ws.file(id))
            .filter(|f| f.kind == FileKind::Bazelrc)
            .map(|f| f.text())
            .collect()
    }

    /// Reads `external/` of the output base ([`Loader::discover_output_base`]).
    fn load_output_base(&mut self) {
        let Some(base) = self.discover_output_base() else {
            return;
        };
        let external = base.join("external");
        if external.is_dir() {
            self.ws.output_base = Some(base.display().to_string());
        }
        let Ok(entries) = fs::read_dir(&external) else {
            if self.opts.output_base.is_some() {
                self.problem(
                    &external,
                    None,
                    "output base has no readable external/ directory".to_string(),
                );
            }
            return;
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.is_empty() || name.starts_with('@') || name.starts_with('.') {
                continue;
            }
            self.add_repo(&name, &dir, RepoOrigin::OutputBase, None);
        }
    }

    /// The repositories `toolcheck fetch` made for this workspace, after every other source: a
    /// module an output base or a `--repo` already provides is not read twice.
    fn load_fetched(&mut self) {
        for r in crate::fetch::cached_repositories(&self.root) {
            let module = r.module.clone();
            let known = self.ws.repos.iter().any(|have| {
                have.name.as_str() == r.name || (module.is_some() && have.module_name == module)
            });
            if !known {
                self.add_repo(&r.name, &r.dir, RepoOrigin::Explicit, module);
            }
        }
    }

    /// The Bzlmod modules no other source provided, from Bazel's repository cache by the
    /// hashes MODULE.bazel.lock pins (`fetch::bazel_cache`), made where `toolcheck fetch`
    /// would make them; those that stay unread get a reason for the coverage report.
    fn load_modules_from_repository_cache(&mut self) {
        let Some(text) = self
            .ws
            .file_ids()
            .map(|id| self.ws.file(id))
            .find(|f| f.repo.is_main() && f.path == "MODULE.bazel")
            .map(|f| f.text().to_string())
        else {
            return;
        };
        let (env, rc) = self.bazel_dirs();
        if !crate::fetch::bzlmod_enabled(&self.ws) {
            return;
        }
        // `--no-cache` writes nothing, so reads none; otherwise the modules go where
        // `toolcheck fetch` puts them (its cache, whatever `--cache-dir` says), so that
        // either reuses what the other made.
        if crate::cache::configured_dir().is_none() {
            return;
        }
        let Some(cache) = crate::fetch::toolcheck_cache_dir() else {
            return;
        };
        let repo_cache = crate::bazel_paths::repository_cache(&env, &rc);
        let repos = &self.ws.repos;
        let found = crate::fetch::bazel_cache::modules(
            &self.root,
            &text,
            repo_cache.as_deref(),
            &cache,
            |module| {
                repos.iter().any(|have| {
                    have.name.as_str() == module || have.module_name.as_deref() == Some(module)
                })
            },
        );
        for r in found.repos {
            self.add_repo(&r.name, &r.dir, RepoOrigin::RepositoryCache, r.module);
        }
        self.ws.unread_why.extend(found.unread);
    }

    /// `.bazelrc` at the workspace root and everything it imports, depth first; then the
    /// `--bazelrc` files.
    fn load_rc_files(&mut self) {
        let mut seen = HashSet::new();
        let root_rc = self.root.join(".bazelrc");
        let given: Vec<PathBuf> = self
            .opts
            .bazelrcs
            .iter()
            .filter_map(|p| fs::canonicalize(p).ok())
            .collect();
        match leads_outside(&root_rc, &self.enclosing) {
            // Read below, as one of the `--bazelrc` files.
            Some(target) if given.contains(&target) => {}
            Some(target) => self.note(
                &root_rc,
                format!(
                    "'.bazelrc' is a link to {}, outside the repository; not read: pass --bazelrc {} to read it",
                    target.display(),
                    target.display()
                ),
            ),
            None if root_rc.is_file() => self.load_rc(&root_rc, None, &mut seen, 0, false),
            None => {}
        }
        for rc in self.opts.bazelrcs.clone() {
            self.load_rc(&rc, None, &mut seen, 0, true);
        }
    }

    /// Reads the rc file at `path` and its imports. `from`: the `import` line that names it,
    /// where anything wrong with it is reported (Bazel names that line too). `explicit`: a
    /// `--bazelrc` file, read wherever it is (its imports are not).
    fn load_rc(
        &mut self,
        path: &Path,
        from: Option<(FileId, TextRange)>,
        seen: &mut HashSet<PathBuf>,
        depth: u32,
        explicit: bool,
    ) {
        let Ok(canonical) = fs::canonicalize(path) else {
            return;
        };
        let first_time = seen.insert(canonical.clone());
        if explicit && !first_time {
            // A `--bazelrc` naming a file already read (the workspace's own, say).
            return;
        }
        if depth > 16 || !first_time {
            self.report(
                path,
                from,
                ".bazelrc import cycle; not read again".to_string(),
                false,
            );
            return;
        }
        // Inside the repository (a nested workspace's `%workspace%/../.bazelrc`), an import is
        // read as Bazel reads it; beyond, it is only named.
        let inside = canonical.starts_with(&self.enclosing);
        if !inside && !explicit {
            self.report(
                path,
                from,
                format!(
                    "imported .bazelrc {} lies outside the repository; not read: pass --bazelrc {} to read it",
                    canonical.display(),
                    canonical.display()
                ),
                true,
            );
            return;
        }
        let text = match read_source(&canonical, DEFAULT_MAX_FILE_SIZE) {
            Ok((t, _)) => t,
            Err(e) => {
                self.report(path, from, format!("cannot read: {e}"), false);
                return;
            }
        };
        // A file of the workspace by its path there; any other (the repository around a
        // nested workspace, a `--bazelrc`) by its absolute path, as files outside are shown.
        let rel = match canonical.strip_prefix(&self.root) {
            Ok(_) => rel_path(&canonical, &self.root),
            Err(_) => canonical.display().to_string(),
        };
        let rc = toolcheck_ide::bazelrc::parse_rc(&text);
        let id = self.ws.add_file(
            RepoName::main(),
            rel.clone(),
            FileKind::Bazelrc,
            text.into(),
        );
        self.ws.rc_files.push((rel, id));
        for import in rc.imports {
            let p = import
                .path
                .replace("%workspace%", &self.root.to_string_lossy());
            let p = if Path::new(&p).is_absolute() {
                PathBuf::from(p)
            } else {
                self.root.join(p)
            };
            let at = Some((id, import.range));
            if !p.is_file() {
                if !import.optional {
                    self.report(
                        &p,
                        at,
                        format!("imported file '{}' does not exist", import.path),
                        false,
                    );
                }
                continue;
            }
            self.load_rc(&p, at, seen, depth + 1, false);
        }
    }
}

/// A repository declared with a local path: name, directory, origin, module name, and
/// `build_file_content` / `build_file` text for `new_local_repository`.
type DeclaredRepo = (String, PathBuf, RepoOrigin, Option<String>, Option<String>);

fn kwarg_str(call: &Call, name: &str) -> Option<String> {
    call.kwarg(name).and_then(|k| match &k.value.kind {
        ExprKind::Str(s) => Some(s.to_string()),
        _ => None,
    })
}

fn module_name_of(dir: &Path) -> Option<String> {
    let text = read_small(&dir.join("MODULE.bazel"), dir)?;
    let facts = lower(FileKind::Module, &text);
    facts.calls.iter().find_map(|c| {
        (c.call.func.dotted_name().as_deref() == Some("module"))
            .then(|| kwarg_str(&c.call, "name"))
            .flatten()
    })
}

/// Reads a file the editor names (a document it closed, a watched-file event): a regular file
/// within the source size limit, BOM stripped, lossy UTF-8 (empty when binary or too large);
/// `None` when it cannot be read. Never blocks on a FIFO, never reads without bound.
pub(crate) fn read_text_file(path: &Path) -> Option<String> {
    read_source(path, DEFAULT_MAX_FILE_SIZE)
        .ok()
        .map(|(text, _)| text)
}

/// The most bytes read from a small configuration file (`.bazelversion`, `.bazelignore`, a
/// repository's `MODULE.bazel` read for its name, a `build_file`).
const MAX_SMALL_FILE: u64 = 1 << 20;

/// Reads a small file that must lie inside `base` once symlinks and `..` are resolved and be a
/// regular file (not a FIFO or device, which could block or never end); at most
/// [`MAX_SMALL_FILE`] bytes, lossy UTF-8. `None` when any of that fails.
/// Where `path` leads when it is a symlink that resolves outside `base`.
fn leads_outside(path: &Path, base: &Path) -> Option<PathBuf> {
    if !fs::symlink_metadata(path).ok()?.file_type().is_symlink() {
        return None;
    }
    let target = fs::canonicalize(path).ok()?;
    let base = fs::canonicalize(base).ok()?;
    (!target.starts_with(&base)).then_some(target)
}

fn read_small(path: &Path, base: &Path) -> Option<String> {
    let canonical = fs::canonicalize(path).ok()?;
    let base = fs::canonicalize(base).ok()?;
    if !canonical.starts_with(&base) {
        return None;
    }
    let bytes = read_bounded(&canonical, MAX_SMALL_FILE).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads at most `max` bytes of a regular file (the length is checked while reading, so a
/// file that grows after it was measured cannot make the read unbounded).
fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    // Opening a FIFO would block until a writer comes: look before opening.
    if !fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let file = fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens `path` for reading such that a FIFO in its place cannot block the loader; the caller
/// then looks at what was opened.
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Opening a FIFO would block until a writer comes: open without blocking (no effect on
    // a regular file's reads).
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Opens `path` for reading. Windows keeps named pipes in their own namespace (`\\.\pipe\`),
/// outside any directory the loader walks, so a plain open cannot block on one.
#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<fs::File> {
    fs::File::open(path)
}

/// Reads a source file: bounded size, binary detection, lossy UTF-8 with a BOM stripped.
/// Returns the text and, if something was off, a problem message.
fn read_source(path: &Path, max: u64) -> std::io::Result<(String, Option<String>)> {
    use std::io::Read;
    let file = open_without_blocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > max {
        return Ok((
            String::new(),
            Some(format!(
                "file is {} MB, over the {} MB limit; not analysed",
                meta.len() / (1 << 20),
                max / (1 << 20)
            )),
        ));
    }
    // The length is checked while reading: a file that grows after it was measured cannot
    // make the read unbounded.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok((
            String::new(),
            Some(format!(
                "file grew over the {} MB limit while it was read; not analysed",
                max / (1 << 20)
            )),
        ));
    }
    if let Some(text) = utf16_text(&bytes) {
        return Ok((
            text,
            Some("file is UTF-16 encoded; Bazel reads files as UTF-8".to_string()),
        ));
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Ok((
            String::new(),
            Some("file is binary (contains NUL bytes); not analysed".to_string()),
        ));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, None)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Ok((
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(format!("file is not valid UTF-8 (first bad byte at offset {at}); invalid bytes were replaced")),
            ))
        }
    }
}

/// Decodes UTF-16 text that starts with a byte order mark.
fn utf16_text(bytes: &[u8]) -> Option<String> {
    let (le, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    Some(String::from_utf16_lossy(&units))
}
