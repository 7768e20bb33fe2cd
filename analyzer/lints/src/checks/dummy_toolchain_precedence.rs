//! `dummy-toolchain-precedence`: a catch-all toolchain (no `exec_compatible_with`) that
//! changes which execution platform or toolchain Bazel picks. Decided by simulation: resolve
//! each toolchain type on each target platform with and without the type's catch-alls, and
//! report the catch-all Bazel selects when the outcome differs.

use toolcheck_index::body::{Stmt, StmtKind};
use toolcheck_index::expr::ExprKind;
use toolcheck_index::label::Label;
use toolcheck_resolve::model::{Known, TypeRequest};
use toolcheck_resolve::{GroupResolution, Request};

use crate::checks::refs::{declaration, registered_site};
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "dummy-toolchain-precedence",
    default_severity: Severity::Warning,
    summary: "a catch-all toolchain that changes the execution platform or toolchain Bazel picks",
    docs: "## What it does
Finds registered toolchains that match every execution platform (no `exec_compatible_with`, and
not `use_target_platform_constraints = True`) and simulates Bazel's toolchain resolution for each
target platform the workspace declares (or `target_platforms` in `toolcheck.toml`), once with and
once without the catch-alls of that toolchain type. When they make Bazel choose a different
execution platform or toolchain, it reports the catch-all that gets selected, which target
platform, what Bazel picks, and which real toolchain loses (a chain of catch-alls is one hazard,
reported at the one Bazel picks). The finding is an error when the catch-all's implementation
is a failing or empty stand-in: a rule whose implementation starts with `fail()`, or a target whose
name or rule says so (`fail`, `dummy`, `noop`, `unavailable`, `stub`, ...).

A real toolchain (not a stand-in) that only changes which toolchain runs on the execution
platform Bazel would choose anyway is not reported: registering target-constrained toolchains
before exec-constrained ones of the same type, so that a target's own binary is picked, is a
deliberate design (rules_nodejs does it), not a wrong execution platform.

## Why it matters
Bazel selects the first registered toolchain that matches an execution platform, and picks the
first execution platform on which every mandatory toolchain type resolved (since Bazel 7, the one
on which the most types resolved). A toolchain that matches everywhere makes every execution
platform look usable: Bazel may then pick a remote macOS pool for a Linux build, or select the
dummy and fail at analysis — or worse, silently run the wrong binary.

## Example
```starlark
# MODULE.bazel
register_execution_platforms(\"//platforms:darwin\", \"//platforms:linux\")
register_toolchains(
    \"//toolchains:linux\",     # exec_compatible_with = [\"@platforms//os:linux\"]
    \"//toolchains:dummy\",     # no constraints; its implementation fails
)
```
For target platform `//platforms:linux`, Bazel picks execution platform `//platforms:darwin` with
`//toolchains:dummy`; without the dummy it would pick `//platforms:linux` with
`//toolchains:linux`.

## What to do
Give the catch-all the `exec_compatible_with` its binary actually needs, register it last (and
only where no real toolchain exists), or delete it and declare the toolchain type optional
(`config_common.toolchain_type(T, mandatory = False)`) in the rules that can do without it.
",
    run,
};

/// Implementation names that mark a stand-in which fails or does nothing when used.
const STAND_IN_WORDS: &[&str] = &[
    "fail",
    "error",
    "dummy",
    "noop",
    "no_op",
    "unavailable",
    "missing",
    "empty",
    "stub",
    "placeholder",
    "unsupported",
    "nonexistent",
];

fn looks_like_stand_in(ctx: &LintContext<'_>, implementation: &Label) -> bool {
    let target = ctx.index.targets.get(implementation);
    let kind = target
        .map(|t| t.kind.to_ascii_lowercase())
        .unwrap_or_default();
    let name = implementation.name.to_ascii_lowercase();
    if STAND_IN_WORDS
        .iter()
        .any(|w| name.contains(w) || kind.contains(w))
    {
        return true;
    }
    // A rule whose implementation starts by calling `fail()` fails whenever it is used.
    let Some(rule) = target.and_then(|t| ctx.index.rule_of(t)) else {
        return false;
    };
    let Some((file, index)) = rule.implementation else {
        return false;
    };
    let Some(function) = ctx.facts[file.0 as usize].functions.get(index) else {
        return false;
    };
    let first = function
        .body
        .stmts
        .iter()
        .find(|s| !matches!(&s.kind, StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_))));
    matches!(first, Some(Stmt { kind: StmtKind::Expr(e), .. })
        if e.as_call().and_then(|c| c.func.dotted_name()).as_deref() == Some("fail"))
}

fn selected<'a>(g: &'a GroupResolution, ty: &Label) -> Option<&'a Label> {
    g.toolchains
        .iter()
        .find(|t| &t.toolchain_type == ty)
        .map(|t| &t.toolchain)
}

/// What a resolution picked for one type: the execution platform and the toolchain, or
/// `None` when it failed or could not be decided (no hazard is reported from those).
type Pick = Option<(Option<Label>, Option<Label>)>;

fn summarize(r: &toolcheck_resolve::Resolution, ty: &Label) -> Pick {
    let g = r.groups.first()?;
    if g.error.is_some() || !g.undecidable.is_empty() {
        return None;
    }
    Some((g.exec_platform, selected(g, ty).cloned()))
}

struct Hazard {
    platform: Label,
    exec_with: Option<Label>,
    exec_without: Option<Label>,
    lost: Option<Label>,
    optional: bool,
}

/// Matches every execution platform: no `exec_compatible_with`, no target settings, and not
/// `use_target_platform_constraints`.
fn is_catch_all(tc: &toolcheck_resolve::model::Toolchain) -> bool {
    matches!(&tc.exec_compatible_with, Known::Known(v) if v.is_empty())
        && matches!(tc.use_target_platform_constraints, Known::Known(false))
        && matches!(&tc.target_settings, Known::Known(v) if v.is_empty())
}

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    if !ctx.scope_has_toolchain_sites() {
        return;
    }
    let platforms = ctx.target_platforms();
    if platforms.is_empty() {
        return;
    }
    let sim = ctx.simulation();
    // The registered catch-alls, in priority order with their (alias-free) type.
    let candidates: Vec<(
        &Label,
        Option<usize>,
        &toolcheck_resolve::model::Toolchain,
        Label,
    )> = sim
        .registered_toolchain_labels()
        .into_iter()
        .filter_map(|(label, source)| {
            let tc = sim
                .model
                .toolchains
                .get(label)
                .filter(|tc| is_catch_all(tc))?;
            let Known::Known(ty) = &tc.toolchain_type else {
                return None;
            };
            Some((label, source, tc, sim.actual(ty)?))
        })
        .collect();
    // The catch-alls of each type: a hazard is judged against what Bazel would pick without
    // all of them (without one alone, the next catch-all would just take its place).
    let mut catch_alls: rustc_hash::FxHashMap<&Label, rustc_hash::FxHashSet<&Label>> =
        Default::default();
    for (label, _, _, ty) in &candidates {
        catch_alls.entry(ty).or_default().insert(label);
    }
    let mut withouts: rustc_hash::FxHashMap<Label, toolcheck_resolve::Resolver<'_>> =
        Default::default();
    // Built on the first catch-all found (most workspaces have none).
    let with_cell = std::cell::OnceCell::new();
    let mut with_picks: rustc_hash::FxHashMap<(Label, usize, bool), Pick> = Default::default();
    let mut optional_types: rustc_hash::FxHashMap<Label, bool> = Default::default();
    for &(label, source, tc, ref ty) in &candidates {
        let ty = *ty;
        let Some((file, range)) = registered_site(ctx, label, source) else {
            continue;
        };
        if !ctx.in_scope(file) {
            continue;
        }
        let with = with_cell.get_or_init(|| sim.resolver());
        let optional_somewhere = *optional_types.entry(ty).or_insert_with(|| {
            ctx.index.rules.iter().any(|r| {
                r.toolchains
                    .iter()
                    .flatten()
                    .any(|req| req.mandatory == Some(false) && sim.names(&req.toolchain_type, &ty))
            })
        });
        let request = |platform: &Label, mandatory: bool| Request {
            trace: false,
            ..Request::new(
                *platform,
                vec![TypeRequest {
                    toolchain_type: ty,
                    mandatory: Known::Known(mandatory),
                    ignore_if_invalid: false,
                }],
            )
        };
        // What Bazel picks with every toolchain, per (type, target platform, mandatory),
        // resolved once: a workspace may register thousands of catch-alls of one type.
        let mut picks: Vec<(usize, bool, Option<Label>)> = Vec::new();
        for (pi, platform) in platforms.iter().enumerate() {
            for mandatory in [true, false] {
                if !mandatory && !optional_somewhere {
                    continue;
                }
                let pick = *with_picks.entry((ty, pi, mandatory)).or_insert_with(|| {
                    summarize(&with.resolve(&request(platform, mandatory)), &ty)
                });
                if let Some((exec, Some(sel))) = pick {
                    if &sel == label {
                        picks.push((pi, mandatory, exec));
                    }
                }
            }
        }
        // Only a catch-all Bazel actually picks can change the pick by being there; the
        // resolver without the type's catch-alls (a copy of the registrations) is built only
        // then, once per type.
        if picks.is_empty() {
            continue;
        }
        // A real toolchain (not a failing stand-in) that wins on the execution platform Bazel
        // would choose anyway is a target toolchain taking precedence by design (rules_nodejs
        // registers `<platform>_toolchain_target` before the exec-constrained ones so the
        // target's binary is picked): the hazard is the execution platform it changes.
        let stand_in = matches!(&tc.implementation, Known::Known(i) if looks_like_stand_in(ctx, i));
        let dropped = &catch_alls[&ty];
        let without = withouts
            .entry(ty)
            .or_insert_with(|| sim.resolver_without(|l| dropped.contains(l)));
        let mut hazards: Vec<Hazard> = Vec::new();
        let mut done_platform = usize::MAX;
        for (pi, mandatory, exec_with) in picks {
            if pi == done_platform {
                continue;
            }
            let Some((exec_without, Some(lost))) =
                summarize(&without.resolve(&request(&platforms[pi], mandatory)), &ty)
            else {
                // Without the catch-all an optional type may resolve to nothing: only a real
                // toolchain losing (or an exec platform change) is a hazard.
                continue;
            };
            // The same implementation on the same execution platform builds the same thing,
            // whichever `toolchain()` target names it (a target-constrained and an
            // exec-constrained declaration of one tool).
            let same_implementation = exec_with == exec_without
                && matches!(
                    (&tc.implementation, sim.model.toolchains.get(&lost).map(|t| &t.implementation)),
                    (Known::Known(a), Some(Known::Known(b))) if sim.actual(a).as_ref().unwrap_or(a) == sim.actual(b).as_ref().unwrap_or(b)
                );
            if (exec_with.as_ref(), label) != (exec_without.as_ref(), &lost)
                && !same_implementation
                && (stand_in || exec_with != exec_without)
            {
                hazards.push(Hazard {
                    platform: platforms[pi],
                    exec_with,
                    exec_without,
                    lost: Some(lost),
                    optional: !mandatory,
                });
                done_platform = pi;
            }
        }
        let Some(first) = hazards.first() else {
            continue;
        };
        let show = |l: &Option<Label>| {
            l.as_ref()
                .map(Label::to_string)
                .unwrap_or_else(|| "no platform".to_string())
        };
        let lost = first
            .lost
            .as_ref()
            .map(Label::to_string)
            .unwrap_or_default();
        let more = if hazards.len() > 1 {
            format!(" (and on {} more target platform(s))", hazards.len() - 1)
        } else {
            String::new()
        };
        let request = if first.optional { "optional " } else { "" };
        let (without_it, without_them) = if dropped.len() > 1 {
            (
                "without the catch-alls of this type",
                "without the catch-alls",
            )
        } else {
            ("without it", "without the catch-all")
        };
        let message = format!(
            "catch-all toolchain '{label}' (no exec_compatible_with) changes what Bazel picks for {request}{ty} on target platform {}{more}: execution platform {} with '{label}', where {without_it} Bazel would pick {} with '{lost}'",
            first.platform,
            show(&first.exec_with),
            show(&first.exec_without),
        );
        let severity = if stand_in {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut d = Diagnostic::new(CHECK.name, severity, file, range, message);
        if let Some((f, r)) = declaration(ctx, label) {
            d = d.about(f, r);
            if (f, r) != (file, range) {
                let what = if stand_in {
                    "declared here; its implementation is a failing stand-in"
                } else {
                    "declared here without exec_compatible_with"
                };
                d = d.with_related(f, r, format!("'{label}' {what}"));
            }
        }
        if let Some(lost) = &first.lost {
            if let Some((f, r)) = sim
                .registered_toolchain_labels()
                .into_iter()
                .find(|(l, _)| *l == lost)
                .and_then(|(l, s)| registered_site(ctx, l, s))
            {
                d = d.with_related(f, r, format!("'{lost}' would be selected {without_them}"));
            }
        }
        acc.push(d);
    }
}
