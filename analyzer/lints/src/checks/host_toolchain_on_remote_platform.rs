//! `host-toolchain-on-remote-platform`: under remote execution, the toolchain Bazel gives
//! actions on a remote execution platform is bound to the workstation: it comes from a
//! repository Bazel generates by probing the host (`@local_config_cc`), or it names absolute
//! tool paths while its execution constraints match the host as well as the remote platform,
//! so nothing ties those paths to the remote image.

use rustc_hash::FxHashSet;
use toolcheck_index::label::Label;
use toolcheck_resolve::model::{Known, TypeRequest};
use toolcheck_resolve::platforms::Match;
use toolcheck_resolve::Request;
use toolcheck_semantics::remote::{host_platform, remote_exec_platforms, Matcher, Side};
use toolcheck_semantics::toolchain_impl::{binding, Binding};

use crate::checks::refs::registered_site;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "host-toolchain-on-remote-platform",
    default_severity: Severity::Warning,
    summary: "a remote execution platform gets a toolchain bound to the workstation",
    docs: "## What it does
In a configuration that sets `--remote_executor`, resolves every registered toolchain type on
every remote execution platform (a registered platform with `exec_properties`) and reports
the toolchain Bazel would give actions there when it is bound to the machine Bazel runs on:
- it comes from a repository Bazel writes by probing the host (`@local_config_cc`,
  `@local_config_sh`, `@local_config_python`, `@local_jdk`): its paths and include
  directories are the workstation's;
- or its implementation names absolute tool paths (`tool_paths`, `java_home`,
  `interpreter_path`) and its `exec_compatible_with` is met by the host platform too, so
  nothing binds those paths to the remote image. Content-addressed `/nix/store` paths are
  the same wherever they exist and are not reported; a toolchain bound to the image by a
  constraint only the remote platform has is not reported either.

## Why it matters
The remote executor runs the workstation's compiler path and include directories in its own
image: \"absolute path inclusion(s)\" and \"undeclared inclusion(s)\" errors, tools that do not
exist there, or, when the image happens to have them, results built with a different compiler
than the one the cache key claims. No error names the toolchain as the cause.

## Example
```
# .bazelrc
build:remote --remote_executor=grpcs://remote.example.com
build:remote --extra_execution_platforms=//platforms:rbe
```
with `@local_config_cc` registered (Bazel's default on Linux) and no C++ toolchain for the
`//platforms:rbe` image: C++ actions sent to the executor use the workstation's gcc.

## What to do
Register a toolchain generated for the image (rbe_configs_gen, a toolchain repository such
as toolchains_llvm with a sysroot, or hermetic Nix paths) and bind it to the remote platform
with a constraint only that platform has. Set `BAZEL_DO_NOT_DETECT_CPP_TOOLCHAIN=1` so
`@local_config_cc` cannot take its place.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    if ctx.index.flags.remote_executor.is_none() || !ctx.scope_has_toolchain_sites() {
        return;
    }
    let sim = ctx.simulation();
    let remote = remote_exec_platforms(ctx.index, sim);
    let host = host_platform(sim);
    let matcher = Matcher::new(&sim.model);
    let mut types: Vec<Label> = Vec::new();
    for (label, _) in sim.registered_toolchain_labels() {
        let Some(Known::Known(ty)) = sim.model.toolchains.get(label).map(|t| &t.toolchain_type)
        else {
            continue;
        };
        let ty = sim.actual(ty).unwrap_or(*ty);
        if !types.contains(&ty) {
            types.push(ty);
        }
    }
    let resolver = sim.resolver();
    let mut reported: FxHashSet<Label> = FxHashSet::default();
    let mut bindings: rustc_hash::FxHashMap<Label, Binding> = Default::default();
    for target_platform in ctx.target_platforms() {
        for ty in &types {
            if ctx.is_cancelled() {
                return;
            }
            let request = Request {
                trace: false,
                per_exec: true,
                ..Request::new(
                    target_platform,
                    vec![TypeRequest {
                        toolchain_type: *ty,
                        mandatory: Known::Known(false),
                        ignore_if_invalid: false,
                    }],
                )
            };
            let resolution = resolver.resolve(&request);
            for group in &resolution.groups {
                for (_, exec, toolchain) in &group.per_exec {
                    // Under `--remote_executor` the host platform's actions run remotely too,
                    // in the executor's default image; only a toolchain generated from the
                    // workstation is certainly wrong there.
                    let remote_platform = remote.iter().find(|(p, _)| p == exec).map(|(p, _)| p);
                    let on_host = remote_platform.is_none() && Some(exec) == host;
                    let Some(platform) = remote_platform.or(on_host.then_some(exec)) else {
                        continue;
                    };
                    if reported.contains(toolchain) {
                        continue;
                    }
                    let b = bindings
                        .entry(*toolchain)
                        .or_insert_with(|| binding(ctx.ws, ctx.facts, ctx.index, sim, toolchain));
                    let Some(why) = host_bound(toolchain, b, on_host, || {
                        host.is_some_and(|h| {
                            matcher.matches(toolchain, Side::Exec, h) == Match::Yes
                        })
                    }) else {
                        continue;
                    };
                    // A toolchain of a repository toolcheck does not read (the autodetected
                    // ones) is reported where the remote platform, or remote execution, is
                    // set up.
                    let site = registered_site(ctx, toolchain, registration_of(sim, toolchain))
                        .or_else(|| {
                            ctx.index
                                .targets
                                .get(platform)
                                .map(|t| (t.file, t.name_range))
                        })
                        .or_else(|| ctx.rc_site(ctx.index.flags.remote_executor.as_ref()?));
                    let Some((file, range)) = site else {
                        continue;
                    };
                    if !ctx.in_scope(file) {
                        continue;
                    }
                    reported.insert(*toolchain);
                    let message = if on_host {
                        format!(
                            "with remote execution, actions on the host platform `{platform}` run on the executor too (for target platform `{target_platform}`) and get '{toolchain}' for `{ty}`, but {why}"
                        )
                    } else {
                        format!(
                            "with remote execution, actions on remote execution platform `{platform}` (for target platform `{target_platform}`) get '{toolchain}' for `{ty}`, but {why}"
                        )
                    };
                    let mut diag =
                        Diagnostic::new(CHECK.name, CHECK.default_severity, file, range, message);
                    if let Some(t) = ctx.index.targets.get(platform).filter(|_| !on_host) {
                        diag = diag.with_related(
                            t.file,
                            t.name_range,
                            "the remote execution platform",
                        );
                    }
                    if let Some(p) = b.tool_paths.first().filter(|_| !b.host_probed) {
                        diag = diag.with_related(p.loc.file, p.loc.range, format!("`{}`", p.attr));
                    }
                    acc.push(diag);
                }
            }
        }
    }
}

/// Why a toolchain is bound to the workstation rather than to the remote platform, or
/// `None`. On the host platform (remote execution without a remote platform) only a
/// host-probed toolchain is judged: the executor's default image may well have the same
/// absolute paths.
fn host_bound(
    toolchain: &Label,
    b: &Binding,
    on_host: bool,
    host_matches: impl FnOnce() -> bool,
) -> Option<String> {
    if b.host_probed {
        let repo = b
            .implementation
            .as_ref()
            .map_or(&toolchain.repo, |(l, _)| &l.repo);
        return Some(format!(
            "it comes from `@{}`, which Bazel generates by probing the machine it runs on",
            repo.0
        ));
    }
    if on_host {
        return None;
    }
    let path = b
        .tool_paths
        .iter()
        .map(|p| p.path.as_str())
        .find(|p| !p.starts_with("/nix/store/"))?;
    host_matches().then(|| {
        format!(
            "its tools are absolute paths (`{path}`) and its `exec_compatible_with` matches the host platform too, so nothing binds them to the image"
        )
    })
}

/// The registration that put `toolchain` in the list (its first).
fn registration_of(sim: &toolcheck_semantics::Simulation, toolchain: &Label) -> Option<usize> {
    sim.registered_toolchain_labels()
        .into_iter()
        .find(|(l, _)| *l == toolchain)
        .and_then(|(_, s)| s)
}
