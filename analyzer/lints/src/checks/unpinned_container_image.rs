//! `unpinned-container-image`: a platform's `exec_properties`, or an rc file's
//! `--remote_default_exec_properties`, that names a container image by tag instead of by
//! digest.

use toolcheck_index::index::Decl;
use toolcheck_semantics::remote::{is_pinned_image, IMAGE_KEYS};
use toolcheck_syntax::TextRange;

use crate::context::LintContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "unpinned-container-image",
    default_severity: Severity::Warning,
    summary: "a remote execution image named by tag, not by digest",
    docs: "## What it does
Reports a `container-image` (or `dockerImage`) execution property that names an image by tag
(`docker://gcr.io/project/image:latest`, or no tag at all) instead of by digest
(`docker://gcr.io/project/image@sha256:...`): in a `platform()`'s `exec_properties`, and in an
rc file's `--remote_default_exec_properties`. `none`, digests (with or without a tag before
them), values toolcheck cannot compute and template placeholders are left alone.

## Why it matters
The remote cache keys an action by its inputs and by the property *string*, not by the image
the string resolved to. When the tag moves, actions run in the new image but hit cache entries
made in the old one: results built with another compiler or other system headers come back as
hits, and a C++ toolchain whose include directories were written for the old image fails with
\"undeclared inclusion(s)\" or, worse, builds against the wrong headers. Two developers who
pulled the tag on different days share a cache they should not share.

## Example
```starlark
platform(
    name = \"rbe\",
    constraint_values = [\"@platforms//os:linux\"],
    exec_properties = {
        \"container-image\": \"docker://gcr.io/my-project/rbe-ubuntu:latest\",
    },
)
```

## What to do
Pin the image by digest: `docker://gcr.io/my-project/rbe-ubuntu@sha256:<digest>` (`docker
inspect --format='{{index .RepoDigests 0}}' IMAGE` prints it). A tag may stay in front of the
digest for readers: `image:22.04@sha256:...`. Change the digest, not the tag, when the image
changes, so the cache keys change with it.
",
    run,
};

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    for t in ctx.source_targets() {
        let Decl::Platform(d) = &t.decl else { continue };
        for p in d.exec_properties.iter().flatten() {
            if !IMAGE_KEYS.contains(&p.key.as_str()) || !ctx.in_scope(p.loc.file) {
                continue;
            }
            if let Some(why) = unpinned(&p.value) {
                acc.push(Diagnostic::new(
                    CHECK.name,
                    CHECK.default_severity,
                    p.loc.file,
                    p.loc.range,
                    format!(
                        "platform `{}` runs actions in `{}`, {why}; pin it by digest (`@sha256:...`)",
                        t.label, p.value
                    ),
                ));
            }
        }
    }
    rc_defaults(ctx, acc);
}

/// `--remote_default_exec_properties=container-image=...` on any rc line, whatever config
/// it belongs to: the value is wrong wherever it applies.
fn rc_defaults(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    for ((_, file), rc) in ctx.ws.rc_files.iter().zip(&ctx.index.rc_files) {
        if !ctx.in_scope(*file) {
            continue;
        }
        for e in &rc.entries {
            let mut args = e.args.iter().peekable();
            while let Some((arg, range)) = args.next() {
                let (value, range): (&str, TextRange) =
                    match arg.strip_prefix("--remote_default_exec_properties") {
                        Some(rest) if rest.starts_with('=') => (&rest[1..], *range),
                        Some("") => match args.next() {
                            Some((v, r)) => (v.as_str(), *r),
                            None => continue,
                        },
                        _ => continue,
                    };
                let Some((key, image)) = value.split_once('=') else {
                    continue;
                };
                if !IMAGE_KEYS.contains(&key) {
                    continue;
                }
                if let Some(why) = unpinned(image) {
                    let config = e
                        .config
                        .as_deref()
                        .map(|c| format!(" (config `{c}`)"))
                        .unwrap_or_default();
                    acc.push(Diagnostic::new(
                        CHECK.name,
                        CHECK.default_severity,
                        *file,
                        range,
                        format!(
                            "remote actions{config} run in `{image}` by default, {why}; pin it by digest (`@sha256:...`)"
                        ),
                    ));
                }
            }
        }
    }
}

/// Why an image reference is not pinned, or `None` when it is (or cannot be judged).
fn unpinned(value: &str) -> Option<&'static str> {
    let v = value.trim();
    // Template placeholders (`%{image}`, `{IMAGE}`, `$(IMAGE)`) are filled in elsewhere.
    if v.is_empty() || is_pinned_image(v) || v.contains(['{', '}', '%', '$']) {
        return None;
    }
    let name = v.strip_prefix("docker://").unwrap_or(v);
    let last = name.rsplit('/').next().unwrap_or(name);
    Some(match last.split_once(':') {
        Some((_, "latest")) => "a tag that moves with every push (`:latest`)",
        Some(_) => "a tag the registry lets anyone re-point",
        None => "no tag or digest, which means `:latest`",
    })
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn digests_none_and_placeholders_are_pinned_or_unknown() {
        assert!(unpinned("docker://gcr.io/p/i@sha256:0123").is_none());
        assert!(unpinned("docker://gcr.io/p/i:22.04@sha256:0123").is_none());
        assert!(unpinned("none").is_none());
        assert!(unpinned("docker://%{image}").is_none());
        assert!(unpinned("").is_none());
        assert!(unpinned("docker://gcr.io/p/i:latest").is_some());
        assert!(unpinned("docker://gcr.io/p/i:22.04").is_some());
        // A registry port is not a tag.
        assert_eq!(
            unpinned("docker://localhost:5000/p/i"),
            Some("no tag or digest, which means `:latest`")
        );
    }
}
