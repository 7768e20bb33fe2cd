//! `unreadable-file`: files toolcheck could only partly read (bytes that are not UTF-8) or not
//! analyse at all (binary content, over the size limit), reported on the file itself, and rc
//! imports it could not or chose not to read, reported on the `import` line.

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "unreadable-file",
    default_severity: Severity::Warning,
    summary: "a Bazel file toolcheck could not fully read",
    docs: "## What it does
Reports a BUILD, .bzl, MODULE.bazel, WORKSPACE or .bazelrc file that toolcheck could not fully read:
bytes that are not UTF-8 (replaced before parsing), binary content, a file over the size limit, a
path that could not be read (permissions, a symlink loop), or an `import` of a missing file.

What toolcheck chose not to read is an `info` note: a symlink or an rc `import` that leads out of
the repository (the enclosing source tree: the outermost Bazel workspace around the checked one,
never above its version-control root). Bazel may read those; toolcheck never quotes files from
elsewhere on the machine. Targets inside the repository, such as a nested test workspace's
`import %workspace%/../.bazelrc` or a link to a sibling directory, are read.

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
        // What toolcheck chose not to read is a note; a configured severity still applies
        // to both (the registry sets it).
        let sev = if p.note {
            Severity::Info
        } else {
            CHECK.default_severity
        };
        acc.push(Diagnostic::new(
            CHECK.name,
            sev,
            file,
            p.range,
            p.message.clone(),
        ));
    }
}
