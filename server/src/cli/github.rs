//! `--format github`: GitHub Actions workflow commands, one line per problem:
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CHECK::MESSAGE`.
//!
//! Related locations and fix titles have no place in a workflow command; they are appended to
//! the message on lines of their own (the annotation shows them).
//!
//! When coverage is incomplete, one last `::notice title=toolcheck coverage::...` line (no
//! file: it is about the run) says what toolcheck could not evaluate, so that a run without
//! annotations is not taken for a clean one.

use std::io::Write;

use toolcheck_ide::Severity;

use super::report::{Item, Report};

/// Escapes a workflow command's message (its data part).
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value.
pub(crate) fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn line(item: &Item<'_>) -> String {
    let loc = &item.location;
    let mut props = format!(
        "file={},line={},col={}",
        escape_property(&loc.path),
        loc.start.line,
        loc.start.col
    );
    if loc.span.is_some() {
        props.push_str(&format!(
            ",endLine={},endColumn={}",
            loc.end.line, loc.end.col
        ));
    }
    props.push_str(&format!(",title={}", escape_property(item.check)));
    let mut message = item.message.to_string();
    for r in &item.related {
        let l = &r.location;
        message.push_str(&format!(
            "\n{}:{}:{}: {}",
            l.path, l.start.line, l.start.col, r.message
        ));
    }
    for f in &item.fixes {
        message.push_str(&format!("\nhelp: {}", f.title));
    }
    format!(
        "::{} {}::{}",
        command(item.severity),
        props,
        escape_data(&message)
    )
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    for item in &report.items {
        writeln!(out, "{}", line(item))?;
    }
    if let Some(summary) = &report.coverage.summary {
        writeln!(
            out,
            "::notice title={}::{}",
            escape_property("toolcheck coverage"),
            escape_data(&format!(
                "toolcheck could not evaluate everything: {summary} (see --format json)"
            ))
        )?;
    }
    out.flush()
}
