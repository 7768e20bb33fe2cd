//! `syntax-error`: text the Starlark parser cannot read, Python-only constructs, and lines of a
//! `.bazelrc` that cannot be parsed. The rest of the file is still indexed.

use toolcheck_syntax::FileKind;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "syntax-error",
    default_severity: Severity::Error,
    summary: "Starlark or .bazelrc text that does not parse",
    docs: "## What it does
Reports Starlark that does not parse (an unclosed bracket, a stray token), constructs that Python
has but Starlark does not (`while`, `with`, f-strings, decorators, `:=`), and `.bazelrc` lines with
an unterminated quote.

## Why it matters
Bazel refuses to load a file with a syntax error, so every target in the package and every file
that loads it fails. toolcheck keeps indexing the parts it can read, but its findings about the
file are incomplete until the error is fixed.

## Example
```starlark
toolchain(
    name = \"linux\",
    toolchain = \":impl\"
    toolchain_type = \":type\",
)
```

## What to do
Fix the syntax at the reported position (here: the missing comma after `\":impl\"`).
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    for file in ctx.ws.file_ids() {
        if !ctx.in_scope(file) {
            continue;
        }
        let errors = &ctx.facts[file.0 as usize].syntax_errors;
        if errors.is_empty() {
            // The text of a BUILD file is kept compressed: read only for an error.
            continue;
        }
        let text = ctx.ws.file(file).text();
        for e in errors {
            // Point at the first line of the erroneous region: multi-line squiggles hide code.
            let mut range = e.range;
            if let Some(nl) = text
                .get(range.start as usize..range.end as usize)
                .and_then(|s| s.find('\n'))
            {
                range.end = range.start + nl as u32;
            }
            acc.push(Diagnostic::new(
                CHECK.name,
                Severity::Error,
                file,
                range,
                e.message.clone(),
            ));
        }
    }
    for ((_, file), rc) in ctx.ws.rc_files.iter().zip(&ctx.index.rc_files) {
        debug_assert_eq!(ctx.ws.file(*file).kind, FileKind::Bazelrc);
        for (range, message) in &rc.errors {
            acc.push(Diagnostic::new(
                CHECK.name,
                Severity::Error,
                *file,
                *range,
                message.clone(),
            ));
        }
    }
}
