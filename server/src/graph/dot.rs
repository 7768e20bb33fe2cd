//! The picture as Graphviz DOT: settings, values, platforms, types and toolchains as nodes,
//! the matrix as an HTML-like table node. Quoted strings escape `"` and `\`; HTML-like labels
//! escape `&`, `<`, `>` and `"` as entities.

use std::fmt::Write;

use toolcheck_ide::ResolutionGraph;

use super::{cell_state, cell_text, cells, hazard_text};

/// A DOT quoted string (IDs and plain labels). A newline becomes DOT's `\n` line break, and
/// every other backslash is doubled so that no label text turns into a DOT escape.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside an HTML-like label.
pub(super) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<BR/>"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn render(g: &ResolutionGraph) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "digraph toolchain_resolution {{");
    let _ = writeln!(
        o,
        "  graph [rankdir=LR, fontname=\"Helvetica\", label={}];",
        quote(&format!(
            "Toolchain resolution (Bazel {}, host {})",
            g.bazel_version, g.host_platform
        ))
    );
    let _ = writeln!(o, "  node [fontname=\"Helvetica\", fontsize=10];");
    let _ = writeln!(o, "  edge [fontname=\"Helvetica\", fontsize=9];");

    let _ = writeln!(o, "  subgraph cluster_constraints {{");
    let _ = writeln!(o, "    label=\"Constraint settings and values\";");
    for s in &g.settings {
        let id = quote(&format!("setting:{}", s.label));
        let label = match &s.default {
            Some(d) => format!("{}\ndefault: {d}", s.label),
            None => s.label.clone(),
        };
        let _ = writeln!(o, "    {id} [shape=folder, label={}];", quote(&label));
        for v in &s.values {
            let vid = quote(&format!("value:{v}"));
            let _ = writeln!(o, "    {vid} [shape=ellipse, label={}];", quote(v));
            let _ = writeln!(o, "    {vid} -> {id} [style=dashed, arrowhead=none];");
        }
    }
    let _ = writeln!(o, "  }}");

    let _ = writeln!(o, "  subgraph cluster_platforms {{");
    let _ = writeln!(o, "    label=\"Platforms\";");
    for p in &g.platforms {
        let mut roles = Vec::new();
        if let Some(r) = p.exec_rank {
            roles.push(format!("execution platform #{r}"));
        }
        if p.target {
            roles.push("target platform".to_owned());
        }
        if p.host {
            roles.push("host".to_owned());
        }
        let mut label = p.label.clone();
        if !roles.is_empty() {
            label.push_str(&format!("\n({})", roles.join(", ")));
        }
        if p.constraint_values.is_none() {
            label.push_str("\nconstraint values not statically known");
        }
        let id = quote(&format!("platform:{}", p.label));
        let _ = writeln!(o, "    {id} [shape=box3d, label={}];", quote(&label));
        for v in p.constraint_values.iter().flatten() {
            let _ = writeln!(
                o,
                "    {id} -> {} [color=gray50];",
                quote(&format!("value:{v}"))
            );
        }
        for parent in &p.parents {
            let _ = writeln!(
                o,
                "    {id} -> {} [label=\"parent\", style=dotted];",
                quote(&format!("platform:{parent}"))
            );
        }
    }
    let _ = writeln!(o, "  }}");

    let _ = writeln!(o, "  subgraph cluster_toolchains {{");
    let _ = writeln!(
        o,
        "    label=\"Toolchain types and registered toolchains (priority order)\";"
    );
    for t in &g.toolchain_types {
        let _ = writeln!(
            o,
            "    {} [shape=hexagon, label={}];",
            quote(&format!("type:{t}")),
            quote(t)
        );
    }
    for t in &g.toolchains {
        let name = t
            .label
            .clone()
            .unwrap_or_else(|| "(unknown toolchains)".to_owned());
        let mut label = format!("#{} {name}\nregistered by {}", t.rank, t.registered_by);
        if let Some(at) = &t.registered_at {
            label.push_str(&format!(" at {}:{}", at.path, at.line));
        }
        match &t.exec_compatible_with {
            Some(v) if v.is_empty() => label.push_str("\nexec: any (catch-all)"),
            Some(v) => label.push_str(&format!("\nexec: {}", v.join(", "))),
            None => label.push_str("\nexec: not statically known"),
        }
        if let Some(v) = &t.target_compatible_with {
            if !v.is_empty() {
                label.push_str(&format!("\ntarget: {}", v.join(", ")));
            }
        }
        if let Some(u) = &t.unknown {
            label.push_str(&format!("\nunknown: {u}"));
        }
        for m in &t.marks {
            label.push_str(&format!("\n⚠ {}{}", m.check, super::role(m)));
        }
        let style = if t.marks.is_empty() {
            String::new()
        } else {
            let tooltip = t
                .marks
                .iter()
                .map(|m| format!("{}: {}", m.check, m.message))
                .collect::<Vec<_>>()
                .join("\n");
            format!(
                ", color=red, penwidth=2, class=\"hazard\", tooltip={}",
                quote(&tooltip)
            )
        };
        let id = quote(&format!("toolchain:{}", t.rank));
        let _ = writeln!(o, "    {id} [shape=box, label={}{style}];", quote(&label));
        if let Some(ty) = &t.toolchain_type {
            let _ = writeln!(o, "    {id} -> {};", quote(&format!("type:{ty}")));
        }
    }
    // Priority order, drawn as an invisible chain so Graphviz keeps it top to bottom.
    for pair in g.toolchains.windows(2) {
        let _ = writeln!(
            o,
            "    {} -> {} [style=invis];",
            quote(&format!("toolchain:{}", pair[0].rank)),
            quote(&format!("toolchain:{}", pair[1].rank))
        );
    }
    let _ = writeln!(o, "  }}");

    // The matrix: one HTML-like table, rows target platforms, columns types.
    let mut table =
        String::from("<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"4\">");
    table.push_str("<TR><TD><B>target platform / toolchain type</B></TD>");
    for t in &g.toolchain_types {
        let _ = write!(table, "<TD><B>{}</B></TD>", html(t));
    }
    table.push_str("</TR>");
    let mut row_cells = cells(g).peekable();
    for (r, p) in g.target_platforms.iter().enumerate() {
        let _ = write!(table, "<TR><TD><B>{}</B></TD>", html(p));
        while let Some((_, _, cell)) = row_cells.next_if(|(cr, _, _)| *cr == r) {
            let state = cell_state(cell);
            let (bg, sign) = match state {
                "ok" => ("#e8f5e9", ""),
                "undecided" => ("#fff8e1", "? "),
                "hazard elsewhere" => ("#fff3e0", "⚠ "),
                _ => ("#ffebee", "⚠ "),
            };
            let mut text = format!("{sign}{}", cell_text(cell));
            if state != "ok" {
                text.push_str(&format!("\n[{state}]"));
            }
            let elsewhere = super::elsewhere_text(cell);
            if !elsewhere.is_empty() {
                text.push('\n');
                text.push_str(&elsewhere);
            }
            let hazards = hazard_text(cell);
            if !hazards.is_empty() {
                text.push('\n');
                text.push_str(&hazards);
            }
            let _ = write!(table, "<TD BGCOLOR=\"{bg}\">{}</TD>", html(&text));
        }
        table.push_str("</TR>");
    }
    table.push_str("</TABLE>");
    let _ = writeln!(o, "  matrix [shape=plaintext, label=<{table}>];");
    let _ = writeln!(o, "}}");
    o
}
