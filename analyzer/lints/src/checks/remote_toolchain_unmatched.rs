//! `remote-toolchain-unmatched`: under remote execution, a toolchain meant for the remote
//! platform (added by the config's `--extra_toolchains`, or declared next to a remote
//! execution platform) whose `exec_compatible_with` no execution platform of that
//! configuration satisfies, so resolution silently passes it over.

use toolcheck_index::index::RegistrationOrigin;
use toolcheck_index::label::Label;
use toolcheck_resolve::platforms::Match;
use toolcheck_semantics::remote::{remote_exec_platforms, Matcher, Side};

use crate::checks::refs::registered_site;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "remote-toolchain-unmatched",
    default_severity: Severity::Warning,
    summary: "a remote toolchain no execution platform of its config can run",
    docs: "## What it does
In a configuration that sets `--remote_executor`, reports a toolchain meant for remote
execution that no registered execution platform of that configuration (the host platform
included) satisfies: one the configuration adds with `--extra_toolchains`, or one declared in
the same package as a remote execution platform (a platform with `exec_properties`). The
finding names the execution constraints each remote platform lacks.

## Why it matters
Toolchain resolution skips a toolchain whose `exec_compatible_with` no execution platform
meets, without a word, and picks the next one of the type: usually the host's
`@local_config_cc`, whose paths are the workstation's. The remote build then fails with
missing tools or include errors far from the cause, or, worse, works with the wrong compiler.
rbe_configs_gen, for example, adds a compiler constraint to the generated C++ toolchain that
the generated platform must carry too.

## Example
```starlark
platform(
    name = \"rbe\",
    constraint_values = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"],
    exec_properties = {\"container-image\": \"docker://gcr.io/p/rbe@sha256:...\"},
)

toolchain(
    name = \"rbe_cc\",
    exec_compatible_with = [
        \"@platforms//os:linux\",
        \"@bazel_tools//tools/cpp:clang\",  # the platform does not have it
    ],
    toolchain = \":cc-compiler-k8\",
    toolchain_type = \"@bazel_tools//tools/cpp:toolchain_type\",
)
```

## What to do
Give the remote platform the constraints its toolchains require (or drop the constraint from
the toolchain), so that the toolchain made for the image is the one its actions get.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    if ctx.index.flags.remote_executor.is_none() || !ctx.scope_has_toolchain_sites() {
        return;
    }
    let sim = ctx.simulation();
    let remote = remote_exec_platforms(ctx.index, sim);
    let exec_platforms: Vec<&Label> = {
        let mut v: Vec<&Label> = Vec::new();
        for e in &sim.exec_platforms.entries {
            if e.unknown.is_some() {
                // A platform toolcheck cannot see might satisfy anything.
                return;
            }
            if let Some(l) = &e.label {
                if !v.contains(&l) {
                    v.push(l);
                }
            }
        }
        v
    };
    let remote_packages: Vec<_> = remote.iter().map(|(p, _)| p.package_id()).collect();
    let matcher = Matcher::new(&sim.model);
    for (toolchain, source) in sim.registered_toolchain_labels() {
        let by_config_flag = source
            .and_then(|s| ctx.index.registrations.get(s))
            .is_some_and(|r| r.origin == RegistrationOrigin::Flag && in_config_line(ctx, r.loc));
        let beside_remote = remote_packages.contains(&toolchain.package_id());
        if !by_config_flag && !beside_remote {
            continue;
        }
        let mut lacking: Vec<(&Label, Vec<Label>)> = Vec::new();
        let mut possible = false;
        for p in &exec_platforms {
            match matcher.matches(toolchain, Side::Exec, p) {
                Match::No(values) => lacking.push((p, values)),
                Match::Yes | Match::Unknown(_) => possible = true,
            }
        }
        if possible || lacking.is_empty() {
            continue;
        }
        let Some((file, range)) = registered_site(ctx, toolchain, source) else {
            continue;
        };
        if !ctx.in_scope(file) {
            continue;
        }
        let shown: Vec<String> = lacking
            .iter()
            .filter(|(p, _)| remote.iter().any(|(r, _)| r == *p))
            .chain(
                lacking
                    .iter()
                    .filter(|(p, _)| !remote.iter().any(|(r, _)| r == *p)),
            )
            .take(3)
            .map(|(p, values)| {
                let v: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                format!("`{p}` lacks {}", v.join(", "))
            })
            .collect();
        let mut diag = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            file,
            range,
            format!(
                "with remote execution, no execution platform satisfies `exec_compatible_with` of '{toolchain}' ({}): Bazel passes it over and resolves its type to another toolchain",
                shown.join("; ")
            ),
        );
        if let Some(t) = ctx.index.targets.get(toolchain) {
            if (t.file, t.name_range) != (file, range) {
                diag = diag.with_related(t.file, t.name_range, "the toolchain");
            }
        }
        acc.push(diag);
    }
}

/// Whether a flag registration is written on an rc line of a named config
/// (`build:remote --extra_toolchains=...`).
fn in_config_line(ctx: &LintContext<'_>, loc: Option<toolcheck_index::interp::Loc>) -> bool {
    let Some(loc) = loc else { return false };
    ctx.ws
        .rc_files
        .iter()
        .zip(&ctx.index.rc_files)
        .filter(|((_, id), _)| *id == loc.file)
        .any(|(_, rc)| {
            rc.entries.iter().any(|e| {
                e.config.is_some()
                    && e.range.start <= loc.range.start
                    && loc.range.end <= e.range.end
            })
        })
}
