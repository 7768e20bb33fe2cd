//! `unreadable-file`: files toolcheck could only partly read (bytes that are not UTF-8) or not
//! analyse at all (binary content, over the size limit), reported on the file itself.

use toolcheck_syntax::TextRange;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "unreadable-file",
    default_severity: Severity::Warning,
    summary: "a Bazel file toolcheck could not fully read",
    docs: "## What it does
Reports a BUILD, .bzl, MODULE.bazel, WORKSPACE or .bazelrc file that toolcheck could not fully read:
bytes that are not UTF-8 (replaced before parsing), binary content, a file over the size limit, or
a path that could not be read (permissions, a symlink loop, a symlink leaving the workspace).

## Why it matters
Facts in such a file are missing from the index, so other findings (unresolved labels, resolution)
may be incomplete. Bazel itself rejects most of these files.

## What to do
Fix the file's encoding or permissions, or list the path in `.bazelignore` if Bazel should not see it.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    for p in &ctx.ws.problems {
        let Some(file) = p.file else { continue };
        let sev = if p.severity_error {
            Severity::Error
        } else {
            Severity::Warning
        };
        acc.push(Diagnostic::new(
            CHECK.name,
            sev,
            file,
            TextRange::new(0, 0),
            p.message.clone(),
        ));
    }
}
