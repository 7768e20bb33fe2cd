//! `toolcheck fetch`: downloads what the analysis of a never-built workspace needs into
//! toolcheck's own cache, verified, and records it per workspace so that `check`, `resolve`,
//! `graph` and the language server read those repositories without being told
//! ([`cached_repositories`], called by the loader).
//!
//! What is fetched: the Bzlmod modules the root MODULE.bazel reaches, selected with minimal
//! version selection ([`mvs`]) over the registries (`--registry`, `.bazelrc` `--registry`
//! lines, else the central registry; [`registry`]), with their registry patches and the root's
//! `single_version_override`/`archive_override`; and WORKSPACE's `http_archive`s that pin a
//! `sha256` or `integrity`. Archives are verified before extraction ([`download`]), extracted
//! safely ([`archive`]) into a temporary directory, patched ([`patch`]) and renamed into place,
//! so a repository directory in the cache is always whole.
//!
//! Layout of the cache: `downloads/<digest>` (verified archives; `.partial` while downloading),
//! `repos/<name>-<key>/` (extracted repositories, keyed by everything that shapes them),
//! `registry/` (registry files read over the network, for `--offline`) and
//! `workspaces/<hash of the root>.json` (what one workspace's last fetch produced).
//!
//! This module reads the workspace's MODULE.bazel, WORKSPACE and rc files through the loader
//! and writes only inside the cache; it never runs anything (patches are applied by
//! [`patch`], not by `patch(1)`).

pub(crate) mod archive;
pub(crate) mod bazel_cache;
mod download;
mod git_archive;
pub(crate) mod integrity;
mod lockfile;
mod modfile;
mod mvs;
mod patch;
mod registry;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use crate::bazel_paths::toolcheck_cache_dir;
use download::Client;
use integrity::{sha256_hex, Integrity};
use modfile::{ArchiveSpec, ModuleFile, Override};
use registry::{write_atomic, Reader, Registry};

/// The registry Bazel uses when none is given.
pub const DEFAULT_REGISTRY: &str = "https://bcr.bazel.build";

#[derive(clap::Args)]
pub struct FetchArgs {
    /// The workspace to fetch for (default: the current directory's).
    path: Option<PathBuf>,
    /// A Bazel registry, as Bazel's --registry (repeatable, in order; after the .bazelrc ones;
    /// default: the central registry). `file:///dir` for a registry on disk.
    #[arg(long = "registry", value_name = "URL")]
    registries: Vec<String>,
    /// Use only what is already in the cache; download nothing.
    #[arg(long)]
    offline: bool,
    /// Fetch yanked module versions (as Bazel's --allow_yanked_versions=all).
    #[arg(long)]
    allow_yanked: bool,
    /// Seconds to wait for a connection, an answer, or the next bytes of a download.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// Downloads at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    jobs: usize,
    /// An rc file to read after the workspace's .bazelrc (for its --registry lines).
    #[arg(long = "bazelrc", value_name = "FILE")]
    bazelrcs: Vec<PathBuf>,
}

/// A repository `toolcheck fetch` made for a workspace.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedRepo {
    /// The repository's name: the module name for a Bzlmod module, the `http_archive` name.
    pub name: String,
    /// The module it holds, when a Bzlmod module.
    pub module: Option<String>,
    pub version: Option<String>,
    pub dir: PathBuf,
}

#[derive(Serialize, Deserialize, Default)]
struct Manifest {
    root: String,
    repos: Vec<CachedRepo>,
}

fn manifest_path(cache: &Path, root: &Path) -> PathBuf {
    let key = sha256_hex(root.to_string_lossy().as_bytes());
    cache
        .join("workspaces")
        .join(format!("{}.json", &key[..32]))
}

/// The repositories the last `toolcheck fetch` of the workspace at `root` made, those still in
/// the cache. Empty when it was never fetched (or the cache has no location).
pub fn cached_repositories(root: &Path) -> Vec<CachedRepo> {
    let Some(cache) = toolcheck_cache_dir() else {
        return Vec::new();
    };
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let Ok(text) = fs::read_to_string(manifest_path(&cache, &root)) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
        return Vec::new();
    };
    if Path::new(&manifest.root) != root {
        return Vec::new();
    }
    manifest
        .repos
        .into_iter()
        .filter(|r| r.dir.is_dir())
        .collect()
}

/// Where one repository's files come from.
enum Source {
    Archive {
        urls: Vec<String>,
        integrity: Integrity,
        strip_prefix: String,
        archive_type: Option<String>,
        /// (name, text): verified already where the registry pins them.
        patches: Vec<(String, String)>,
        patch_strip: usize,
        /// Files written over the extracted tree (the registry's MODULE.bazel, a
        /// `build_file_content`).
        overlay: Vec<(String, String)>,
    },
    /// A forge's archive of a `git_override` commit, which no digest pins
    /// ([`git_archive`]): verified by its top directory, then pinned by the digest of its
    /// first download.
    Unpinned {
        url: String,
        /// The directory the archive must hold (`<repository>-<commit>`).
        top_dir: String,
        /// `git_override`'s `strip_prefix`, inside `top_dir`.
        strip_prefix: String,
        patches: Vec<(String, String)>,
        patch_strip: usize,
    },
    /// A directory on disk (a registry's `local_path` source).
    Local(PathBuf),
}

struct Job {
    repo: CachedRepo,
    /// For messages: `rules_cc@0.1.1` or `http_archive 'x'`.
    what: String,
    source: Source,
}

/// What planning found: the repositories to make, notes and errors for the user.
#[derive(Default)]
struct Plan {
    jobs: Vec<Job>,
    notes: Vec<String>,
    errors: Vec<String>,
}

pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let start = match &args.path {
        Some(p) => p.clone(),
        None => std::env::current_dir()?,
    };
    let root = crate::vfs::find_root(&start).with_context(|| {
        format!(
            "no Bazel workspace at or above {} (looked for MODULE.bazel, REPO.bazel, WORKSPACE.bazel, WORKSPACE)",
            start.display()
        )
    })?;
    let cache = toolcheck_cache_dir()
        .context("no cache directory: set TOOLCHECK_CACHE_DIR (or XDG_CACHE_HOME, or HOME)")?;
    for dir in ["downloads", "repos", "registry", "workspaces"] {
        fs::create_dir_all(cache.join(dir))
            .with_context(|| format!("cannot create {}", cache.join(dir).display()))?;
    }
    let ws = crate::vfs::load_workspace(
        &root,
        crate::vfs::LoadOptions {
            bazelrcs: args.bazelrcs.clone(),
            max_file_size: crate::vfs::DEFAULT_MAX_FILE_SIZE,
            skip_fetched: true,
            ..crate::vfs::LoadOptions::default()
        },
    )?;
    let main_file = |name: &str| {
        ws.file_ids()
            .map(|id| ws.file(id))
            .find(|f| f.repo.is_main() && f.path == name)
            .map(|f| f.text().to_string())
    };
    let rc = RcOptions::read(&ws);
    let client = Client::new(Duration::from_secs(args.timeout.max(1)), args.offline);
    let mut plan = Plan::default();
    let lock = if rc.bzlmod && root.join("MODULE.bazel.lock").is_file() {
        let parsed = fs::read_to_string(root.join("MODULE.bazel.lock"))
            .ok()
            .and_then(|t| lockfile::Lockfile::parse(&t));
        if parsed.is_none() {
            plan.notes.push(
                "MODULE.bazel.lock records no registryFileHashes (a format before Bazel 7.2): not used"
                    .to_string(),
            );
        }
        parsed
    } else {
        None
    };
    let reader = Reader::new(
        &client,
        &cache,
        lock.as_ref().map(|l| l.hashes.clone()).unwrap_or_default(),
    );
    if let Some(text) = main_file("MODULE.bazel").filter(|_| rc.bzlmod) {
        let mut registries: Vec<String> = rc.registries.clone();
        registries.extend(args.registries.iter().cloned());
        if registries.is_empty() {
            registries.push(DEFAULT_REGISTRY.to_string());
        }
        let allow_yanked = AllowYanked::new(args.allow_yanked, &rc.allow_yanked);
        let cx = Ctx {
            root: &root,
            cache: &cache,
            reader: &reader,
            allow_yanked: &allow_yanked,
        };
        plan_modules(
            &cx,
            &text,
            &registries,
            lock.as_ref(),
            rc.ignore_dev,
            &mut plan,
        );
    }
    // Only the WORKSPACE file Bazel reads: WORKSPACE.bzlmod in its place while Bzlmod is on,
    // none under Bazel 8 with Bzlmod (unless --enable_workspace) or Bazel 9. Otherwise a
    // module that keeps a WORKSPACE for its pre-Bzlmod users would download its archives
    // again, from URLs no module needs.
    let (_, flags) = toolcheck_ide::bazelrc::workspace_build_flags(&ws);
    let major = toolcheck_ide::bazel_version(&ws).major;
    let (_, workspace_file) =
        toolcheck_ide::active_modes(|name| main_file(name).is_some(), &flags, major);
    if let Some(text) = workspace_file.and_then(main_file) {
        plan_workspace(&root, &text, &mut plan);
    }
    let results = execute(&plan.jobs, &client, &cache, args.jobs.max(1));
    let mut made = Vec::new();
    let mut failed = Vec::new();
    let mut repos: Vec<CachedRepo> = Vec::new();
    for (job, result) in plan.jobs.iter().zip(results) {
        match result {
            Ok((dir, fresh)) => {
                made.push((job, fresh));
                repos.push(CachedRepo {
                    dir,
                    ..job.repo.clone()
                });
            }
            Err(e) => failed.push(format!("{}: {e:#}", job.what)),
        }
    }
    let manifest = Manifest {
        root: root.to_string_lossy().into_owned(),
        repos: repos.clone(),
    };
    write_atomic(
        &manifest_path(&cache, &root),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )
    .with_context(|| format!("cannot write the fetch record in {}", cache.display()))?;

    let mut out = anstream::stdout().lock();
    for (job, fresh) in &made {
        writeln!(
            out,
            "{} {}",
            if *fresh { "fetched" } else { "cached " },
            job.what
        )?;
    }
    // A git_override's archive is trusted, not verified against a pin: say so, every time.
    for (job, _) in &made {
        if let Source::Unpinned { url, top_dir, .. } = &job.source {
            let pin = fs::read_to_string(git_archive::pin_file(&cache, url)).unwrap_or_default();
            plan.notes.push(format!(
                "{}: MODULE.bazel pins no integrity for {url}; it was accepted because it came over HTTPS from the forge with the top directory '{top_dir}', and is held to the digest of its first download, {}; to pin it, use archive_override(urls = [\"{url}\"], integrity = \"{}\", strip_prefix = \"{top_dir}\")",
                job.what,
                pin.trim(),
                pin.trim()
            ));
        }
    }
    let mut err = anstream::stderr().lock();
    for n in &plan.notes {
        writeln!(err, "note: {n}")?;
    }
    for e in plan.errors.iter().chain(&failed) {
        writeln!(err, "error: {e}")?;
    }
    writeln!(
        out,
        "{} {} ready in {}{}",
        repos.len(),
        if repos.len() == 1 {
            "repository"
        } else {
            "repositories"
        },
        cache.display(),
        if plan.errors.is_empty() && failed.is_empty() {
            "; `toolcheck check` reads them".to_string()
        } else {
            format!("; {} failed", plan.errors.len() + failed.len())
        }
    )?;
    Ok(if plan.errors.is_empty() && failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether the workspace's rc files leave Bzlmod on (`--noenable_bzlmod` turns it off).
pub(crate) fn bzlmod_enabled(ws: &toolcheck_ide::Workspace) -> bool {
    RcOptions::read(ws).bzlmod
}

/// What the workspace's rc files say about fetching.
struct RcOptions {
    registries: Vec<String>,
    allow_yanked: Vec<String>,
    bzlmod: bool,
    /// `--ignore_dev_dependency`: the root's dev dependencies are left out too.
    ignore_dev: bool,
}

impl RcOptions {
    fn read(ws: &toolcheck_ide::Workspace) -> RcOptions {
        let mut o = RcOptions {
            registries: Vec::new(),
            allow_yanked: Vec::new(),
            bzlmod: true,
            ignore_dev: false,
        };
        // The commands whose options a `bazel fetch`/`build` takes; config-specific lines
        // apply only with --config, which fetch does not take.
        const COMMANDS: [&str; 6] = ["common", "always", "build", "fetch", "sync", "mod"];
        for (_, id) in &ws.rc_files {
            let rc = toolcheck_ide::bazelrc::parse_rc(&ws.file(*id).text());
            for e in &rc.entries {
                if e.config.is_some() || !COMMANDS.contains(&e.command.as_str()) {
                    continue;
                }
                let mut args = e.args.iter().map(|(a, _)| a.as_str()).peekable();
                while let Some(a) = args.next() {
                    let mut value = |flag: &str| -> Option<String> {
                        if let Some(v) = a.strip_prefix(&format!("{flag}=")) {
                            Some(v.to_string())
                        } else if a == flag {
                            args.next().map(str::to_string)
                        } else {
                            None
                        }
                    };
                    if let Some(v) = value("--registry") {
                        o.registries.push(v);
                    } else if let Some(v) = value("--allow_yanked_versions") {
                        o.allow_yanked.extend(v.split(',').map(str::to_string));
                    } else if a == "--noenable_bzlmod"
                        || a == "--enable_bzlmod=false"
                        || a == "--enable_bzlmod=0"
                    {
                        o.bzlmod = false;
                    } else if a == "--ignore_dev_dependency" || a == "--ignore_dev_dependency=true"
                    {
                        o.ignore_dev = true;
                    } else if a == "--noignore_dev_dependency"
                        || a == "--ignore_dev_dependency=false"
                    {
                        o.ignore_dev = false;
                    } else if a == "--enable_bzlmod"
                        || a == "--enable_bzlmod=true"
                        || a == "--enable_bzlmod=1"
                    {
                        o.bzlmod = true;
                    }
                }
            }
        }
        o
    }
}

/// `--allow-yanked`, Bazel's `--allow_yanked_versions` and `BZLMOD_ALLOW_YANKED_VERSIONS`.
struct AllowYanked {
    all: bool,
    versions: HashSet<String>,
}

impl AllowYanked {
    fn new(flag: bool, rc: &[String]) -> AllowYanked {
        let mut versions: HashSet<String> = rc.iter().map(|s| s.trim().to_string()).collect();
        if let Ok(env) = std::env::var("BZLMOD_ALLOW_YANKED_VERSIONS") {
            versions.extend(env.split(',').map(|s| s.trim().to_string()));
        }
        AllowYanked {
            all: flag || versions.contains("all"),
            versions,
        }
    }
    fn allows(&self, name: &str, version: &str) -> bool {
        self.all || self.versions.contains(&format!("{name}@{version}"))
    }
}

/// What planning a module graph reads from: the workspace root, the cache, the registry
/// reader and which yanked versions are allowed.
struct Ctx<'a> {
    root: &'a Path,
    cache: &'a Path,
    reader: &'a Reader<'a>,
    allow_yanked: &'a AllowYanked,
}

/// A module's source as planned: which registry has it, and its MODULE.bazel.
struct Discovered {
    registry: Option<usize>,
    file: ModuleFile,
    text: String,
}

/// Resolves the module graph and adds one job per selected module.
fn plan_modules(
    cx: &Ctx<'_>,
    text: &str,
    registry_urls: &[String],
    lock: Option<&lockfile::Lockfile>,
    ignore_dev: bool,
    plan: &mut Plan,
) {
    let reader = cx.reader;
    let root_file = modfile::parse_module(text);
    for u in &root_file.unreadable {
        plan.notes
            .push(format!("MODULE.bazel: {u}; that argument is ignored"));
    }
    // Registries are opened when a module needs one: a workspace whose dependencies are all
    // local_path_overrides never reaches the network.
    let mut registries: Vec<Registry> = Vec::new();
    let mut opened = false;
    let mut open = |registries: &mut Vec<Registry>, plan: &mut Plan| {
        if std::mem::replace(&mut opened, true) {
            return;
        }
        for url in registry_urls {
            match reader.registry(url) {
                Ok(r) => registries.push(r),
                Err(e) => plan.errors.push(format!("registry {url}: {e}")),
            }
        }
    };
    let overrides: BTreeMap<&str, &Override> = root_file
        .overrides
        .iter()
        .map(|o| (o.module(), o))
        .collect();
    for o in overrides.values() {
        if let Override::MultipleVersion { module } = o {
            plan.notes.push(format!(
                "multiple_version_override of '{module}' is not modelled: only its highest version is fetched"
            ));
        }
    }
    // The version a request resolves to after the root's overrides: "" for a module that
    // does not come from a registry.
    let effective = |name: &str, version: &str| -> String {
        match overrides.get(name) {
            Some(Override::Archive { .. } | Override::Git { .. } | Override::LocalPath { .. }) => {
                String::new()
            }
            Some(Override::SingleVersion {
                version: Some(v), ..
            }) => v.clone(),
            _ => version.to_string(),
        }
    };
    let root_deps: Vec<(String, String)> = root_file
        .deps
        .iter()
        .filter(|d| d.name != root_file.name.clone().unwrap_or_default())
        // The root's dev dependencies count, as in Bazel, unless --ignore_dev_dependency.
        .filter(|d| !(d.dev && ignore_dev))
        .map(|d| (d.name.clone(), effective(&d.name, &d.version)))
        .collect();
    if let Some(lock) = lock {
        let missing: Vec<String> = root_deps
            .iter()
            .filter(|(n, v)| !v.is_empty() && !lock.records(n, v))
            .map(|(n, v)| format!("{n}@{v}"))
            .collect();
        if missing.is_empty() {
            let selected =
                selection_from_lock(cx, lock, &root_deps, &overrides, &mut registries, plan);
            add_module_jobs(cx, selected, &registries, &overrides, plan);
            return;
        }
        plan.notes.push(format!(
            "MODULE.bazel.lock is out of date (it records no {}): versions are selected from the registries",
            missing.join(", ")
        ));
    }
    let mut graph = mvs::Graph::new();
    let mut found: BTreeMap<(String, String), Discovered> = BTreeMap::new();
    let mut queue: VecDeque<(String, String)> = root_deps.iter().cloned().collect();
    let mut failed = false;
    while let Some((name, version)) = queue.pop_front() {
        let key = (name.clone(), version.clone());
        if graph.contains_key(&key) {
            continue;
        }
        let discovered = if version.is_empty() {
            match overrides.get(name.as_str()) {
                Some(o) => discover_override(cx, o),
                None => Err(format!(
                    "bazel_dep '{name}' has no version and no override names a source for it"
                )),
            }
        } else {
            let only = match overrides.get(name.as_str()) {
                Some(Override::SingleVersion {
                    registry: Some(r), ..
                }) => Some(r.trim_end_matches('/')),
                _ => None,
            };
            open(&mut registries, plan);
            if registries.is_empty() {
                failed = true;
                continue;
            }
            discover_registry(&name, &version, &registries, only, reader)
        };
        let d = match discovered {
            Ok(d) => d,
            Err(e) => {
                plan.errors.push(format!("{name}@{version}: {e}"));
                failed = true;
                continue;
            }
        };
        let deps: Vec<(String, String)> = d
            .file
            .deps
            .iter()
            // A dependency on the root module's name is the root itself, whatever version it
            // asks for (Bazel: the root module always wins), so it is neither discovered nor
            // fetched: `platforms`' own workspace must read its checkout, not a release.
            .filter(|dep| !dep.dev && Some(&dep.name) != root_file.name.as_ref())
            .map(|dep| (dep.name.clone(), effective(&dep.name, &dep.version)))
            .collect();
        queue.extend(deps.iter().cloned());
        graph.insert(
            key.clone(),
            mvs::Node {
                compatibility_level: d.file.compatibility_level,
                deps,
            },
        );
        found.insert(key, d);
    }
    if failed {
        plan.errors.push(
            "the module graph is incomplete, so no module was fetched (fix the errors above)"
                .to_string(),
        );
        return;
    }
    let selected = match mvs::select(&root_deps, &graph) {
        Ok(s) => s,
        Err(e) => {
            plan.errors.push(format!("version selection: {e}"));
            return;
        }
    };
    let selected = selected
        .into_iter()
        .filter_map(|k| found.remove(&k).map(|d| (k.0, k.1, d)))
        .collect();
    add_module_jobs(cx, selected, &registries, &overrides, plan);
}

/// One job per selected module.
fn add_module_jobs(
    cx: &Ctx<'_>,
    selected: Vec<(String, String, Discovered)>,
    registries: &[Registry],
    overrides: &BTreeMap<&str, &Override>,
    plan: &mut Plan,
) {
    for (name, version, d) in selected {
        match job_for_module(cx, &name, &version, &d, registries, overrides) {
            Ok(Some(job)) => plan.jobs.push(job),
            Ok(None) => {}
            Err(e) => plan.errors.push(format!("{name}@{version}: {e}")),
        }
    }
}

/// The modules a current lockfile says Bazel selected: the registry modules whose
/// `source.json` it recorded, and the root's source overrides that the graph depends on.
fn selection_from_lock(
    cx: &Ctx<'_>,
    lock: &lockfile::Lockfile,
    root_deps: &[(String, String)],
    overrides: &BTreeMap<&str, &Override>,
    registries: &mut Vec<Registry>,
    plan: &mut Plan,
) -> Vec<(String, String, Discovered)> {
    let reader = cx.reader;
    let mut out = Vec::new();
    for (reg_url, name, version) in lock.selected() {
        let index = match registries
            .iter()
            .position(|r| r.url == reg_url.trim_end_matches('/'))
        {
            Some(i) => i,
            // The lockfile names the registry Bazel took the module from.
            None => match reader.registry(&reg_url) {
                Ok(r) => {
                    registries.push(r);
                    registries.len() - 1
                }
                Err(e) => {
                    plan.errors.push(format!("registry {reg_url}: {e}"));
                    continue;
                }
            },
        };
        match reader.module_file(&registries[index], &name, &version) {
            Ok(Some(text)) => out.push((
                name,
                version,
                Discovered {
                    registry: Some(index),
                    file: modfile::parse_module(&text),
                    text,
                },
            )),
            Ok(None) => plan.errors.push(format!(
                "{name}@{version}: MODULE.bazel.lock records it, but {reg_url} no longer has it"
            )),
            Err(e) => plan.errors.push(format!("{name}@{version}: {e}")),
        }
    }
    let mut wanted: HashSet<String> = root_deps.iter().map(|(n, _)| n.clone()).collect();
    for (_, _, d) in &out {
        wanted.extend(
            d.file
                .deps
                .iter()
                .filter(|d| !d.dev)
                .map(|d| d.name.clone()),
        );
    }
    for (module, o) in overrides {
        if !wanted.contains(*module)
            || !matches!(
                o,
                Override::Archive { .. } | Override::Git { .. } | Override::LocalPath { .. }
            )
        {
            continue;
        }
        match discover_override(cx, o) {
            Ok(d) => out.push((module.to_string(), String::new(), d)),
            Err(e) => plan.errors.push(format!("{module}: {e}")),
        }
    }
    plan.notes.push(format!(
        "module versions as MODULE.bazel.lock records them ({} selected)",
        out.len()
    ));
    out
}

fn discover_registry(
    name: &str,
    version: &str,
    registries: &[Registry],
    only: Option<&str>,
    reader: &Reader<'_>,
) -> Result<Discovered, String> {
    for (i, reg) in registries.iter().enumerate() {
        if only.is_some_and(|o| o != reg.url) {
            continue;
        }
        if let Some(text) = reader.module_file(reg, name, version)? {
            return Ok(Discovered {
                registry: Some(i),
                file: modfile::parse_module(&text),
                text,
            });
        }
    }
    let tried: Vec<&str> = registries.iter().map(|r| r.url.as_str()).collect();
    Err(format!(
        "no registry has this module version (tried {})",
        tried.join(", ")
    ))
}

/// A module whose source the root overrides: its MODULE.bazel comes from that source.
fn discover_override(cx: &Ctx<'_>, o: &Override) -> Result<Discovered, String> {
    let root = cx.root;
    match o {
        Override::LocalPath { path, .. } => {
            let text = fs::read_to_string(root.join(path).join("MODULE.bazel")).unwrap_or_default();
            Ok(Discovered {
                registry: None,
                file: modfile::parse_module(&text),
                text,
            })
        }
        Override::Git { module, .. } => {
            // Its dependencies are in the archive's MODULE.bazel, as for archive_override.
            fetch_override_module(cx, module, "git_override", git_source(root, o)?)
        }
        Override::Archive { module, spec } => {
            // Its dependencies are in the archive's MODULE.bazel: fetch it now (the job made
            // for it later finds it in the cache).
            fetch_override_module(
                cx,
                module,
                "archive_override",
                archive_source(root, spec, Vec::new())?,
            )
        }
        _ => Err("this override names no source".to_string()),
    }
}

/// Fetches the archive an override names and reads its MODULE.bazel.
fn fetch_override_module(
    cx: &Ctx<'_>,
    module: &str,
    kind: &str,
    source: Source,
) -> Result<Discovered, String> {
    let job = Job {
        repo: CachedRepo {
            name: module.to_string(),
            module: Some(module.to_string()),
            version: None,
            dir: PathBuf::new(),
        },
        what: format!("{module} ({kind})"),
        source,
    };
    let hidden = indicatif::ProgressBar::hidden();
    let (dir, _) = materialize(&job, cx.reader.client, cx.cache, &hidden)
        .map_err(|e| format!("{kind}: {e:#}"))?;
    let text = fs::read_to_string(dir.join("MODULE.bazel")).unwrap_or_default();
    Ok(Discovered {
        registry: None,
        file: modfile::parse_module(&text),
        text,
    })
}

fn job_for_module(
    cx: &Ctx<'_>,
    name: &str,
    version: &str,
    d: &Discovered,
    registries: &[Registry],
    overrides: &BTreeMap<&str, &Override>,
) -> Result<Option<Job>, String> {
    let Ctx {
        root,
        reader,
        allow_yanked,
        ..
    } = *cx;
    let repo = CachedRepo {
        name: name.to_string(),
        module: Some(name.to_string()),
        version: (!version.is_empty()).then(|| version.to_string()),
        dir: PathBuf::new(),
    };
    let what = if version.is_empty() {
        format!("{name} (override)")
    } else {
        format!("{name}@{version}")
    };
    match overrides.get(name) {
        // The loader reads local_path_override directories itself.
        Some(Override::LocalPath { .. }) => return Ok(None),
        Some(Override::Archive { spec, .. }) => {
            let source = archive_source(root, spec, Vec::new())?;
            return Ok(Some(Job { repo, what, source }));
        }
        Some(o @ Override::Git { .. }) => {
            let source = git_source(root, o)?;
            return Ok(Some(Job { repo, what, source }));
        }
        _ => {}
    }
    let Some(ri) = d.registry else {
        return Err("no registry holds this module".to_string());
    };
    let reg = &registries[ri];
    let yanked = reader.yanked(reg, name)?;
    if let Some(reason) = yanked.get(version) {
        if !allow_yanked.allows(name, version) {
            return Err(format!(
                "version {version} is yanked in {}: \"{reason}\"; pick another version, or allow it with --allow-yanked (Bazel: --allow_yanked_versions={name}@{version})",
                reg.url
            ));
        }
    }
    let src = reader.source(reg, name, version)?;
    let kind = src.kind.as_deref().unwrap_or("archive");
    match kind {
        "local_path" => {
            let path = src
                .path
                .as_deref()
                .ok_or("source.json of type local_path has no path")?;
            let dir = reg.local_path(path)?;
            if !dir.is_dir() {
                return Err(format!(
                    "local_path source {} is not a directory",
                    dir.display()
                ));
            }
            return Ok(Some(Job {
                repo,
                what,
                source: Source::Local(dir),
            }));
        }
        "archive" => {}
        other => {
            let from = match (&src.remote, &src.commit) {
                (Some(r), Some(c)) => format!(" ({r} at {c})"),
                (Some(r), None) => format!(" ({r})"),
                _ => String::new(),
            };
            return Err(format!(
                "source.json type '{other}'{from} is not supported by toolcheck fetch (only archive and local_path, which a digest pins); pass --repo {name}=DIR"
            ));
        }
    }
    let integrity = Integrity::parse_sri(
        src.integrity
            .as_deref()
            .ok_or("source.json pins no integrity; refusing an unverified download")?,
    )?;
    let mut patches = Vec::new();
    for (patch_name, patch_integrity) in &src.patches {
        let text = reader.patch(reg, name, version, patch_name)?;
        let want = Integrity::parse_sri(patch_integrity)
            .map_err(|e| format!("patch {patch_name}: {e}"))?;
        let got = want.of_bytes(text.as_bytes());
        if got != want {
            return Err(format!(
                "patch {patch_name}: integrity mismatch: expected {want}, got {got}"
            ));
        }
        patches.push((patch_name.clone(), text));
    }
    let mut patch_strip = src.patch_strip.unwrap_or(0).max(0) as usize;
    // The root's single_version_override patches apply after the registry's.
    if let Some(Override::SingleVersion {
        patches: extra,
        patch_strip: strip,
        ..
    }) = overrides.get(name)
    {
        if !extra.is_empty() {
            if !patches.is_empty() && *strip != patch_strip {
                return Err(
                    "the registry's patches and single_version_override's patches use different patch_strip values, which toolcheck fetch does not apply in one pass".to_string(),
                );
            }
            patch_strip = *strip;
            for label in extra {
                patches.push((label.clone(), read_main_label(root, label)?));
            }
        }
    }
    let urls = reg.archive_urls(&src);
    if urls.is_empty() {
        return Err("source.json has no url".to_string());
    }
    Ok(Some(Job {
        repo,
        what,
        source: Source::Archive {
            urls,
            integrity,
            strip_prefix: src.strip_prefix.clone().unwrap_or_default(),
            archive_type: src.archive_type.clone(),
            patches,
            patch_strip,
            // Bazel uses the registry's MODULE.bazel, whatever the archive holds.
            overlay: vec![("MODULE.bazel".to_string(), d.text.clone())],
        },
    }))
}

/// The text of a file of the main repository named by a label (`//patches:x.patch`,
/// `@//:x.patch`, `x.patch`).
fn read_main_label(root: &Path, label: &str) -> Result<String, String> {
    let l = label.trim_start_matches('@');
    let l = l.strip_prefix("//").unwrap_or(l);
    let rel = match l.split_once(':') {
        Some(("", f)) => f.to_string(),
        Some((p, f)) => format!("{p}/{f}"),
        None => l.to_string(),
    };
    if rel.split('/').any(|c| c == "..") || label.starts_with("@") && !label.starts_with("@//") {
        return Err(format!(
            "'{label}' is not a file of the main repository, which is all toolcheck fetch reads patches from"
        ));
    }
    let path = root.join(&rel);
    fs::read_to_string(&path).map_err(|e| format!("{label} ({}): {e}", path.display()))
}

/// The source of a `git_override`: the forge's archive of its commit (or why there is none).
fn git_source(root: &Path, o: &Override) -> Result<Source, String> {
    let Override::Git {
        module,
        remote,
        commit,
        strip_prefix,
        patches,
        patch_strip,
        init_submodules,
    } = o
    else {
        return Err("not a git_override".to_string());
    };
    let no_archive = |why: String| {
        format!(
            "git_override of '{module}' ({remote}): {why}; toolcheck fetch does not clone: pin an archive with archive_override(integrity = ...), or pass --repo {module}=DIR with a checkout"
        )
    };
    if *init_submodules {
        return Err(no_archive(
            "init_submodules = True, and a forge's archive holds no submodules".to_string(),
        ));
    }
    let archive = git_archive::archive_of(remote, commit.as_deref()).map_err(no_archive)?;
    let mut texts = Vec::new();
    for label in patches {
        texts.push((label.clone(), read_main_label(root, label)?));
    }
    Ok(Source::Unpinned {
        url: archive.url,
        top_dir: archive.top_dir,
        strip_prefix: strip_prefix.clone(),
        patches: texts,
        patch_strip: *patch_strip,
    })
}

/// An archive source from an `archive_override` or `http_archive`.
fn archive_source(
    root: &Path,
    spec: &ArchiveSpec,
    mut overlay: Vec<(String, String)>,
) -> Result<Source, String> {
    let integrity = match (&spec.integrity, &spec.sha256) {
        (Some(i), _) => Integrity::parse_sri(i)?,
        (None, Some(h)) => Integrity::parse_sha256_hex(h)?,
        (None, None) => {
            return Err(
                "it pins no integrity or sha256; refusing an unverified download".to_string(),
            )
        }
    };
    if spec.urls.is_empty() {
        return Err("it has no url".to_string());
    }
    let mut patches = Vec::new();
    for label in &spec.patches {
        patches.push((label.clone(), read_main_label(root, label)?));
    }
    if let Some(content) = &spec.build_file_content {
        overlay.push(("BUILD.bazel".to_string(), content.clone()));
    } else if let Some(label) = &spec.build_file {
        overlay.push(("BUILD.bazel".to_string(), read_main_label(root, label)?));
    }
    Ok(Source::Archive {
        urls: spec.urls.clone(),
        integrity,
        strip_prefix: spec.strip_prefix.clone(),
        archive_type: spec.archive_type.clone(),
        patches,
        patch_strip: spec.patch_strip,
        overlay,
    })
}

fn plan_workspace(root: &Path, text: &str, plan: &mut Plan) {
    let (archives, notes) = modfile::parse_workspace(text);
    plan.notes
        .extend(notes.into_iter().map(|n| format!("WORKSPACE: {n}")));
    for a in archives {
        let what = format!("http_archive '{}'", a.name);
        match archive_source(root, &a.spec, Vec::new()) {
            Ok(source) => plan.jobs.push(Job {
                repo: CachedRepo {
                    name: a.name.clone(),
                    module: None,
                    version: None,
                    dir: PathBuf::new(),
                },
                what,
                source,
            }),
            Err(e) => plan.errors.push(format!("{what}: {e}")),
        }
    }
}

/// A job's outcome: its repository directory and whether it was made now.
type Made = anyhow::Result<(PathBuf, bool)>;

/// Makes every job's repository, `jobs` at a time, with one progress bar over the bytes.
/// Returns, per job, its directory and whether it was made now (`false`: already cached).
fn execute(jobs: &[Job], client: &Client, cache: &Path, threads: usize) -> Vec<Made> {
    // One bar: its position counts the bytes downloaded (its length grows as each server
    // announces a size), its message the repositories done. indicatif draws it only on a
    // terminal.
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} {bytes}/{total_bytes} {bytes_per_sec} [{elapsed}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = std::sync::atomic::AtomicUsize::new(0);
    let show = |what: &str| {
        let n = done.load(std::sync::atomic::Ordering::Relaxed);
        bar.set_message(format!("{n}/{} repositories ({what})", jobs.len()));
    };
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Made>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.min(jobs.len()) {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(job) = jobs.get(i) else { break };
                show(&job.what);
                let r = materialize(job, client, cache, &bar);
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                show(&job.what);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    bar.finish_and_clear();
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(anyhow::anyhow!("not run"))))
        .collect()
}

/// The repository directory of one job: from the cache, or downloaded, verified, extracted,
/// patched and renamed into place.
fn materialize(
    job: &Job,
    client: &Client,
    cache: &Path,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<(PathBuf, bool)> {
    if let Source::Unpinned { .. } = &job.source {
        return materialize_unpinned(job, client, cache, bar);
    }
    materialize_with(job, cache, |urls, integrity| {
        client.fetch_archive(urls, integrity, &cache.join("downloads"), bar)
    })
}

/// [`materialize`] for a source no digest pins ([`git_archive`]): once its digest is recorded
/// (trust on first use), it is an archive pinned by that digest like any other; the first
/// time, the download is accepted only when its top directory is the one the forge gives an
/// archive of that commit, and only then is the digest recorded.
fn materialize_unpinned(
    job: &Job,
    client: &Client,
    cache: &Path,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<(PathBuf, bool)> {
    let Source::Unpinned {
        url,
        top_dir,
        strip_prefix,
        patches,
        patch_strip,
    } = &job.source
    else {
        anyhow::bail!("not an unpinned source");
    };
    let pin_path = git_archive::pin_file(cache, url);
    let pinned = |integrity: Integrity| Job {
        repo: job.repo.clone(),
        what: job.what.clone(),
        source: Source::Archive {
            urls: vec![url.clone()],
            integrity,
            strip_prefix: if strip_prefix.is_empty() {
                top_dir.clone()
            } else {
                format!("{top_dir}/{}", strip_prefix.trim_matches('/'))
            },
            archive_type: Some("tar.gz".to_string()),
            patches: patches.clone(),
            patch_strip: *patch_strip,
            overlay: Vec::new(),
        },
    };
    if let Ok(text) = fs::read_to_string(&pin_path) {
        let integrity = Integrity::parse_sri(text.trim()).map_err(|e| {
            anyhow::anyhow!(
                "the recorded digest of {url} ({}) is damaged: {e}; delete it to download again",
                pin_path.display()
            )
        })?;
        return materialize(&pinned(integrity), client, cache, bar);
    }
    let (file, integrity) = client.fetch_unpinned(url, &cache.join("downloads"), bar)?;
    let made = materialize_with(&pinned(integrity.clone()), cache, |_, _| Ok(file.clone()))
        .map_err(|e| {
            let e = format!("{e:#}");
            if e.contains("names no directory of the archive") {
                anyhow::anyhow!(
                    "{url}: the archive's top directory is not '{top_dir}', so it is not the forge's archive of that commit; refused ({e})"
                )
            } else {
                anyhow::anyhow!("{url}: {e}")
            }
        });
    if made.is_err() {
        let _ = fs::remove_file(&file);
        return made;
    }
    if let Some(dir) = pin_path.parent() {
        fs::create_dir_all(dir)?;
    }
    write_atomic(&pin_path, format!("{integrity}\n").as_bytes())
        .with_context(|| format!("cannot record the digest in {}", pin_path.display()))?;
    made
}

/// [`materialize`] with the verified archive taken from `archive` (a download, or Bazel's
/// repository cache): one place decides a repository's directory and how it is made, so
/// `fetch` and `check` share what either made.
fn materialize_with(
    job: &Job,
    cache: &Path,
    archive: impl FnOnce(&[String], &Integrity) -> anyhow::Result<PathBuf>,
) -> anyhow::Result<(PathBuf, bool)> {
    let (urls, integrity, strip_prefix, archive_type, patches, patch_strip, overlay) =
        match &job.source {
            Source::Local(dir) => return Ok((dir.clone(), false)),
            Source::Unpinned { .. } => anyhow::bail!("an unpinned archive is pinned first"),
            Source::Archive {
                urls,
                integrity,
                strip_prefix,
                archive_type,
                patches,
                patch_strip,
                overlay,
            } => (
                urls,
                integrity,
                strip_prefix,
                archive_type,
                patches,
                patch_strip,
                overlay,
            ),
        };
    // Everything that shapes the directory is in its key.
    let mut key = format!("{integrity}\n{strip_prefix}\n{patch_strip}\n");
    for (name, text) in patches {
        key.push_str(&format!("patch {name} {}\n", sha256_hex(text.as_bytes())));
    }
    for (name, text) in overlay {
        key.push_str(&format!("file {name} {}\n", sha256_hex(text.as_bytes())));
    }
    let safe_name: String = job
        .repo
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = cache
        .join("repos")
        .join(format!("{safe_name}-{}", &sha256_hex(key.as_bytes())[..24]));
    if dir.is_dir() {
        return Ok((dir, false));
    }
    let format = archive::format_of(
        urls.first().map(String::as_str).unwrap_or(""),
        archive_type.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let file = archive(urls, integrity)?;
    let tmp = cache.join("repos").join(format!(
        ".tmp-{safe_name}-{}-{}",
        std::process::id(),
        registry::unique()
    ));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    let made = (|| -> anyhow::Result<()> {
        archive::extract(
            &file,
            format,
            strip_prefix,
            &tmp,
            archive::Limits::from_env(),
            archive::Links::Check,
        )?;
        for (name, text) in patches {
            patch::apply(&tmp, text, *patch_strip)
                .map_err(|e| anyhow::anyhow!("patch {name}: {e}"))?;
        }
        for (name, text) in overlay {
            let path = tmp.join(name);
            if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
                fs::remove_file(&path)?;
            }
            fs::write(&path, text)?;
        }
        Ok(())
    })();
    if let Err(e) = made {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    match fs::rename(&tmp, &dir) {
        Ok(()) => Ok((dir, true)),
        // Another run made it meanwhile: theirs is whole too.
        Err(_) if dir.is_dir() => {
            let _ = fs::remove_dir_all(&tmp);
            Ok((dir, true))
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(anyhow::anyhow!(
                "cannot move the repository into {}: {e}",
                dir.display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory, removed when dropped.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let p = std::env::temp_dir().join(format!(
                "toolcheck-fetch-{tag}-{}-{}",
                std::process::id(),
                registry::unique()
            ));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Scratch(p)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn tar_gz(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (name, text) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            builder.append_data(&mut h, name, text.as_bytes()).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn git_job(url: &str, top_dir: &str) -> Job {
        Job {
            repo: CachedRepo {
                name: "tools".into(),
                module: Some("tools".into()),
                version: None,
                dir: PathBuf::new(),
            },
            what: "tools (git_override)".into(),
            source: Source::Unpinned {
                url: url.to_string(),
                top_dir: top_dir.to_string(),
                strip_prefix: String::new(),
                patches: Vec::new(),
                patch_strip: 0,
            },
        }
    }

    /// A git_override's forge archive: accepted by its top directory, then held to the digest
    /// of its first download (trust on first use); an archive of another tree is refused and
    /// leaves no pin; different bytes later are an integrity error, not a silent change.
    #[test]
    fn an_unpinned_archive_is_checked_then_pinned_on_first_use() {
        let tmp = Scratch::new("git");
        let cache = tmp.0.join("cache");
        for d in ["downloads", "repos"] {
            fs::create_dir_all(cache.join(d)).unwrap();
        }
        let archive = tmp.0.join("tools.tar.gz");
        fs::write(
            &archive,
            tar_gz(&[
                ("tools-abc/MODULE.bazel", "module(name = \"tools\")\n"),
                ("tools-abc/BUILD.bazel", ""),
            ]),
        )
        .unwrap();
        let url = format!("file://{}", archive.display());
        let client = Client::new(Duration::from_secs(5), false);
        let bar = indicatif::ProgressBar::hidden();
        let job = git_job(&url, "tools-abc");
        let (dir, fresh) = materialize(&job, &client, &cache, &bar).unwrap();
        assert!(fresh);
        assert!(dir.join("MODULE.bazel").is_file());
        let pin = fs::read_to_string(git_archive::pin_file(&cache, &url)).unwrap();
        let want = Integrity::parse_sha256_hex(&sha256_hex(&fs::read(&archive).unwrap()))
            .unwrap()
            .to_string();
        assert_eq!(pin.trim(), want);
        // Again: the pinned repository, no download.
        assert_eq!(
            materialize(&job, &client, &cache, &bar).unwrap(),
            (dir.clone(), false)
        );
        // The forge now serves other bytes for the same commit: refused against the pin.
        fs::write(
            &archive,
            tar_gz(&[("tools-abc/MODULE.bazel", "module(name = \"evil\")\n")]),
        )
        .unwrap();
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_dir_all(cache.join("downloads")).unwrap();
        fs::create_dir_all(cache.join("downloads")).unwrap();
        let e = format!(
            "{:#}",
            materialize(&job, &client, &cache, &bar).unwrap_err()
        );
        assert!(e.contains("integrity mismatch"), "{e}");
        assert!(!dir.exists());

        // An archive whose top directory is not `<repository>-<commit>`: refused, nothing
        // pinned, nothing left in the cache.
        let cache2 = tmp.0.join("cache2");
        for d in ["downloads", "repos"] {
            fs::create_dir_all(cache2.join(d)).unwrap();
        }
        let e = format!(
            "{:#}",
            materialize(&git_job(&url, "tools-def"), &client, &cache2, &bar).unwrap_err()
        );
        assert!(e.contains("top directory is not 'tools-def'"), "{e}");
        assert!(!git_archive::pin_file(&cache2, &url).exists());
        assert_eq!(fs::read_dir(cache2.join("repos")).unwrap().count(), 0);
        assert_eq!(fs::read_dir(cache2.join("downloads")).unwrap().count(), 0);

        // --offline never downloads an archive no earlier run pinned.
        let offline = Client::new(Duration::from_secs(5), true);
        let e = format!(
            "{:#}",
            materialize(
                &git_job("https://github.com/a/tools/archive/abc.tar.gz", "tools-abc"),
                &offline,
                &cache2,
                &bar
            )
            .unwrap_err()
        );
        assert!(e.contains("--offline"), "{e}");
    }

    /// What a git_override without a forge archive says: why, and what to do instead.
    #[test]
    fn git_overrides_without_an_archive_say_why() {
        let o = |remote: &str, commit: Option<&str>, init_submodules: bool| Override::Git {
            module: "tools".into(),
            remote: remote.into(),
            commit: commit.map(str::to_string),
            strip_prefix: String::new(),
            patches: Vec::new(),
            patch_strip: 0,
            init_submodules,
        };
        let c = "0123456789abcdef0123456789abcdef01234567";
        let root = Path::new("/nonexistent");
        let Ok(Source::Unpinned { url, top_dir, .. }) =
            git_source(root, &o("https://github.com/o/tools.git", Some(c), false))
        else {
            panic!("a github.com remote at a full commit has an archive")
        };
        assert_eq!(
            url,
            format!("https://github.com/o/tools/archive/{c}.tar.gz")
        );
        assert_eq!(top_dir, format!("tools-{c}"));
        for (remote, commit, sub, why) in [
            (
                "https://github.com/o/tools.git",
                Some(c),
                true,
                "submodules",
            ),
            (
                "https://github.com/o/tools.git",
                Some("v1.0"),
                false,
                "40-hex",
            ),
            (
                "https://git.example.org/tools.git",
                Some(c),
                false,
                "github.com or gitlab.com",
            ),
        ] {
            let Err(e) = git_source(root, &o(remote, commit, sub)) else {
                panic!("{remote} {commit:?} has no archive")
            };
            assert!(e.contains(why) && e.contains("--repo tools=DIR"), "{e}");
        }
    }
}
