//! `platform-parent-cycle`: platforms whose `parents` chain leads back to themselves.

use rustc_hash::FxHashSet;
use toolcheck_index::index::{Decl, PlatformDecl};
use toolcheck_index::label::Label;

use crate::checks::refs::resolve_target;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "platform-parent-cycle",
    default_severity: Severity::Error,
    summary: "a platform that is its own ancestor",
    docs: "## What it does
Follows each platform's `parents` (after aliases) and reports every platform on a cycle, at its
`parents` entry.

## Why it matters
Bazel cannot compute the constraints of a platform that inherits from itself; every build that uses
one of these platforms as a target or execution platform fails.

## Example
```starlark
platform(name = \"a\", parents = [\":b\"])
platform(name = \"b\", parents = [\":a\"])
```

## What to do
Break the cycle: one platform of the chain must not have a parent from the chain.
",
    run,
};

fn parent_of<'a>(
    ctx: &LintContext<'a>,
    label: &Label,
) -> Option<(&'a toolcheck_index::index::LabelRef, Label)> {
    let t = resolve_target(ctx, label)?;
    let Decl::Platform(d_platform) = &t.decl else {
        return None;
    };
    let PlatformDecl { parents, .. } = &**d_platform;
    let first = parents.known()?.first()?;
    let parent = first.label.as_ref().ok()?;
    let parent = resolve_target(ctx, parent).map(|p| p.label)?;
    Some((first, parent))
}

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    // Findings land at the platform's own `parents`.
    let platforms = ctx
        .source_targets()
        .filter(|t| matches!(t.decl, Decl::Platform(_)));
    for t in platforms {
        let mut chain = vec![t.label];
        let mut seen: FxHashSet<Label> = FxHashSet::default();
        seen.insert(t.label);
        let mut cur = t.label;
        // Bounded: a chain longer than the number of platforms must contain a cycle.
        while let Some((_, parent)) = parent_of(ctx, &cur) {
            if parent == t.label {
                let Some((r, _)) = parent_of(ctx, &t.label) else {
                    break;
                };
                let path: Vec<String> = chain.iter().map(|l| format!("'{l}'")).collect();
                acc.push(Diagnostic::new(
                    CHECK.name,
                    Severity::Error,
                    r.loc.file,
                    r.loc.range,
                    format!(
                        "platform '{}' is its own ancestor: {} -> '{}'",
                        t.label,
                        path.join(" -> "),
                        t.label
                    ),
                ));
                break;
            }
            if !seen.insert(parent) {
                break;
            }
            chain.push(parent);
            cur = parent;
        }
    }
}
