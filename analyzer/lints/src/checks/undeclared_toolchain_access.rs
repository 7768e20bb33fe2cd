//! `undeclared-toolchain-access`: `ctx.toolchains[T]` (or an exec group's) for a type that the
//! rule, aspect or exec group reaching the code does not request.

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;
use toolcheck_semantics::flow::{snippet, EventKind, FlowAnalysis};

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "undeclared-toolchain-access",
    default_severity: Severity::Error,
    summary: "`ctx.toolchains[T]` for a type the rule does not request",
    docs: "## What it does
Follows each rule's and aspect's implementation (through helpers in the same and in
`load()`ed files) and reports `ctx.toolchains[T]` or `ctx.exec_groups[\"g\"].toolchains[T]`
where `T` is not among the types that rule, aspect or exec group requests. Keys are compared
as resolved labels (strings resolve in the file that defines the rule, like Bazel does) after
following aliases. An access inside `if T in ctx.toolchains:` is not reported, since that
test is false for an undeclared type. Requests or keys toolcheck cannot evaluate mean no
finding.

## Why it matters
Bazel fails the analysis of every target of the rule that reaches the access:
`toolchain type T was requested but only types [...] are configured`.

## Example
```starlark
def _impl(ctx):
    tool = ctx.toolchains[\"//tools/fmt:toolchain_type\"].tool

fmt_rule = rule(
    implementation = _impl,
    toolchains = [\"//tools/lint:toolchain_type\"],
)
```

## What to do
Add the type to the rule's (or exec group's) `toolchains`, or fix the key.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let analysis = ctx.flow();
    for f in &analysis.findings {
        let e = &f.event;
        if e.kind != EventKind::Undeclared {
            continue;
        }
        let info = analysis.slot(e.slot);
        let rule = analysis.context_of(e.slot);
        let kind = if rule.is_aspect { "aspect" } else { "rule" };
        let whose = match &info.group {
            None => format!("{kind} `{}`", rule.name),
            Some(g) => format!("exec group `{g}` of {kind} `{}`", rule.name),
        };
        let declared: Vec<String> = match &info.group {
            None => rule.toolchains.as_deref().unwrap_or_default().to_vec(),
            Some(g) => rule
                .exec_groups
                .as_deref()
                .unwrap_or_default()
                .iter()
                .find(|x| &x.name == g)
                .and_then(|x| x.toolchains.clone())
                .unwrap_or_default(),
        }
        .iter()
        .map(|r| format!("`{}`", r.toolchain_type.text))
        .collect();
        let listed = if declared.is_empty() {
            "none".to_string()
        } else {
            declared.join(", ")
        };
        let text = &ctx.ws.file(e.file).text();
        let d = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            e.file,
            e.range,
            format!(
                "`{}` reads toolchain type `{}`, which {whose} does not request (it requests: {listed}){}; Bazel fails the analysis whenever this line runs",
                snippet(text, e.range),
                info.ty,
                FlowAnalysis::others_phrase(f.others),
            ),
        )
        .with_related(rule.file, rule.name_range, format!("{kind} `{}` is defined here", rule.name));
        acc.push(d);
    }
}
