//! The output side of `toolcheck check`: one report, five formats (`human`, `json`, `sarif`,
//! `github`, `gitlab`).
//!
//! Every format renders the same [`report::Report`]: the diagnostics and path problems with
//! their positions already converted from byte ranges to 1-based lines and columns counted in
//! Unicode scalar values, sorted by path and position so the output does not depend on the
//! order in which files were loaded, and the run's coverage (what toolcheck could not
//! evaluate), which every format states whenever it is incomplete.

mod github;
mod gitlab;
mod human;
mod json;
mod report;
mod sarif;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::Path;

use toolcheck_ide::{Coverage, Diagnostic, MatrixSummary, Severity, Workspace};

pub(crate) use crate::links::{CHECK_DOCS_URL, REPOSITORY as INFORMATION_URI};

/// The output format of `toolcheck check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Annotated source snippets and a summary line, for people.
    Human,
    /// One JSON document in toolcheck's own stable schema.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
    /// GitLab's code quality report (a subset of the Code Climate issue format).
    Gitlab,
}

/// A diagnostic-like problem with only a path (an unreadable directory): rendered at line 1,
/// column 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathProblem {
    pub path: String,
    pub message: String,
    pub severity: Severity,
    pub check: &'static str,
}

/// What a run evaluated, reported beside its findings: what it could not evaluate, and the
/// configurations and hosts it did.
pub struct Evaluated<'a> {
    pub coverage: &'a Coverage,
    pub matrix: &'a MatrixSummary,
}

/// How the human, GitHub and GitLab formats present the report.
#[derive(Clone, Copy, Debug, Default)]
pub struct Presentation<'a> {
    /// Colour, for the human format only: the caller decides it from the terminal and
    /// `NO_COLOR`.
    pub color: bool,
    /// The directory (absolute) the paths are relative to; `None`: the workspace root. JSON
    /// keeps paths relative to the workspace root (its documented contract) and SARIF makes
    /// them relative to `%SRCROOT%`, the root.
    pub cwd: Option<&'a Path>,
}

/// Writes the report of `diagnostics`, `problems` and what the run `evaluated` in `format`
/// to `out`.
pub fn render(
    format: Format,
    ws: &Workspace,
    diagnostics: &[Diagnostic],
    problems: &[PathProblem],
    evaluated: Evaluated<'_>,
    presentation: Presentation<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let Presentation { color, cwd } = presentation;
    let mut report = report::Report::new(
        ws,
        diagnostics,
        problems,
        evaluated.coverage,
        evaluated.matrix,
    );
    if let (Format::Human | Format::Github | Format::Gitlab, Some(cwd), Some(root)) =
        (format, cwd, sarif::workspace_root(ws))
    {
        report.relative_to(&root, cwd);
    }
    match format {
        Format::Human => human::write(&report, out, color),
        Format::Json => json::write(&report, out),
        Format::Sarif => sarif::write(&report, ws, out),
        Format::Github => github::write(&report, out),
        Format::Gitlab => gitlab::write(&report, out),
    }
}
