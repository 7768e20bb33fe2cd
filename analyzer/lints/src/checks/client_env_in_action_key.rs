//! `client-env-in-action-key`: remote caching or execution configured while actions take
//! variables from the client's environment (`--action_env=NAME` without a value, or strict
//! action environments off), so each developer's environment enters the action keys.

use toolcheck_index::bazelrc::FlagValue;
use toolcheck_resolve::model::BazelVersion;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "client-env-in-action-key",
    default_severity: Severity::Warning,
    summary: "remote caching with the client's environment in the action keys",
    docs: "## What it does
In a configuration that sets `--remote_cache` or `--remote_executor`, reports:
- `--action_env=NAME` (or `--host_action_env=NAME`) without a value: the action gets the
  variable from the environment `bazel` was started in;
- strict action environments off: `--noincompatible_strict_action_env`, or nothing said on a
  Bazel older than 9.0, where the default is off. Actions then run with the client's `PATH`
  (and `LD_LIBRARY_PATH`).
`--action_env=NAME=value` is fixed text and fine. Every config is checked on its own; the
finding names the config it holds in.

## Why it matters
An action's environment is part of its cache key. Two developers whose `PATH` differs by one
directory never share a cache entry, CI never hits what a laptop uploaded, and remote
executors receive a workstation's `PATH`, which names directories that do not exist in the
image. The build still works, only the cache stops paying for itself; or a tool is found in a
directory that only one machine has, and the result depends on who built it first.

## Example
```
build:remote --remote_executor=grpcs://remote.example.com
build:remote --action_env=PATH
```

## What to do
Turn strict action environments on (`build --incompatible_strict_action_env`, the default from
Bazel 9.0) and give variables fixed values where actions need them
(`--action_env=PATH=/usr/bin:/bin`). A repository rule that needs a variable reads it with
`repository_ctx.getenv`, which does not reach action keys.
",
    run,
};

/// Bazel 9.0 turned `--incompatible_strict_action_env` on by default (bazelbuild/bazel#27670).
const STRICT_BY_DEFAULT: BazelVersion = BazelVersion::new(9, 0, 0);

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let flags = &ctx.index.flags;
    let Some(remote) = flags.remote() else { return };
    let what = if flags.remote_executor.is_some() {
        "remote execution"
    } else {
        "remote caching"
    };
    let at = |fv: &FlagValue| ctx.rc_site(fv).filter(|(file, _)| ctx.in_scope(*file));
    for env in &flags.action_env {
        if env.value.contains('=') || env.value.is_empty() {
            continue;
        }
        let Some((file, range)) = at(env) else {
            continue;
        };
        let mut diag = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            file,
            range,
            format!(
                "with {what} on, `{}` puts this machine's `{}` into every action's key and sends it to the executors: give it a fixed value (`{}=...`) or drop it",
                env.value, env.value, env.value
            ),
        );
        if let Some((rf, rr)) = at(remote) {
            diag = diag.with_related(rf, rr, format!("{what} is turned on here"));
        }
        acc.push(diag);
    }
    let strict = match &flags.strict_action_env {
        Some(fv) => fv.value == "true",
        None => ctx.version >= STRICT_BY_DEFAULT,
    };
    if strict {
        return;
    }
    let (site, why) = match &flags.strict_action_env {
        Some(off) => (off, "strict action environments are turned off here".to_string()),
        None => (
            remote,
            format!(
                "`--incompatible_strict_action_env` is off by default before Bazel 9.0 (simulating {})",
                ctx.version
            ),
        ),
    };
    let Some((file, range)) = at(site) else {
        return;
    };
    acc.push(Diagnostic::new(
        CHECK.name,
        CHECK.default_severity,
        file,
        range,
        format!(
            "with {what} on, actions run with the client's `PATH` and `LD_LIBRARY_PATH`, which enter their cache keys ({why}): add `--incompatible_strict_action_env`"
        ),
    ));
}
