//! Shared server state: open documents, one analysis host (a [`World`]) per workspace folder
//! with its file ↔ path maps, the negotiated position encoding and the settings.
//!
//! Architecture invariant: every mutation (`open`, `change`, `close`, disk events) happens
//! synchronously in the notification handler, before its first `.await`, and bumps
//! `revision`. Nothing here is held across an `.await`: readers take a [`Snap`] and let go.
//!
//! Multi-root: every workspace folder is its own Bazel workspace, indexed on its own. A file
//! belongs to the world whose root is the longest prefix of its path; a file outside every
//! root joins the first world.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use dashmap::DashMap;
use ropey::Rope;
use tokio::sync::mpsc;
use tower_lsp_server::ls_types::Uri;

use toolcheck_ide::{Analysis, AnalysisHost, FileId, FileKind, LintConfig, RepoName, Workspace};

use super::config::Config;
use super::document::{Document, PositionEncoding, TextChange};

/// The analysis host plus the maps between its files and disk paths, which change together
/// (under one lock). File ids are stable: a removed file keeps its slot in `paths` (the
/// host's tombstone), so ids handed out before stay valid.
pub(crate) struct World {
    pub(crate) host: AnalysisHost,
    /// Live files only.
    by_path: HashMap<PathBuf, FileId>,
    /// Indexed by file id, tombstones included.
    paths: Arc<Vec<PathBuf>>,
    root: Option<PathBuf>,
    /// The checks configuration of this workspace's `toolcheck.toml` (each workspace folder
    /// has its own), before the editor's settings are applied.
    file_lint: LintConfig,
    /// Whether the workspace was loaded from disk (not the empty stand-in that waits for
    /// indexing): an analysis worth keeping when a reload fails.
    loaded: bool,
    /// Findings are withheld: the workspace was loaded with the default configuration because
    /// its `toolcheck.toml` has an error, and the file could change any finding (turn a check
    /// off, change a severity, the Bazel version, the host or target platforms).
    withheld: bool,
}

impl World {
    pub(crate) fn new(host: AnalysisHost, root: Option<PathBuf>) -> World {
        let paths = file_paths(host.workspace(), root.as_deref());
        let by_path = host
            .workspace()
            .file_ids()
            .map(|id| (paths[id.0 as usize].clone(), id))
            .collect();
        World {
            host,
            by_path,
            paths: Arc::new(paths),
            root,
            file_lint: LintConfig::default(),
            loaded: false,
            withheld: false,
        }
    }

    fn empty(root: Option<PathBuf>, bazel_version: &str) -> World {
        World::new(
            AnalysisHost::new(empty_workspace(root.as_deref(), bazel_version)),
            root,
        )
    }

    pub(crate) fn file_id(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// The file for `path`, added to the workspace (with `text`) when it is not there yet.
    pub(crate) fn file_id_or_add(&mut self, path: &Path, text: &str) -> FileId {
        if let Some(id) = self.file_id(path) {
            return id;
        }
        let (repo, rel) = match self.root.as_deref().and_then(|r| path.strip_prefix(r).ok()) {
            Some(rel) => (RepoName::main(), rel.to_string_lossy().replace('\\', "/")),
            // A file outside the workspace: keep its absolute path, minus the leading `/`.
            None => (
                RepoName::main(),
                path.to_string_lossy()
                    .trim_start_matches('/')
                    .replace('\\', "/"),
            ),
        };
        let kind = file_kind(path);
        let id = self.host.add_file(repo, rel, kind, Arc::from(text));
        self.by_path.insert(path.to_owned(), id);
        let paths = Arc::make_mut(&mut self.paths);
        if let Some(old) = paths.get(id.0 as usize) {
            // The same path, deleted before: the host revived its tombstone.
            debug_assert_eq!(old, path);
        } else {
            debug_assert_eq!(paths.len(), id.0 as usize);
            paths.push(path.to_owned());
        }
        id
    }
}

impl World {
    /// Forgets the file at `path` (deleted on disk, or an unsaved document closed): the host
    /// drops it from the index and keeps its id as a tombstone (every other id stays). Returns
    /// whether it was known.
    pub(crate) fn remove(&mut self, path: &Path) -> bool {
        let Some(id) = self.by_path.remove(path) else {
            return false;
        };
        self.host.remove_file(id);
        true
    }

    /// Forgets every file under the directory `dir` (a deleted folder); returns how many.
    fn remove_under(&mut self, dir: &Path) -> usize {
        let gone: Vec<PathBuf> = self
            .by_path
            .keys()
            .filter(|p| p.starts_with(dir) && p.as_path() != dir)
            .cloned()
            .collect();
        gone.iter().filter(|p| self.remove(p)).count()
    }

    fn contains(&self, path: &Path) -> bool {
        self.root.as_deref().is_some_and(|r| path.starts_with(r))
    }

    fn snap(&mut self, config: &Config, encoding: PositionEncoding) -> Snap {
        let analysis = self.host.analysis();
        // The analysis adds the files of computed repositories itself: their slots get a
        // path too (one no editor opens: `<root>/@@<repo>/<path>`), so that every id keeps
        // its place and files added later line up.
        if self.paths.len() < analysis.workspace().files.len() {
            let paths = Arc::make_mut(&mut self.paths);
            let ws = analysis.workspace();
            for f in &ws.files[paths.len()..] {
                paths.push(file_path(ws, f, self.root.as_deref()));
            }
        }
        Snap {
            analysis,
            root: self.root.clone(),
            paths: self.paths.clone(),
            lint_config: Arc::new(lint_config(self.file_lint.clone(), config)),
            encoding,
            withheld: self.withheld,
        }
    }
}

/// The world `path` belongs to: the one with the longest root that contains it, else the first.
fn world_index(worlds: &[World], path: &Path) -> usize {
    worlds
        .iter()
        .enumerate()
        .filter(|(_, w)| w.contains(path))
        .max_by_key(|(_, w)| w.root.as_ref().map_or(0, |r| r.as_os_str().len()))
        .map_or(0, |(i, _)| i)
}

/// The absolute path of every file of `ws`, indexed by file id (tombstones included, so
/// that the vector stays aligned with the ids).
fn file_paths(ws: &Workspace, root: Option<&Path>) -> Vec<PathBuf> {
    ws.files.iter().map(|f| file_path(ws, f, root)).collect()
}

/// The absolute path of one file of `ws`.
fn file_path(ws: &Workspace, f: &toolcheck_ide::SourceFile, root: Option<&Path>) -> PathBuf {
    let repo_root = ws
        .repo(&f.repo)
        .map(|r| PathBuf::from(&r.root_display))
        .unwrap_or_default();
    let repo_root = match root {
        Some(root) if repo_root.is_relative() => root.join(repo_root),
        _ => repo_root,
    };
    repo_root.join(&f.path)
}

/// The kind of a file toolcheck may not recognise by name (any `languageId` is accepted):
/// templates and BUILD files for external repositories (`BUILD.tpl`, `foo.BUILD`) are data
/// the repository rules read, as the disk loader reads them; other unknown names are
/// treated as `.bzl`.
pub(crate) fn file_kind(path: &Path) -> FileKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    FileKind::from_file_name(&name).unwrap_or(if FileKind::is_data_file_name(&name) {
        FileKind::Data
    } else {
        FileKind::Bzl
    })
}

pub(crate) fn empty_workspace(root: Option<&Path>, bazel_version: &str) -> Workspace {
    let mut ws =
        Workspace::with_main_repo(root.map(|r| r.display().to_string()).unwrap_or_default());
    // The same host as a loaded workspace gets (`load_inputs`), so that files opened before
    // indexing finishes resolve as they will after.
    ws.settings.host_machine = Some(crate::vfs::this_machine());
    if !bazel_version.is_empty() {
        ws.settings.bazel_version = Some(bazel_version.to_owned());
    }
    ws
}

/// A consistent read-only view: an analysis snapshot plus the paths of its files.
#[derive(Clone)]
pub(crate) struct Snap {
    pub(crate) analysis: Analysis,
    /// The workspace folder's root, when it has one.
    pub(crate) root: Option<PathBuf>,
    paths: Arc<Vec<PathBuf>>,
    pub(crate) lint_config: Arc<LintConfig>,
    pub(crate) encoding: PositionEncoding,
    /// No findings are published for this world (see `World::withheld`).
    pub(crate) withheld: bool,
}

impl Snap {
    pub(crate) fn uri(&self, file: FileId) -> Option<Uri> {
        Uri::from_file_path(self.paths.get(file.0 as usize)?)
    }

    /// The text of `file` as this snapshot saw it, for position conversions.
    pub(crate) fn rope(&self, file: FileId) -> Rope {
        Rope::from_str(&self.analysis.file_text(file))
    }
}

pub(crate) struct State {
    pub(crate) docs: DashMap<Uri, Document>,
    /// One world per workspace folder; never empty.
    worlds: Mutex<Vec<World>>,
    encoding: RwLock<PositionEncoding>,
    config: RwLock<Config>,
    /// Bumped by every change to any input; diagnostics computed at an older revision are
    /// dropped instead of published.
    revision: AtomicU64,
    /// Set once `initialize` has been answered successfully.
    pub(crate) initialized: AtomicBool,
    /// Set when a `shutdown` request arrives after `initialize` (see `ShutdownSeen`).
    pub(crate) shutdown_requested: AtomicBool,
    /// Set by the next change: cancels the diagnostics computation in flight.
    superseded: Mutex<Arc<AtomicBool>>,
    /// Wakes the diagnostics task.
    changed: mpsc::UnboundedSender<()>,
    /// `toolcheck.toml` files whose error is published as a diagnostic, to clear once they
    /// load.
    pub(crate) config_problems: Mutex<std::collections::HashSet<PathBuf>>,
}

impl State {
    pub(crate) fn new(changed: mpsc::UnboundedSender<()>) -> State {
        State {
            docs: DashMap::new(),
            worlds: Mutex::new(vec![World::empty(None, "")]),
            encoding: RwLock::new(PositionEncoding::Utf16),
            config: RwLock::new(Config::default()),
            revision: AtomicU64::new(0),
            initialized: AtomicBool::new(false),
            shutdown_requested: AtomicBool::new(false),
            superseded: Mutex::new(Arc::new(AtomicBool::new(false))),
            changed,
            config_problems: Mutex::default(),
        }
    }

    pub(crate) fn worlds(&self) -> MutexGuard<'_, Vec<World>> {
        // A panic while the lock was held leaves consistent data (every mutation is a
        // single host call), so a poisoned lock is recovered rather than propagated.
        self.worlds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the world `path` belongs to.
    fn with_world<R>(&self, path: &Path, f: impl FnOnce(&mut World) -> R) -> R {
        let mut worlds = self.worlds();
        let i = world_index(&worlds, path);
        f(&mut worlds[i])
    }

    pub(crate) fn encoding(&self) -> PositionEncoding {
        *self.encoding.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_encoding(&self, enc: PositionEncoding) {
        *self.encoding.write().unwrap_or_else(|e| e.into_inner()) = enc;
    }

    pub(crate) fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stores new settings; returns whether the workspace must be re-indexed.
    pub(crate) fn set_config(&self, config: Config) -> bool {
        let mut cur = self.config.write().unwrap_or_else(|e| e.into_inner());
        // Settings that change what is loaded; the others apply to the next analysis.
        let reindex = cur.bazel_version != config.bazel_version
            || cur.bazelrc != config.bazelrc
            || cur.output_base != config.output_base
            || cur.repos != config.repos
            || cur.bazel_configs != config.bazel_configs;
        *cur = config;
        drop(cur);
        self.bump();
        reindex
    }

    pub(crate) fn revision(&self) -> u64 {
        self.revision.load(Ordering::SeqCst)
    }

    /// Records that an input changed, cancels the diagnostics in flight and wakes the
    /// diagnostics task.
    pub(crate) fn bump(&self) {
        self.revision.fetch_add(1, Ordering::SeqCst);
        self.superseded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .store(true, Ordering::SeqCst);
        let _ = self.changed.send(());
    }

    /// A flag for one diagnostics computation: the next change sets it.
    pub(crate) fn diagnostics_round(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        *self.superseded.lock().unwrap_or_else(|e| e.into_inner()) = flag.clone();
        flag
    }

    /// One (empty) world per workspace folder; a single rootless world when there is none.
    pub(crate) fn set_roots(&self, roots: Vec<PathBuf>) {
        let version = self.config().bazel_version;
        let mut worlds: Vec<World> = roots
            .into_iter()
            .map(|r| World::empty(Some(r), &version))
            .collect();
        if worlds.is_empty() {
            worlds.push(World::empty(None, &version));
        }
        *self.worlds() = worlds;
    }

    /// Adds an (empty) world for a new workspace folder; false if it is there already.
    pub(crate) fn add_root(&self, root: PathBuf) -> bool {
        let version = self.config().bazel_version;
        let mut worlds = self.worlds();
        if worlds.iter().any(|w| w.root.as_ref() == Some(&root)) {
            return false;
        }
        worlds.retain(|w| w.root.is_some() || w.host.workspace().file_ids().next().is_none());
        worlds.push(World::empty(Some(root), &version));
        true
    }

    /// Drops the world of a removed workspace folder.
    pub(crate) fn remove_root(&self, root: &Path) {
        let version = self.config().bazel_version;
        let mut worlds = self.worlds();
        worlds.retain(|w| w.root.as_deref() != Some(root));
        if worlds.is_empty() {
            worlds.push(World::empty(None, &version));
        }
        drop(worlds);
        self.bump();
    }

    pub(crate) fn roots(&self) -> Vec<PathBuf> {
        self.worlds()
            .iter()
            .filter_map(|w| w.root.clone())
            .collect()
    }

    /// The Bazel workspace nested inside a workspace folder's that `path` (a file) belongs
    /// to, when no world has it yet: a directory under the folder with its own `MODULE.bazel`,
    /// `REPO.bazel` or `WORKSPACE` is a separate workspace for Bazel (and the loader leaves it
    /// out of the folder's), so its files are analysed in a world of their own, rooted where
    /// `bazel` run beside the file would root it. `None` for files a world already knows
    /// (including external repositories' files, which live outside the root) or that lie
    /// outside every workspace folder.
    pub(crate) fn nested_root_for(&self, path: &Path) -> Option<PathBuf> {
        {
            let worlds = self.worlds();
            if worlds.iter().any(|w| w.file_id(path).is_some()) {
                return None;
            }
            let world = &worlds[world_index(&worlds, path)];
            if !world.contains(path) {
                return None;
            }
        }
        let root = crate::vfs::find_root(path.parent()?)?;
        let worlds = self.worlds();
        let owner = worlds[world_index(&worlds, path)].root.as_deref()?;
        (root.starts_with(owner) && root != owner).then_some(root)
    }

    /// The workspace root `path` belongs to.
    pub(crate) fn root_of(&self, path: &Path) -> Option<PathBuf> {
        let worlds = self.worlds();
        worlds[world_index(&worlds, path)].root.clone()
    }

    /// A snapshot of every world.
    pub(crate) fn snapshots(&self) -> Vec<Snap> {
        let (config, enc) = (self.config(), self.encoding());
        self.worlds()
            .iter_mut()
            .map(|w| w.snap(&config, enc))
            .collect()
    }

    /// A snapshot of the world of an open or indexed document, with the document's id in it
    /// (taken together, so that the id is one this snapshot knows: a file deleted and not yet
    /// seen by an older snapshot, or added after it, would not be).
    pub(crate) fn snapshot_for(&self, uri: &Uri) -> Option<(Snap, FileId)> {
        let path = super::from_proto::file_path(uri)?;
        let (config, enc) = (self.config(), self.encoding());
        self.with_world(&path, |w| {
            let id = w.file_id(&path)?;
            Some((w.snap(&config, enc), id))
        })
    }

    /// `textDocument/didOpen`.
    pub(crate) fn open(&self, uri: Uri, text: String, version: i32, language_id: String) {
        // Any language id is fine: the file name decides how toolcheck reads the file.
        super::log::log!(
            Debug,
            "didOpen {} ({language_id}, version {version})",
            uri.as_str()
        );
        let doc = Document::new(&text, version);
        if let Some(path) = super::from_proto::file_path(&uri) {
            self.with_world(&path, |world| {
                let id = world.file_id_or_add(&path, &text);
                // Open documents keep their syntax tree: edits reparse incrementally.
                world.host.set_file_open(id, true);
                world.host.set_file_text(id, Arc::from(text));
            });
        }
        self.docs.insert(uri, doc);
        self.bump();
    }

    /// `textDocument/didChange`: applies the edits in order and records the version.
    pub(crate) fn change(&self, uri: &Uri, version: i32, changes: &[TextChange]) {
        let enc = self.encoding();
        let text = {
            let Some(mut doc) = self.docs.get_mut(uri) else {
                super::log::log!(Warn, "didChange for a document that is not open: {uri:?}");
                return;
            };
            doc.apply_changes(changes, version, enc);
            doc.text()
        };
        if let Some(path) = super::from_proto::file_path(uri) {
            self.with_world(&path, |world| {
                let id = world.file_id_or_add(&path, &text);
                world.host.set_file_open(id, true);
                world.host.set_file_text(id, Arc::from(text));
            });
        }
        self.bump();
    }

    /// `textDocument/didClose`: the disk contents become the truth again; a document that
    /// is not on disk (never saved) leaves the workspace.
    pub(crate) fn close(&self, uri: &Uri) {
        self.docs.remove(uri);
        if let Some(path) = super::from_proto::file_path(uri) {
            let text = crate::vfs::read_text_file(&path);
            self.with_world(&path, |world| match (world.file_id(&path), text) {
                (Some(id), Some(text)) => {
                    world.host.set_file_open(id, false);
                    world.host.set_file_text(id, Arc::from(text))
                }
                (Some(_), None) => {
                    world.remove(&path);
                }
                (None, _) => {}
            });
        }
        self.bump();
    }

    /// A file changed, appeared or disappeared on disk (`workspace/didChangeWatchedFiles`).
    /// Open documents are owned by the editor and ignore disk events.
    pub(crate) fn disk_changed(&self, path: &Path) {
        if let Some(uri) = Uri::from_file_path(path) {
            if self.docs.contains_key(&uri) {
                return;
            }
        }
        // A deleted directory takes the files under it along.
        if !is_bazel_file(path) && path.exists() {
            return;
        }
        let text = crate::vfs::read_text_file(path);
        let changed = self.with_world(path, |world| match (world.file_id(path), text) {
            (Some(id), Some(text)) => {
                world.host.set_file_text(id, Arc::from(text));
                true
            }
            // Deleted: its package, targets and registrations leave the index. Created again
            // later, it is added afresh below.
            (Some(_), None) => world.remove(path),
            (None, Some(text)) if world.contains(path) => {
                world.file_id_or_add(path, &text);
                true
            }
            (None, None) => world.remove_under(path) > 0,
            (None, _) => false,
        });
        if changed {
            self.bump();
        }
    }

    /// Whether the world of `folder` holds a workspace loaded from disk (see `World::loaded`).
    pub(crate) fn is_loaded(&self, folder: &Path) -> bool {
        self.worlds()
            .iter()
            .any(|w| w.root.as_deref() == Some(folder) && w.loaded)
    }

    /// Replaces the world of `folder` (a workspace folder; `root` is the Bazel workspace
    /// root found for it) with a freshly loaded one, keeping open documents' text. `withheld`:
    /// loaded with the default configuration in place of a broken `toolcheck.toml`.
    pub(crate) fn install_workspace(
        &self,
        host: AnalysisHost,
        file_lint: LintConfig,
        folder: &Path,
        root: PathBuf,
        withheld: bool,
    ) {
        let mut worlds = self.worlds();
        let Some(i) = worlds
            .iter()
            .position(|w| w.root.as_deref() == Some(folder))
        else {
            // The folder was removed while it was being indexed.
            return;
        };
        worlds[i] = World::new(host, Some(root));
        worlds[i].file_lint = file_lint;
        worlds[i].loaded = true;
        worlds[i].withheld = withheld;
        let open: Vec<(PathBuf, String)> = self
            .docs
            .iter()
            .filter_map(|e| Some((super::from_proto::file_path(e.key())?, e.value().text())))
            .filter(|(path, _)| world_index(&worlds, path) == i)
            .collect();
        let world = &mut worlds[i];
        for (path, text) in open {
            let id = world.file_id_or_add(&path, &text);
            world.host.set_file_open(id, true);
            world.host.set_file_text(id, Arc::from(text));
        }
        drop(worlds);
        self.bump();
    }
}

/// Whether toolcheck reads this file (by name).
pub(crate) fn is_bazel_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    FileKind::from_file_name(&name).is_some()
        || FileKind::is_data_file_name(&name)
        || name == ".bazelversion"
}

/// The editor's settings applied over the workspace's `toolcheck.toml`.
pub(crate) fn lint_config(mut lc: LintConfig, config: &Config) -> LintConfig {
    for check in &config.checks.enable {
        lc.ignore.retain(|c| c != check);
        if lc.severities.get(check).is_some_and(|s| s.is_none()) {
            lc.severities.remove(check);
        }
        if !lc.select.is_empty() && !lc.select.contains(check) {
            lc.select.push(check.clone());
        }
    }
    for check in &config.checks.disable {
        if !config.checks.enable.contains(check) {
            lc.ignore.push(check.clone());
        }
    }
    lc
}
