//! `unresolved-label`: a label that must name a toolchain type, constraint, platform, config
//! setting or registered target, but names nothing in the repositories toolcheck can read.
//! References into repositories toolcheck cannot read are summarised once per repository and
//! file (per file, so that what a file shows does not depend on the rest of the workspace).

use rustc_hash::FxHashSet;

use toolcheck_index::label::TargetPattern;

use toolcheck_index::workspace::FileId;

use crate::checks::refs::{lookup, references, registered_labels, Lookup};
use crate::context::LintContext;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity, TextEdit};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "unresolved-label",
    default_severity: Severity::Error,
    summary: "a toolchain, platform or constraint label that names no target",
    docs: "## What it does
Checks every label that toolchain resolution depends on: `toolchain_type`, `exec_compatible_with`,
`target_compatible_with` and `target_settings` of `toolchain()`, `constraint_values` and `parents` of
`platform()`, `constraint_setting` and `default_constraint_value`, the types a `rule()` or `aspect()`
requests, and every explicitly named `register_toolchains` / `register_execution_platforms` /
`--extra_toolchains` / `--platforms` label. A label that names no target in a repository toolcheck
can read is an error; when the label's package declares a close name (`//constraints/cpu:aarch64`
where the package declares `arm64`), that name is offered as a fix. A label into a repository
toolcheck cannot read is reported once per repository in each file, as `info`.

A BUILD file that a repository rule copies into the repository it generates
(`rctx.file(path, rctx.read(Label(...)))`) is a template: its labels are checked in the copy,
where they are meant to resolve, and a finding there is reported at the template's line.

`@platforms` is judged even when toolcheck cannot read it: toolcheck knows which names each of
its releases (0.0.1 to 1.1.0) declares. A name every release declares, or one the release the
`MODULE.bazel` files ask for declares, passes silently; a name no release declares is a warning,
with the closest declared name as a fix (`@platforms//os:linx`).

## Why it matters
Bazel reports these only when a target that needs resolution is analysed, often on another
developer's machine or in CI for a platform nobody builds locally.

## Example
```starlark
toolchain(
    name = \"linux_cc\",
    exec_compatible_with = [\"@platforms//os:linux\"],
    toolchain = \":cc_impl\",
    toolchain_type = \"//toolchains:cc_toolchain_typ\",
)
```

## What to do
Fix the label (here: `//toolchains:cc_toolchain_type`). For an external repository toolcheck cannot
read, run `toolcheck fetch` (it downloads the workspace's modules and pinned archives into
toolcheck's cache), or pass `--output-base` (after one `bazel fetch`) or `--repo NAME=DIR`.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let mut invisible_reported: FxHashSet<(FileId, String)> = FxHashSet::default();
    // BUILD files a repository rule copies into the repository it generates: templates whose
    // labels are meant for the copy (hermetic_cc_toolchain's platform packages name `//libc`,
    // a package of the generated `@zig_sdk`). A label missing from the template's own
    // repository is not reported there; the copy is checked, and its findings come back here.
    let copied: FxHashSet<FileId> = ctx
        .ws
        .generated
        .values()
        .filter_map(|s| match s {
            toolcheck_index::interp::repository::FileSource::Copied { from, .. } => Some(*from),
            _ => None,
        })
        .collect();
    let in_template = |owner: Option<&toolcheck_index::label::Label>| {
        !copied.is_empty()
            && owner.is_some_and(|l| {
                ctx.index
                    .package(&l.package_id())
                    .and_then(|p| p.build_file)
                    .is_some_and(|f| copied.contains(&f))
            })
    };
    let mut check = |template: bool,
                     label: Result<
        &toolcheck_index::label::Label,
        &toolcheck_index::label::LabelError,
    >,
                     text: &str,
                     file,
                     range,
                     role: &str,
                     acc: &mut Vec<Diagnostic>| {
        if !ctx.in_scope(file) {
            return;
        }
        let label = match label {
            Ok(l) => l,
            Err(e) => {
                acc.push(Diagnostic::new(
                    CHECK.name,
                    Severity::Error,
                    file,
                    range,
                    format!("invalid label '{text}' ({role}): {e}"),
                ));
                return;
            }
        };
        if let Some(d) = unread_platforms(ctx, label, text, file, range, role) {
            acc.extend(d);
            return;
        }
        match lookup(ctx, label) {
            Lookup::Found => {}
            Lookup::Missing(_) if template => {}
            Lookup::Missing(why) => {
                // A typo in a package toolcheck lists: the closest name there, as a fix.
                let suggestion = ctx
                    .index
                    .targets
                    .package_names(&label.package_id())
                    .and_then(|names| {
                        toolcheck_resolve::platforms_repo::closest_in_package(
                            &label.name,
                            names.map(|n| n.as_str()),
                        )
                    })
                    .map(|name| with_name(text, name));
                let mut d = Diagnostic::new(
                    CHECK.name,
                    Severity::Error,
                    file,
                    range,
                    format!(
                        "'{text}' ({role}) does not exist: {why}{}",
                        suggestion
                            .as_ref()
                            .map(|s| format!("; did you mean '{s}'?"))
                            .unwrap_or_default()
                    ),
                );
                if let Some(fix) = suggestion.and_then(|s| replace_label(ctx, file, range, text, s))
                {
                    d = d.with_fix(fix);
                }
                acc.push(d);
            }
            Lookup::Unknown {
                invisible_repo: Some(repo),
            } => {
                if invisible_reported.insert((file, repo.clone())) {
                    acc.push(Diagnostic::new(
                        CHECK.name,
                        Severity::Info,
                        file,
                        range,
                        format!(
                            "toolcheck cannot read repository '@{repo}', so its labels are not checked; {}{}",
                            toolcheck_semantics::coverage::how_to_read(ctx.index, &repo),
                            generated_repo_hint(&repo)
                        ),
                    ));
                }
            }
            Lookup::Unknown {
                invisible_repo: None,
            } => {}
        }
    };
    for r in references(ctx) {
        check(
            in_template(r.owner),
            r.r.label.as_ref(),
            &r.r.text,
            r.r.loc.file,
            r.r.loc.range,
            &r.role,
            acc,
        );
    }
    for (reg, label, _) in registered_labels(ctx) {
        let Some(loc) = reg.loc else { continue };
        check(
            false,
            Ok(label),
            &reg.text,
            loc.file,
            loc.range,
            "registered target",
            acc,
        );
    }
    // `register_toolchains("@go_toolchains//:all")`: what such a pattern registers is invisible.
    for reg in &ctx.index.registrations {
        let (Ok(pattern), Some(loc)) = (&reg.pattern, reg.loc) else {
            continue;
        };
        let pkg = match pattern {
            TargetPattern::AllInPackage(p) | TargetPattern::Recursive(p) => p,
            TargetPattern::Single(_) => continue,
        };
        // Bazel's own repositories are modelled (`toolcheck_semantics::builtin`), not read.
        if ctx.index.repo_visible(ctx.ws, &pkg.repo)
            || toolcheck_semantics::coverage::is_builtin_repo(pkg.repo.as_str())
        {
            continue;
        }
        let repo = pkg.repo.as_str().to_string();
        if invisible_reported.insert((loc.file, repo.clone())) {
            acc.push(Diagnostic::new(
                CHECK.name,
                Severity::Info,
                loc.file,
                loc.range,
                format!(
                    "toolcheck cannot read repository '@{repo}', so the toolchains or platforms '{}' registers are not known; {}{}",
                    reg.text,
                    toolcheck_semantics::coverage::how_to_read(ctx.index, &repo),
                    generated_repo_hint(&repo)
                ),
            ));
        }
    }
    // Patterns that do not even parse.
    for reg in &ctx.index.registrations {
        if let (Err(e), Some(loc)) = (&reg.pattern, reg.loc) {
            acc.push(Diagnostic::new(
                CHECK.name,
                Severity::Error,
                loc.file,
                loc.range,
                format!("invalid registration pattern '{}': {e}", reg.text),
            ));
        }
    }
}

/// A label into `@platforms` when toolcheck cannot read it, judged by which releases declare
/// it (`toolcheck_resolve::platforms_repo::declared`): `Some(None)` when certainly declared by
/// the release the workspace requests (or any), `Some(Some(d))` for a name no release declares,
/// `None` to leave it to the unreadable-repository note.
fn unread_platforms(
    ctx: &LintContext<'_>,
    label: &toolcheck_index::label::Label,
    text: &str,
    file: FileId,
    range: toolcheck_syntax::TextRange,
    role: &str,
) -> Option<Option<Diagnostic>> {
    use toolcheck_resolve::platforms_repo::{
        certainly_declared, declared, is_unread_platforms, requested_release, Declared,
        NEWEST_RELEASE,
    };
    if !is_unread_platforms(ctx.ws, &label.repo) {
        return None;
    }
    let found = declared(label);
    if certainly_declared(&found, requested_release(ctx.index)) {
        return Some(None);
    }
    let Declared::Never { closest } = found else {
        return None;
    };
    let written = closest.and_then(|name| {
        let (prefix, _) = text.rsplit_once(':')?;
        Some(format!("{prefix}:{name}"))
    });
    let mut d = Diagnostic::new(
        CHECK.name,
        Severity::Warning,
        file,
        range,
        format!(
            "'{text}' ({role}) is declared by no release of @platforms up to {NEWEST_RELEASE}{} (toolcheck cannot read the repository; it knows the names each release declares)",
            written
                .as_ref()
                .map(|w| format!("; did you mean '{w}'?"))
                .unwrap_or_default()
        ),
    );
    if let Some(fix) = written.and_then(|new| replace_label(ctx, file, range, text, new)) {
        d = d.with_fix(fix);
    }
    Some(Some(d))
}

/// The label `text` (as written) with its target name replaced by `name`: `//p:x` and `:x`
/// keep their package part, `//p` (short for `//p:p`) and `@r` (short for `@r//:r`) gain one.
fn with_name(text: &str, name: &str) -> String {
    if let Some((prefix, _)) = text.rsplit_once(':') {
        format!("{prefix}:{name}")
    } else if text.contains("//") {
        format!("{text}:{name}")
    } else if text.starts_with('@') {
        format!("{text}//:{name}")
    } else {
        name.to_string()
    }
}

/// A fix replacing the label `text` written at `range` with `new`: the string's contents only,
/// keeping the user's quotes; `None` when the range is not exactly that string literal (a
/// label built by concatenation or in a variable is not rewritten).
fn replace_label(
    ctx: &LintContext<'_>,
    file: FileId,
    range: toolcheck_syntax::TextRange,
    text: &str,
    new: String,
) -> Option<Fix> {
    let file_text = ctx.ws.file(file).text();
    let source = file_text.get(range.start as usize..range.end as usize)?;
    let bytes = source.as_bytes();
    let quoted = bytes.len() >= 2
        && matches!(bytes[0], b'"' | b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
        && &source[1..source.len() - 1] == text;
    quoted.then(|| Fix {
        title: format!("Replace with '{new}'"),
        applicability: Applicability::Unsafe,
        edits: vec![TextEdit {
            file,
            range: toolcheck_syntax::TextRange {
                start: range.start + 1,
                end: range.end - 1,
            },
            new_text: new,
        }],
    })
}

/// For repositories that well-known rulesets generate (their toolchains live there), how to
/// make them visible: Bazel writes them into its output base when it fetches them.
fn generated_repo_hint(canonical: &str) -> String {
    // `rules_go++go_sdk+go_toolchains` / `rules_go~~go_sdk~go_toolchains` / `go_toolchains`.
    let name = canonical.rsplit(['+', '~']).next().unwrap_or(canonical);
    let ruleset =
        if name == "go_toolchains" || name == "go_sdk" || name.starts_with("go_default_sdk") {
            "rules_go (the go_sdk extension)"
        } else if name.starts_with("python_") || name == "pythons_hub" {
            "rules_python (the python extension)"
        } else if name.starts_with("nodejs") {
            "rules_nodejs (the node extension)"
        } else if name == "local_jdk"
            || name.starts_with("remotejdk")
            || name.starts_with("remote_java_tools")
        {
            "rules_java (the toolchains extension)"
        } else if name.starts_with("llvm_toolchain") {
            "toolchains_llvm (the llvm extension)"
        } else if name == "rust_toolchains" || name.starts_with("rust_") && name.contains("tools") {
            "rules_rust (the rust extension)"
        } else if name.starts_with("local_config_cc")
            || name == "local_config_xcode"
            || name == "local_config_apple_cc"
        {
            "C++/Apple autoconfiguration (it depends on the host)"
        } else if name.starts_with("kotlin_") || name.starts_with("com_github_jetbrains_kotlin") {
            "rules_kotlin"
        } else {
            return String::new();
        };
    format!(
        ". '@{name}' is generated by {ruleset} when Bazel fetches it: run `bazel fetch //...` once, then pass --output-base \"$(bazel info output_base)\" so toolcheck reads the generated BUILD files"
    )
}
