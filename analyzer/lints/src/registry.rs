//! The check registry: the one list of every check, and the driver that runs the enabled
//! ones, applies configuration and suppression comments, and orders the results.

use crate::checks;
use crate::context::{LintConfig, LintContext};
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::suppress;
use toolcheck_index::workspace::FileId;
use toolcheck_syntax::TextRange;

/// What the registry knows of a check. The name is the check's only ID: it appears in
/// suppression comments, the docs, SARIF `ruleId` and LSP `code`.
pub struct CheckMeta {
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line for listings.
    pub summary: &'static str,
    /// Markdown documentation: what it does, why it matters, an example, what to do.
    pub docs: &'static str,
    pub run: fn(&LintContext<'_>, &mut Vec<Diagnostic>),
}

/// Every check, in documentation order.
pub static ALL: &[&CheckMeta] = &[
    &checks::syntax_error::CHECK,
    &checks::unreadable_file::CHECK,
    &checks::unresolved_label::CHECK,
    &checks::wrong_target_kind::CHECK,
    &checks::conflicting_constraint_values::CHECK,
    &checks::platform_parent_cycle::CHECK,
    &checks::empty_registration_pattern::CHECK,
    &checks::evaluation_limit::CHECK,
    &checks::unguarded_optional_toolchain::CHECK,
    &checks::membership_is_not_a_guard::CHECK,
    &checks::mandatory_helper_on_optional_toolchain::CHECK,
    &checks::undeclared_toolchain_access::CHECK,
    &checks::action_without_toolchain::CHECK,
    &checks::dummy_toolchain_precedence::CHECK,
    &checks::shadowed_toolchain::CHECK,
    &checks::missing_exec_compatible_with::CHECK,
    &checks::no_matching_toolchain::CHECK,
    &checks::unpinned_container_image::CHECK,
    &checks::remote_platform_without_constraints::CHECK,
    &checks::undeclared_repository_environ::CHECK,
    &checks::client_env_in_action_key::CHECK,
    &checks::remote_config_without_exec_platform::CHECK,
    &checks::host_toolchain_on_remote_platform::CHECK,
    &checks::remote_toolchain_unmatched::CHECK,
    &checks::host_include_in_cross_toolchain::CHECK,
    &suppress::UNUSED_SUPPRESSION,
];

pub fn check_by_name(name: &str) -> Option<&'static CheckMeta> {
    ALL.iter().copied().find(|c| c.name == name)
}

/// The check whose name is closest to `name`, for "did you mean" in messages about an unknown
/// check name (`unresolved_label`, `unresolved-labels`).
pub fn closest_check(name: &str) -> Option<&'static str> {
    toolcheck_resolve::platforms_repo::closest_name(name, ALL.iter().map(|c| c.name))
}

/// Runs every enabled check over the workspace and returns the diagnostics that survive
/// configuration and suppression comments, ordered by file and position.
pub fn run_checks(ctx: &LintContext<'_>, config: &LintConfig) -> Vec<Diagnostic> {
    run_checks_until(ctx, config, &|| false).unwrap_or_default()
}

/// [`run_checks`], polling `cancelled` between checks; `None` once it returns true.
pub fn run_checks_until(
    ctx: &LintContext<'_>,
    config: &LintConfig,
    cancelled: &dyn Fn() -> bool,
) -> Option<Vec<Diagnostic>> {
    let mut out = Vec::new();
    for check in ALL {
        if cancelled() {
            return None;
        }
        if check.name == suppress::UNUSED_SUPPRESSION.name {
            continue;
        }
        if config
            .severity_of(check.name, check.default_severity)
            .is_none()
        {
            continue;
        }
        let start = out.len();
        (check.run)(ctx, &mut out);
        if let Some(scope) = ctx.scope() {
            let kept: Vec<Diagnostic> = out.drain(start..).filter(|d| d.file == scope).collect();
            out.extend(kept);
        }
        if let Some(Some(sev)) = config.severities.get(check.name) {
            for d in &mut out[start..] {
                d.severity = *sev;
            }
        }
    }
    suppress::apply(ctx, config, &mut out);
    let by_place = |a: &Diagnostic, b: &Diagnostic| {
        (a.file, a.range.start, a.range.end, a.check).cmp(&(
            b.file,
            b.range.start,
            b.range.end,
            b.check,
        ))
    };
    out.sort_by(by_place);
    // One finding per place: a constant used by many targets is reported once, at the constant.
    out.dedup_by(|a, b| a.file == b.file && a.range == b.range && a.check == b.check);
    // Findings in generated files move to their sources after that: two toolchains a
    // repository rule wrote with one `repository_ctx.file` call are two findings there.
    if crate::generated::relocate(ctx, &mut out) {
        out.sort_by(by_place);
    }
    // Then findings in dependencies' files move to where the main repository takes part, or
    // go (a scoped run keeps only its file's).
    if crate::ownership::assign(ctx, &mut out) {
        if let Some(scope) = ctx.scope() {
            out.retain(|d| d.file == scope);
        }
        out.sort_by(by_place);
        out.dedup_by(|a, b| {
            (a.file, a.range, a.check, &a.message) == (b.file, b.range, b.check, &b.message)
        });
    }
    merge_same_cause(&mut out);
    (!cancelled()).then_some(out)
}

/// One finding per root cause: findings of different checks on the same range, or about the
/// same declaration ([`Diagnostic::subject`]) wherever each is reported, are one root cause
/// seen by several checks. A catch-all toolchain is both a `dummy-toolchain-precedence` hazard
/// (at its registration) and a toolchain `missing-exec-compatible-with` reports (at its
/// `name`), in one file when a wrapper macro declares and registers it, in two when
/// MODULE.bazel registers a package's toolchains. The strongest stays (by severity, then by
/// the order of [`ALL`]) and the others become its related information, so an editor shows
/// one squiggle and the CI one line, with nothing lost. It runs after suppression comments
/// (suppressing the strongest leaves the next one standing) and after generated files'
/// findings moved to their sources (two findings there may meet at one template line).
/// `out` is ordered by place, and stays so.
fn merge_same_cause(out: &mut Vec<Diagnostic>) {
    let rank = |d: &Diagnostic| {
        let order = ALL
            .iter()
            .position(|c| c.name == d.check)
            .unwrap_or(ALL.len());
        (std::cmp::Reverse(d.severity), order)
    };
    // Union-find over "same site" and "same subject": a site and a subject are both places,
    // and a finding about a declaration meets the findings reported at it.
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..out.len()).collect();
    let mut first_at: rustc_hash::FxHashMap<(FileId, TextRange), usize> = Default::default();
    for (i, d) in out.iter().enumerate() {
        for place in std::iter::once((d.file, d.range)).chain(d.subject) {
            let j = *first_at.entry(place).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            // The earlier finding is the root, so groups are visited in order of place.
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: rustc_hash::FxHashMap<usize, Vec<usize>> = Default::default();
    for i in 0..out.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut folded = vec![false; out.len()];
    let mut extra: Vec<Vec<Related>> = vec![Vec::new(); out.len()];
    for members in groups.values() {
        if members.len() == 1 {
            continue;
        }
        // Stable: findings of one check keep their order.
        let mut ranked = members.clone();
        ranked.sort_by_key(|&i| rank(&out[i]));
        let keeper = ranked[0];
        // Findings of the strongest check stay (two toolchains one `repository_ctx.file`
        // call wrote are two findings at that call); the others fold into the first, the
        // next strongest first.
        for &i in &ranked {
            let d = &out[i];
            if d.check == out[keeper].check {
                continue;
            }
            folded[i] = true;
            extra[keeper].push(Related {
                file: d.file,
                range: d.range,
                message: format!("also {} ({}): {}", d.check, d.severity.as_str(), d.message),
            });
            extra[keeper].extend(d.related.iter().cloned());
        }
    }
    if !folded.contains(&true) {
        return;
    }
    let mut merged: Vec<Diagnostic> = Vec::with_capacity(out.len());
    for (i, (mut d, more)) in std::mem::take(out).into_iter().zip(extra).enumerate() {
        if folded[i] {
            continue;
        }
        d.related.extend(more);
        merged.push(d);
    }
    *out = merged;
}
