//! `shadowed-toolchain`: a registered toolchain that can never be selected, because a
//! toolchain of the same type registered earlier matches every (target, exec) platform pair
//! it matches.

use toolcheck_index::label::Label;
use toolcheck_resolve::model::{Known, Toolchain};

use crate::checks::refs::registered_site;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;
use toolcheck_semantics::Simulation;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "shadowed-toolchain",
    default_severity: Severity::Warning,
    summary: "a registered toolchain that earlier registrations always beat",
    docs: "## What it does
Walks the registered toolchains in Bazel's priority order (for the simulated Bazel version) and
reports a toolchain when an earlier toolchain of the same type asks for a subset of its
constraints: every `exec_compatible_with` and `target_compatible_with` value and every
`target_settings` entry of the earlier one is also required by the later one (after aliases). The
earlier toolchain then matches wherever the later one would, and Bazel always picks it first.

## Why it matters
A shadowed toolchain is dead configuration: its binary is never used, and whoever registered it
believes a platform is covered that is not. The usual cause is a catch-all registered too early,
or `:all` ordering by target name rather than by declaration order.

## Example
```starlark
register_toolchains(
    \"//toolchains:any_cc\",       # no constraints
    \"//toolchains:linux_cc\",     # exec_compatible_with = [\"@platforms//os:linux\"]
)
```

## What to do
Register the more specific toolchain first, constrain the earlier one, or remove the dead one.
With `:all`, rename targets (a zero-padded numeric prefix makes the order explicit).
",
    run,
};

fn values(sim: &Simulation, list: &Known<Vec<Label>>) -> Option<Vec<Label>> {
    match list {
        Known::Known(v) => v.iter().map(|l| sim.actual(l)).collect(),
        Known::Unknown => None,
    }
}

/// What a toolchain requires, alias-resolved.
struct Requirements {
    toolchain_type: Label,
    exec: Vec<Label>,
    target: Vec<Label>,
    settings: Vec<Label>,
}

impl Requirements {
    /// Whether every platform pair and configuration `later` matches is matched by `self`.
    fn covers(&self, later: &Requirements) -> bool {
        self.toolchain_type == later.toolchain_type
            && self.exec.iter().all(|v| later.exec.contains(v))
            && self.target.iter().all(|v| later.target.contains(v))
            && self.settings.iter().all(|s| later.settings.contains(s))
    }
}

/// The requirements of a toolchain; `None` when anything is unknown or the toolchain copies
/// the target platform's constraints.
fn requirements(sim: &Simulation, tc: &Toolchain) -> Option<Requirements> {
    if !matches!(tc.use_target_platform_constraints, Known::Known(false)) {
        return None;
    }
    Some(Requirements {
        toolchain_type: sim.actual(tc.toolchain_type.as_known()?)?,
        exec: values(sim, &tc.exec_compatible_with)?,
        target: values(sim, &tc.target_compatible_with)?,
        settings: values(sim, &tc.target_settings)?,
    })
}

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    if !ctx.scope_has_toolchain_sites() {
        return;
    }
    let sim = ctx.simulation();
    let registered = sim.registered_toolchain_labels();
    let reqs: Vec<_> = registered
        .iter()
        .map(|(l, _)| {
            sim.model
                .toolchains
                .get(*l)
                .and_then(|tc| requirements(sim, tc))
        })
        .collect();
    for (i, (label, source)) in registered.iter().enumerate() {
        let Some(req) = &reqs[i] else { continue };
        let ty = &req.toolchain_type;
        let shadow = (0..i).find(|&j| reqs[j].as_ref().is_some_and(|earlier| earlier.covers(req)));
        let Some(j) = shadow else { continue };
        let (earlier, earlier_source) = registered[j];
        let Some((file, range)) = registered_site(ctx, label, *source) else {
            continue;
        };
        let mut d = Diagnostic::new(
            CHECK.name,
            Severity::Warning,
            file,
            range,
            format!(
                "toolchain '{label}' can never be selected: '{earlier}' (same type {ty}) is registered earlier and matches every platform '{label}' matches"
            ),
        );
        if let Some((f, r)) = registered_site(ctx, earlier, earlier_source) {
            d = d.with_related(
                f,
                r,
                format!("'{earlier}' is registered here, with higher priority"),
            );
        }
        acc.push(d);
    }
}
