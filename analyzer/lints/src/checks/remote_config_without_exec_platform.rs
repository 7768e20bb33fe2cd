//! `remote-config-without-exec-platform`: a configuration that turns on remote execution
//! while no execution platform carries `exec_properties` and no default properties are set,
//! so every action is sent to the executor's default image.

use toolcheck_index::bazelrc::{FlagValue, RcFile};
use toolcheck_semantics::remote::{exec_properties, host_platform};

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "remote-config-without-exec-platform",
    default_severity: Severity::Warning,
    summary: "remote execution turned on with no platform saying where actions run",
    docs: "## What it does
In a configuration that sets `--remote_executor`, reports the flag when nothing tells the
executor what to run actions on: no registered execution platform (`register_execution_platforms`,
`--extra_execution_platforms`, or the `--host_platform`) has `exec_properties`, directly or
through its `parents`, and `--remote_default_exec_properties` is not set. Every config is
checked on its own and the finding names it. A config that other configs include
(`build:remote-linux --config=remote`) is a building block: the configs that include it are
judged instead. Nothing is said while a registered execution platform cannot be read (it may
carry the properties).

## Why it matters
Without properties the executor runs each action in its default image, not the one the
toolchains were written for: Bazel chose the execution platform (the host platform, with the
workstation's constraints) and the toolchains for it, and the actions then run somewhere
else. Builds fail on missing tools, or succeed with whatever compiler the default image
happens to have, and the remote cache fills with results from an image nobody chose.

## Example
```
build:remote --remote_executor=grpcs://remote.example.com
```
with no `--extra_execution_platforms` and no platform with `exec_properties` registered.

## What to do
Register a platform with the image and the constraints the remote toolchains need, and
select it in the config:
```
build:remote --extra_execution_platforms=//platforms:remote
build:remote --host_platform=//platforms:remote
```
or, for a single image, set `--remote_default_exec_properties=container-image=docker://...`.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let flags = &ctx.index.flags;
    let Some(executor) = &flags.remote_executor else {
        return;
    };
    if !flags.remote_default_exec_properties.is_empty() {
        return;
    }
    let Some((file, range)) = ctx.rc_site(executor) else {
        return;
    };
    if !ctx.in_scope(file) {
        return;
    }
    let config = config_of(&ctx.index.rc_files, executor);
    if let Some(name) = &config {
        if included_by_another(&ctx.index.rc_files, name) {
            return;
        }
    }
    let sim = ctx.simulation();
    for e in &sim.exec_platforms.entries {
        // A platform toolcheck cannot see may carry the properties.
        if e.unknown.is_some() {
            return;
        }
        let Some(label) = &e.label else {
            return;
        };
        match exec_properties(ctx.index, sim, label) {
            Some(props) if props.is_empty() => {}
            _ => return,
        }
    }
    let host =
        host_platform(sim).map_or_else(|| "the host platform".to_string(), |l| format!("`{l}`"));
    let registered = sim
        .exec_platforms
        .entries
        .iter()
        .filter(|e| !e.host)
        .count();
    let which = if registered == 0 {
        format!("the only execution platform is {host}")
    } else {
        format!(
            "none of the {} execution platforms (the host platform {host} included) has them",
            registered + 1
        )
    };
    let turned_on = match &config {
        Some(name) => format!("config `{name}` turns on remote execution"),
        None => "remote execution is turned on".to_string(),
    };
    acc.push(Diagnostic::new(
        CHECK.name,
        CHECK.default_severity,
        file,
        range,
        format!(
            "{turned_on}, but no execution platform has `exec_properties` and `--remote_default_exec_properties` is not set ({which}): actions run in the executor's default image, not the one the toolchains were chosen for; register a platform with the image, or set default properties"
        ),
    ));
}

/// The config whose rc line sets `flag` (`None` for a line without `:NAME`).
fn config_of(files: &[RcFile], flag: &FlagValue) -> Option<String> {
    let file = files.get(flag.file?)?;
    file.entries
        .iter()
        .find(|e| e.range.start <= flag.range.start && flag.range.end <= e.range.end)
        .and_then(|e| e.config.clone())
}

/// Whether another config's lines say `--config=name` (or `--config name`).
fn included_by_another(files: &[RcFile], name: &str) -> bool {
    files.iter().flat_map(|f| &f.entries).any(|e| {
        let other = e.config.as_deref().is_some_and(|c| c != name);
        let names_it = e
            .args
            .iter()
            .any(|(a, _)| a.strip_prefix("--config=") == Some(name))
            || e.args
                .windows(2)
                .any(|w| w[0].0 == "--config" && w[1].0 == name);
        other && names_it
    })
}
