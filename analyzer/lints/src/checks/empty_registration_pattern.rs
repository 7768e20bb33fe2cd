//! `empty-registration-pattern`: a wildcard registration (`:all`, `:*`, `/...`) that matches no
//! `toolchain()` (for `register_toolchains`) or `platform()` (for
//! `register_execution_platforms`). Wildcards skip aliases, as Bazel's do.

use toolcheck_index::index::{Decl, RegistrationKind};
use toolcheck_index::label::TargetPattern;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "empty-registration-pattern",
    default_severity: Severity::Warning,
    summary: "a registration wildcard that matches nothing",
    docs: "## What it does
Expands each wildcard pattern of `register_toolchains`, `register_execution_platforms`,
`--extra_toolchains` and `--extra_execution_platforms` over the packages toolcheck can read, and
reports a pattern that matches no `toolchain()` (or no `platform()`). As in Bazel, `:all` and `/...`
skip `alias` targets: an alias to a toolchain is only registered when named explicitly.

## Why it matters
An empty pattern registers nothing, silently: the toolchains you meant to register are not
considered, and Bazel picks another one or fails elsewhere with \"No matching toolchains\".

## Example
```starlark
# toolchains/BUILD.bazel only has `alias(name = \"cc\", actual = \"//impl:cc_toolchain\")`
register_toolchains(\"//toolchains:all\")
```

## What to do
Fix the pattern, or name the alias explicitly (`register_toolchains(\"//toolchains:cc\")`).
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    for reg in &ctx.index.registrations {
        let (Ok(pattern), Some(loc)) = (&reg.pattern, reg.loc) else {
            continue;
        };
        if !ctx.in_scope(loc.file) {
            continue;
        }
        if reg.negative || matches!(pattern, TargetPattern::Single(_)) {
            continue;
        }
        let repo = match pattern {
            TargetPattern::AllInPackage(p) | TargetPattern::Recursive(p) => &p.repo,
            TargetPattern::Single(_) => continue,
        };
        if !repo.is_main() && ctx.ws.repo(repo).is_none() {
            continue; // Reported once per repository by `unresolved-label`.
        }
        // A computed repository toolcheck knows only in part may hold what it matches.
        if ctx
            .ws
            .computed_origin(repo)
            .is_some_and(|o| o.partial.is_some())
        {
            continue;
        }
        let mut matched_packages = 0;
        let mut open = false;
        let mut found = false;
        for (id, pkg) in ctx.index.packages() {
            if !pattern.matches_package(id) {
                continue;
            }
            matched_packages += 1;
            open |= pkg.open;
            let names = ctx.index.targets.package_names(id).into_iter().flatten();
            found |= names.into_iter().any(|name| {
                let label = toolcheck_index::label::Label::new(
                    id.repo.clone(),
                    id.path.clone(),
                    name.clone(),
                );
                ctx.index
                    .targets
                    .get(&label)
                    .is_some_and(|t| match reg.kind {
                        RegistrationKind::Toolchain => matches!(t.decl, Decl::Toolchain(_)),
                        RegistrationKind::ExecutionPlatform => {
                            matches!(t.decl, Decl::Platform(_))
                        }
                    })
            });
            if found {
                break;
            }
        }
        if found || open {
            continue;
        }
        let what = match reg.kind {
            RegistrationKind::Toolchain => "toolchain()",
            RegistrationKind::ExecutionPlatform => "platform()",
        };
        let message = if matched_packages == 0 {
            format!("'{}' matches no package, so it registers nothing", reg.text)
        } else {
            format!(
                "'{}' matches no {what} target (wildcards skip aliases), so it registers nothing",
                reg.text
            )
        };
        acc.push(Diagnostic::new(
            CHECK.name,
            Severity::Warning,
            loc.file,
            loc.range,
            message,
        ));
    }
}
