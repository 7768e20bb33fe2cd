//! `wrong-target-kind`: a label that names an existing target of the wrong kind, such as a
//! `toolchain_type =` naming a `constraint_value` or a platform listing a `constraint_setting`.

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
