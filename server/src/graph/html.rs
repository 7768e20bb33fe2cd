//! The picture as one self-contained HTML page: the matrix first (what users come for), then
//! the registered toolchains in priority order, the platforms, the constraint settings and
//! the toolchain types. Inline CSS and a few lines of inline JS (a "hazards only" filter);
//! nothing is fetched, so the page works offline and from a CI artifact. Every text is
//! escaped for element content and attribute values alike.

use std::fmt::Write;

use toolcheck_ide::{GraphCell, Mark, ResolutionGraph};

use super::{cell_state, cell_text};

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em; color: #1b1b1b; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
code, td.label, th.label { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #c8c8c8; padding: .35em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.ok { background: #e8f5e9; }
td.hazard { background: #ffebee; outline: 2px solid #c62828; outline-offset: -2px; }
td.undecided { background: #fff8e1; }
td.elsewhere { background: #fff3e0; outline: 2px dashed #e65100; outline-offset: -2px; }
.elsewhere-picks { font-size: 12px; color: #8a3a00; margin-top: .3em; }
td.label, th.label { overflow-wrap: break-word; }
tr.findings-row td { border-top: none; background: #fffafa; }
.mark { color: #b71c1c; font-weight: 600; }
.state { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #555; }
.marks { margin: .3em 0 0; padding-left: 1.1em; font-size: 12px; }
tr.hazard-row td:first-child { border-left: 4px solid #c62828; }
.summary { color: #444; }
label.filter { display: inline-block; margin: .5em 0; }
body.hazards-only tr.plain { display: none; }
"#;

// `data-ready` tells a headless browser check that the inline script ran (offline, from a
// file:// URL); the filter is the page's only behaviour.
const SCRIPT: &str = r#"
document.documentElement.dataset.ready = '1';
document.getElementById('hazards-only').addEventListener('change', function (e) {
  document.body.classList.toggle('hazards-only', e.target.checked);
});
"#;

fn marks_list(marks: &[Mark]) -> String {
    if marks.is_empty() {
        return String::new();
    }
    let mut o = String::from("<ul class=\"marks\">");
    for m in marks {
        let role = super::role(m);
        let _ = write!(
            o,
            "<li data-check=\"{}\"><span class=\"mark\">⚠ {}</span>{}: {} <span class=\"state\">{}:{}</span></li>",
            escape(m.check),
            escape(m.check),
            role,
            escape(&m.message),
            escape(&m.path),
            m.line
        );
    }
    o.push_str("</ul>");
    o
}

fn cell_html(cell: &GraphCell) -> String {
    let state = cell_state(cell);
    let class = match state {
        "ok" => "ok",
        "undecided" => "undecided",
        "hazard elsewhere" => "elsewhere",
        _ => "hazard",
    };
    let sign = match state {
        "ok" => "",
        "undecided" => "<span class=\"mark\">?</span> ",
        _ => "<span class=\"mark\">⚠</span> ",
    };
    let mut checks: Vec<&str> = cell.marks.iter().map(|m| m.check).collect();
    let mut elsewhere = String::new();
    let others: Vec<_> = super::flagged_others(cell).collect();
    if !others.is_empty() {
        elsewhere.push_str("<div class=\"elsewhere-picks\">");
        for line in super::elsewhere_text(cell).lines() {
            let _ = write!(elsewhere, "<div>⚠ {}</div>", escape(line));
        }
        for o in &others {
            checks.extend(o.marks.iter().map(|m| m.check));
        }
        elsewhere.push_str("</div>");
        let marks: Vec<Mark> = others
            .iter()
            .flat_map(|o| o.marks.iter().cloned())
            .collect();
        let mut unique: Vec<Mark> = Vec::new();
        for m in marks {
            if !unique
                .iter()
                .any(|u| u.check == m.check && u.message == m.message)
            {
                unique.push(m);
            }
        }
        elsewhere.push_str(&marks_list(&unique));
    }
    checks.sort_unstable();
    checks.dedup();
    format!(
        "<td class=\"{class}\" data-state=\"{}\" data-hazards=\"{}\">{sign}{}<div class=\"state\">{}</div>{}{elsewhere}</td>",
        escape(state),
        escape(&checks.join(" ")),
        escape(&cell_text(cell)),
        escape(state),
        marks_list(&cell.marks)
    )
}

fn list(v: &Option<Vec<String>>, empty: &str) -> String {
    match v {
        Some(v) if v.is_empty() => empty.to_owned(),
        Some(v) => v.iter().map(|x| escape(x)).collect::<Vec<_>>().join("<br>"),
        None => "<em>not statically known</em>".to_owned(),
    }
}

pub(super) fn render(g: &ResolutionGraph) -> String {
    let mut o = String::new();
    let title = format!("Toolchain resolution (Bazel {})", g.bazel_version);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let hazards = g.cells.iter().flatten().filter(|c| c.is_hazard()).count();
    let elsewhere = g
        .cells
        .iter()
        .flatten()
        .filter(|c| !c.is_hazard() && c.has_marked_fallback())
        .count();
    let marked = g.toolchains.iter().filter(|t| !t.marks.is_empty()).count();
    let _ = writeln!(o, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        o,
        "<p class=\"summary\">Host platform <code>{}</code>. {} target platform(s) × {} toolchain type(s): {} cell(s) with a hazard, a failure or an open question, {} more where a flagged toolchain is what other execution platforms get; {} of {} registered toolchain(s) have findings.</p>",
        escape(&g.host_platform),
        g.target_platforms.len(),
        g.toolchain_types.len(),
        hazards,
        elsewhere,
        marked,
        g.toolchains.len()
    );
    let _ = writeln!(
        o,
        "<label class=\"filter\"><input type=\"checkbox\" id=\"hazards-only\"> Show only rows with hazards</label>"
    );

    let _ = writeln!(o, "<h2 id=\"matrix-title\">Resolution matrix</h2>");
    let _ = writeln!(
        o,
        "<p class=\"summary\">What Bazel picks for each target platform (rows) and toolchain type (columns), requested alone and mandatory: the toolchain and the execution platform it runs on.</p>"
    );
    let _ = write!(
        o,
        "<table id=\"matrix\" aria-labelledby=\"matrix-title\">\n<thead><tr><th>target platform \\ toolchain type</th>"
    );
    for t in &g.toolchain_types {
        let _ = write!(o, "<th class=\"label\">{}</th>", escape(t));
    }
    let _ = writeln!(o, "</tr></thead>\n<tbody>");
    for (r, p) in g.target_platforms.iter().enumerate() {
        let any = g.cells[r]
            .iter()
            .any(|c| c.is_hazard() || c.has_marked_fallback());
        let _ = write!(
            o,
            "<tr class=\"{}\"><th class=\"label\" scope=\"row\">{}</th>",
            if any { "hazard-row" } else { "plain" },
            escape(p)
        );
        for cell in &g.cells[r] {
            o.push_str(&cell_html(cell));
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</tbody>\n</table>");

    let _ = writeln!(o, "<h2>Registered toolchains, in priority order</h2>");
    let _ = writeln!(
        o,
        "<p class=\"summary\">Bazel tries them top to bottom and picks the first that matches the target and execution platform.</p>"
    );
    let _ = writeln!(
        o,
        "<table id=\"toolchains\">\n<thead><tr><th>#</th><th>toolchain</th><th>type</th><th>exec_compatible_with</th><th>target_compatible_with</th><th>registered by</th></tr></thead>\n<tbody>"
    );
    for t in &g.toolchains {
        let name = match (&t.label, &t.unknown) {
            (Some(l), None) => escape(l),
            (Some(l), Some(u)) => format!("{}<br><em>{}</em>", escape(l), escape(u)),
            (None, u) => format!(
                "<em>unknown toolchains: {}</em>",
                escape(u.as_deref().unwrap_or_default())
            ),
        };
        let registered = match &t.registered_at {
            Some(at) => format!(
                "<code>{}</code><br>{}:{}",
                escape(&t.registered_by),
                escape(&at.path),
                at.line
            ),
            None => format!("<code>{}</code>", escape(&t.registered_by)),
        };
        let _ = writeln!(
            o,
            "<tr class=\"{}\" data-label=\"{}\"><td>{}</td><td class=\"label\">{name}</td><td class=\"label\">{}</td><td class=\"label\">{}</td><td class=\"label\">{}</td><td>{registered}</td></tr>",
            if t.marks.is_empty() { "plain" } else { "hazard-row" },
            escape(t.label.as_deref().unwrap_or_default()),
            t.rank,
            escape(t.toolchain_type.as_deref().unwrap_or("?")),
            list(&t.exec_compatible_with, "<strong>any (catch-all)</strong>"),
            list(&t.target_compatible_with, "any"),
        );
        // The findings on a row of their own, the table's full width: messages are long.
        if !t.marks.is_empty() {
            let _ = writeln!(
                o,
                "<tr class=\"hazard-row findings-row\" data-findings-for=\"{}\"><td></td><td colspan=\"5\">{}</td></tr>",
                escape(t.label.as_deref().unwrap_or_default()),
                marks_list(&t.marks)
            );
        }
    }
    let _ = writeln!(o, "</tbody>\n</table>");

    let _ = writeln!(o, "<h2>Platforms</h2>");
    let _ = writeln!(
        o,
        "<table id=\"platforms\">\n<thead><tr><th>platform</th><th>role</th><th>constraint values</th><th>parents</th></tr></thead>\n<tbody>"
    );
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
        let _ = writeln!(
            o,
            "<tr><td class=\"label\">{}</td><td>{}</td><td class=\"label\">{}</td><td class=\"label\">{}</td></tr>",
            escape(&p.label),
            escape(&roles.join(", ")),
            list(&p.constraint_values, "none"),
            list(&Some(p.parents.clone()), "")
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>");

    let _ = writeln!(o, "<h2>Constraint settings and values</h2>");
    let _ = writeln!(
        o,
        "<table id=\"settings\">\n<thead><tr><th>setting</th><th>default</th><th>values</th></tr></thead>\n<tbody>"
    );
    for s in &g.settings {
        let _ = writeln!(
            o,
            "<tr><td class=\"label\">{}</td><td class=\"label\">{}</td><td class=\"label\">{}</td></tr>",
            escape(&s.label),
            escape(s.default.as_deref().unwrap_or("")),
            list(&Some(s.values.clone()), "")
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>");

    let _ = writeln!(o, "<h2>Toolchain types</h2>\n<ul id=\"types\">");
    for t in &g.toolchain_types {
        let _ = writeln!(o, "<li><code>{}</code></li>", escape(t));
    }
    let _ = writeln!(o, "</ul>");
    let _ = write!(o, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    o
}
