//! `shadowed-toolchain`: a registered toolchain that can never be selected, because a
//! toolchain of the same type registered earlier matches every (target, exec) platform pair
//! it matches.

use crate::checks::refs::registered_site;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

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

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    if !ctx.scope_has_toolchain_sites() {
        return;
    }
    let sim = ctx.simulation();
    let registered = sim.registered_toolchain_labels();
    for (i, shadow) in sim.shadowed_toolchains().into_iter().enumerate() {
        let Some(shadow) = shadow else { continue };
        let (label, source) = registered[i];
        let ty = &shadow.toolchain_type;
        let (earlier, earlier_source) = registered[shadow.by];
        let Some((file, range)) = registered_site(ctx, label, source) else {
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
