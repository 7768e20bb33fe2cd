//! What a check sees: the workspace, per-file facts, the merged index, and the configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::OnceLock;
use toolcheck_index::facts::FileFacts;
use toolcheck_index::index::WorkspaceIndex;

use toolcheck_index::index::Decl;
use toolcheck_index::label::Label;
use toolcheck_index::workspace::{FileId, Workspace};
use toolcheck_resolve::model::BazelVersion;

use toolcheck_semantics::{FlowAnalysis, Inputs, SemanticCache, Simulation};

use crate::diagnostic::Severity;

/// Which checks run and at what severity (from `toolcheck.toml`, the CLI or the editor).
#[derive(Clone, Debug, Default)]
pub struct LintConfig {
    /// When non-empty, only these checks run (`--select`).
    pub select: Vec<String>,
    /// Checks that never run (`--ignore`, `disable` in the config file).
    pub ignore: Vec<String>,
    /// Severity overrides; `None` turns a check off.
    pub severities: BTreeMap<String, Option<Severity>>,
}

impl LintConfig {
    /// The severity a check runs at, or `None` when it is off.
    pub fn severity_of(&self, check: &str, default: Severity) -> Option<Severity> {
        if !self.select.is_empty() && !self.select.iter().any(|s| s == check) {
            return None;
        }
        if self.ignore.iter().any(|s| s == check) {
            return None;
        }
        match self.severities.get(check) {
            Some(s) => *s,
            None => Some(default),
        }
    }
}

pub struct LintContext<'a> {
    pub ws: &'a Workspace,
    pub facts: &'a [Arc<FileFacts>],
    pub index: &'a WorkspaceIndex,
    pub version: BazelVersion,
    semantics: SemanticsCell<'a>,
    /// When set, only diagnostics in this file are wanted: checks may skip work that can
    /// only report elsewhere (the registry drops anything outside it regardless).
    scope: Option<FileId>,
    /// For a scope: the files whose targets and rules can hold a label written in it.
    sources: OnceLock<FxHashSet<FileId>>,
    /// Polled inside long walks over the workspace: once it says so, they stop early (the
    /// run's result is then dropped, see [`crate::run_checks_until`]).
    cancelled: Option<&'a (dyn Fn() -> bool + Sync)>,
}

/// The semantic results a context uses: its own, or those shared with other contexts over
/// the same analysis state (an editor snapshot computes them once for every request).
enum SemanticsCell<'a> {
    Own(SemanticCache),
    Shared(&'a SemanticCache),
}

impl<'a> LintContext<'a> {
    pub fn new(
        ws: &'a Workspace,
        facts: &'a [Arc<FileFacts>],
        index: &'a WorkspaceIndex,
        version: BazelVersion,
    ) -> Self {
        LintContext {
            ws,
            facts,
            index,
            version,
            semantics: SemanticsCell::Own(SemanticCache::default()),
            scope: None,
            sources: OnceLock::new(),
            cancelled: None,
        }
    }

    /// Uses (and fills, on first use) semantic results shared with other contexts over the
    /// same state.
    pub fn with_shared_semantics(mut self, cache: &'a SemanticCache) -> Self {
        self.semantics = SemanticsCell::Shared(cache);
        self
    }

    /// Makes long walks over the workspace poll `cancelled` and stop early when it returns
    /// true.
    pub fn with_cancel(mut self, cancelled: &'a (dyn Fn() -> bool + Sync)) -> Self {
        self.cancelled = Some(cancelled);
        self
    }

    /// Whether the run this context serves was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.is_some_and(|c| c())
    }

    /// Restricts the wanted diagnostics to one file.
    pub fn scoped_to(mut self, file: FileId) -> Self {
        self.scope = Some(file);
        self
    }

    pub fn scope(&self) -> Option<FileId> {
        self.scope
    }

    /// Whether diagnostics in `file` are wanted.
    pub fn in_scope(&self, file: FileId) -> bool {
        self.scope.is_none_or(|s| s == file)
    }

    /// Where an rc-file flag is written: its file and the flag's range (`None` for a flag
    /// from the command line).
    pub fn rc_site(
        &self,
        flag: &toolcheck_index::bazelrc::FlagValue,
    ) -> Option<(FileId, toolcheck_syntax::TextRange)> {
        Some((self.ws.rc_files.get(flag.file?)?.1, flag.range))
    }

    /// Whether targets declared in (or rules bound in) `file` can hold a label written in the
    /// scope. A label is written where its string literal is: in the BUILD file itself, or in
    /// a `.bzl` file it loads (a constant, a macro body). So for a BUILD file scope only its
    /// own targets qualify, and for a `.bzl` file the files that load it, directly or not.
    pub fn in_sources(&self, file: FileId) -> bool {
        let Some(scope) = self.scope else {
            return true;
        };
        if file == scope {
            return true;
        }
        self.sources
            .get_or_init(|| {
                let mut out = FxHashSet::default();
                if self.ws.file(scope).kind != toolcheck_syntax::FileKind::Bzl {
                    return out;
                }
                let edges = &self.index.load_edges;
                let mut dependents: FxHashMap<FileId, Vec<FileId>> = FxHashMap::default();
                for (from, tos) in edges.iter().enumerate() {
                    for to in tos.iter() {
                        dependents.entry(*to).or_default().push(FileId(from as u32));
                    }
                }
                let mut stack = vec![scope];
                while let Some(f) = stack.pop() {
                    for d in dependents.get(&f).into_iter().flatten() {
                        if out.insert(*d) {
                            stack.push(*d);
                        }
                    }
                }
                out
            })
            .contains(&file)
    }

    /// Targets that can hold a label written in the scope (every target without a scope),
    /// ordered by file and position.
    ///
    /// When the run is cancelled the walk ends early (polled every 256 BUILD files).
    pub fn source_targets(&self) -> impl Iterator<Item = &'a toolcheck_index::index::Target> + '_ {
        let index: &'a WorkspaceIndex = self.index;
        let seen = std::cell::Cell::new(0u32);
        let stopped = std::cell::Cell::new(false);
        index.targets.values_by_position_in(move |f| {
            seen.set(seen.get().wrapping_add(1));
            if seen.get().is_multiple_of(256) && self.is_cancelled() {
                stopped.set(true);
            }
            !stopped.get() && self.in_sources(f)
        })
    }

    fn semantics(&self) -> (&SemanticCache, Inputs<'a>) {
        let cache = match &self.semantics {
            SemanticsCell::Own(c) => c,
            SemanticsCell::Shared(c) => c,
        };
        let inputs = Inputs {
            ws: self.ws,
            facts: self.facts,
            index: self.index,
            version: self.version,
        };
        (cache, inputs)
    }

    /// The resolution simulator's view of the workspace, built on first use.
    pub fn simulation(&self) -> &Simulation {
        let (cache, inputs) = self.semantics();
        cache.simulation(inputs)
    }

    /// How the main repository's rules resolve on the target platforms, resolved once.
    pub fn rule_resolutions(&self) -> &toolcheck_semantics::simulation::RuleResolutions {
        let (cache, inputs) = self.semantics();
        cache.rule_resolutions(inputs)
    }

    /// The flow analysis of every rule implementation, run on first use (the four
    /// optional-toolchain checks share it).
    pub fn flow(&self) -> &FlowAnalysis {
        let (cache, inputs) = self.semantics();
        cache.flow(inputs)
    }

    /// The hosts the checks consider, the analysed one first (empty: the host is fixed by
    /// `host_constraints`; see `toolcheck_semantics::matrix::hosts`).
    pub fn hosts(&self) -> &[toolcheck_semantics::matrix::PlannedHost] {
        let (cache, inputs) = self.semantics();
        cache.hosts(inputs)
    }

    /// Whether checks that report at registrations and at registered toolchains' declarations
    /// can report in the scope: it holds a registration or a `toolchain()` target.
    pub fn scope_has_toolchain_sites(&self) -> bool {
        let Some(scope) = self.scope else {
            return true;
        };
        self.index
            .registrations
            .iter()
            .any(|r| r.loc.is_some_and(|l| l.file == scope))
            || self.index.targets.unit(scope).is_some_and(|u| {
                u.targets
                    .iter()
                    .any(|t| matches!(t.decl, Decl::Toolchain(_)))
            })
    }

    /// Target platforms checks consider: the configured ones, else `--platforms` from
    /// `.bazelrc`, else every `platform()` declared in the main repository.
    pub fn target_platforms(&self) -> Vec<Label> {
        self.simulation().target_platforms.clone()
    }
}
