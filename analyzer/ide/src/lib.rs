//! The analysis API shared by the CLI and the language server: an [`AnalysisHost`] that owns
//! the workspace and its per-file facts and takes changes, and cheap [`Analysis`] snapshots
//! whose methods return plain data (byte ranges, file ids, strings) — never protocol types.
//!
//! Per-file facts are cached by content hash: a change re-lowers only the changed file. The
//! next snapshot's index is updated from the previous one when only BUILD and `.bzl` texts
//! changed (re-evaluating the changed BUILD files and those that load a changed `.bzl` file),
//! and rebuilt otherwise. The resolution simulation is carried over when the re-evaluated
//! packages look the same to it. [`Analysis::file_diagnostics`] runs the checks scoped to one
//! file, so the cost of an edit follows what the edit can affect.

mod cancel;
mod debug;
mod describe;
mod graph;
mod matrix;
mod resolve;

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use toolcheck_semantics::SemanticCache;

use toolcheck_index::facts::{lower_file, FileFacts};
use toolcheck_index::index::WorkspaceIndex;
use toolcheck_syntax::ParseLimits;

pub use cancel::{Cancellable, Cancelled};
pub use graph::{
    Cell as GraphCell, CellOutcome, GraphPlace, GraphPlatform, GraphSetting, GraphToolchain, Mark,
    MarkRole, OtherPick, ResolutionGraph, HAZARD_CHECKS,
};
pub use matrix::{check_matrix, where_it_holds, MatrixOutcome, MatrixSummary};
pub use resolve::{
    AutoExecGroupsNote, GroupOutcome, HostNote, PlatformOutcome, ResolveFailure, ResolveQuery,
    ToolchainChoice,
};
pub use toolcheck_index::index::active_modes;
pub use toolcheck_index::label::{Label, RawLabel, RepoName};
pub use toolcheck_index::text::{FileText, Text};
pub use toolcheck_index::workspace::{
    AnalysisMode, ConfigMatrix, ConfigSelect, FileId, HostConstraints, HostMachine, LoadProblem,
    RepoInfo, RepoOrigin, Settings, SourceFile, Workspace,
};
pub use toolcheck_index::{
    bazelrc, body, build_reader, cache_codec, expr, facts, module_version, SmolStr,
};
pub use toolcheck_lints::{
    check_by_name, closest_check, Applicability, CheckMeta, Diagnostic, Fix, LintConfig, Related,
    Severity, TextEdit, ALL as ALL_CHECKS,
};
pub use toolcheck_resolve::model::BazelVersion;
pub use toolcheck_resolve::platforms_repo::closest_name;
pub use toolcheck_semantics::coverage::{
    Category as CoverageCategory, Coverage, GapKind, Place, Reason as CoverageReason,
};
pub use toolcheck_syntax::{FileKind, LineIndex, SyntaxError, TextRange};

mod navigation;
pub use navigation::{
    Completion, CompletionKind, FileRange, HoverResult, NavTarget, Symbol, SymbolKind,
};
mod workspace_symbols;
pub use workspace_symbols::WorkspaceSymbol;

/// The newest Bazel version whose semantics toolcheck simulates (the default).
pub const NEWEST_BAZEL: BazelVersion = BazelVersion::NEWEST;

/// Lowers one file's text into facts. `.bazelrc` files have no Starlark facts; the index
/// parses them itself. BUILD, MODULE.bazel, WORKSPACE and REPO.bazel files go through the
/// direct reader first ([`build_reader`]), which handles the plain ones several times faster
/// than parsing and gives the same facts; the rest are parsed ([`lower_parsed`]).
pub fn lower(kind: FileKind, text: &str) -> FileFacts {
    if kind.is_starlark()
        && kind != FileKind::Bzl
        && DIRECT_READER.load(std::sync::atomic::Ordering::Relaxed)
    {
        if let Some(facts) = build_reader::read(text) {
            return facts;
        }
    }
    lower_parsed(kind, text)
}

/// [`lower`] with tree-sitter only: what the direct reader must agree with wherever it
/// accepts a file.
pub fn lower_parsed(kind: FileKind, text: &str) -> FileFacts {
    lower_keeping_tree(kind, text, None).0
}

static DIRECT_READER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turns the direct reader off (or on again) for the whole process: every file is then
/// parsed. For measuring what the reader saves, and for ruling it out when chasing a bug.
pub fn set_direct_reader(enabled: bool) {
    DIRECT_READER.store(enabled, std::sync::atomic::Ordering::Relaxed);
}

/// [`lower`], also returning the syntax tree (for the next incremental reparse of an open
/// document). With `previous` (the text before an edit and its tree) the text is reparsed
/// incrementally; the facts are the same either way.
fn lower_keeping_tree(
    kind: FileKind,
    text: &str,
    previous: Option<(&str, &toolcheck_syntax::Tree)>,
) -> (FileFacts, Option<toolcheck_syntax::Tree>) {
    if !kind.is_starlark() {
        return (FileFacts::default(), None);
    }
    let parse = match previous {
        Some((old_text, old_tree)) => {
            toolcheck_syntax::reparse(old_text, old_tree, text, ParseLimits::default())
        }
        None => toolcheck_syntax::parse_with(text, None, ParseLimits::default()),
    };
    let facts = lower_file(parse.tree.as_ref(), text, kind, parse.errors);
    (facts, parse.tree)
}

fn content_hash(text: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    text.hash(&mut h);
    h.finish()
}

/// Owns the workspace and takes changes; hands out immutable snapshots.
pub struct AnalysisHost {
    ws: Arc<Workspace>,
    facts: Vec<Arc<FileFacts>>,
    hashes: Vec<u64>,
    snapshot: Option<Analysis>,
    /// The last state an index was built for, to update the next one from.
    base: Option<Arc<Snapshot>>,
    /// Files whose text changed since `base`.
    dirty: Vec<FileId>,
    /// Files were added or removed since `base`: the next index is built from scratch.
    structural: bool,
    /// Syntax trees of the files open in an editor, for incremental reparsing (no tree is
    /// kept for any other file).
    trees: rustc_hash::FxHashMap<FileId, toolcheck_syntax::Tree>,
    /// Bumped by every change; snapshots taken before it are cancelled.
    revision: cancel::Revision,
    /// The settings differ from those `base` was built with ([`fork`](Self::fork)): the
    /// flags, registrations and computed repositories are recomputed, the packages kept.
    settings_changed: bool,
    /// The last repository computation's fixpoint (shared with forks, which have the same
    /// files; a file change clears it).
    compute_memo: Option<Arc<ComputeMemo>>,
}

/// What the repository computation depends on besides the files: the calls, and the flags.
type ComputeKey = (
    Vec<toolcheck_index::computed::Instantiation>,
    Vec<toolcheck_index::computed::ExtensionUsage>,
    String,
);

/// Where the last repository computation ended, for a [`AnalysisHost::fork`] of the same
/// files to reuse.
struct ComputeMemo {
    key: ComputeKey,
    /// A rule or extension read the host: the result holds for `host` only.
    read_host: bool,
    /// The host OS and CPU it was computed for.
    host: (Option<String>, Option<String>),
}

/// How many times one snapshot may compute repositories and index them again (a generated
/// repository a WORKSPACE file loads from can define more).
const MAX_COMPUTE_ROUNDS: usize = 4;

impl AnalysisHost {
    /// Builds facts for every file in parallel. BUILD files' texts are packed afterwards
    /// (`toolcheck_index::text`): nothing reads them again but findings and editors.
    pub fn new(ws: Workspace) -> AnalysisHost {
        AnalysisHost::with_cached_facts(ws, Vec::new())
    }

    /// Builds facts for every file, reusing precomputed ones (from a persistent cache keyed by
    /// content): `cached[i]`, when present, must be the facts of `ws.files[i]`'s text. The
    /// missing ones are lowered in parallel, and BUILD files' texts are packed as in
    /// [`AnalysisHost::new`].
    pub fn with_cached_facts(
        mut ws: Workspace,
        cached: Vec<Option<Arc<FileFacts>>>,
    ) -> AnalysisHost {
        let (facts, hashes): (Vec<_>, Vec<_>) =
            toolcheck_index::text::map_then_pack(ws.files_mut(), |i, f| {
                let text = f.text();
                let facts = match cached.get(i) {
                    Some(Some(facts)) => facts.clone(),
                    _ => Arc::new(lower(f.kind, &text)),
                };
                (facts, content_hash(&text))
            })
            .into_iter()
            .unzip();
        AnalysisHost {
            ws: Arc::new(ws),
            facts,
            hashes,
            snapshot: None,
            base: None,
            dirty: Vec::new(),
            structural: false,
            trees: Default::default(),
            revision: Default::default(),
            settings_changed: false,
            compute_memo: None,
        }
    }

    /// A host for the same files analysed with other settings (a named config, another
    /// host machine): the facts, and the last snapshot's package units when the repository
    /// mappings allow, are shared; everything the settings decide is recomputed.
    pub fn fork(&self, settings: Settings) -> AnalysisHost {
        let mut ws = (*self.ws).clone();
        ws.settings = settings;
        AnalysisHost {
            ws: Arc::new(ws),
            facts: self.facts.clone(),
            hashes: self.hashes.clone(),
            snapshot: None,
            base: self.base.clone(),
            dirty: Vec::new(),
            structural: false,
            trees: Default::default(),
            revision: Default::default(),
            settings_changed: true,
            compute_memo: self.compute_memo.clone(),
        }
    }

    /// Every file's facts, indexed like the workspace's files (a removed file's are empty).
    pub fn file_facts(&self) -> &[Arc<FileFacts>] {
        &self.facts
    }

    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Replaces a file's text. Facts are recomputed only when the content changed.
    pub fn set_file_text(&mut self, file: FileId, text: Arc<str>) {
        let i = file.0 as usize;
        if self.ws.is_removed(file) {
            // A removed file has no text to set; adding it again revives it.
            return;
        }
        if self.ws.files[i].stored_text().same_as(&text) {
            // Nothing changed (an editor opening a file as it is on disk): snapshots stay
            // valid and the work they feed is not cancelled.
            return;
        }
        let hash = content_hash(&text);
        let ws = Arc::make_mut(&mut self.ws);
        let kind = ws.files[i].kind;
        // An edited file stays plain: the editor reads it at every request.
        let old_text = ws.files_mut()[i].set_stored_text(text.clone().into());
        if self.hashes[i] != hash {
            let facts = match self.trees.get(&file) {
                Some(tree) => {
                    let (facts, tree) =
                        lower_keeping_tree(kind, &text, Some((&old_text.read(), tree)));
                    match tree {
                        Some(tree) => self.trees.insert(file, tree),
                        None => self.trees.remove(&file),
                    };
                    facts
                }
                None => lower(kind, &text),
            };
            self.facts[i] = Arc::new(facts);
            self.hashes[i] = hash;
        }
        if !self.dirty.contains(&file) {
            self.dirty.push(file);
        }
        self.invalidate();
    }

    /// Marks a file as open in an editor (its syntax tree is kept, and edits reparse it
    /// incrementally) or closed (the tree is dropped).
    pub fn set_file_open(&mut self, file: FileId, open: bool) {
        if self.ws.is_removed(file) {
            return;
        }
        if !open {
            self.trees.remove(&file);
            return;
        }
        if self.trees.contains_key(&file) {
            return;
        }
        let f = self.ws.file(file);
        if let (_, Some(tree)) = lower_keeping_tree(f.kind, &f.text(), None) {
            self.trees.insert(file, tree);
        }
    }

    /// Adds a file (created on disk or opened in an editor) and returns its id: a new one, or
    /// the id the same path had before it was removed.
    pub fn add_file(
        &mut self,
        repo: RepoName,
        path: String,
        kind: FileKind,
        text: Arc<str>,
    ) -> FileId {
        let facts = Arc::new(lower(kind, &text));
        let hash = content_hash(&text);
        let id = Arc::make_mut(&mut self.ws).add_file(repo, path, kind, text);
        let i = id.0 as usize;
        if i < self.facts.len() {
            // A revived tombstone.
            self.facts[i] = facts;
            self.hashes[i] = hash;
        } else {
            self.facts.push(facts);
            self.hashes.push(hash);
        }
        self.structural = true;
        self.invalidate();
        id
    }

    /// Removes a file (deleted on disk): its package, targets, registrations and every other
    /// fact it contributed leave the index. Its id becomes a tombstone (empty text, no facts)
    /// that no other path gets, so every other file keeps its id and per-file vectors stay
    /// aligned; the same path added again gets the id back.
    pub fn remove_file(&mut self, file: FileId) {
        if self.ws.is_removed(file) {
            return;
        }
        Arc::make_mut(&mut self.ws).remove_file(file);
        let i = file.0 as usize;
        self.facts[i] = Arc::new(FileFacts::default());
        self.hashes[i] = content_hash("");
        self.trees.remove(&file);
        self.dirty.retain(|&f| f != file);
        self.structural = true;
        self.invalidate();
    }

    /// Cancels every snapshot handed out so far (for changes the host does not see, such as
    /// the lint configuration).
    pub fn request_cancellation(&self) {
        self.revision.bump();
    }

    fn invalidate(&mut self) {
        self.snapshot = None;
        self.revision.bump();
        // Files changed (or the computation itself replaced some): the memo no longer
        // describes them.
        self.compute_memo = None;
    }

    /// Finds a file by repository and repository-relative path.
    pub fn file_id(&self, repo: &RepoName, path: &str) -> Option<FileId> {
        self.ws.file_ids().find(|&id| {
            let f = self.ws.file(id);
            &f.repo == repo && f.path == path
        })
    }

    /// A consistent snapshot of the current state (the index is built once per state).
    ///
    /// Repositories that repository rules and module extensions compute become part of the
    /// workspace here: after the index is built, the rules run ([`WorkspaceIndex::
    /// computed_repos`]) and their files are added, replaced or removed like files on disk,
    /// then the index is brought up to date. A computed repository may feed the next (a
    /// WORKSPACE `load()` from a generated repository), so this repeats until nothing
    /// changes, at most [`MAX_COMPUTE_ROUNDS`] times.
    pub fn analysis(&mut self) -> Analysis {
        if let Some(s) = &self.snapshot {
            return s.clone();
        }
        // Only MODULE.bazel, WORKSPACE, `.bzl` and template edits (or a changed set of files)
        // can change what repository rules generate.
        let may_change = self.base.is_none()
            || self.structural
            || self.settings_changed
            || self
                .dirty
                .iter()
                .any(|&f| !self.ws.is_removed(f) && self.ws.file(f).kind != FileKind::Build);
        // Computed repositories live outside the main repository, so they never change
        // which version is simulated: it is chosen once (inferring it reads the file list).
        let version = bazel_version(&self.ws);
        if may_change {
            let (globals, changed) = self.compute_repositories(version);
            // The global part is the costly start of a fresh index: when the index is built
            // afresh anyway, it is finished instead of computed again.
            if changed || self.base.is_none() || self.structural {
                let index = globals.complete(&self.ws, &self.facts);
                return self.snapshot_of(index, version, SemanticCache::default());
            }
        }
        self.build_snapshot(version)
    }

    /// Runs the workspace's repository rules and module extensions and makes their output
    /// part of the workspace, from the index's global part only (the module graph, the
    /// instantiations; no packages). A computed repository may feed the next (a WORKSPACE
    /// `load()` from a generated repository), so this repeats until the instantiations stop
    /// changing, at most [`MAX_COMPUTE_ROUNDS`] times. Returns the global part of the final
    /// workspace's index, and whether the computation changed the workspace (when it did
    /// not, the usual incremental update applies).
    fn compute_repositories(&mut self, version: BazelVersion) -> (WorkspaceIndex, bool) {
        let host = (self.ws.settings.host_os(), self.ws.settings.host_cpu());
        let mut changed = false;
        let mut read_host = false;
        let mut last: Option<ComputeKey> = None;
        for round in 0..MAX_COMPUTE_ROUNDS {
            // The base was built from this very file table (a fork before any file changed):
            // its layout is this one's.
            let globals = match self
                .base
                .as_ref()
                .filter(|b| Arc::ptr_eq(&b.ws.files, &self.ws.files))
            {
                Some(b) => WorkspaceIndex::globals_with_layout(
                    &self.ws,
                    &self.facts,
                    version.major,
                    &b.index,
                ),
                None => WorkspaceIndex::globals_only(&self.ws, &self.facts, version.major),
            };
            let key = (
                globals.instantiations.clone(),
                globals.extension_usages.clone(),
                format!("{:?}", globals.flags),
            );
            // A fork for another host with the same calls and flags: unless a rule asked
            // which host it runs on, it generates what it generated for the original.
            if round == 0 && self.settings_changed {
                if let Some(m) = &self.compute_memo {
                    if m.key == key && (!m.read_host || m.host == host) {
                        return (globals, changed);
                    }
                }
            }
            // The same calls as last round's give the same files.
            if last.as_ref() == Some(&key) || round + 1 == MAX_COMPUTE_ROUNDS {
                self.compute_memo = Some(Arc::new(ComputeMemo {
                    key,
                    read_host,
                    host,
                }));
                return (globals, changed);
            }
            let computed = globals.computed_repos(&self.ws, &self.facts);
            read_host |= computed.read_host;
            if self.ws.computed_gaps != computed.skipped {
                Arc::make_mut(&mut self.ws).computed_gaps = computed.skipped.clone();
                self.invalidate();
                changed = true;
            }
            if !self.apply_computed(computed) {
                self.compute_memo = Some(Arc::new(ComputeMemo {
                    key,
                    read_host,
                    host,
                }));
                return (globals, changed);
            }
            changed = true;
            last = Some(key);
        }
        unreachable!("the last round returns")
    }

    /// Makes the workspace's computed repositories those of `computed`: files added,
    /// replaced or removed, repositories added or removed. Returns whether anything changed.
    fn apply_computed(&mut self, computed: toolcheck_index::computed::ComputedRepos) -> bool {
        use toolcheck_index::workspace::{RepoInfo, RepoOrigin};
        let mut changed = false;
        let wanted: rustc_hash::FxHashSet<RepoName> =
            computed.repos.iter().map(|r| r.name).collect();
        // The files computed repositories have now, by repository and path (one pass over
        // the workspace, not one per file).
        let computed_repos: rustc_hash::FxHashSet<RepoName> = self
            .ws
            .repos
            .iter()
            .filter(|r| matches!(r.origin, RepoOrigin::Computed(_)))
            .map(|r| r.name)
            .collect();
        let mut existing: rustc_hash::FxHashMap<RepoName, Vec<(String, FileId)>> =
            Default::default();
        if !computed_repos.is_empty() {
            for f in self.ws.file_ids() {
                let sf = self.ws.file(f);
                if computed_repos.contains(&sf.repo) {
                    existing
                        .entry(sf.repo)
                        .or_default()
                        .push((sf.path.clone(), f));
                }
            }
        }
        // Computed repositories no longer computed: their files go, then the repository.
        let stale: Vec<RepoName> = self
            .ws
            .repos
            .iter()
            .filter(|r| matches!(r.origin, RepoOrigin::Computed(_)) && !wanted.contains(&r.name))
            .map(|r| r.name)
            .collect();
        for repo in &stale {
            for (_, f) in existing.remove(repo).unwrap_or_default() {
                self.remove_file(f);
            }
            Arc::make_mut(&mut self.ws)
                .repos
                .retain(|r| &r.name != repo);
            self.structural = true;
            changed = true;
        }
        for repo in computed.repos {
            let origin = RepoOrigin::Computed(Arc::new(repo.origin.clone()));
            match self.ws.repos.iter().position(|r| r.name == repo.name) {
                Some(i) if self.ws.repos[i].origin == origin => {}
                Some(i) => {
                    Arc::make_mut(&mut self.ws).repos[i].origin = origin;
                    self.structural = true;
                    changed = true;
                }
                None => {
                    Arc::make_mut(&mut self.ws).repos.push(RepoInfo {
                        name: repo.name,
                        root_display: format!("@@{}", repo.name.as_str()),
                        display_prefix: String::new(),
                        origin,
                        module_name: None,
                    });
                    self.structural = true;
                    changed = true;
                }
            }
            let mut keep: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
            let had = existing.remove(&repo.name).unwrap_or_default();
            for file in repo.files {
                let name = file.path.rsplit('/').next().unwrap_or(&file.path);
                // Only what toolcheck reads: BUILD and `.bzl` files (a generated script or
                // JSON file is no concern of it).
                let Some(kind) = FileKind::from_file_name(name)
                    .filter(|k| matches!(k, FileKind::Build | FileKind::Bzl))
                else {
                    continue;
                };
                let Some(text) = file.text else { continue };
                keep.insert(file.path.clone());
                let old = had.iter().find(|(p, _)| *p == file.path).map(|(_, id)| *id);
                let id = match old {
                    Some(id) => {
                        if !self.ws.file(id).stored_text().same_as(&text) {
                            self.set_file_text(id, text);
                            changed = true;
                        }
                        id
                    }
                    None => {
                        changed = true;
                        self.add_file(repo.name, file.path.clone(), kind, text)
                    }
                };
                if self.ws.generated.get(&id) != Some(&file.source) {
                    Arc::make_mut(&mut self.ws)
                        .generated
                        .insert(id, file.source.clone());
                    // Where findings point changed, not what they are: no new index needed.
                    self.invalidate();
                }
            }
            for (_, f) in had.into_iter().filter(|(p, _)| !keep.contains(p)) {
                self.remove_file(f);
                changed = true;
            }
        }
        changed
    }

    /// Builds the snapshot of the current state: the index updated from the last one where
    /// the changes allow, else built afresh.
    fn build_snapshot(&mut self, version: BazelVersion) -> Analysis {
        let mut semantics = SemanticCache::default();
        let update = match &self.base {
            Some(base) if !self.structural && base.version == version => base
                .index
                .update(
                    &self.ws,
                    &self.facts,
                    &self.dirty,
                    version.major,
                    self.settings_changed,
                )
                .map(|u| (base, u)),
            _ => None,
        };
        let index = match update {
            Some((base, update)) => {
                // The simulation models packages' target names and the resolution-relevant
                // declarations; when the re-evaluated packages look the same, it still holds.
                let same = !update.globals_changed
                    && update.replaced.iter().all(|(file, old)| {
                        update.index.targets.unit(*file).is_some_and(|new| {
                            toolcheck_semantics::simulation::same_for_resolution(old, new)
                        })
                    });
                if same {
                    if let Some(sim) = base.semantics.built_simulation() {
                        semantics = SemanticCache::with_simulation(sim.clone());
                    }
                }
                update.index
            }
            None => WorkspaceIndex::build(&self.ws, &self.facts, version.major),
        };
        self.snapshot_of(index, version, semantics)
    }

    /// The snapshot of the current state with `index` (built for it), which becomes the base
    /// of the next update.
    fn snapshot_of(
        &mut self,
        index: WorkspaceIndex,
        version: BazelVersion,
        semantics: SemanticCache,
    ) -> Analysis {
        let inner = Arc::new(Snapshot {
            ws: self.ws.clone(),
            facts: self.facts.clone(),
            index,
            version,
            semantics,
        });
        if let Some(old) = self.base.replace(inner.clone()) {
            // Freeing a whole workspace's index and simulation takes tens of milliseconds on
            // large workspaces: not on the path of the edit that replaced it.
            if Arc::strong_count(&old) == 1 {
                std::thread::spawn(move || drop(old));
            }
        }
        self.dirty.clear();
        self.structural = false;
        self.settings_changed = false;
        let snapshot = Analysis {
            inner,
            cancel: self.revision.token(),
        };
        self.snapshot = Some(snapshot.clone());
        snapshot
    }
}

/// The Bazel version analysed (see [`bazel_version_choice`]).
pub fn bazel_version(ws: &Workspace) -> BazelVersion {
    bazel_version_choice(ws).version
}

/// Which Bazel version is simulated, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionChoice {
    pub version: BazelVersion,
    pub source: VersionSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSource {
    /// `--bazel-version` or `bazel_version` in `toolcheck.toml`.
    Setting,
    /// `.bazelversion`, as written.
    File(String),
    /// Neither says one (or `.bazelversion` names none toolcheck simulates): the reason.
    Inferred(String),
}

impl VersionSource {
    /// The machine-readable name (`setting`, `bazelversion`, `inferred`).
    pub fn key(&self) -> &'static str {
        match self {
            VersionSource::Setting => "setting",
            VersionSource::File(_) => "bazelversion",
            VersionSource::Inferred(_) => "inferred",
        }
    }
}

/// A `.bazelversion` as Bazelisk reads it: `7.4.1`, `7.x` (the newest 7 toolcheck knows),
/// `latest`/`rolling`/`last_green`/`last_rc` (the newest), `fork/bazel@7.1.0`.
fn bazelisk_version(text: &str) -> Option<BazelVersion> {
    let text = text.lines().next().unwrap_or("").trim();
    let text = text.rsplit_once('@').map_or(text, |(_, v)| v);
    match text {
        "latest" | "rolling" | "last_green" | "last_rc" => return Some(NEWEST_BAZEL),
        _ => {}
    }
    if let Some(major) = text.strip_suffix(".x").or_else(|| text.strip_suffix(".*")) {
        return major.parse().ok().and_then(BazelVersion::newest_of);
    }
    BazelVersion::parse(text)
}

/// The Bazel version simulated: `--bazel-version` (or `bazel_version` in `toolcheck.toml`),
/// else `.bazelversion`, else inferred from the workspace: a `WORKSPACE` without a
/// `MODULE.bazel`, or one the `.bazelrc` switches Bzlmod off for, is a 7.x workspace (Bazel 8
/// no longer reads `WORKSPACE` by default), any other the newest version toolcheck knows.
pub fn bazel_version_choice(ws: &Workspace) -> VersionChoice {
    if let Some(v) = ws
        .settings
        .bazel_version
        .as_deref()
        .and_then(BazelVersion::parse)
        .filter(|v| v.is_supported())
    {
        return VersionChoice {
            version: v,
            source: VersionSource::Setting,
        };
    }
    let mut why_not_file = None;
    if let Some(text) = ws.bazel_version_file.as_deref() {
        match bazelisk_version(text).filter(|v| v.is_supported()) {
            Some(v) => {
                return VersionChoice {
                    version: v,
                    source: VersionSource::File(text.trim().to_string()),
                }
            }
            None => {
                why_not_file = Some(format!(
                    ".bazelversion says '{}', which is not a version toolcheck simulates",
                    text.trim()
                ))
            }
        }
    }
    let main_file = |name: &str| {
        ws.file_ids().any(|f| {
            let sf = ws.file(f);
            sf.repo.is_main() && sf.path == name
        })
    };
    let has_module = main_file("MODULE.bazel");
    let has_workspace = ["WORKSPACE", "WORKSPACE.bazel"]
        .iter()
        .any(|n| main_file(n));
    // The default configuration's rc flags: `--noenable_bzlmod` without `--enable_workspace`
    // leaves a Bazel 8 with neither, so such a workspace is built with 7.x.
    let rc_workspace_only = || {
        let (_, flags) = toolcheck_index::bazelrc::workspace_build_flags(ws);
        flags.enable_bzlmod == Some(false) && flags.enable_workspace != Some(true)
    };
    let (version, reason) = if has_workspace && !has_module {
        (
            BazelVersion::newest_of(7).unwrap_or(NEWEST_BAZEL),
            "a WORKSPACE without MODULE.bazel, which Bazel 8 no longer reads by default",
        )
    } else if has_workspace && rc_workspace_only() {
        (
            BazelVersion::newest_of(7).unwrap_or(NEWEST_BAZEL),
            "the .bazelrc turns Bzlmod off and leaves WORKSPACE off, as Bazel 8 has it by default",
        )
    } else {
        (NEWEST_BAZEL, "the newest version toolcheck knows")
    };
    let prefix = why_not_file.unwrap_or_else(|| "no .bazelversion".to_string());
    VersionChoice {
        version,
        source: VersionSource::Inferred(format!("{prefix}; {reason}")),
    }
}

struct Snapshot {
    ws: Arc<Workspace>,
    facts: Vec<Arc<FileFacts>>,
    index: WorkspaceIndex,
    version: BazelVersion,
    /// The semantic layer's results (the resolution simulation, built on first use or
    /// carried over from the previous state; the flow analysis).
    semantics: SemanticCache,
}

/// An immutable view of the workspace; cheap to clone and `Send + Sync`.
#[derive(Clone)]
pub struct Analysis {
    inner: Arc<Snapshot>,
    cancel: cancel::Token,
}

impl Analysis {
    pub fn workspace(&self) -> &Workspace {
        &self.inner.ws
    }
    pub fn index(&self) -> &WorkspaceIndex {
        &self.inner.index
    }
    pub fn facts(&self) -> &[Arc<FileFacts>] {
        &self.inner.facts
    }
    pub fn bazel_version(&self) -> BazelVersion {
        self.inner.version
    }
    /// A file's text (see [`toolcheck_index::text`]: hold it while reading).
    pub fn file_text(&self, file: FileId) -> toolcheck_index::text::Text {
        self.inner.ws.file(file).text()
    }
    pub fn line_index(&self, file: FileId) -> LineIndex {
        LineIndex::new(&self.file_text(file))
    }
    pub fn display_path(&self, file: FileId) -> String {
        self.inner.ws.display_path(file)
    }

    /// The resolution simulator's view of this snapshot (built once).
    pub(crate) fn simulation(&self) -> &toolcheck_semantics::Simulation {
        self.inner
            .semantics
            .simulation(toolcheck_semantics::Inputs {
                ws: &self.inner.ws,
                facts: &self.inner.facts,
                index: &self.inner.index,
                version: self.inner.version,
            })
    }

    /// What this snapshot could not evaluate (counted once per snapshot; see
    /// `toolcheck_semantics::coverage`). Every front end shows it beside the findings, so a
    /// clean result with gaps never reads like a fully clean one.
    pub fn coverage(&self) -> Coverage {
        (**self.inner.semantics.coverage(toolcheck_semantics::Inputs {
            ws: &self.inner.ws,
            facts: &self.inner.facts,
            index: &self.inner.index,
            version: self.inner.version,
        }))
        .clone()
    }

    /// A lint context over this snapshot (for queries that share the checks' view).
    pub(crate) fn lint_context(&self) -> toolcheck_lints::LintContext<'_> {
        toolcheck_lints::LintContext::new(
            &self.inner.ws,
            &self.inner.facts,
            &self.inner.index,
            self.inner.version,
        )
        .with_shared_semantics(&self.inner.semantics)
    }

    /// Every diagnostic in the workspace, ordered by file and position.
    pub fn diagnostics(&self, config: &LintConfig) -> Vec<Diagnostic> {
        toolcheck_lints::run_checks(&self.lint_context(), config)
    }

    /// Diagnostics reported in one file: the same as [`diagnostics`](Self::diagnostics)
    /// filtered to `file`, but the checks skip work that can only report elsewhere.
    pub fn file_diagnostics(&self, file: FileId, config: &LintConfig) -> Vec<Diagnostic> {
        // Findings in generated files are reported at their sources (a template, the `.bzl`
        // file of the repository rule, the instantiation): for such a file, the scoped run
        // cannot see them, so the whole run is filtered instead.
        // Likewise a file that dependencies' findings may be moved to (ownership).
        if self.is_generation_source(file)
            || toolcheck_lints::receives_moved_findings(&self.lint_context(), file)
        {
            let mut all = self.diagnostics(config);
            all.retain(|d| d.file == file);
            return all;
        }
        toolcheck_lints::run_checks(&self.lint_context().scoped_to(file), config)
    }

    /// Whether a finding in a generated file may be reported in `file`.
    fn is_generation_source(&self, file: FileId) -> bool {
        let ws = &self.inner.ws;
        if ws.generated.is_empty() {
            return false;
        }
        ws.generated.values().any(|s| s.shows_in(file))
            || ws
                .repos
                .iter()
                .filter_map(|r| ws.computed_origin(&r.name))
                .any(|o| o.site.file == file)
    }

    /// Problems the loader met that belong to no file (unreadable directories, loops).
    pub fn path_problems(&self) -> impl Iterator<Item = &LoadProblem> {
        self.inner.ws.problems.iter().filter(|p| p.file.is_none())
    }
}
