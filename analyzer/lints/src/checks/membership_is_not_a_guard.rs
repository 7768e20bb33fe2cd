//! `membership-is-not-a-guard`: `T in ctx.toolchains` used as if it proved that the toolchain
//! of an optional type resolved, followed by a dereference of `ctx.toolchains[T]`.

use crate::checks::unguarded_optional_toolchain::add_declaration;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::registry::CheckMeta;
use toolcheck_semantics::flow::{snippet, EventKind, FlowAnalysis};

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "membership-is-not-a-guard",
    default_severity: Severity::Warning,
    summary: "`T in ctx.toolchains` does not mean the optional toolchain resolved",
    docs: "## What it does
Reports a test `T in ctx.toolchains` (or on an exec group's toolchains) on a path that then
dereferences `ctx.toolchains[T]`, when a rule, aspect or exec group reaching the code
requests `T` with `mandatory = False`. The dereference is reported here instead of under
`unguarded-optional-toolchain`.

## Why it matters
`T in ctx.toolchains` is true when the rule *declares* `T`, whether or not a toolchain
resolved (in current Bazel versions). For an optional type, `ctx.toolchains[T]` can still be
`None` inside the `if`, and the dereference fails on platforms without a toolchain.
`T in ctx.toolchains and ctx.toolchains[T]` is a real guard.

## Example
```starlark
def _impl(ctx):
    if \"//tools/lint:toolchain_type\" in ctx.toolchains:
        info = ctx.toolchains[\"//tools/lint:toolchain_type\"].lint_info
```

## What to do
Test the value itself: `tc = ctx.toolchains[T]` then `if tc:` (or `if tc != None:`).
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let analysis = ctx.flow();
    for f in &analysis.findings {
        let e = &f.event;
        let EventKind::Unguarded {
            member: Some(test), ..
        } = e.kind
        else {
            continue;
        };
        let text = &ctx.ws.file(e.file).text();
        let what = snippet(text, e.range);
        let info = analysis.slot(e.slot);
        let mut d = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            test.file,
            test.range,
            format!(
                "`in ctx.toolchains` is true when `{}` is declared, not when a toolchain resolved: `{what}` may still be None (reached from {}{})",
                info.ty,
                analysis.context_phrase(e.slot),
                FlowAnalysis::others_phrase(f.others),
            ),
        );
        d.related.push(Related {
            file: e.file,
            range: e.range,
            message: format!("`{what}` is dereferenced here"),
        });
        add_declaration(analysis, e.slot, &mut d);
        acc.push(d);
    }
}
