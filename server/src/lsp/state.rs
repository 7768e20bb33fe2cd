//! Shared server state: open documents, the analysis host with its file ↔ path maps, the
//! negotiated position encoding and the settings.
//!
//! Architecture invariant: every mutation (`open`, `change`, `close`, disk events) happens
//! synchronously in the notification handler, before its first `.await`, and bumps
//! `revision`. Nothing here is held across an `.await`: readers take a [`Snap`] and let go.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use dashmap::DashMap;
use ropey::Rope;
use tokio::sync::mpsc;
use tower_lsp_server::ls_types::Uri;

use toolcheck_ide::{
    Analysis, AnalysisHost, FileId, FileKind, LintConfig, RepoInfo, RepoName, RepoOrigin, Workspace,
};

use super::config::Config;
use super::document::{Document, PositionEncoding, TextChange};

/// The analysis host plus the maps between its files and disk paths. They live under one
/// lock because re-indexing renumbers files.
pub(crate) struct World {
    pub(crate) host: AnalysisHost,
    by_path: HashMap<PathBuf, FileId>,
    paths: Arc<Vec<PathBuf>>,
    root: Option<PathBuf>,
}

impl World {
    pub(crate) fn new(host: AnalysisHost, root: Option<PathBuf>) -> World {
        let paths = file_paths(host.workspace(), root.as_deref());
        let by_path = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), FileId(i as u32)))
            .collect();
        World {
            host,
            by_path,
            paths: Arc::new(paths),
            root,
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
        debug_assert_eq!(paths.len(), id.0 as usize);
        paths.push(path.to_owned());
        id
    }
}

/// The absolute path of every file of `ws`, indexed by file id.
fn file_paths(ws: &Workspace, root: Option<&Path>) -> Vec<PathBuf> {
    ws.file_ids()
        .map(|id| {
            let f = ws.file(id);
            let repo_root = ws
                .repo(&f.repo)
                .map(|r| PathBuf::from(&r.root_display))
                .unwrap_or_default();
            let repo_root = match root {
                Some(root) if repo_root.is_relative() => root.join(repo_root),
                _ => repo_root,
            };
            repo_root.join(&f.path)
        })
        .collect()
}

/// The kind of a file toolcheck may not recognise by name (any `languageId` is accepted):
/// unknown names are treated as `.bzl`, `*.BUILD` (external build files) as BUILD files.
pub(crate) fn file_kind(path: &Path) -> FileKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    FileKind::from_file_name(&name).unwrap_or(if name.ends_with(".BUILD") {
        FileKind::Build
    } else {
        FileKind::Bzl
    })
}

pub(crate) fn empty_workspace(root: Option<&Path>, bazel_version: &str) -> Workspace {
    let mut ws = Workspace::default();
    ws.repos.push(RepoInfo {
        name: RepoName::main(),
        root_display: root.map(|r| r.display().to_string()).unwrap_or_default(),
        display_prefix: String::new(),
        origin: RepoOrigin::Main,
        module_name: None,
    });
    if !bazel_version.is_empty() {
        ws.settings.bazel_version = Some(bazel_version.to_owned());
    }
    ws
}

/// A consistent read-only view: an analysis snapshot plus the paths of its files.
#[derive(Clone)]
pub(crate) struct Snap {
    pub(crate) analysis: Analysis,
    paths: Arc<Vec<PathBuf>>,
    pub(crate) lint_config: Arc<LintConfig>,
    pub(crate) encoding: PositionEncoding,
}

impl Snap {
    pub(crate) fn uri(&self, file: FileId) -> Option<Uri> {
        Uri::from_file_path(self.paths.get(file.0 as usize)?)
    }

    /// The text of `file` as this snapshot saw it, for position conversions.
    pub(crate) fn rope(&self, file: FileId) -> Rope {
        Rope::from_str(self.analysis.file_text(file))
    }
}

pub(crate) struct State {
    pub(crate) docs: DashMap<Uri, Document>,
    world: Mutex<World>,
    encoding: RwLock<PositionEncoding>,
    config: RwLock<Config>,
    /// The check configuration of the workspace's `toolcheck.toml`, under the editor's.
    file_lint: RwLock<LintConfig>,
    /// Bumped by every change to any input; diagnostics computed at an older revision are
    /// dropped instead of published.
    revision: AtomicU64,
    pub(crate) shutdown_requested: AtomicBool,
    /// Wakes the diagnostics task.
    changed: mpsc::UnboundedSender<()>,
}

impl State {
    pub(crate) fn new(changed: mpsc::UnboundedSender<()>) -> State {
        State {
            docs: DashMap::new(),
            world: Mutex::new(World::empty(None, "")),
            encoding: RwLock::new(PositionEncoding::Utf16),
            config: RwLock::new(Config::default()),
            file_lint: RwLock::new(LintConfig::default()),
            revision: AtomicU64::new(0),
            shutdown_requested: AtomicBool::new(false),
            changed,
        }
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        // A panic while the lock was held leaves consistent data (every mutation is a
        // single host call), so a poisoned lock is recovered rather than propagated.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
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
        let reindex = cur.bazel_version != config.bazel_version;
        *cur = config;
        drop(cur);
        self.bump();
        reindex
    }

    pub(crate) fn set_file_config(&self, lint: LintConfig) {
        *self.file_lint.write().unwrap_or_else(|e| e.into_inner()) = lint;
    }

    pub(crate) fn revision(&self) -> u64 {
        self.revision.load(Ordering::SeqCst)
    }

    /// Records that an input changed and wakes the diagnostics task.
    pub(crate) fn bump(&self) {
        self.revision.fetch_add(1, Ordering::SeqCst);
        let _ = self.changed.send(());
    }

    pub(crate) fn set_root(&self, root: Option<PathBuf>) {
        let version = self.config().bazel_version;
        *self.world() = World::empty(root, &version);
    }

    pub(crate) fn root(&self) -> Option<PathBuf> {
        self.world().root.clone()
    }

    pub(crate) fn snapshot(&self) -> Snap {
        let config = self.config();
        let base = self
            .file_lint
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut world = self.world();
        let analysis = world.host.analysis();
        Snap {
            analysis,
            paths: world.paths.clone(),
            lint_config: Arc::new(lint_config(base, &config)),
            encoding: self.encoding(),
        }
    }

    /// The file id of an open or indexed document.
    pub(crate) fn file_id(&self, uri: &Uri) -> Option<FileId> {
        let path = super::from_proto::file_path(uri)?;
        self.world().file_id(&path)
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
            let mut world = self.world();
            let id = world.file_id_or_add(&path, &text);
            world.host.set_file_text(id, Arc::from(text));
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
            let mut world = self.world();
            let id = world.file_id_or_add(&path, &text);
            world.host.set_file_text(id, Arc::from(text));
        }
        self.bump();
    }

    /// `textDocument/didClose`: the disk contents become the truth again.
    pub(crate) fn close(&self, uri: &Uri) {
        self.docs.remove(uri);
        if let Some(path) = super::from_proto::file_path(uri) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let mut world = self.world();
            if let Some(id) = world.file_id(&path) {
                world.host.set_file_text(id, Arc::from(text));
            }
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
        if !is_bazel_file(path) {
            return;
        }
        let text = std::fs::read_to_string(path).ok();
        let mut world = self.world();
        match (world.file_id(path), text) {
            (Some(id), Some(text)) => world.host.set_file_text(id, Arc::from(text)),
            // The host has no removal: an empty file declares nothing.
            (Some(id), None) => world.host.set_file_text(id, Arc::from("")),
            (None, Some(text)) if world.root.as_deref().is_some_and(|r| path.starts_with(r)) => {
                world.file_id_or_add(path, &text);
            }
            (None, _) => return,
        }
        drop(world);
        self.bump();
    }

    /// Replaces the workspace with a freshly loaded one, keeping open documents' text.
    pub(crate) fn install_workspace(&self, host: AnalysisHost, root: PathBuf) {
        let open: Vec<(PathBuf, String)> = self
            .docs
            .iter()
            .filter_map(|e| Some((super::from_proto::file_path(e.key())?, e.value().text())))
            .collect();
        let mut world = World::new(host, Some(root));
        for (path, text) in open {
            let id = world.file_id_or_add(&path, &text);
            world.host.set_file_text(id, Arc::from(text));
        }
        *self.world() = world;
        self.bump();
    }
}

/// Whether toolcheck reads this file (by name).
pub(crate) fn is_bazel_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    FileKind::from_file_name(&name).is_some() || name == ".bazelversion"
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
