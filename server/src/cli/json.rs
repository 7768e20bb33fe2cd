//! `--format json`: one document in toolcheck's own schema, a stable contract that users parse:
//!
//! ```json
//! {"tool":"toolcheck","version":"X.Y.Z","diagnostics":[{"check":"kebab-name",
//!  "severity":"error|warning|info","path":"relative/to/workspace/root","line":1,"column":1,
//!  "end_line":1,"end_column":9,"message":"...",
//!  "related":[{"path":"...","line":1,"column":1,"message":"..."}]}]}
//! ```
//!
//! Lines and columns are 1-based, columns count Unicode scalar values and the end is
//! exclusive. Do not add fields without versioning the contract.

use std::io::Write;

use serde::Serialize;

use super::report::{Item, Report};

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    check: &'static str,
    severity: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

fn diagnostic<'a>(item: &'a Item<'a>) -> JsonDiagnostic<'a> {
    let loc = &item.location;
    JsonDiagnostic {
        check: item.check,
        severity: item.severity.as_str(),
        path: &loc.path,
        line: loc.start.line,
        column: loc.start.col,
        end_line: loc.end.line,
        end_column: loc.end.col,
        message: item.message,
        related: item
            .related
            .iter()
            .map(|r| JsonRelated {
                path: &r.location.path,
                line: r.location.start.line,
                column: r.location.start.col,
                message: r.message,
            })
            .collect(),
    }
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = Document {
        tool: "toolcheck",
        version: env!("CARGO_PKG_VERSION"),
        diagnostics: report.items.iter().map(diagnostic).collect(),
    };
    serde_json::to_writer(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}
