//! `no-matching-toolchain`: a target platform the workspace declares (or the configuration
//! lists) on which a mandatory toolchain type requested by a rule of the workspace can never
//! resolve — Bazel's "No matching toolchains found" for every target of that rule.

use std::collections::BTreeMap;

use toolcheck_index::label::Label;
use toolcheck_resolve::ResolveError;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "no-matching-toolchain",
    default_severity: Severity::Warning,
    summary: "a mandatory toolchain type that cannot resolve on a declared target platform",
    docs: "## What it does
For every `rule()` and `aspect()` in the main repository and every target platform of interest
(`target_platforms` in `toolcheck.toml`, else the `platform()`s the main repository declares and
`--platforms`), simulates toolchain resolution of the rule's requests and reports each mandatory
toolchain type that resolves on no execution platform. The finding sits on the type in the rule's
`toolchains` list and names the target platforms.

It also reports a rule whose mandatory types each resolve, but on no one execution platform
together (or whose `exec_compatible_with` no execution platform satisfies): Bazel's \"Unable to
find an execution platform for toolchains [...]\". That finding sits on the rule's name.

Bazel 9.0 to 9.2 give every test rule (`rule(test = True)`) an implicit `test` exec group that
requests `@bazel_tools//tools/test:default_test_toolchain_type`; with the default
`--@bazel_tools//tools/test:incompatible_use_default_test_toolchain`, its toolchain needs an
execution platform with every constraint of the target platform, so a cross-compiled test with
no such execution platform is reported too (at the rule's name), for the target platforms the
workspace builds for (`target_platforms` in `toolcheck.toml`, `--platforms`; not every declared
platform, since one that only a transition targets says nothing about tests). With automatic exec groups on,
each type is resolved on its own execution platform.

## Why it matters
Bazel reports \"No matching toolchains found for types ...\" (or \"Unable to find an execution
platform ...\") only when someone builds a target of that rule for that platform — typically the
first time CI or a colleague targets it.

## Example
```starlark
my_rule = rule(
    implementation = _impl,
    toolchains = [\"//tools:formatter_type\"],  # only a Linux formatter is registered
)
```
with a `platform()` for macOS declared in the workspace.

## What to do
Register a toolchain for the missing platforms, constrain which platforms the rule's targets
build for (`target_compatible_with`), or request the type as optional
(`config_common.toolchain_type(T, mandatory = False)`) and handle its absence.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    // Findings land at the rule or at the toolchain types it requests.
    let rules: Vec<_> = ctx
        .index
        .rules
        .iter()
        .filter(|r| {
            ctx.in_scope(r.file)
                || r.toolchains
                    .iter()
                    .flatten()
                    .any(|q| ctx.in_scope(q.toolchain_type.loc.file))
        })
        .collect();
    if rules.is_empty() {
        return;
    }
    let platforms = ctx.target_platforms();
    if platforms.is_empty() {
        return;
    }
    let sim = ctx.simulation();
    let resolved = ctx.rule_resolutions();
    for (i, per_platform) in &resolved.rules {
        let rule = &ctx.index.rules[*i];
        if !rules.iter().any(|r| std::ptr::eq(*r, rule)) {
            continue;
        }
        // Missing type -> target platforms where it cannot resolve.
        let mut missing: BTreeMap<Label, Vec<Label>> = BTreeMap::new();
        // Target platforms where every type resolves, but on no execution platform together
        // (with the types named), and Bazel's message for the first.
        let mut no_exec: Vec<(Label, Vec<Label>, String)> = Vec::new();
        for (p, resolution) in platforms.iter().zip(per_platform) {
            for g in &resolution.groups {
                if !g.undecidable.is_empty() {
                    continue;
                }
                match &g.error {
                    Some(ResolveError::NoMatchingToolchains { types, .. }) => {
                        for t in types {
                            missing.entry(*t).or_default().push(*p);
                        }
                    }
                    Some(ResolveError::NoMatchingExecPlatform { types, message, .. })
                        if !no_exec.iter().any(|(q, _, _)| q == p) =>
                    {
                        no_exec.push((*p, types.clone(), message.clone()));
                    }
                    _ => {}
                }
            }
        }
        if let Some((_, types, message)) = no_exec.first() {
            let what = if rule.is_aspect { "aspect" } else { "rule" };
            let on: Vec<String> = no_exec
                .iter()
                .take(4)
                .map(|(p, _, _)| p.to_string())
                .collect();
            let more = if no_exec.len() > 4 {
                format!(" and {} more", no_exec.len() - 4)
            } else {
                String::new()
            };
            let needs = if types.is_empty() {
                format!("`{}`'s `exec_compatible_with`", rule.name)
            } else {
                format!(
                    "the mandatory types {}",
                    types
                        .iter()
                        .map(Label::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            acc.push(Diagnostic::new(
                CHECK.name,
                Severity::Warning,
                rule.file,
                rule.name_range,
                format!(
                    "no execution platform satisfies {needs} of {what} `{}` together for target platform {}{more}: Bazel fails with \"{}\"",
                    rule.name,
                    on.join(", "),
                    message.lines().next().unwrap_or(message)
                ),
            ));
        }
        let chosen = std::cell::OnceCell::new();
        for (ty, mut on) in missing {
            let req = rule
                .toolchains
                .iter()
                .flatten()
                .chain(
                    rule.exec_groups
                        .iter()
                        .flatten()
                        .flat_map(|g| g.toolchains.iter().flatten()),
                )
                .find(|r| sim.names(&r.toolchain_type, &ty));
            let (file, range) = match req {
                Some(r) => (r.toolchain_type.loc.file, r.toolchain_type.loc.range),
                None => (rule.file, rule.name_range),
            };
            let mut list: Vec<String> = on.iter().take(4).map(Label::to_string).collect();
            if on.len() > 4 {
                list.push(format!("and {} more", on.len() - 4));
            }
            let what = if rule.is_aspect { "aspect" } else { "rule" };
            let implicit_test = req.is_none()
                && ty == toolcheck_semantics::simulation::default_test_toolchain_type();
            // A test is cross-compiled only for a platform the workspace builds for
            // (`target_platforms`, `--platforms`); a platform a transition targets says nothing
            // about its tests.
            if implicit_test {
                let chosen = chosen.get_or_init(|| {
                    toolcheck_semantics::simulation::chosen_target_platforms(ctx.ws, ctx.index)
                });
                on.retain(|p| chosen.contains(p));
                if on.is_empty() {
                    continue;
                }
                list = on.iter().take(4).map(Label::to_string).collect();
                if on.len() > 4 {
                    list.push(format!("and {} more", on.len() - 4));
                }
            }
            // Not in the rule's own requests: the implicit `test` exec group of a test rule
            // (Bazel 9.0 to 9.2), whose @bazel_tools toolchain needs an execution platform
            // with every constraint of the target platform.
            let by = if implicit_test {
                format!(
                    "requested by the implicit `test` exec group of test rule `{}`; @bazel_tools' default test toolchain needs an execution platform with every constraint of the target platform",
                    rule.name
                )
            } else {
                format!("requested by {what} `{}`", rule.name)
            };
            acc.push(Diagnostic::new(
                CHECK.name,
                Severity::Warning,
                file,
                range,
                format!(
                    "no registered toolchain of mandatory type {ty} ({by}) matches target platform {}: Bazel fails with \"No matching toolchains found\"",
                    list.join(", ")
                ),
            ));
        }
    }
}
