//! `unguarded-optional-toolchain`: a dereference of `ctx.toolchains[T]` (directly, through
//! locals, helpers, tuples or structs) on a path where `T` is requested as optional by a rule,
//! aspect or exec group that reaches the code, and nothing proved it is not `None`.

use toolcheck_syntax::TextRange;

use crate::context::LintContext;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity, TextEdit};
use crate::registry::CheckMeta;
use toolcheck_semantics::flow::{snippet, EventKind, FlowAnalysis};

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "unguarded-optional-toolchain",
    default_severity: Severity::Warning,
    summary: "a toolchain requested with mandatory = False is used without a None check",
    docs: "## What it does
Follows each rule's and aspect's implementation function (through locals, helper functions in
the same and in `load()`ed files, tuples, structs and returns) and reports a dereference
(`.attr`, indexing, a call, iteration, `len()`, use as an action's `executable`, `inputs` or
`tools`) of a `ctx.toolchains[T]` or `ctx.exec_groups[g].toolchains[T]` value that may be
`None` because that rule, aspect or exec group requests `T` as optional
(`config_common.toolchain_type(T, mandatory = False)`, `use_cc_toolchain(mandatory = False)`,
or `use_cc_toolchain()` of a rules_cc before 0.1.2).

Guards are understood path by path: `if tc:`, `if not tc: return`, `if tc == None: fail()`,
`elif` chains, `tc and tc.f`, `tc.f if tc else d`, `getattr(tc, \"f\", None)`, `hasattr`,
booleans derived from a guard, guards in callers and helpers that fail on `None`.
`T in ctx.toolchains` is not a guard (see `membership-is-not-a-guard`). A value whose
absence was tested on some paths and not others is treated as unknown and not reported.

The finding names the rule or aspect whose request makes the value optional; a helper that
is safe from one rule (type mandatory there) and unsafe from another is reported once, with
the unsafe context.

## Why it matters
When no toolchain of an optional type resolves, `ctx.toolchains[T]` is `None`, and the
dereference fails the analysis with `'NoneType' value has no field or method ...`. This only
happens on platforms without a matching toolchain, typically a user's, long after the
rule was written.

## Example
```starlark
def _impl(ctx):
    info = ctx.toolchains[\"//tools/lint:toolchain_type\"].lint_info
    return [DefaultInfo()]

lint_rule = rule(
    implementation = _impl,
    toolchains = [config_common.toolchain_type(\"//tools/lint:toolchain_type\", mandatory = False)],
)
```

## What to do
Check the value before using it (`tc = ctx.toolchains[T]` then `if not tc: return [...]`),
or request the type as mandatory if the rule cannot work without it.

The quick fix inserts `if <value> == None: fail(\"...\")` before the statement. It is
*unsafe*: it turns a crash into a clear error, but a rule that should degrade gracefully
needs a different branch.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let analysis = ctx.flow();
    for f in &analysis.findings {
        let e = &f.event;
        let EventKind::Unguarded { member: None, pure } = e.kind else {
            continue;
        };
        let text = &ctx.ws.file(e.file).text();
        let what = snippet(text, e.range);
        let info = analysis.slot(e.slot);
        let mut d = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            e.file,
            e.range,
            format!(
                "`{what}` may be None here: reached from {}{}, and nothing checks it for None on this path",
                analysis.context_phrase(e.slot),
                FlowAnalysis::others_phrase(f.others),
            ),
        );
        add_declaration(analysis, e.slot, &mut d);
        if let (true, Some((stmt, true))) = (pure, e.stmt) {
            if let Some(fix) = guard_fix(text, e.file, stmt, &what, &info.ty.to_string(), e.range) {
                d = d.with_fix(fix);
            }
        }
        acc.push(d);
    }
}

/// Related spans: the optional request and the rule that reaches the code.
pub(crate) fn add_declaration(
    analysis: &FlowAnalysis,
    slot: toolcheck_semantics::flow::SlotId,
    d: &mut Diagnostic,
) {
    let rule = analysis.context_of(slot);
    let info = analysis.slot(slot);
    if let Some(req) = analysis.request(slot) {
        let loc = req.toolchain_type.loc;
        d.related.push(crate::diagnostic::Related {
            file: loc.file,
            range: loc.range,
            message: format!("`{}` is requested as optional here", info.ty),
        });
    }
    let kind = if rule.is_aspect { "aspect" } else { "rule" };
    d.related.push(crate::diagnostic::Related {
        file: rule.file,
        range: rule.name_range,
        message: format!("{kind} `{}` is defined here", rule.name),
    });
}

/// `if <value> == None: fail(...)` inserted on its own lines before the statement.
fn guard_fix(
    text: &str,
    file: toolcheck_index::workspace::FileId,
    stmt: TextRange,
    what: &str,
    ty: &str,
    value: TextRange,
) -> Option<Fix> {
    let value_text = text.get(value.start as usize..value.end as usize)?;
    if value_text.contains('\n') {
        return None;
    }
    let start = stmt.start as usize;
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let indent = &text[line_start..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let unit = if indent.contains('\t') { "\t" } else { "    " };
    let message = format!("no toolchain of type {ty} resolved").replace('"', "'");
    let new_text = format!("if {value_text} == None:\n{indent}{unit}fail(\"{message}\")\n{indent}");
    Some(Fix {
        title: format!("Fail with a clear message when `{what}` is None"),
        applicability: Applicability::Unsafe,
        edits: vec![TextEdit {
            file,
            range: TextRange::new(stmt.start, stmt.start),
            new_text,
        }],
    })
}
