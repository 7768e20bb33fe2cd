//! `wrong-target-kind`: a label that names an existing target of the wrong kind, such as a
//! `toolchain_type =` naming a `constraint_value` or a platform listing a `constraint_setting`.

use toolcheck_index::index::{Decl, RefList};

use crate::checks::refs::{kind_matches, references, registered_labels, resolve_target, Expected};
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "wrong-target-kind",
    default_severity: Severity::Error,
    summary: "a label that names a target of the wrong kind",
    docs: "## What it does
Checks that each label toolchain resolution reads names the right kind of target (after following
aliases): `toolchain_type` must name a `toolchain_type`; `exec_compatible_with`,
`target_compatible_with` and `constraint_values` must name `constraint_value`s; `parents` must name a
`platform`; `constraint_setting` a `constraint_setting`; `target_settings` a `config_setting`;
`register_toolchains` labels `toolchain`s and `register_execution_platforms` labels `platform`s.
Labels into `@platforms` are judged even when toolcheck cannot read it, from the layout every
release has (`@platforms//os:os` is the setting, `@platforms//os:linux` a value, neither a
platform): `--platforms=@platforms//os:linux` is a classic.

## Why it matters
Bazel fails analysis with errors such as \"does not provide ToolchainTypeInfo\" or \"target does not
provide the DeclaredToolchainInfo provider\", but only when something needs the declaration.

## Example
```starlark
constraint_setting(name = \"os\")
constraint_value(name = \"linux\", constraint_setting = \":os\")

platform(
    name = \"linux_x86\",
    constraint_values = [\":os\"],
)
```

## What to do
Name a target of the expected kind (here: `\":linux\"`, the value, not its setting).
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let check = |label: &toolcheck_index::label::Label,
                 expected: Expected,
                 file,
                 range,
                 role: &str,
                 acc: &mut Vec<Diagnostic>| {
        if !ctx.in_scope(file) {
            return;
        }
        let Some(target) = resolve_target(ctx, label) else {
            platforms_layout_kind(ctx, label, expected, file, range, role, acc);
            return;
        };
        if kind_matches(&target.decl, expected) != Some(false) {
            return;
        }
        let via = if &target.label != label {
            format!(" (through alias to '{}')", target.label)
        } else {
            String::new()
        };
        acc.push(
            Diagnostic::new(
                CHECK.name,
                Severity::Error,
                file,
                range,
                format!(
                    "'{label}'{via} is a `{}` but the {role} must be {}",
                    target.kind,
                    expected.describe()
                ),
            )
            .with_related(
                target.file,
                target.callee_range,
                format!("'{}' is declared here", target.label),
            ),
        );
    };
    for r in references(ctx) {
        if let Ok(l) = &r.r.label {
            check(l, r.expected, r.r.loc.file, r.r.loc.range, &r.role, acc);
        }
    }
    // Every rule target takes `exec_compatible_with` and `target_compatible_with`; Bazel
    // rejects an entry that is no constraint value, and toolchain resolution fails on it
    // (ToolchainResolutionFunctionTest: resolve_execConstraints_invalid).
    for t in ctx.source_targets() {
        if !matches!(t.decl, Decl::StarlarkRule { .. } | Decl::OtherNative) {
            continue;
        }
        for attr in ["exec_compatible_with", "target_compatible_with"] {
            if !ctx.index.target_may_set(ctx.facts, t, attr) {
                continue;
            }
            let RefList::Known(items) = ctx.index.target_label_list(ctx.ws, ctx.facts, t, attr)
            else {
                continue;
            };
            for r in &items {
                if let Ok(l) = &r.label {
                    let role = format!("`{attr}` entry of `{}`", t.label);
                    check(
                        l,
                        Expected::ConstraintValue,
                        r.loc.file,
                        r.loc.range,
                        &role,
                        acc,
                    );
                }
            }
        }
    }
    for (reg, label, expected) in registered_labels(ctx) {
        let Some(loc) = reg.loc else { continue };
        check(
            label,
            expected,
            loc.file,
            loc.range,
            "registered target",
            acc,
        );
    }
}

/// A label into `@platforms` when toolcheck cannot read it: its layout still says what the
/// `os` and `cpu` packages hold (`toolcheck_resolve::platforms_repo::platforms_layout`), so a
/// setting written as a value, or a value given as a platform (`--platforms=@platforms//os:linux`),
/// is reported all the same.
fn platforms_layout_kind(
    ctx: &LintContext<'_>,
    label: &toolcheck_index::label::Label,
    expected: Expected,
    file: toolcheck_index::workspace::FileId,
    range: toolcheck_syntax::TextRange,
    role: &str,
    acc: &mut Vec<Diagnostic>,
) {
    use toolcheck_resolve::platforms_repo::{
        is_unread_platforms, platforms_layout, requested_release, WellKnown,
    };
    if !is_unread_platforms(ctx.ws, &label.repo) {
        return;
    }
    let (kind, expected_kind) = match platforms_layout(label, requested_release(ctx.index)) {
        Some(WellKnown::Setting) => ("constraint_setting", Expected::ConstraintSetting),
        Some(WellKnown::Value { .. } | WellKnown::Alias(_)) => {
            ("constraint_value", Expected::ConstraintValue)
        }
        None => return,
    };
    if expected == expected_kind {
        return;
    }
    acc.push(Diagnostic::new(
        CHECK.name,
        Severity::Error,
        file,
        range,
        format!(
            "'{label}' is a `{kind}` (the layout of every `@platforms` release) but the {role} must be {}",
            expected.describe()
        ),
    ));
}
