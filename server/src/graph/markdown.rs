//! The matrix as a Markdown table, for the language server's resolution report (shown
//! rendered by the editors). Text is escaped by backslash before every ASCII punctuation
//! character, which CommonMark allows for all of them: no label can open a code span, a link,
//! emphasis, HTML or a new table cell.

use std::fmt::Write;

use toolcheck_ide::ResolutionGraph;

use super::{cell_state, cell_text};

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The matrix section: a table (rows target platforms, columns types), each hazardous cell
/// marked with ⚠ and its checks, then the findings in full below it.
pub(crate) fn matrix(g: &ResolutionGraph) -> String {
    let mut o = String::from("\n## Resolution matrix\n\n");
    if g.toolchain_types.is_empty() || g.target_platforms.is_empty() {
        o.push_str("No toolchain types or target platforms to resolve.\n");
        return o;
    }
    o.push_str(
        "What Bazel picks for each target platform (rows) and toolchain type (columns), requested alone: the toolchain, and the execution platform it runs on.\n\n",
    );
    o.push_str("| target platform |");
    for t in &g.toolchain_types {
        let _ = write!(o, " {} |", escape(t));
    }
    o.push_str("\n|---|");
    for _ in &g.toolchain_types {
        o.push_str("---|");
    }
    o.push('\n');
    let mut notes = Vec::new();
    for (r, p) in g.target_platforms.iter().enumerate() {
        let _ = write!(o, "| {} |", escape(p));
        for (c, cell) in g.cells[r].iter().enumerate() {
            let state = cell_state(cell);
            let sign = match state {
                "ok" => "",
                "undecided" => "❓ ",
                _ => "⚠️ ",
            };
            let mut text = format!("{sign}{}", escape(&cell_text(cell)));
            if !cell.marks.is_empty() {
                let checks: Vec<String> = cell.marks.iter().map(|m| escape(m.check)).collect();
                let _ = write!(text, " **{}**", checks.join(", "));
                for m in &cell.marks {
                    notes.push(format!(
                        "- ⚠️ {} × {}: `{}` {}",
                        escape(p),
                        escape(&g.toolchain_types[c]),
                        m.check,
                        escape(&m.message)
                    ));
                }
            }
            for line in super::elsewhere_text(cell).lines() {
                let _ = write!(text, "<br>⚠️ {}", escape(line));
            }
            let _ = write!(o, " {text} |");
        }
        o.push('\n');
    }
    let marked: Vec<_> = g
        .toolchains
        .iter()
        .filter(|t| !t.marks.is_empty())
        .collect();
    if !notes.is_empty() || !marked.is_empty() {
        o.push_str("\n### Hazards\n\n");
        for n in notes {
            o.push_str(&n);
            o.push('\n');
        }
        for t in marked {
            for m in &t.marks {
                let _ = writeln!(
                    o,
                    "- ⚠️ toolchain \\#{} {}: `{}` {}",
                    t.rank,
                    escape(t.label.as_deref().unwrap_or("(unknown)")),
                    m.check,
                    escape(&m.message)
                );
            }
        }
    }
    o
}
