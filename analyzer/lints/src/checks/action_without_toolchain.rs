//! `action-without-toolchain`: with automatic exec groups on for a rule (or aspect), a
//! `ctx.actions.run`/`run_shell` that is given a tool of one of its toolchains
//! (`ctx.toolchains[T]...` as `executable` or in `tools`) without `toolchain =` — Bazel then
//! cannot tell which automatic exec group the action belongs to, and fails the analysis.
//!
//! Confirmed in Bazel's `StarlarkActionFactory` (the 7.x-era source and a later one): when
//! `ruleContext.useAutoExecGroups()` and `exec_group` is None, `run` checks its executable (a
//! File without executable runfiles from the rule's own attributes, or a FilesToRunProvider
//! not from its deps), and `registerStarlarkAction` every element of `tools` (such a File or
//! FilesToRunProvider, or any depset), failing with "Couldn't identify if tools are from
//! implicit dependencies or a toolchain. Please set the toolchain parameter. If you're not
//! using a toolchain, set it to 'None'." when `toolchain` is unbound; a later revision asks only
//! when the rule has more than one toolchain context, which a rule with a toolchain type
//! always has under automatic exec groups. `AutomaticExecutionGroupsTest` reports it for
//! `executable = ctx.toolchains[T].tool` and `.files_to_run`. A string executable is never
//! checked, so `executable = ctx.toolchains[T].path` is only reported when the value is
//! certainly a file (`files_to_run` or its `executable`).

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::registry::CheckMeta;
use toolcheck_semantics::flow::{snippet, EventKind};

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "action-without-toolchain",
    default_severity: Severity::Error,
    summary:
        "an action uses a toolchain's tool without `toolchain =` while automatic exec groups are on",
    docs: "## What it does
For each rule and aspect whose automatic exec groups are on (`--incompatible_auto_exec_groups`,
or the rule's private `_use_auto_exec_groups = attr.bool(default = True)`, which overrides the
flag; Bazel 7.0 and later), follows its implementation function (through locals and helper
functions) and reports a `ctx.actions.run` or `ctx.actions.run_shell` call that passes a tool
reached from `ctx.toolchains[T]` — as the `executable` of `run`, or as an element of a `tools`
list — without a `toolchain` argument (and without `exec_group`).

Only certain cases are reported: an `executable` is reported when it is a `files_to_run` (or its
`executable`), because Bazel never checks a string executable; a call with `**kwargs` is not
followed.

## Why it matters
With automatic exec groups, each toolchain type gets its own exec group and execution platform.
Bazel cannot tell which one an action using a toolchain's tool belongs to, and fails the
analysis of every target of the rule with \"Couldn't identify if tools are from implicit
dependencies or a toolchain. Please set the toolchain parameter. If you're not using a
toolchain, set it to 'None'.\"

## Example
```starlark
def _impl(ctx):
    tc = ctx.toolchains[\"//tools:compiler_type\"]
    ctx.actions.run(
        executable = tc.compiler.files_to_run,
        outputs = [out],
    )

my_rule = rule(
    implementation = _impl,
    toolchains = [\"//tools:compiler_type\"],
    attrs = {\"_use_auto_exec_groups\": attr.bool(default = True)},
)
```

## What to do
Pass the type of the toolchain the tool comes from: `toolchain = \"//tools:compiler_type\"`
(the action then runs on that type's execution platform). If the tool is not the toolchain's
(it only happens to be reached through it), pass `toolchain = None`.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let analysis = ctx.flow();
    let sim = ctx.simulation();
    // One finding per site: the first context (in declaration order) with automatic exec
    // groups on names it; the findings of one site are adjacent (sorted by kind, context, site).
    let mut reported: Vec<(toolcheck_index::workspace::FileId, u32, u32)> = Vec::new();
    for f in &analysis.findings {
        let e = &f.event;
        let EventKind::ActionWithoutToolchain { argument, callee } = e.kind else {
            continue;
        };
        if !ctx.in_scope(e.file) {
            continue;
        }
        let rule = analysis.context_of(e.slot);
        // Only a type the context declares in its default group gets an automatic exec group
        // (an undeclared one fails earlier, with its own finding).
        if analysis.slot(e.slot).group.is_some() || analysis.request(e.slot).is_none() {
            continue;
        }
        if sim.auto_exec_groups(Some(rule)).enabled() != Some(true) {
            continue;
        }
        let site = (e.file, e.range.start, e.range.end);
        if reported.contains(&site) {
            continue;
        }
        reported.push(site);
        let text = &ctx.ws.file(e.file).text();
        let ty = &analysis.slot(e.slot).ty;
        let what = snippet(text, e.range);
        let kind = if rule.is_aspect { "aspect" } else { "rule" };
        let why = sim.auto_exec_groups(Some(rule)).reason();
        let mut d = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            e.file,
            e.range,
            format!(
                "`{what}` is a tool of the {ty} toolchain, passed as `{argument}` of an action without `toolchain =`; automatic exec groups are on for {kind} `{}` ({why}), so Bazel fails with \"Couldn't identify if tools are from implicit dependencies or a toolchain. Please set the toolchain parameter.\"",
                rule.name
            ),
        );
        d.related.push(Related {
            file: e.file,
            range: callee,
            message: format!("add `toolchain = \"{ty}\"` to this action"),
        });
        d.related.push(Related {
            file: rule.file,
            range: rule.name_range,
            message: format!("{kind} `{}` is defined here", rule.name),
        });
        acc.push(d);
    }
}
