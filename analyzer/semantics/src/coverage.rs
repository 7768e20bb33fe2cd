//! What toolcheck could not evaluate in one snapshot: the coverage report every front end
//! shows beside its findings.
//!
//! toolcheck stays silent on unknown facts (ARCHITECTURE.md, invariant 4), so on a workspace
//! where most of what matters is computed, generated or unreadable, "0 errors, 0 warnings"
//! would read as safety. [`Coverage`] counts the gaps by [`GapKind`] and keeps the most
//! frequent reasons with an example place each, from facts the index and the simulation
//! already hold: rules whose requests are unknown, targets whose rule or macro was not
//! evaluated (and open packages nothing else explains), macro runs that stopped or have gaps,
//! registrations that could not be expanded, repositories toolcheck cannot read, and
//! resolutions the simulator left undecided. Nothing here evaluates Starlark.
//!
//! The result is plain data ([`FileId`] and byte ranges), deterministic (file order, then
//! position), and computed once per snapshot through [`crate::SemanticCache::coverage`].

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;
use toolcheck_index::index::{Decl, RuleDecl, WorkspaceIndex};
use toolcheck_index::label::{Label, LabelContext, RepoName, TargetPattern};
use toolcheck_index::workspace::{FileId, Workspace};
use toolcheck_resolve::trace::UnknownCause;
use toolcheck_syntax::{FileKind, TextRange};

use crate::simulation::{RuleResolutions, Simulation};
use crate::Inputs;

/// How many reasons each category keeps (the most frequent ones).
pub const TOP_REASONS: usize = 5;

/// A kind of gap in what toolcheck evaluated. The order of [`GapKind::ALL`] is the order of
/// every rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GapKind {
    /// `rule()`s and `aspect()`s whose toolchain requests (or exec groups) are unknown.
    Rules,
    /// Targets whose rule or macro could not be evaluated (`Decl::Unknown`), and open
    /// packages that no other gap explains.
    Targets,
    /// Macro calls whose run stopped at a bound or may have missed targets.
    Macros,
    /// Registrations toolcheck could not expand.
    Registrations,
    /// Repositories the workspace names that toolcheck cannot read.
    Repositories,
    /// (rule, target platform) resolutions the simulator reports as undecided.
    Resolutions,
}

impl GapKind {
    pub const ALL: [GapKind; 6] = [
        GapKind::Rules,
        GapKind::Targets,
        GapKind::Macros,
        GapKind::Registrations,
        GapKind::Repositories,
        GapKind::Resolutions,
    ];

    /// The machine-readable name (JSON keys, SARIF properties, the LSP status).
    pub fn key(self) -> &'static str {
        match self {
            GapKind::Rules => "rules",
            GapKind::Targets => "targets",
            GapKind::Macros => "macros",
            GapKind::Registrations => "registrations",
            GapKind::Repositories => "repositories",
            GapKind::Resolutions => "resolutions",
        }
    }

    /// `n` gaps of this kind in words, e.g. `3 rules with unknown toolchain requests`.
    pub fn describe(self, n: usize) -> String {
        let one = n == 1;
        let what = match self {
            GapKind::Rules if one => "rule with unknown toolchain requests",
            GapKind::Rules => "rules with unknown toolchain requests",
            GapKind::Targets if one => "target or package not evaluated",
            GapKind::Targets => "targets or packages not evaluated",
            GapKind::Macros if one => "macro call not fully evaluated",
            GapKind::Macros => "macro calls not fully evaluated",
            GapKind::Registrations if one => "registration not expanded",
            GapKind::Registrations => "registrations not expanded",
            GapKind::Repositories if one => "repository not readable",
            GapKind::Repositories => "repositories not readable",
            GapKind::Resolutions if one => "resolution undecided",
            GapKind::Resolutions => "resolutions undecided",
        };
        format!("{n} {what}")
    }
}

/// A place in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: FileId,
    pub range: TextRange,
}

/// One reason of a category: how many gaps it explains, and the first place (in file order,
/// then position) where it applies (`None` when it has no place, such as a command-line flag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub text: String,
    pub count: usize,
    pub example: Option<Place>,
}

/// The gaps of one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub kind: GapKind,
    pub count: usize,
    /// At most [`TOP_REASONS`], most frequent first (ties: earliest example, then text).
    pub reasons: Vec<Reason>,
}

/// What one snapshot could not evaluate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// The kinds with at least one gap, in the order of [`GapKind::ALL`].
    pub categories: Vec<Category>,
}

impl Coverage {
    /// Whether toolcheck evaluated everything it looked at.
    pub fn is_complete(&self) -> bool {
        self.categories.is_empty()
    }

    /// The number of gaps of one kind.
    pub fn count(&self, kind: GapKind) -> usize {
        self.categories
            .iter()
            .find(|c| c.kind == kind)
            .map_or(0, |c| c.count)
    }

    /// The gaps in words, e.g. `3 rules with unknown toolchain requests, 1 repository not
    /// readable`; `None` when coverage is complete. Every front end says it this way.
    pub fn summary(&self) -> Option<String> {
        if self.is_complete() {
            return None;
        }
        let parts: Vec<String> = self
            .categories
            .iter()
            .map(|c| c.kind.describe(c.count))
            .collect();
        Some(parts.join(", "))
    }
}

/// Counts gaps of one kind by reason, keeping each reason's first place.
#[derive(Default)]
struct Tally {
    count: usize,
    reasons: BTreeMap<String, (usize, Option<Place>)>,
}

impl Tally {
    fn add(&mut self, reason: String, place: Option<Place>) {
        self.count += 1;
        let entry = self.reasons.entry(reason).or_insert((0, place));
        entry.0 += 1;
        // Places without a file (flags) sort last: a file place is the better example.
        let key = |p: &Option<Place>| (p.is_none(), *p);
        if key(&place) < key(&entry.1) {
            entry.1 = place;
        }
    }

    fn finish(self, kind: GapKind) -> Option<Category> {
        if self.count == 0 {
            return None;
        }
        let mut reasons: Vec<Reason> = self
            .reasons
            .into_iter()
            .map(|(text, (count, example))| Reason {
                text,
                count,
                example,
            })
            .collect();
        reasons.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| {
                    (a.example.is_none(), a.example).cmp(&(b.example.is_none(), b.example))
                })
                .then_with(|| a.text.cmp(&b.text))
        });
        reasons.truncate(TOP_REASONS);
        Some(Category {
            kind,
            count: self.count,
            reasons,
        })
    }
}

/// What a user can do about an unreadable repository, as the tail of a sentence: `toolcheck
/// fetch` for a module of the Bzlmod graph or (in WORKSPACE mode) a repository WORKSPACE may
/// declare as a pinned archive; for one a module extension or repository rule makes, which
/// fetch cannot make, only Bazel's output base or `--repo`.
pub fn how_to_read(index: &WorkspaceIndex, repo: &str) -> String {
    let module = index
        .modules
        .iter()
        .any(|m| m.repo.as_str() == repo || m.name == repo);
    if module || index.modes.workspace {
        format!("run `toolcheck fetch`, or pass --output-base DIR (after one `bazel fetch`) or --repo {repo}=DIR")
    } else {
        format!("a module extension or repository rule makes it, which `toolcheck fetch` does not run: pass --output-base DIR (after one `bazel fetch`) or --repo {repo}=DIR")
    }
}

/// Repositories Bazel provides itself or generates by probing the host (and rules_shell's
/// host-probed `@local_config_shell`), by apparent or canonical name (`bazel_tools`,
/// `rules_shell+sh_configure+local_config_shell`, `_main~sh_configure~local_config_shell`).
/// Their contents are never reported as unreadable: no `--repo` the user could pass would be
/// theirs to write, and `builtin` models what resolution needs of them.
pub fn is_builtin_repo(repo: &str) -> bool {
    [
        "bazel_tools",
        "local_config_platform",
        "local_config_cc",
        "local_config_cc_toolchains",
        "local_config_sh",
        crate::builtin::LOCAL_CONFIG_SHELL,
        "local_config_python",
        "local_jdk",
    ]
    .iter()
    .any(|name| crate::builtin::is_repo_named(repo, name))
}

/// Computes the coverage of one snapshot (see the module docs).
pub fn compute(inputs: Inputs<'_>, sim: &Simulation, resolved: &RuleResolutions) -> Coverage {
    let Inputs { ws, index, .. } = inputs;
    let mut categories = Vec::new();
    categories.extend(rules(index).finish(GapKind::Rules));
    let (targets, macros) = targets_and_macros(inputs);
    categories.extend(targets.finish(GapKind::Targets));
    categories.extend(macros.finish(GapKind::Macros));
    categories.extend(registrations(ws, index, sim).finish(GapKind::Registrations));
    categories.extend(repositories(inputs, sim).finish(GapKind::Repositories));
    categories.extend(resolutions(index, resolved).finish(GapKind::Resolutions));
    Coverage { categories }
}

/// Why toolcheck cannot tell what a rule requests, if it cannot.
fn unknown_requests(rule: &RuleDecl) -> Option<&'static str> {
    if rule.toolchains.is_none() {
        return Some("its `toolchains` list is computed in a way toolcheck cannot follow");
    }
    match &rule.exec_groups {
        None => Some("its `exec_groups` are computed in a way toolcheck cannot follow"),
        Some(groups) if groups.iter().any(|g| g.toolchains.is_none()) => {
            Some("the `toolchains` of one of its exec groups are computed")
        }
        Some(_) => None,
    }
}

fn rules(index: &WorkspaceIndex) -> Tally {
    let mut tally = Tally::default();
    for rule in &index.rules {
        if let Some(why) = unknown_requests(rule) {
            let what = if rule.is_aspect { "aspect" } else { "rule" };
            tally.add(
                format!("the {what}'s requests are unknown: {why}"),
                Some(Place {
                    file: rule.file,
                    range: rule.name_range,
                }),
            );
        }
    }
    tally
}

/// The repository a file's `load()` of `module` reads from, when toolcheck cannot read it.
fn unreadable_load(
    ws: &Workspace,
    index: &WorkspaceIndex,
    file: FileId,
    module: &str,
) -> Option<RepoName> {
    let ctx = index.contexts.get(file.0 as usize)?;
    let mapping = index.mappings.get(&ctx.repo)?;
    let label = LabelContext {
        repo: &ctx.repo,
        package: &ctx.package,
        mapping,
    }
    .resolve(module)
    .ok()?;
    unreadable(ws, &label.repo).then_some(label.repo)
}

/// Whether a repository is one the workspace names and toolcheck cannot read.
fn unreadable(ws: &Workspace, repo: &RepoName) -> bool {
    !repo.is_main() && ws.repo(repo).is_none()
}

/// Targets whose rule or macro was not evaluated, and macro calls not fully evaluated. A
/// target a stopped macro call stands for is counted once, as the macro call.
fn targets_and_macros(inputs: Inputs<'_>) -> (Tally, Tally) {
    let Inputs {
        ws, facts, index, ..
    } = inputs;
    // Macro calls by where they start (a gap's place is the whole call statement, a limit's
    // the callee; both start at the callee): a call with both is one call, and the limit, the
    // more specific reason, wins.
    let mut calls: BTreeMap<(FileId, u32), (Place, String)> = BTreeMap::new();
    for (call, gap) in index.macro_gaps() {
        let place = Place {
            file: call.file,
            range: call.range,
        };
        calls
            .entry((call.file, call.range.start))
            .or_insert_with(|| (place, gap.why.clone()));
    }
    for l in index.eval_limits() {
        let why = format!("stopped at an evaluation bound: {}", l.hit.what);
        let place = Place {
            file: l.call.file,
            range: l.call.range,
        };
        calls
            .entry((l.call.file, l.call.range.start))
            .and_modify(|(_, reason)| *reason = why.clone())
            .or_insert((place, why));
    }
    let mut macros = Tally::default();
    for (place, why) in calls.values() {
        macros.add(why.clone(), Some(*place));
    }

    let mut targets = Tally::default();
    for unit in index.targets.units() {
        let mut unknown = 0;
        for t in &unit.targets {
            if !matches!(t.decl, Decl::Unknown) {
                continue;
            }
            unknown += 1;
            if calls.contains_key(&(t.file, t.range.start)) {
                continue;
            }
            let callee = t.kind.split('.').next().unwrap_or_default();
            let loaded_from = facts[t.file.0 as usize]
                .loads
                .iter()
                .find(|l| l.symbols.iter().any(|s| s.local() == callee));
            let reason =
                match loaded_from.and_then(|l| unreadable_load(ws, index, t.file, &l.module)) {
                    Some(repo) => format!(
                        "`{}` is loaded from '@{}', which toolcheck cannot read",
                        t.kind,
                        repo.as_str()
                    ),
                    None => format!(
                        "`{}` is a rule or macro toolcheck could not evaluate",
                        t.kind
                    ),
                };
            targets.add(
                reason,
                Some(Place {
                    file: t.file,
                    range: t.callee_range,
                }),
            );
        }
        // An open package nothing above explains: a call or statement toolcheck could not
        // follow (a computed callee or name, a truncated dynamic statement).
        if unit.package.open
            && unknown == 0
            && unit.macro_gaps.is_empty()
            && unit.eval_limits.is_empty()
        {
            if let Some(file) = unit.package.build_file {
                targets.add(
                    "the package may declare targets toolcheck cannot list (a call or statement it could not follow)"
                        .to_string(),
                    Some(Place {
                        file,
                        range: TextRange::new(0, 0),
                    }),
                );
            }
        }
    }
    (targets, macros)
}

/// Registrations toolcheck could not expand: computed arguments and WORKSPACE calls it could
/// not follow (from the index), and registrations the simulator expanded only in part.
fn registrations(ws: &Workspace, index: &WorkspaceIndex, sim: &Simulation) -> Tally {
    let mut tally = Tally::default();
    for gap in &index.registration_gaps {
        if gap
            .unreadable_repo
            .as_ref()
            .is_some_and(|r| is_builtin_repo(r.as_str()))
        {
            continue;
        }
        tally.add(
            gap.why.clone(),
            Some(Place {
                file: gap.loc.file,
                range: gap.loc.range,
            }),
        );
    }
    // One gap per registration, whichever of its entries is unknown first.
    let mut seen: FxHashSet<usize> = FxHashSet::default();
    let entries = sim
        .toolchains
        .entries
        .iter()
        .chain(&sim.exec_platforms.entries);
    for e in entries {
        let (Some(cause), Some(source)) = (&e.unknown, e.source) else {
            continue;
        };
        let Some(reg) = index.registrations.get(source) else {
            continue;
        };
        if !seen.insert(source) {
            continue;
        }
        let repo = match &reg.pattern {
            Ok(TargetPattern::Single(l)) => &l.repo,
            Ok(TargetPattern::AllInPackage(p) | TargetPattern::Recursive(p)) => &p.repo,
            Err(_) => continue,
        };
        let reason = if unreadable(ws, repo) {
            if is_builtin_repo(repo.as_str()) {
                continue;
            }
            format!(
                "registers from '@{}', which toolcheck cannot read",
                repo.as_str()
            )
        } else {
            match cause {
                UnknownCause::IncompleteExpansion { .. } => {
                    "the pattern matches a package that may declare targets toolcheck cannot list"
                        .to_string()
                }
                other => other.to_string(),
            }
        };
        tally.add(
            reason,
            reg.loc.map(|l| Place {
                file: l.file,
                range: l.range,
            }),
        );
    }
    tally
}

/// Repositories the workspace names that toolcheck cannot read, each with how often it is
/// named and where first. `@platforms`, when toolcheck models it from its layout, is not a
/// gap; neither are the repositories Bazel provides itself.
fn repositories(inputs: Inputs<'_>, sim: &Simulation) -> Tally {
    let Inputs {
        ws, facts, index, ..
    } = inputs;
    let mut named: BTreeMap<RepoName, Vec<Option<Place>>> = BTreeMap::new();
    for r in &sim.model.invisible_repos {
        named.entry(*r).or_default();
    }
    for r in &index.invisible_repos {
        if unreadable(ws, r) {
            named.entry(*r).or_default();
        }
    }
    let mut note = |repo: &RepoName, place: Option<Place>| {
        if unreadable(ws, repo) {
            named.entry(*repo).or_default().push(place);
        }
    };
    let label_place = |label: &Result<Label, _>, file: FileId, range: TextRange| {
        label
            .as_ref()
            .ok()
            .map(|l: &Label| (l.repo, Place { file, range }))
    };
    for file in ws.file_ids() {
        let kind = ws.file(file).kind;
        if !kind.is_starlark() {
            continue;
        }
        let ff = &facts[file.0 as usize];
        for l in &ff.loads {
            if let Some(repo) = unreadable_load(ws, index, file, &l.module) {
                note(
                    &repo,
                    Some(Place {
                        file,
                        range: l.module_range,
                    }),
                );
            }
        }
        // `bazel_dep(name = ...)` and `use_repo(ext, "name")` of a MODULE.bazel name the
        // repositories toolcheck then needs to read.
        if kind == FileKind::Module {
            let Some(ctx) = index.contexts.get(file.0 as usize) else {
                continue;
            };
            let Some(mapping) = index.mappings.get(&ctx.repo) else {
                continue;
            };
            for call in &ff.calls {
                let callee = call.call.func.dotted_name();
                let mut apparent: Vec<(&str, TextRange)> = Vec::new();
                match callee.as_deref() {
                    Some("bazel_dep") => {
                        let k = call
                            .call
                            .kwarg("repo_name")
                            .or_else(|| call.call.kwarg("name"));
                        if let Some(k) = k {
                            if let Some(s) = k.value.as_str() {
                                apparent.push((s, k.value.range));
                            }
                        }
                    }
                    Some("use_repo") => {
                        for a in call.call.args.iter().skip(1) {
                            if let Some(s) = a.as_str() {
                                apparent.push((s, a.range));
                            }
                        }
                    }
                    _ => {}
                }
                for (name, range) in apparent {
                    if let Some(repo) = mapping.get(name) {
                        note(&repo, Some(Place { file, range }));
                    }
                }
            }
        }
    }
    for t in index.targets.values() {
        for (_, r) in t.decl.label_refs() {
            if let Some((repo, place)) = label_place(&r.label, r.loc.file, r.loc.range) {
                note(&repo, Some(place));
            }
        }
    }
    for rule in &index.rules {
        for (_, _, r) in rule.label_refs() {
            if let Some((repo, place)) = label_place(&r.label, r.loc.file, r.loc.range) {
                note(&repo, Some(place));
            }
        }
    }
    for reg in &index.registrations {
        let repo = match &reg.pattern {
            Ok(TargetPattern::Single(l)) => &l.repo,
            Ok(TargetPattern::AllInPackage(p) | TargetPattern::Recursive(p)) => &p.repo,
            Err(_) => continue,
        };
        note(
            repo,
            reg.loc.map(|l| Place {
                file: l.file,
                range: l.range,
            }),
        );
    }
    for gap in &index.registration_gaps {
        if let Some(repo) = &gap.unreadable_repo {
            note(
                repo,
                Some(Place {
                    file: gap.loc.file,
                    range: gap.loc.range,
                }),
            );
        }
    }
    let modelled = sim.model.well_known_platforms.as_ref();
    let mut tally = Tally::default();
    // Repository rules and extensions that could not run, and computed repositories seen
    // only in part.
    for (loc, why, repo) in &ws.computed_gaps {
        // A host-probed repository's rule reads the machine (`repository_ctx.os.environ`,
        // `which`): `builtin` models what it writes instead.
        if repo.as_ref().is_some_and(|r| is_builtin_repo(r.as_str())) {
            continue;
        }
        tally.add(
            why.clone(),
            Some(Place {
                file: loc.file,
                range: loc.range,
            }),
        );
    }
    for r in &ws.repos {
        if let Some(o) = ws.computed_origin(&r.name) {
            if let Some(why) = &o.partial {
                tally.add(
                    format!(
                        "repositories `{}` makes are known only in part: {why}",
                        o.rule
                    ),
                    Some(Place {
                        file: o.site.file,
                        range: o.site.range,
                    }),
                );
            }
        }
    }
    for (repo, places) in named {
        if is_builtin_repo(repo.as_str()) || Some(&repo) == modelled || !unreadable(ws, &repo) {
            continue;
        }
        let name = repo.as_str();
        // Why it is unread: Bazel never ran here, or ran without fetching it.
        let action = how_to_read(inputs.index, name);
        let reason = match (ws.unread_why.get(name), &ws.output_base) {
            (Some(why), _) => format!("'@{name}' cannot be read: {why}; {action}"),
            (None, Some(base)) => format!(
                "'@{name}' is not in the output base {base} (Bazel has not fetched it): {action}"
            ),
            (None, None) => format!(
                "'@{name}' cannot be read (no output base of Bazel's found for this workspace): {action}"
            ),
        };
        // One gap per repository; the reason counts how often the workspace names it.
        let example = places.iter().flatten().min().copied();
        tally.count += 1;
        tally.reasons.insert(reason, (places.len().max(1), example));
    }
    tally
}

/// Resolutions of the main repository's rules on the target platforms of interest that the
/// simulator could not decide (what the resolution checks are silent about).
fn resolutions(index: &WorkspaceIndex, resolved: &RuleResolutions) -> Tally {
    let mut tally = Tally::default();
    for (i, per_platform) in &resolved.rules {
        let rule = &index.rules[*i];
        for resolution in per_platform {
            let Some(first) = resolution.groups.iter().find_map(|g| g.undecidable.first()) else {
                continue;
            };
            tally.add(
                first.cause.to_string(),
                Some(Place {
                    file: rule.file,
                    range: rule.name_range,
                }),
            );
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(file: u32, start: u32) -> Option<Place> {
        Some(Place {
            file: FileId(file),
            range: TextRange::new(start, start + 1),
        })
    }

    #[test]
    fn reasons_are_ranked_by_count_then_first_place_and_cut_to_the_top() {
        let mut t = Tally::default();
        // The later place of a reason never replaces its first one; a place beats none.
        t.add("b".into(), None);
        t.add("b".into(), place(2, 0));
        t.add("b".into(), place(1, 9));
        for (i, r) in ["c", "d", "e", "f", "g"].into_iter().enumerate() {
            t.add(r.into(), place(0, 10 - i as u32));
        }
        t.add("a".into(), place(3, 0));
        t.add("a".into(), place(3, 1));
        let c = t.finish(GapKind::Macros).unwrap();
        assert_eq!(c.count, 10);
        let got: Vec<(&str, usize, Option<Place>)> = c
            .reasons
            .iter()
            .map(|r| (r.text.as_str(), r.count, r.example))
            .collect();
        assert_eq!(
            got,
            [
                ("b", 3, place(1, 9)),
                ("a", 2, place(3, 0)),
                ("g", 1, place(0, 6)),
                ("f", 1, place(0, 7)),
                ("e", 1, place(0, 8)),
            ]
        );
        assert!(Tally::default().finish(GapKind::Rules).is_none());
    }

    #[test]
    fn the_summary_names_every_kind_with_gaps_in_order() {
        let cat = |kind, count| Category {
            kind,
            count,
            reasons: Vec::new(),
        };
        let c = Coverage {
            categories: vec![cat(GapKind::Rules, 3), cat(GapKind::Repositories, 1)],
        };
        assert_eq!(
            c.summary().as_deref(),
            Some("3 rules with unknown toolchain requests, 1 repository not readable")
        );
        assert_eq!(c.count(GapKind::Macros), 0);
        assert_eq!(Coverage::default().summary(), None);
    }
}
