//! `toolcheck check` over the configuration and host matrix: the default configuration on
//! the analysed host, then each named config the rc files define that changes what
//! toolchain resolution depends on, then each other host of the host matrix (see
//! `toolcheck_semantics::matrix` for how both are planned).
//!
//! Every variant is an analysis of its own, forked from the default one
//! ([`AnalysisHost::fork`]): the files' facts and package units are shared, the flags,
//! registrations, computed repositories and the simulation are recomputed. Findings are
//! merged by root cause: one that holds in the default configuration on the analysed host is
//! reported as it is; one that holds only elsewhere is reported once, with the configs and
//! hosts it holds in (in its message and in [`Diagnostic::configs`]/[`Diagnostic::hosts`]),
//! unless it is a note (`info`).
//! Configs are evaluated on the analysed host and hosts in the default configuration, not
//! every pair: the product of the two grows fast, and a finding that needs both a config and
//! a host is rare.

use rustc_hash::FxHashMap;
use toolcheck_semantics::matrix;

use crate::{Analysis, AnalysisHost, Coverage, Diagnostic, FileId, HostMachine, LintConfig};
use toolcheck_syntax::TextRange;

/// What a matrix run evaluated, for the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatrixSummary {
    /// The named configs evaluated besides the default, with the flags by which each changes
    /// toolchain resolution.
    pub configs: Vec<(String, Vec<String>)>,
    /// Configs left out, and why.
    pub skipped_configs: Vec<(String, String)>,
    /// The hosts evaluated, the analysed one first, and why each is in the matrix (empty: the
    /// host is fixed by `host_constraints`).
    pub hosts: Vec<(HostMachine, String)>,
}

impl MatrixSummary {
    /// Whether anything besides the default configuration on one host was evaluated.
    pub fn is_matrix(&self) -> bool {
        !self.configs.is_empty() || self.hosts.len() > 1
    }
}

/// The result of checking every configuration and host.
pub struct MatrixOutcome {
    /// The default configuration's analysis on the analysed host.
    pub analysis: Analysis,
    pub diagnostics: Vec<Diagnostic>,
    /// The default configuration's coverage.
    pub coverage: Coverage,
    pub summary: MatrixSummary,
}

/// Checks the default configuration and every planned config and host, and merges their
/// findings.
pub fn check_matrix(host: &mut AnalysisHost, lint: &LintConfig) -> MatrixOutcome {
    let analysis = host.analysis();
    let (configs, skipped) = matrix::configs(analysis.workspace(), analysis.index());
    let hosts: Vec<matrix::PlannedHost> = analysis.lint_context().hosts().to_vec();
    let machines: Vec<HostMachine> = hosts.iter().map(|h| h.machine.clone()).collect();
    let mut variants: Vec<(Variant, Vec<Diagnostic>)> = Vec::new();
    for c in &configs {
        let mut settings = analysis.workspace().settings.clone();
        settings
            .command_line_flags
            .push(format!("--config={}", c.name));
        if !machines.is_empty() {
            settings.hosts = Some(machines.clone());
        }
        let diags = host.fork(settings).analysis().diagnostics(lint);
        let mut names = vec![c.name.clone()];
        names.extend(c.same.iter().cloned());
        variants.push((Variant::Config(names), diags));
    }
    for (i, h) in hosts.iter().enumerate().skip(1) {
        let mut settings = analysis.workspace().settings.clone();
        settings.host_machine = Some(h.machine.clone());
        // The same matrix, this host analysed.
        let mut order = machines.clone();
        order.swap(0, i);
        settings.hosts = Some(order);
        let diags = host.fork(settings).analysis().diagnostics(lint);
        variants.push((Variant::Host(h.machine.clone()), diags));
    }
    // The default's findings last: its simulation and resolution caches then are not alive
    // beside each variant's (15 MB less at the peak at 100,000 packages). The variants
    // need only its index, and the merged result does not depend on which ran first.
    let base = analysis.diagnostics(lint);
    let coverage = analysis.coverage();
    let diagnostics = merge(base, variants);
    MatrixOutcome {
        analysis,
        diagnostics,
        coverage,
        summary: MatrixSummary {
            configs: configs
                .into_iter()
                .flat_map(|c| {
                    let changes: Vec<String> = c.changes.iter().map(|s| s.to_string()).collect();
                    let mut all = vec![(c.name, changes.clone())];
                    all.extend(c.same.into_iter().map(|n| (n, changes.clone())));
                    all
                })
                .collect(),
            skipped_configs: skipped,
            hosts: hosts.into_iter().map(|h| (h.machine, h.why)).collect(),
        },
    }
}

/// One evaluated variant besides the default.
enum Variant {
    /// A config, with those that set the same.
    Config(Vec<String>),
    Host(HostMachine),
}

/// The default's findings as they are, then those that hold only in other variants, once per
/// root cause (check, file and range), with the variants they hold in.
fn merge(base: Vec<Diagnostic>, variants: Vec<(Variant, Vec<Diagnostic>)>) -> Vec<Diagnostic> {
    type Key = (&'static str, FileId, TextRange);
    let key = |d: &Diagnostic| -> Key { (d.check, d.file, d.range) };
    let in_base: rustc_hash::FxHashSet<Key> = base.iter().map(key).collect();
    let mut extra: Vec<Diagnostic> = Vec::new();
    let mut at: FxHashMap<Key, usize> = FxHashMap::default();
    for (variant, diags) in variants {
        for d in diags {
            let k = key(&d);
            // Notes (`info`) stay with the default configuration: elsewhere they would mostly
            // repeat, per config, what the coverage report already says (repositories
            // toolcheck cannot read).
            if in_base.contains(&k) || d.severity == crate::Severity::Info {
                continue;
            }
            let i = *at.entry(k).or_insert_with(|| {
                extra.push(d);
                extra.len() - 1
            });
            let target = &mut extra[i];
            match &variant {
                Variant::Config(names) => {
                    for name in names {
                        if !target.configs.contains(name) {
                            target.configs.push(name.clone());
                        }
                    }
                }
                Variant::Host(m) if !target.hosts.contains(&m.id()) => target.hosts.push(m.id()),
                _ => {}
            }
        }
    }
    for d in &mut extra {
        d.message = format!("{} ({})", d.message, where_it_holds(&d.configs, &d.hosts));
    }
    let mut out = base;
    out.extend(extra);
    out.sort_by(|a, b| {
        (a.file, a.range.start, a.range.end, a.check).cmp(&(
            b.file,
            b.range.start,
            b.range.end,
            b.check,
        ))
    });
    out
}

/// "in config `remote`", "in configs `a`, `b`", "on a macOS arm64 host", or both.
pub fn where_it_holds(configs: &[String], hosts: &[String]) -> String {
    let mut parts = Vec::new();
    if !configs.is_empty() {
        let names: Vec<String> = configs.iter().map(|c| format!("`{c}`")).collect();
        parts.push(format!(
            "only in config{} {}",
            if configs.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    if !hosts.is_empty() {
        let names: Vec<String> = hosts
            .iter()
            .map(|h| {
                HostMachine::parse(h)
                    .map(|m| m.display())
                    .unwrap_or_else(|_| h.clone())
            })
            .collect();
        let article = |n: &str| {
            if n.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
                "an"
            } else {
                "a"
            }
        };
        parts.push(match names.as_slice() {
            [one] => format!("only on {} {one} host", article(one)),
            many => format!("only on {} hosts", many.join(", ")),
        });
    }
    parts.join("; ")
}
