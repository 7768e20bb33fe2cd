//! `mandatory-helper-on-optional-toolchain`: a call of a helper that `fail()`s when the
//! toolchain is absent, on a type the calling rule, aspect or exec group requests as optional.

use crate::checks::unguarded_optional_toolchain::add_declaration;
use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;
use toolcheck_semantics::flow::{EventKind, FlowAnalysis};

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "mandatory-helper-on-optional-toolchain",
    default_severity: Severity::Warning,
    summary: "a helper that fails without the toolchain is used on an optional toolchain type",
    docs: "## What it does
Reports a call of a function that `fail()`s when `ctx.toolchains[T]` is `None` (for example
rules_cc's `find_cc_toolchain(ctx)` with `mandatory` left at its default `True`, or a
ruleset's own helper that checks for `None` and fails) from a rule, aspect or exec group that
requests `T` with `mandatory = False`. The helper is resolved through `load()`, never by
name; the finding is at the innermost such call.

## Why it matters
An optional request tells Bazel the rule works without the toolchain, so toolchain
resolution may pick an execution platform that has none. The helper then fails the build
there, where a mandatory request would have made Bazel choose a platform with a toolchain
(or report a resolution error that names the type).

## Example
```starlark
load(\"@rules_cc//cc:find_cc_toolchain.bzl\", \"find_cc_toolchain\", \"use_cc_toolchain\")

def _impl(ctx):
    cc_toolchain = find_cc_toolchain(ctx)

my_rule = rule(implementation = _impl, toolchains = use_cc_toolchain(mandatory = False))
```

rules_cc's `use_cc_toolchain()` requests the C++ toolchain as optional by default before rules_cc
0.1.2 and as mandatory since; toolcheck takes the version from the module graph. The default of
`@bazel_tools`' `use_cpp_toolchain()` changed across Bazel releases: without `mandatory`,
toolcheck treats it as unknown and reports nothing.

## What to do
Either request the type as mandatory (`use_cc_toolchain(mandatory = True)`,
`config_common.toolchain_type(T, mandatory = True)`), or call the helper in its optional form
(`find_cc_toolchain(ctx, mandatory = False)`) and handle `None`.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let analysis = ctx.flow();
    for f in &analysis.findings {
        let e = &f.event;
        let EventKind::MandatoryHelper { callee } = &e.kind else {
            continue;
        };
        let mut d = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            e.file,
            e.range,
            format!(
                "`{callee}` fails when no `{}` toolchain resolved, but it is reached from {}{}",
                analysis.slot(e.slot).ty,
                analysis.context_phrase(e.slot),
                FlowAnalysis::others_phrase(f.others),
            ),
        );
        add_declaration(analysis, e.slot, &mut d);
        acc.push(d);
    }
}
