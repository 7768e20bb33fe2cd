//! Suppression comments: `# toolcheck: disable=CHECK[,CHECK]` covers its line, the statement
//! it sits in, or the statement right below it; `# toolcheck: disable-file=CHECK` covers the
//! file. A suppression that suppresses nothing is itself reported (`unused-suppression`).

use crate::context::{LintConfig, LintContext};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity, TextEdit};
use crate::registry::{check_by_name, CheckMeta};

pub static UNUSED_SUPPRESSION: CheckMeta = CheckMeta {
    name: "unused-suppression",
    default_severity: Severity::Warning,
    summary: "a `# toolcheck: disable=` comment that suppresses nothing",
    docs: "## What it does
Reports a `# toolcheck: disable=CHECK` or `# toolcheck: disable-file=CHECK` comment that did not
suppress any diagnostic of `CHECK`, or that names a check that does not exist.

## Why it matters
Stale suppressions hide future problems: when the code they were written for changes, they keep
silencing whatever appears in their scope.

## Example
```starlark
toolchain(
    name = \"linux\",  # toolcheck: disable=unresolved-label
    toolchain = \":impl\",
    toolchain_type = \":type\",
)
```
(when every label resolves)

## What to do
Delete the comment, or the unused check name from it. The quick fix does that.
",
    run: |_, _| {},
};

pub(crate) fn apply(ctx: &LintContext<'_>, config: &LintConfig, diags: &mut Vec<Diagnostic>) {
    let report_unused =
        config.severity_of(UNUSED_SUPPRESSION.name, UNUSED_SUPPRESSION.default_severity);
    let mut unused = Vec::new();
    for file in ctx.ws.file_ids() {
        if !ctx.in_scope(file) {
            continue;
        }
        let facts = &ctx.facts[file.0 as usize];
        for s in &facts.suppressions {
            for (check, range) in &s.checks {
                let before = diags.len();
                diags.retain(|d| {
                    !(d.file == file
                        && d.check == check.as_str()
                        && (s.file_wide
                            || (s.scope.start <= d.range.start && d.range.start <= s.scope.end)))
                });
                let used = diags.len() != before;
                if used {
                    continue;
                }
                let known = check_by_name(check).is_some();
                // A suppression of a disabled check is not stale: the check may be enabled elsewhere.
                let disabled = known
                    && check_by_name(check)
                        .map(|c| config.severity_of(c.name, c.default_severity).is_none())
                        .unwrap_or(false);
                if disabled {
                    continue;
                }
                let message = if known {
                    format!("suppression of `{check}` is unused: nothing here triggers it")
                } else {
                    match crate::registry::closest_check(check) {
                        Some(close) => {
                            format!("`{check}` is not a toolcheck check (did you mean `{close}`?)")
                        }
                        None => format!("`{check}` is not a toolcheck check"),
                    }
                };
                let fix = if s.checks.len() == 1 {
                    Fix {
                        title: "Remove the suppression comment".to_string(),
                        applicability: Applicability::Safe,
                        edits: vec![TextEdit {
                            file,
                            range: comment_removal(&ctx.ws.file(file).text(), s.comment),
                            new_text: String::new(),
                        }],
                    }
                } else {
                    let remaining: Vec<&str> = s
                        .checks
                        .iter()
                        .filter(|(c, _)| c != check)
                        .map(|(c, _)| c.as_str())
                        .collect();
                    let first = s
                        .checks
                        .first()
                        .map(|(_, r)| r.start)
                        .unwrap_or(range.start);
                    let last = s.checks.last().map(|(_, r)| r.end).unwrap_or(range.end);
                    Fix {
                        title: format!("Remove `{check}` from the suppression"),
                        applicability: Applicability::Safe,
                        edits: vec![TextEdit {
                            file,
                            range: toolcheck_syntax::TextRange::new(first, last),
                            new_text: remaining.join(","),
                        }],
                    }
                };
                if let Some(sev) = report_unused {
                    unused.push(
                        Diagnostic::new(UNUSED_SUPPRESSION.name, sev, file, *range, message)
                            .with_fix(fix),
                    );
                }
            }
        }
    }
    diags.extend(unused);
}

/// What to delete to remove the comment at `comment` cleanly: the whole line when the comment
/// is alone on it (its line break included), else the comment and the blanks before it, so no
/// trailing whitespace or empty line is left behind.
fn comment_removal(
    text: &str,
    comment: toolcheck_syntax::TextRange,
) -> toolcheck_syntax::TextRange {
    let (start, end) = (comment.start as usize, comment.end as usize);
    if end > text.len()
        || start > end
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return comment;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
    let rest = &text[end..];
    let line_end = rest.find('\n').map_or(text.len(), |i| end + i);
    if !text[end..line_end].trim_end_matches('\r').trim().is_empty() {
        // Something follows the comment on its line (it cannot: a comment runs to the end).
        return comment;
    }
    if before.trim().is_empty() {
        // Alone on its line: the line goes, with its line break (or the one before it, at the
        // end of the file).
        if line_end < text.len() {
            return toolcheck_syntax::TextRange::new(line_start as u32, (line_end + 1) as u32);
        }
        let from = if line_start > 0 { line_start - 1 } else { 0 };
        return toolcheck_syntax::TextRange::new(from as u32, line_end as u32);
    }
    toolcheck_syntax::TextRange::new((start - blanks) as u32, comment.end)
}

#[cfg(test)]
mod removal_tests {
    use super::comment_removal;
    use toolcheck_syntax::TextRange;

    fn remove(text: &str, comment: &str) -> String {
        let start = text.find(comment).unwrap() as u32;
        let r = comment_removal(text, TextRange::new(start, start + comment.len() as u32));
        format!("{}{}", &text[..r.start as usize], &text[r.end as usize..])
    }

    #[test]
    fn a_trailing_comment_takes_the_blanks_before_it() {
        assert_eq!(
            remove(
                "x = 1  # toolcheck: disable=a\ny = 2\n",
                "# toolcheck: disable=a"
            ),
            "x = 1\ny = 2\n"
        );
    }

    #[test]
    fn a_comment_alone_on_its_line_takes_the_line() {
        assert_eq!(
            remove(
                "x = 1\n    # toolcheck: disable=a\ny = 2\n",
                "# toolcheck: disable=a"
            ),
            "x = 1\ny = 2\n"
        );
        assert_eq!(
            remove("x = 1\n# toolcheck: disable=a", "# toolcheck: disable=a"),
            "x = 1"
        );
        assert_eq!(
            remove(
                "# toolcheck: disable=a\r\nx = 1\r\n",
                "# toolcheck: disable=a"
            ),
            "x = 1\r\n"
        );
    }
}
