//! `remote-platform-without-constraints`: a registered execution platform that carries
//! `exec_properties` but no constraint values of its own or inherited, while registered
//! toolchains require execution constraints it cannot meet.

use toolcheck_index::index::{Decl, PlatformDecl, RefList};
use toolcheck_index::label::Label;
use toolcheck_resolve::model::Model;
use toolcheck_resolve::platforms::{resolve_value, Defaults, Lookup};

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "remote-platform-without-constraints",
    default_severity: Severity::Warning,
    summary: "a remote execution platform no constrained toolchain can run on",
    docs: "## What it does
Reports a `platform()` with `exec_properties` (a container image, a worker pool: the marks of a
remote execution platform) that declares neither `constraint_values` nor `parents`, when it is
registered as an execution platform and a registered toolchain requires execution constraints
it cannot meet (`exec_compatible_with = [\"@platforms//os:linux\"]`, say). A constraint that is
its setting's default is met. Platforms that inherit constraints through `parents` are fine.

## Why it matters
Toolchain resolution only picks an execution platform that satisfies every requested
toolchain's `exec_compatible_with`. A platform without constraints satisfies none of them, so
Bazel silently moves every target that needs such a toolchain to the next execution platform,
usually the host: its actions are sent without the platform's `exec_properties` (no image, no
pool), or run on the workstation, and the remote build is neither remote nor reproducible.
No error says so.

## Example
```starlark
platform(
    name = \"rbe\",
    exec_properties = {\"container-image\": \"docker://gcr.io/p/rbe@sha256:...\"},
)
```

## What to do
Give the platform the constraints of the machine its image is: `constraint_values =
[\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"]` (plus any capability constraint your
toolchains are bound to), or inherit them with `parents = [\"@local_config_platform//:host\"]`
when the image matches the host.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let sim = ctx.simulation();
    let model = &sim.model;
    // The toolchains a configuration can select, with the execution constraints they
    // require.
    let constrained: Vec<(&Label, &Vec<Label>)> = sim
        .toolchains
        .entries
        .iter()
        .filter_map(|e| e.label.as_ref())
        .filter_map(|l| {
            let exec = model.toolchains.get(l)?.exec_compatible_with.as_known()?;
            (!exec.is_empty()).then_some((l, exec))
        })
        .collect();
    if constrained.is_empty() {
        return;
    }
    let defaults = Defaults::new(model);
    let mut seen: Vec<&Label> = Vec::new();
    for entry in &sim.exec_platforms.entries {
        let Some(label) = entry.label.as_ref() else {
            continue;
        };
        if seen.contains(&label) {
            continue;
        }
        seen.push(label);
        let Some(t) = ctx.index.targets.get(label) else {
            continue;
        };
        if !ctx.in_scope(t.file) {
            continue;
        }
        let Decl::Platform(d) = &t.decl else { continue };
        let PlatformDecl {
            constraint_values,
            parents,
            exec_properties,
            ..
        } = &**d;
        let bare = |l: &RefList| matches!(l, RefList::Known(items) if items.is_empty());
        let has_properties = exec_properties.as_ref().is_some_and(|p| !p.is_empty());
        if !has_properties || !bare(constraint_values) || !bare(parents) {
            continue;
        }
        let Some((toolchain, missing)) = constrained
            .iter()
            .find_map(|(tc, exec)| Some((*tc, unmet_by_defaults(model, &defaults, exec)?)))
        else {
            continue;
        };
        let mut diag = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            t.file,
            t.name_range,
            format!(
                "execution platform `{}` has `exec_properties` but no `constraint_values` or `parents`: toolchains that require execution constraints, like '{toolchain}' (`{missing}`), never run on it, so Bazel sends their actions to another execution platform, without these properties",
                t.label
            ),
        );
        if let Some(tc) = ctx.index.targets.get(toolchain) {
            diag = diag.with_related(tc.file, tc.name_range, "requires execution constraints");
        }
        acc.push(diag);
    }
}

/// The first of `values` a platform with no constraint values of its own fails: one that is
/// not its setting's default. `None` when every value is a default, or one is not known.
fn unmet_by_defaults<'m>(
    model: &Model,
    defaults: &Defaults,
    values: &'m [Label],
) -> Option<&'m Label> {
    values.iter().find(|written| {
        let Ok(v) = resolve_value(model, written) else {
            return false;
        };
        match defaults.get(&v.setting) {
            Lookup::Value(d) => *d != v.value,
            Lookup::NoValue => true,
            Lookup::Unknown(_) => false,
        }
    })
}
