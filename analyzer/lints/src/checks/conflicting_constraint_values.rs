//! `conflicting-constraint-values`: two values of one constraint setting in one platform's
//! `constraint_values` or one toolchain's `exec_compatible_with` / `target_compatible_with`,
//! compared after alias resolution.

use rustc_hash::FxHashMap;
use toolcheck_index::index::{Decl, LabelRef, PlatformDecl, RefList, ToolchainDecl};
use toolcheck_index::label::Label;

use crate::checks::refs::resolve_target;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "conflicting-constraint-values",
    default_severity: Severity::Error,
    summary: "two values of the same constraint setting in one list",
    docs: "## What it does
Reports a platform's `constraint_values`, or a toolchain's `exec_compatible_with` or
`target_compatible_with`, that lists two different values of the same `constraint_setting`
(after following aliases, so `@platforms//os:macos` and `@platforms//os:osx` are the same value),
or the same value twice (directly or through an alias), which Bazel also rejects.
A child platform that overrides a value inherited from its parent is not a conflict.

## Why it matters
Bazel rejects such a declaration (\"Duplicate constraint values detected\") when it is first used, and
a toolchain that asks for two values of one setting could never match any platform.

## Example
```starlark
platform(
    name = \"confused\",
    constraint_values = [
        \"@platforms//os:linux\",
        \"@platforms//os:windows\",
    ],
)
```

## What to do
Keep one value per setting; declare a second platform for the other value.
",
    run,
};

fn setting_of<'a>(ctx: &LintContext<'a>, value: &Label) -> Option<(Label, Label)> {
    let target = resolve_target(ctx, value)?;
    match &target.decl {
        Decl::ConstraintValue { setting } => {
            let s = setting.known()?.label.as_ref().ok()?;
            let s = resolve_target(ctx, s)
                .map(|t| t.label)
                .unwrap_or_else(|| *s);
            Some((s, target.label))
        }
        _ => None,
    }
}

fn check_list(
    ctx: &LintContext<'_>,
    list: &RefList,
    owner: &Label,
    what: &str,
    acc: &mut Vec<Diagnostic>,
) {
    let Some(items) = list.known() else { return };
    let mut seen: FxHashMap<Label, (&LabelRef, Label)> = FxHashMap::default();
    for r in items {
        let Ok(l) = &r.label else { continue };
        let Some((setting, value)) = setting_of(ctx, l) else {
            continue;
        };
        let Some((first, first_value)) = seen.get(&setting) else {
            seen.insert(setting, (r, value));
            continue;
        };
        let (message, related) = if *first_value != value {
            (
                format!("{what} of `{owner}` lists two values of constraint setting '{setting}': '{first_value}' and '{value}'"),
                format!("'{first_value}' is listed here"),
            )
        } else {
            (
                format!("{what} of `{owner}` lists constraint value '{first_value}' twice (of setting '{setting}'); Bazel rejects duplicate constraint values"),
                format!("'{first_value}' is already listed here"),
            )
        };
        acc.push(
            Diagnostic::new(
                CHECK.name,
                Severity::Error,
                r.loc.file,
                r.loc.range,
                message,
            )
            .with_related(first.loc.file, first.loc.range, related),
        );
    }
}

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    // Findings land at the target's own attributes.
    let targets = ctx
        .source_targets()
        .filter(|t| matches!(t.decl, Decl::Platform(_) | Decl::Toolchain(_)));
    for t in targets {
        match &t.decl {
            Decl::Platform(d_platform) => {
                let PlatformDecl {
                    constraint_values, ..
                } = &**d_platform;
                check_list(ctx, constraint_values, &t.label, "constraint_values", acc)
            }
            Decl::Toolchain(d_toolchain) => {
                let ToolchainDecl {
                    exec_compatible_with,
                    target_compatible_with,
                    ..
                } = &**d_toolchain;
                check_list(
                    ctx,
                    exec_compatible_with,
                    &t.label,
                    "exec_compatible_with",
                    acc,
                );
                check_list(
                    ctx,
                    target_compatible_with,
                    &t.label,
                    "target_compatible_with",
                    acc,
                );
            }
            _ => {}
        }
    }
}
