//! The semantic layer between the workspace index and its consumers (the checks, the IDE
//! queries, `toolcheck resolve`): what the workspace *means* beyond what it declares.
//!
//! - [`simulation`]: the bridge to the resolution simulator (model, configuration,
//!   registrations, requests of rules and targets);
//! - [`flow`]: the None-tracking flow analysis of rule implementations behind the
//!   optional-toolchain checks (the abstract domain over `toolcheck_index::interp`);
//! - [`matrix`]: the named configs and hosts a workspace is checked in;
//! - [`remote`]: the `exec_properties` platforms give their actions, and which run in a
//!   remote executor's image;
//! - [`repository_env`]: the environment variables repository rules read, tracked or not;
//! - [`toolchain_impl`]: the implementation chain of a toolchain and the host paths it
//!   hard-codes;
//! - [`builtin`]: Bazel's built-in and autodetected repositories, per version, when unread
//!   (`@bazel_tools`' types, native rules' requests, host-bound toolchains);
//! - [`coverage`]: what the snapshot could not evaluate (unknown requests, unevaluated
//!   targets and macros, unexpanded registrations, unreadable repositories, undecided
//!   resolutions), reported beside every run's findings.
//!
//! All are computed at most once per analysis snapshot: a [`SemanticCache`] lives beside
//! the snapshot's index, and every consumer reads through it.

pub mod builtin;
pub mod coverage;
pub mod flow;
pub mod matrix;
pub mod remote;
pub mod repository_env;
pub mod simulation;
pub mod toolchain_impl;

use std::sync::{Arc, OnceLock};

use toolcheck_index::facts::FileFacts;
use toolcheck_index::index::WorkspaceIndex;
use toolcheck_index::workspace::Workspace;
use toolcheck_resolve::model::BazelVersion;

pub use coverage::Coverage;
pub use flow::FlowAnalysis;
pub use simulation::Simulation;

/// The semantic results of one analysis snapshot, each computed on first use.
#[derive(Default)]
pub struct SemanticCache {
    simulation: OnceLock<Arc<Simulation>>,
    flow: OnceLock<Arc<FlowAnalysis>>,
    coverage: OnceLock<Arc<Coverage>>,
    rule_resolutions: OnceLock<Arc<simulation::RuleResolutions>>,
    hosts: OnceLock<Arc<Vec<matrix::PlannedHost>>>,
}

/// What the semantic layer reads: one consistent state of the workspace.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub ws: &'a Workspace,
    pub facts: &'a [Arc<FileFacts>],
    pub index: &'a WorkspaceIndex,
    pub version: BazelVersion,
}

impl SemanticCache {
    /// A cache that starts with a simulation carried over from an earlier state (valid when
    /// nothing the simulation models changed).
    pub fn with_simulation(simulation: Arc<Simulation>) -> SemanticCache {
        let cache = SemanticCache::default();
        let _ = cache.simulation.set(simulation);
        cache
    }

    /// The resolution simulator's view, built on first use.
    pub fn simulation(&self, inputs: Inputs<'_>) -> &Arc<Simulation> {
        self.simulation
            .get_or_init(|| Arc::new(Simulation::build(inputs.ws, inputs.index, inputs.version)))
    }

    /// The simulation if it was built already.
    pub fn built_simulation(&self) -> Option<&Arc<Simulation>> {
        self.simulation.get()
    }

    /// How every rule of the main repository resolves on each target platform the checks
    /// consider, resolved once (`no-matching-toolchain` and the coverage both read it).
    pub fn rule_resolutions(&self, inputs: Inputs<'_>) -> &Arc<simulation::RuleResolutions> {
        self.rule_resolutions.get_or_init(|| {
            let sim = self.simulation(inputs).clone();
            Arc::new(simulation::RuleResolutions::compute(
                inputs.ws,
                inputs.index,
                &sim,
            ))
        })
    }

    /// What the snapshot could not evaluate, counted on first use (builds the simulation).
    pub fn coverage(&self, inputs: Inputs<'_>) -> &Arc<Coverage> {
        self.coverage.get_or_init(|| {
            let sim = self.simulation(inputs).clone();
            let resolutions = self.rule_resolutions(inputs).clone();
            Arc::new(coverage::compute(inputs, &sim, &resolutions))
        })
    }

    /// The hosts the checks consider (see [`matrix::hosts`]), planned on first use.
    pub fn hosts(&self, inputs: Inputs<'_>) -> &Arc<Vec<matrix::PlannedHost>> {
        self.hosts
            .get_or_init(|| Arc::new(matrix::hosts(inputs.ws, inputs.index)))
    }

    /// The flow analysis of every rule implementation, run on first use.
    pub fn flow(&self, inputs: Inputs<'_>) -> &Arc<FlowAnalysis> {
        self.flow
            .get_or_init(|| Arc::new(flow::analyze(inputs.ws, inputs.facts, inputs.index)))
    }
}
