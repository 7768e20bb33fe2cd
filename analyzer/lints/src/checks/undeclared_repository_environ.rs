//! `undeclared-repository-environ`: a repository rule whose implementation reads an
//! environment variable through `repository_ctx.os.environ` without listing it in the rule's
//! `environ`, so Bazel does not refetch the repository when the variable changes.

use toolcheck_index::expr::{Call, ExprKind};
use toolcheck_semantics::repository_env::{repository_rules, RepositoryRuleEnv, Write};
use toolcheck_syntax::{FileKind, TextRange};

use crate::context::LintContext;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity, TextEdit};
use crate::registry::CheckMeta;

pub(crate) static CHECK: CheckMeta = CheckMeta {
    name: "undeclared-repository-environ",
    default_severity: Severity::Warning,
    summary: "a repository rule reads an environment variable it does not declare",
    docs: "## What it does
Reports a `repository_rule()` whose implementation reads environment variables through
`repository_ctx.os.environ` (`environ[\"CC\"]`, `environ.get(\"CC\")`, `\"CC\" in environ`, also in
helper functions it passes `repository_ctx` or the environment to) that its `environ = [...]`
list does not name. `repository_ctx.getenv(\"CC\")` (Bazel 7.1+) is tracked by Bazel and not
reported, nor are variables that decide how a repository is fetched rather than what it holds:
credentials (`NETRC`, and `HOME`/`USERPROFILE` that locate `~/.netrc`), proxies
(`http_proxy`, ...), cache and temporary directories (`LOCALAPPDATA`, `XDG_CACHE_HOME`, `TMP`,
...), timeouts and debugging switches (`*_TIMEOUT`, `*_DEBUG`, `*_VERBOSE`, `*_QUIET`). A rule
whose `environ` is computed, or whose reads use names toolcheck cannot compute, is judged on
what is known.

Only reads that can change what the repository holds are reported: toolcheck follows each
value (through locals, helper functions and what they return) to the writes of the
repository, and counts a write made under an `if` or a loop the variable decides: `repository_ctx.file`, `template` (its substitutions too),
`symlink`, `extract`, `patch`, `delete`, `rename`, and `download`/`download_and_extract`
when they are not pinned by a hash. A variable that only picks the program a rule runs with
`repository_ctx.execute` (the Java that runs a resolver, the shell that runs a script), is
only checked before a `fail()`, or only reaches a message decides how the repository is made;
the program's output is not attributed to it, because toolcheck cannot know whether two
programs print the same thing. A helper toolcheck cannot read that gets `repository_ctx`
counts as a write. The finding points at each read and at the first write it reaches.

## Why it matters
Bazel fetches a repository once and reuses it until one of its inputs changes; for the
environment, the inputs are the variables in `environ`. A variable read any other way is
invisible: change `CC` or `JAVA_HOME` and the repository keeps the compiler path or include
directories computed from the old value, so the same label means different toolchains on
different machines (or on the same machine before and after `bazel clean --expunge`), and a
remote cache receives results built with whichever one a machine happened to keep.

## Example
```starlark
def _impl(rctx):
    cc = rctx.os.environ.get(\"CC\", \"gcc\")
    rctx.file(\"BUILD\", ...)

cc_autoconf = repository_rule(implementation = _impl)
```

## What to do
List every variable the rule reads: `environ = [\"CC\"]` (the quick fix adds them), or read
them with `repository_ctx.getenv(\"CC\")` on Bazel 7.1 and later.
",
    run,
};

/// How many reads a finding points at.
const MAX_RELATED: usize = 8;

fn run(ctx: &LintContext<'_>, acc: &mut Vec<Diagnostic>) {
    let env = ctx.index.env(ctx.ws, ctx.facts);
    for file in ctx.ws.file_ids() {
        if ctx.ws.file(file).kind != FileKind::Bzl || !ctx.in_scope(file) {
            continue;
        }
        if ctx.is_cancelled() {
            return;
        }
        for rule in repository_rules(&env, ctx.facts, file) {
            report(ctx, &rule, acc);
        }
    }
}

fn report(ctx: &LintContext<'_>, rule: &RepositoryRuleEnv, acc: &mut Vec<Diagnostic>) {
    let Some(declared) = &rule.environ else {
        return;
    };
    let missing: Vec<_> = rule
        .reads
        .iter()
        .filter(|r| {
            !declared.contains(&r.name)
                && !decides_only_how(&r.name)
                && rule.reaches_contents(&r.name)
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let names: Vec<String> = missing.iter().map(|r| format!("`{}`", r.name)).collect();
    let (range, where_) = match rule.call.kwarg("environ") {
        Some(k) => (k.value.range, "its `environ`"),
        None => (rule.call.func.range, "an `environ` list"),
    };
    let mut diag = Diagnostic::new(
        CHECK.name,
        CHECK.default_severity,
        rule.file,
        range,
        format!(
            "repository rule `{}` reads {} from the environment without naming {} in {where_}: Bazel does not refetch it when {} change{}, so it keeps values computed from the old ones",
            rule.name,
            names.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            if missing.len() == 1 { "it" } else { "they" },
            if missing.len() == 1 { "s" } else { "" },
        ),
    );
    for r in missing.iter().take(MAX_RELATED) {
        diag = diag.with_related(r.file, r.range, format!("reads `{}`", r.name));
    }
    // Where the values reach the repository, once per place.
    let mut writes: Vec<(&Write, Vec<&str>)> = Vec::new();
    for r in missing.iter().take(MAX_RELATED) {
        let Some(w) = rule.written.get(&r.name) else {
            continue;
        };
        match writes.iter_mut().find(|(seen, _)| *seen == w) {
            Some((_, names)) => names.push(&r.name),
            None => writes.push((w, vec![&r.name])),
        }
    }
    for (w, names) in writes {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        diag = diag.with_related(
            w.file,
            w.range,
            format!(
                "{} written into the repository by {}",
                names.join(", "),
                by(&w.by)
            ),
        );
    }
    let new: Vec<&str> = missing.iter().map(|r| r.name.as_str()).collect();
    if let Some(edit) = fix(ctx, rule, &new) {
        diag = diag.with_fix(Fix {
            title: format!("Add {} to `environ`", names.join(", ")),
            applicability: Applicability::Safe,
            edits: vec![edit],
        });
    }
    acc.push(diag);
}

/// `repository_ctx.file` as code, anything else as it is.
fn by(what: &str) -> String {
    if what.starts_with("repository_ctx.") {
        format!("`{what}`")
    } else {
        what.to_string()
    }
}

/// Variables that decide how a repository is fetched, not what it holds: credentials (`NETRC`,
/// and `HOME`/`USERPROFILE`, which locate `~/.netrc`), proxies, cache and temporary
/// directories, timeouts, and debugging or verbosity switches. A download is checked against
/// its hash whatever they say, so a refetch when they change would fetch the same bytes.
fn decides_only_how(name: &str) -> bool {
    const NAMES: [&str; 12] = [
        "NETRC",
        "HOME",
        "USERPROFILE",
        "LOCALAPPDATA",
        "XDG_CACHE_HOME",
        "TMP",
        "TEMP",
        "TMPDIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
    ];
    let upper = name.to_ascii_uppercase();
    NAMES.contains(&upper.as_str())
        || ["_TIMEOUT", "_DEBUG", "_VERBOSE", "_QUIET"]
            .iter()
            .any(|s| upper.ends_with(s))
}

/// Adds `names` to a literal `environ` list, or adds `environ = [...]` after the
/// implementation argument. `None` when the list is not written as a literal here.
fn fix(ctx: &LintContext<'_>, rule: &RepositoryRuleEnv, names: &[&str]) -> Option<TextEdit> {
    let text = &ctx.ws.file(rule.file).text();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match rule.call.kwarg("environ") {
        Some(k) => {
            let ExprKind::List(items) = &k.value.kind else {
                return None;
            };
            let list = slice(text, k.value.range)?;
            let close = k.value.range.end.checked_sub(1)?;
            let Some(last) = items.last() else {
                return Some(edit(rule, TextRange::new(close, close), quoted.join(", ")));
            };
            if !list.contains('\n') {
                let at = last.range.end;
                return Some(edit(
                    rule,
                    TextRange::new(at, at),
                    format!(", {}", quoted.join(", ")),
                ));
            }
            // One item per line: new lines in the same indentation, after the trailing comma.
            let indent = indentation(text, last.range.start);
            let after = slice(text, TextRange::new(last.range.end, close))?;
            let (at, lead) = if after.trim_start().starts_with(',') {
                let comma = last.range.end + after.find(',')? as u32 + 1;
                (comma, "")
            } else {
                (last.range.end, ",")
            };
            let lines: String = quoted.iter().map(|q| format!("\n{indent}{q},")).collect();
            let mut insert = format!("{lead}{lines}");
            if lead == "," {
                // The old last item had no trailing comma: keep the new last without one too.
                insert.pop();
            }
            Some(edit(rule, TextRange::new(at, at), insert))
        }
        None => {
            let imp = implementation_arg(&rule.call)?;
            let after = slice(text, TextRange::new(imp.end, rule.call_end(text)?))?;
            let list = format!("environ = [{}]", quoted.join(", "));
            if let Some(rest) = after.strip_prefix(',') {
                if rest.starts_with('\n') || rest.starts_with("\r\n") {
                    let indent = indentation(text, imp.start);
                    let at = imp.end + 1;
                    return Some(edit(
                        rule,
                        TextRange::new(at, at),
                        format!("\n{indent}{list},"),
                    ));
                }
            }
            let at = imp.end;
            Some(edit(rule, TextRange::new(at, at), format!(", {list}")))
        }
    }
}

fn implementation_arg(call: &Call) -> Option<TextRange> {
    let e = call
        .kwarg("implementation")
        .map(|k| &k.value)
        .or_else(|| call.args.first())?;
    Some(e.range)
}

fn edit(rule: &RepositoryRuleEnv, range: TextRange, new_text: String) -> TextEdit {
    TextEdit {
        file: rule.file,
        range,
        new_text,
    }
}

fn slice(text: &str, range: TextRange) -> Option<&str> {
    text.get(range.start as usize..range.end as usize)
}

/// The whitespace a line starts with, for the line holding `offset`. For an argument written
/// after `name = `, the keyword's indentation is the line's.
fn indentation(text: &str, offset: u32) -> String {
    let start = text[..offset as usize].rfind('\n').map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

trait CallEnd {
    fn call_end(&self, text: &str) -> Option<u32>;
}

impl CallEnd for RepositoryRuleEnv {
    /// Where the `repository_rule(...)` call's closing parenthesis is.
    fn call_end(&self, text: &str) -> Option<u32> {
        let last = self
            .call
            .args
            .iter()
            .map(|a| a.range.end)
            .chain(self.call.kwargs.iter().map(|k| k.value.range.end))
            .max()?;
        let rest = text.get(last as usize..)?;
        Some(last + rest.find(')')? as u32)
    }
}
