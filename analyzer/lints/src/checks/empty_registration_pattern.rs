//! `empty-registration-pattern`: a wildcard registration (`:all`, `:*`, `/...`) that matches no
//! `toolchain()` (for `register_toolchains`) or `platform()` (for
//! `register_execution_platforms`). Wildcards skip aliases, as Bazel's do.

use toolcheck_index::index::{Decl, RegistrationKind};
use toolcheck_index::label::TargetPattern;
use toolcheck_index::workspace::RepoOrigin;

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

Two deliberate forms are `info` notes instead of warnings: a package whose BUILD file writes
the `toolchain()` (or `platform()`) calls but does not run them in this configuration (created in
a loop or behind a condition, such as toolchains made only on release branches), and a pattern
into a `local_path_override`/`local_repository` directory that declares none: a stand-in that
another environment overrides (a CI container's system bazelrc, `--override_module`), which
toolcheck cannot see.

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
        let what = match reg.kind {
            RegistrationKind::Toolchain => "toolchain()",
            RegistrationKind::ExecutionPlatform => "platform()",
        };
        // The matched packages' BUILD files, read only when nothing is found (their texts
        // are kept compressed, and a `//...` pattern matches every package).
        let mut build_files = Vec::new();
        for (id, pkg) in ctx.index.packages() {
            if !pattern.matches_package(id) {
                continue;
            }
            matched_packages += 1;
            open |= pkg.open;
            build_files.extend(pkg.build_file);
            let names = ctx.index.targets.package_names(id).into_iter().flatten();
            found |= names.into_iter().any(|name| {
                let label = toolcheck_index::label::Label::new(id.repo, id.path, *name);
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
        // A matched package whose BUILD file writes the call that did not run here.
        let callee = what.trim_end_matches(')');
        let written_not_run = build_files
            .iter()
            .any(|&f| writes_call(&ctx.ws.file(f).text(), callee));
        // Two deliberate forms are notes, not warnings: a stand-in directory that another
        // environment overrides (tcmalloc's `@docker_toolchain`, replaced inside its CI
        // container by a system bazelrc toolcheck does not read), and a package whose calls
        // are written but do not run in this configuration (protobuf's prebuilt toolchains,
        // created only on release branches).
        let stand_in_dir = !repo.is_main()
            && ctx.ws.repo(repo).is_some_and(|r| {
                matches!(
                    r.origin,
                    RepoOrigin::LocalPathOverride | RepoOrigin::LocalRepository
                )
            });
        let (severity, message) = if written_not_run {
            (
                Severity::Info,
                format!(
                    "'{}' registers nothing here: the {what} calls its BUILD file writes do not run in this configuration (a condition or loop decides them)",
                    reg.text
                ),
            )
        } else if stand_in_dir {
            (
                Severity::Info,
                format!(
                    "'{}' registers nothing here: '@{}' is a local directory that declares no {what} target; if another environment overrides it (a system bazelrc, --override_module), the toolchains come from there",
                    reg.text,
                    repo.as_str()
                ),
            )
        } else if matched_packages == 0 {
            (
                Severity::Warning,
                format!("'{}' matches no package, so it registers nothing", reg.text),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "'{}' matches no {what} target (wildcards skip aliases), so it registers nothing",
                    reg.text
                ),
            )
        };
        acc.push(Diagnostic::new(
            CHECK.name, severity, loc.file, loc.range, message,
        ));
    }
}

/// Whether `text` (a BUILD file) writes a call to `callee` (`"toolchain("`) outside comments.
fn writes_call(text: &str, callee: &str) -> bool {
    text.lines().any(|line| {
        let code = line.split('#').next().unwrap_or("");
        code.match_indices(callee).any(|(i, _)| {
            // `toolchain(`, not `my_toolchain(` or `native.toolchain_type(`.
            !code[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}
