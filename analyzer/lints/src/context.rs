//! What a check sees: the workspace, per-file facts, the merged index, and the configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use std::sync::OnceLock;
use toolcheck_index::facts::FileFacts;
use toolcheck_index::index::WorkspaceIndex;

use toolcheck_index::index::Decl;
use toolcheck_index::label::{Label, LabelContext, RepoName};
use toolcheck_index::workspace::{FileId, Workspace};
use toolcheck_resolve::model::BazelVersion;

use crate::simulation::Simulation;

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
    simulation: SimulationCell<'a>,
    /// When set, only diagnostics in this file are wanted: checks may skip work that can
    /// only report elsewhere (the registry drops anything outside it regardless).
    scope: Option<FileId>,
}

/// The simulation a context uses: its own, or one shared with other contexts over the same
/// analysis state (an editor snapshot computes it once for every request).
enum SimulationCell<'a> {
    Own(OnceLock<Arc<Simulation>>),
    Shared(&'a OnceLock<Arc<Simulation>>),
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
            simulation: SimulationCell::Own(OnceLock::new()),
            scope: None,
        }
    }

    /// Uses (and fills, on first use) a simulation shared with other contexts over the same
    /// state.
    pub fn with_shared_simulation(mut self, cell: &'a OnceLock<Arc<Simulation>>) -> Self {
        self.simulation = SimulationCell::Shared(cell);
        self
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

    /// The resolution simulator's view of the workspace, built on first use.
    pub fn simulation(&self) -> &Simulation {
        let cell = match &self.simulation {
            SimulationCell::Own(c) => c,
            SimulationCell::Shared(c) => c,
        };
        cell.get_or_init(|| Arc::new(Simulation::build(self.ws, self.index, self.version)))
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
                    .any(|t| matches!(t.decl, Decl::Toolchain { .. }))
            })
    }

    /// Target platforms checks consider: the configured ones, else `--platforms` from
    /// `.bazelrc`, else every `platform()` declared in the main repository.
    pub fn target_platforms(&self) -> Vec<Label> {
        let main = self
            .index
            .mappings
            .get(&RepoName::main())
            .cloned()
            .unwrap_or_default();
        let ctx = LabelContext::main_root(&main);
        let configured: Vec<Label> = self
            .ws
            .settings
            .target_platforms
            .iter()
            .filter_map(|t| ctx.resolve(t).ok())
            .collect();
        if !configured.is_empty() {
            return configured;
        }
        let mut out: Vec<Label> = self
            .index
            .targets
            .values()
            .filter(|t| t.label.repo.is_main() && matches!(t.decl, Decl::Platform { .. }))
            .map(|t| t.label.clone())
            .collect();
        if let Some(fv) = &self.index.flags.platforms {
            out.extend(fv.value.split(',').filter_map(|t| ctx.resolve(t).ok()));
        }
        out.sort();
        out.dedup();
        out
    }
}
