//! `evaluation-limit`: a macro call whose evaluation toolcheck stopped at one of its bounds
//! (step budget per call or per file, call depth, recursion, string/list size, value nesting).

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "evaluation-limit",
    default_severity: Severity::Info,
    summary: "a macro toolcheck stopped evaluating at one of its limits",
    docs: "## What it does
toolcheck evaluates the macros that BUILD and WORKSPACE files call, to learn the toolchains,
platforms and constraints they create. Evaluation is bounded: a budget of 2,000,000 steps per macro call
and 10,000,000 for all the macro calls of one BUILD or WORKSPACE file together, at most 24
nested function calls, no recursion (Starlark forbids it), strings up to 1 MiB,
lists and `range()` up to 100,000 elements, values nested up to 32 levels, 50,000 targets per
macro call. This check reports a macro call that hit one of these bounds, with where evaluation
stopped.

## Why it matters
The targets the macro would have created after that point are unknown to toolcheck: its package
is treated as open, so checks stay silent about it, and resolution may be undecidable. A macro that
needs that much work is also slow for Bazel to load.

It is an `info` note by default: it says what toolcheck could not see, not that the workspace
is wrong (rules_dotnet's `register_tfms()` declares thousands of `config_setting`s and is
correct). Set it to `warning` in `toolcheck.toml` (`[checks.severity]`) to make CI insist that
every macro is evaluated to the end.

## Example
```starlark
# defs.bzl
def many_toolchains(name):
    for i in range(1000000000):
        native.toolchain(name = \"%s_%d\" % (name, i), ...)
```
`many_toolchains(name = \"tc\")` in a BUILD file is reported: `range()` is far over the limit.

## What to do
If the macro's work is a mistake (an unbounded loop, a huge `range()`), make it create what it
needs without it. If the macro is correct, nothing: the note stays as a record of what toolcheck
does not know, and the coverage line counts it. A macro that creates toolchains or platforms
after the point where evaluation stopped is worth reporting to toolcheck, with the case.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    for l in ctx.index.eval_limits() {
        let mut d = Diagnostic::new(
            CHECK.name,
            CHECK.default_severity,
            l.call.file,
            l.call.range,
            format!(
                "toolcheck stopped evaluating `{}`: {}; the targets it creates after that point are unknown",
                l.callee, l.hit.what
            ),
        );
        if l.hit.loc.file != l.call.file || !l.call.range.contains(l.hit.loc.range.start) {
            d = d.with_related(l.hit.loc.file, l.hit.loc.range, "evaluation stopped here");
        }
        acc.push(d);
    }
}
