//! `missing-exec-compatible-with`: a registered toolchain with no execution constraints in a
//! workspace whose execution platforms differ, so Bazel may run its tool on any of them.

use rustc_hash::FxHashMap;
use toolcheck_index::label::Label;
use toolcheck_resolve::model::{Known, TypeRequest};
use toolcheck_resolve::platforms::PlatformConstraints;
use toolcheck_resolve::Request;
use toolcheck_semantics::simulation::HostSource;

use crate::checks::refs::{consumer_registration, declaration, registered_site};
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "missing-exec-compatible-with",
    default_severity: Severity::Warning,
    summary: "a registered toolchain without exec constraints where execution platforms differ",
    docs: "## What it does
Reports a registered toolchain (from the main repository or any module or repository it uses)
that has no `exec_compatible_with` and does not set `use_target_platform_constraints = True`, when
the workspace has at least two execution platforms with different constraints (the registered
ones and the host platform: Bazel's autodetected host counts with the CPU and OS of the machine
toolcheck runs on, or `host_constraints` in `toolcheck.toml`), and Bazel selects it on at least two
of those kinds of platform: toolchain resolution is simulated for its type on each target platform
the checks consider (and the host platform, the target without `--platforms`), executing on each
kind of execution platform. A toolchain that is never selected there (registered behind real
toolchains that match every execution platform) or that is selected on one kind of platform only
is not reported. Toolchains of types whose name says they are runtimes (consumed on the target
side) are reported as `info`.

A workspace built on several kinds of machine (its host matrix: `hosts` in `toolcheck.toml`, or
the platform-specific configs and `select()`s on a host OS it has) has one execution platform
per developer machine: a toolchain limited to some targets (`target_compatible_with`) with no
execution constraints, whose tool is the same file on every host (not one a repository rule
configures from the machine), is reported against that matrix too.

## Why it matters
Without execution constraints, Bazel considers the toolchain's binary runnable on every execution
platform. When a Linux-only compiler is registered this way, a build whose first available
execution platform is a macOS or ARM machine runs a binary that cannot execute there, or picks
that platform for the whole target.

## Example
```starlark
toolchain(
    name = \"protoc_linux\",
    target_compatible_with = [\"@platforms//os:linux\"],
    toolchain = \":protoc_linux_impl\",
    toolchain_type = \"//proto:toolchain_type\",
)
```

## What to do
Add `exec_compatible_with` with the OS and CPU the toolchain's binaries run on (often what was
put in `target_compatible_with`). For a toolchain that is only used on the target side (a
runtime), `use_target_platform_constraints = True` (Bazel 8.2+) states that explicitly.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    if !ctx.scope_has_toolchain_sites() {
        return;
    }
    let sim = ctx.simulation();
    // Distinct known constraint sets among the execution platforms.
    let mut distinct: Vec<(Label, Vec<(Label, Label)>)> = Vec::new();
    for e in &sim.exec_platforms.entries {
        let Some(label) = &e.label else { continue };
        if e.unknown.is_some() {
            continue;
        }
        let set = PlatformConstraints::compute(&sim.model, label).as_constraint_set();
        if set.unknown.is_some() {
            continue;
        }
        let set: Vec<(Label, Label)> = set.values.into_iter().collect();
        if !distinct.iter().any(|(_, s)| *s == set) {
            distinct.push((*label, set));
        }
    }
    // A library's consumers have machines of every kind: with fewer than two kinds of
    // execution platform in the library's own workspace, the toolchains it registers for
    // them are judged against the host matrix instead. A workspace built on several kinds of
    // host (its host matrix) is judged the same way: each developer's machine is the
    // execution platform of their builds.
    let matrix = distinct.len() < 2;
    let other_hosts = other_host_kinds(ctx);
    if matrix && !ctx.index.library && other_hosts.is_none() {
        return;
    }
    let usage = Usage::new(ctx, &distinct);
    for (label, source) in sim.registered_toolchain_labels() {
        let Some(tc) = sim.model.toolchains.get(label) else {
            continue;
        };
        if !matches!(&tc.exec_compatible_with, Known::Known(v) if v.is_empty())
            || !matches!(tc.use_target_platform_constraints, Known::Known(false))
        {
            continue;
        }
        let Known::Known(ty) = &tc.toolchain_type else {
            continue;
        };
        let consumer = consumer_registration(ctx, source);
        if matrix && ctx.index.library && consumer.is_none() {
            continue;
        }
        // A toolchain whose implementation holds no tool built for the execution platform
        // only describes the target: where it executes does not matter.
        let has_tools = match &tc.implementation {
            Known::Known(l) => {
                let l = sim.actual(l).unwrap_or(*l);
                ctx.index.implementation_has_tools(ctx.ws, ctx.facts, &l)
            }
            Known::Unknown => None,
        };
        if has_tools == Some(false) {
            continue;
        }
        let runtime = ty.name.contains("runtime") || ty.package.contains("runtime");
        // Against the host matrix, only a toolchain limited to some targets but runnable
        // anywhere is the hazard: one with no constraints at all is a deliberate catch-all
        // (`dummy-toolchain-precedence` judges those), and one behind `target_settings` is
        // only used in a configuration a consumer opts into.
        // Against a workspace's own host matrix, only a tool that is the same file on every
        // host is the hazard: one a repository rule configures on each machine (a tool found
        // on the host's PATH, `local_config_*`) is that host's own.
        if matrix && !ctx.index.library {
            let fixed = match &tc.implementation {
                Known::Known(l) => {
                    let l = sim.actual(l).unwrap_or(*l);
                    same_on_every_host(ctx, &l.repo)
                }
                Known::Unknown => false,
            };
            if !fixed {
                continue;
            }
        }
        if matrix {
            let target_specific =
                matches!(&tc.target_compatible_with, Known::Known(v) if !v.is_empty());
            let gated = !matches!(&tc.target_settings, Known::Known(v) if v.is_empty());
            if !target_specific || gated || runtime {
                continue;
            }
        }
        let severity = if runtime {
            Severity::Info
        } else {
            Severity::Warning
        };
        let Some((file, range)) =
            declaration(ctx, label).or_else(|| registered_site(ctx, label, source))
        else {
            continue;
        };
        if !ctx.in_scope(file) {
            continue;
        }
        // Among the workspace's own execution platforms, only a toolchain some resolution
        // selects on two kinds of them runs somewhere its binary was not built for.
        let picked_on = if matrix {
            Vec::new()
        } else {
            let picked = usage.picked_on(ty, label);
            if picked.len() < 2 {
                continue;
            }
            picked
        };
        let message = match (&consumer, matrix) {
            (_, true) if !ctx.index.library => format!(
                "toolchain '{label}' of type {ty} has no exec_compatible_with: this workspace is built on {} hosts ({}), and Bazel may run it on any of them",
                other_hosts.as_ref().map(|(all, _)| all.as_str()).unwrap_or_default(),
                other_hosts.as_ref().map(|(_, why)| why.as_str()).unwrap_or_default(),
            ),
            (Some((who, _)), true) => format!(
                "toolchain '{label}' of type {ty} has no exec_compatible_with: {who} may execute on linux, macos or windows machines, x86_64 or aarch64, and Bazel may run it on any of them"
            ),
            _ => {
                let names: Vec<String> = picked_on
                    .iter()
                    .take(3)
                    .map(|&i| distinct[i].0.to_string())
                    .collect();
                format!(
                    "toolchain '{label}' of type {ty} has no exec_compatible_with, and Bazel selects it on {} distinct execution platforms ({}{}): its tool runs on each of them",
                    picked_on.len(),
                    names.join(", "),
                    if picked_on.len() > 3 { ", ..." } else { "" }
                )
            }
        };
        let mut d = Diagnostic::new(CHECK.name, severity, file, range, message).about(file, range);
        if let Some((who, Some(loc))) = &consumer {
            if (loc.file, loc.range) != (file, range) {
                d = d.with_related(loc.file, loc.range, format!("{who} registers it here"));
            }
        }
        if let Some((f, r)) = registered_site(ctx, label, source).filter(|_| consumer.is_none()) {
            if (f, r) != (file, range) {
                d = d.with_related(f, r, "registered here");
            }
        }
        acc.push(d);
    }
}

/// Which registered toolchains Bazel selects on which of the workspace's kinds of execution
/// platform: for each toolchain type (resolved on first use), each target platform the
/// checks consider plus the host platform (the target without `--platforms`), and each kind
/// of execution platform, the toolchain resolution picks when it executes there (one
/// resolution per target platform, reading every platform's pick with `Request::per_exec`).
/// The request is optional, so every platform stays available: what the type resolves to on a
/// platform is what any target executing there gets (a rule's `exec_compatible_with`, or
/// another type that resolves only there, would send it there).
///
/// A toolchain never selected (a catch-all registered behind real toolchains that match every
/// execution platform, one for a target platform nobody builds for) runs nowhere, and one
/// selected on one kind of platform only runs where it was chosen for: neither is a hazard.
/// Undecidable resolutions count as not selecting anything (unknown is never guessed).
struct Usage<'a, 'b> {
    ctx: &'b LintContext<'a>,
    /// One representative execution platform per kind (`distinct`).
    exec: Vec<Label>,
    targets: Vec<Label>,
    resolver: std::cell::OnceCell<toolcheck_resolve::Resolver<'b>>,
    /// Per toolchain type: each selected toolchain and the kinds (indices into `exec`) it is
    /// selected on.
    by_type: std::cell::RefCell<FxHashMap<Label, FxHashMap<Label, Vec<usize>>>>,
}

impl<'a, 'b> Usage<'a, 'b> {
    fn new(ctx: &'b LintContext<'a>, distinct: &[(Label, Vec<(Label, Label)>)]) -> Self {
        let sim = ctx.simulation();
        let mut targets = sim.target_platforms.clone();
        if !targets.contains(&sim.config.host_platform) {
            targets.push(sim.config.host_platform);
        }
        Usage {
            ctx,
            exec: distinct.iter().map(|(l, _)| *l).collect(),
            targets,
            resolver: std::cell::OnceCell::new(),
            by_type: Default::default(),
        }
    }

    /// The kinds of execution platform (indices into `distinct`) on which some resolution
    /// selects `toolchain` for `ty`, in order.
    fn picked_on(&self, ty: &Label, toolchain: &Label) -> Vec<usize> {
        let sim = self.ctx.simulation();
        let ty = sim.actual(ty).unwrap_or(*ty);
        let mut by_type = self.by_type.borrow_mut();
        let picks = by_type.entry(ty).or_insert_with(|| {
            let resolver = self.resolver.get_or_init(|| sim.resolver());
            let mut picks: FxHashMap<Label, Vec<usize>> = FxHashMap::default();
            // One resolution per target platform gives the pick on every execution platform;
            // with an optional request every platform stays available, and a platform that
            // executes there gets that pick (a rule's `exec_compatible_with`, or another type
            // resolving only there, would force it).
            for target in &self.targets {
                let request = Request {
                    trace: false,
                    per_exec: true,
                    ..Request::new(
                        *target,
                        vec![TypeRequest {
                            toolchain_type: ty,
                            mandatory: Known::Known(false),
                            ignore_if_invalid: false,
                        }],
                    )
                };
                let resolution = resolver.resolve(&request);
                let Some(g) = resolution.groups.first() else {
                    continue;
                };
                // Which type the label names is unknown: nothing is claimed.
                let type_unknown = g.undecidable.iter().any(|u| {
                    matches!(
                        u.question,
                        toolcheck_resolve::Question::ToolchainType { .. }
                    )
                });
                if g.error.is_some() || type_unknown {
                    continue;
                }
                for (t, exec, toolchain) in &g.per_exec {
                    if *t != ty {
                        continue;
                    }
                    let Some(i) = self.exec.iter().position(|e| e == exec) else {
                        continue;
                    };
                    let on = picks.entry(*toolchain).or_default();
                    if !on.contains(&i) {
                        on.push(i);
                    }
                }
            }
            for on in picks.values_mut() {
                on.sort_unstable();
            }
            picks
        });
        picks.get(toolchain).cloned().unwrap_or_default()
    }
}

/// Whether the files of `repo` are the same whichever host Bazel runs on: the main
/// repository, local ones, and downloads (`http_archive`, `git_repository`); not a repository
/// toolcheck cannot read or one another rule generates (it may configure itself from the
/// host), nor one read from an output base (generated on the machine that fetched it).
fn same_on_every_host(ctx: &LintContext<'_>, repo: &toolcheck_index::label::RepoName) -> bool {
    use toolcheck_index::workspace::RepoOrigin;
    if repo.is_main() {
        return true;
    }
    match ctx.ws.repo(repo).map(|r| &r.origin) {
        Some(RepoOrigin::Main | RepoOrigin::LocalPathOverride | RepoOrigin::LocalRepository) => {
            true
        }
        Some(RepoOrigin::Computed(origin)) => matches!(
            origin.rule.as_str(),
            "http_archive" | "http_file" | "git_repository" | "new_git_repository"
        ),
        _ => false,
    }
}

/// The workspace's host matrix when it holds a host whose autodetected platform differs from
/// the analysed host's: `(every host named, why they are in the matrix)`; `None` when there
/// is no such host or the host platform is not the autodetected one.
fn other_host_kinds(ctx: &LintContext<'_>) -> Option<(String, String)> {
    let sim = ctx.simulation();
    if !matches!(sim.host, HostSource::Detected(_)) {
        return None;
    }
    let hosts = ctx.hosts();
    let analysed = hosts.first()?;
    let major = ctx.version.major;
    let kind = |m| toolcheck_resolve::platforms_repo::detected_host(m, major);
    let analysed_kind = kind(&analysed.machine);
    if !hosts[1..].iter().any(|h| kind(&h.machine) != analysed_kind) {
        return None;
    }
    // Named in a stable order, whichever host is analysed: each host of the matrix reports
    // the same finding.
    let mut names: Vec<String> = hosts.iter().map(|h| h.machine.display()).collect();
    names.sort();
    names.dedup();
    let all = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    };
    let mut whys: Vec<String> = hosts
        .iter()
        .filter(|h| h.why != toolcheck_semantics::matrix::THIS_MACHINE)
        .map(|h| match h.why.as_str() {
            toolcheck_semantics::matrix::LISTED => "`hosts` in toolcheck.toml".to_string(),
            why => format!("{}: {why}", h.machine.display()),
        })
        .collect();
    whys.sort();
    whys.dedup();
    Some((all, whys.join("; ")))
}
