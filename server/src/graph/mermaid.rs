//! The picture as a Mermaid flowchart: settings, platforms, types and toolchains as nodes,
//! and one node per matrix cell between its target platform and the toolchain it selects.
//! Node IDs are generated (`p3`, `t1`); label text is written with Mermaid's entity codes
//! (`#quot;`, `#lt;`, ...) for every character that could end or re-open a label.

use std::fmt::Write;

use toolcheck_ide::{CellOutcome, ResolutionGraph};

use super::{cell_state, cell_text, cells};

/// Label text for inside `["..."]`. `<br/>` (a line break) is added by the callers between
/// escaped parts, never taken from the text.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn lines(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| escape(p))
        .collect::<Vec<_>>()
        .join("<br/>")
}

pub(super) fn render(g: &ResolutionGraph) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "flowchart LR");
    let _ = writeln!(
        o,
        "  %% {}",
        escape(&format!(
            "Toolchain resolution (Bazel {}, host {})",
            g.bazel_version, g.host_platform
        ))
    );
    let _ = writeln!(
        o,
        "  classDef hazard fill:#ffebee,stroke:#c62828,stroke-width:2px;"
    );
    let _ = writeln!(o, "  classDef undecided fill:#fff8e1,stroke:#f9a825;");
    let _ = writeln!(o, "  classDef ok fill:#e8f5e9,stroke:#2e7d32;");
    let _ = writeln!(
        o,
        "  classDef elsewhere fill:#fff3e0,stroke:#e65100,stroke-dasharray:4;"
    );

    let _ = writeln!(
        o,
        "  subgraph constraints[\"Constraint settings and values\"]"
    );
    let mut vi = 0;
    for (si, s) in g.settings.iter().enumerate() {
        let mut parts = vec![s.label.clone()];
        if let Some(d) = &s.default {
            parts.push(format!("default: {d}"));
        }
        let _ = writeln!(o, "    s{si}[\"{}\"]", lines(&parts));
        for v in &s.values {
            let _ = writeln!(o, "    v{vi}([\"{}\"]) -.- s{si}", escape(v));
            vi += 1;
        }
    }
    let _ = writeln!(o, "  end");

    let _ = writeln!(o, "  subgraph platforms[\"Platforms\"]");
    let mut platform_id = std::collections::HashMap::new();
    for (pi, p) in g.platforms.iter().enumerate() {
        platform_id.insert(p.label.clone(), pi);
        let mut parts = vec![p.label.clone()];
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
        if !roles.is_empty() {
            parts.push(format!("({})", roles.join(", ")));
        }
        match &p.constraint_values {
            Some(v) => parts.extend(v.iter().cloned()),
            None => parts.push("constraint values not statically known".to_owned()),
        }
        let _ = writeln!(o, "    p{pi}[\"{}\"]", lines(&parts));
    }
    let _ = writeln!(o, "  end");

    let _ = writeln!(
        o,
        "  subgraph toolchains[\"Registered toolchains, priority order\"]"
    );
    for (ti, t) in g.toolchain_types.iter().enumerate() {
        let _ = writeln!(o, "    y{ti}{{{{\"{}\"}}}}", escape(t));
    }
    for t in &g.toolchains {
        let mut parts = vec![format!(
            "#{} {}",
            t.rank,
            t.label.as_deref().unwrap_or("(unknown toolchains)")
        )];
        let mut reg = format!("registered by {}", t.registered_by);
        if let Some(at) = &t.registered_at {
            reg.push_str(&format!(" at {}:{}", at.path, at.line));
        }
        parts.push(reg);
        match &t.exec_compatible_with {
            Some(v) if v.is_empty() => parts.push("exec: any (catch-all)".to_owned()),
            Some(v) => parts.push(format!("exec: {}", v.join(", "))),
            None => parts.push("exec: not statically known".to_owned()),
        }
        for m in &t.marks {
            parts.push(format!("⚠ {}{}", m.check, super::role(m)));
        }
        let _ = writeln!(o, "    t{}[\"{}\"]", t.rank, lines(&parts));
        if let Some(ty) = &t.toolchain_type {
            if let Some(yi) = g.toolchain_types.iter().position(|x| x == ty) {
                let _ = writeln!(o, "    t{} --> y{yi}", t.rank);
            }
        }
        if !t.marks.is_empty() {
            let _ = writeln!(o, "    class t{} hazard", t.rank);
        }
    }
    let _ = writeln!(o, "  end");

    let _ = writeln!(
        o,
        "  subgraph matrix[\"Resolution matrix: target platform x toolchain type\"]"
    );
    for (r, c, cell) in cells(g) {
        let state = cell_state(cell);
        let sign = match state {
            "ok" => "",
            "undecided" => "? ",
            _ => "⚠ ",
        };
        let mut parts = vec![
            format!("{sign}{} x {}", g.target_platforms[r], g.toolchain_types[c]),
            cell_text(cell),
        ];
        if state != "ok" {
            parts.push(format!("[{state}]"));
        }
        for m in &cell.marks {
            parts.push(format!("{}: {}", m.check, m.message));
        }
        parts.extend(super::elsewhere_text(cell).lines().map(str::to_owned));
        let _ = writeln!(o, "    c{r}_{c}[\"{}\"]", lines(&parts));
        let class = match state {
            "ok" => "ok",
            "undecided" => "undecided",
            "hazard elsewhere" => "elsewhere",
            _ => "hazard",
        };
        let _ = writeln!(o, "    class c{r}_{c} {class}");
    }
    let _ = writeln!(o, "  end");
    for (r, c, cell) in cells(g) {
        if let Some(pi) = platform_id.get(&g.target_platforms[r]) {
            let _ = writeln!(o, "  p{pi} --> c{r}_{c}");
        }
        if let CellOutcome::Selected { toolchain, .. } = &cell.outcome {
            if let Some(t) = g
                .toolchains
                .iter()
                .find(|t| t.label.as_deref() == Some(toolchain.as_str()))
            {
                let _ = writeln!(o, "  c{r}_{c} ==> t{}", t.rank);
            }
        }
    }
    o
}
