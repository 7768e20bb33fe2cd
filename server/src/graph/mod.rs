//! `toolcheck graph`: the resolution picture (`toolcheck_ide::ResolutionGraph`) written as
//! DOT, Mermaid or a self-contained HTML page; and the Markdown matrix the language server
//! adds to its resolution report. Each format owns its escaping in its own module: a label
//! is user text (a quote, a `<` or a `|` in a target name must not break the document).

mod dot;
mod html;
mod markdown;
mod mermaid;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use toolcheck_ide::{CellOutcome, GraphCell, ResolutionGraph};

pub(crate) use markdown::matrix as markdown_matrix;

#[derive(clap::Args)]
pub struct GraphArgs {
    /// The workspace (default: the current directory's).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "dot")]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    ws: crate::WorkspaceArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Dot,
    Mermaid,
    Html,
}

pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    if args.ws.hosts.len() > 1 {
        anyhow::bail!("graph draws one host: give --host once (`toolcheck check` checks several)");
    }
    let start = match &args.workspace {
        Some(w) => w.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let mut loaded = crate::load(&start, &args.ws, Vec::new(), None)?;
    let analysis = loaded.host.analysis();
    crate::configured_platforms_exist(&analysis, &loaded.config)?;
    let graph = analysis.resolution_graph(&loaded.config.lint_config());
    let text = match args.format {
        Format::Dot => dot::render(&graph),
        Format::Mermaid => mermaid::render(&graph),
        Format::Html => html::render(&graph),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    // The process ends here: freeing the analysis would only delay the exit.
    std::mem::forget(analysis);
    std::mem::forget(loaded);
    Ok(ExitCode::SUCCESS)
}

/// A cell in one line of plain text (escaped by each format).
fn cell_text(cell: &GraphCell) -> String {
    match &cell.outcome {
        CellOutcome::Selected {
            exec_platform,
            toolchain,
        } => format!("{toolchain} on {exec_platform}"),
        CellOutcome::NoMatch { message } => {
            format!("no match: {}", message.lines().next().unwrap_or_default())
        }
        CellOutcome::Undecided { reasons } => format!("undecided: {}", reasons.join("; ")),
    }
}

/// A cell's hazards in one line: the checks that mark it and their messages.
fn hazard_text(cell: &GraphCell) -> String {
    cell.marks
        .iter()
        .map(|m| format!("{}: {} ({}:{})", m.check, m.message, m.path, m.line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How a mark's toolchain takes part in the finding, for the short forms.
fn role(m: &toolcheck_ide::Mark) -> &'static str {
    match m.role {
        toolcheck_ide::MarkRole::Subject => "",
        toolcheck_ide::MarkRole::Cause => " (as the cause)",
        toolcheck_ide::MarkRole::Named => " (named in it)",
    }
}

/// A short word for a cell's state, shown beside the hazard sign. `hazard elsewhere`: the
/// pick is sound, but a flagged toolchain (a catch-all) is what another execution platform
/// gets, so it runs wherever the chosen platform is not available.
fn cell_state(cell: &GraphCell) -> &'static str {
    match (&cell.outcome, cell.marks.is_empty()) {
        (CellOutcome::NoMatch { .. }, _) => "no match",
        (CellOutcome::Undecided { .. }, _) => "undecided",
        (CellOutcome::Selected { .. }, false) => "hazard",
        (CellOutcome::Selected { .. }, true) if cell.has_marked_fallback() => "hazard elsewhere",
        (CellOutcome::Selected { .. }, true) => "ok",
    }
}

/// The other execution platforms' picks that are flagged toolchains, except the cell's own
/// pick (already shown, with its marks, as the cell's hazard).
fn flagged_others(cell: &GraphCell) -> impl Iterator<Item = &toolcheck_ide::OtherPick> {
    let chosen = match &cell.outcome {
        CellOutcome::Selected { toolchain, .. } => Some(toolchain),
        _ => None,
    };
    cell.others
        .iter()
        .filter(move |o| !o.marks.is_empty() && Some(&o.toolchain) != chosen)
}

/// The flagged toolchains other execution platforms get, one clause per toolchain:
/// `elsewhere: //tc:any on //p:mac, //p:win (shadowed-toolchain)`; empty when none is flagged.
fn elsewhere_text(cell: &GraphCell) -> String {
    let mut groups: Vec<(&str, Vec<&str>, Vec<&str>)> = Vec::new();
    for o in flagged_others(cell) {
        match groups.iter_mut().find(|(t, _, _)| *t == o.toolchain) {
            Some((_, execs, _)) => execs.push(&o.exec_platform),
            None => {
                let mut checks: Vec<&str> = o.marks.iter().map(|m| m.check).collect();
                checks.dedup();
                groups.push((&o.toolchain, vec![&o.exec_platform], checks));
            }
        }
    }
    groups
        .iter()
        .map(|(t, execs, checks)| {
            format!(
                "elsewhere: {t} on {} ({})",
                execs.join(", "),
                checks.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every cell with its row and column.
fn cells(graph: &ResolutionGraph) -> impl Iterator<Item = (usize, usize, &GraphCell)> {
    graph
        .cells
        .iter()
        .enumerate()
        .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, cell)| (r, c, cell)))
}

#[cfg(test)]
mod tests;
