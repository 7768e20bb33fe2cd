//! `toolcheck __facts` (hidden): prints the declaration facts toolcheck derived for a
//! workspace (targets with their origin, open packages, macro gaps, evaluation limits). Used
//! to measure macro-evaluation coverage on real rulesets; not a stable interface.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct FactsArgs {
    /// The workspace (default: the current directory's).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// Print how long loading and indexing took (to stderr).
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    ws: crate::WorkspaceArgs,
}

pub fn run(args: FactsArgs) -> anyhow::Result<()> {
    let start = match &args.workspace {
        Some(w) => w.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let t0 = std::time::Instant::now();
    let mut loaded = crate::load(&start, &args.ws, Vec::new(), None)?;
    let t1 = std::time::Instant::now();
    let analysis = loaded.host.analysis();
    let t2 = std::time::Instant::now();
    let text = analysis.debug_facts();
    if args.timings {
        eprintln!(
            "files {} load+lower {:?} index {:?}",
            analysis.workspace().live_file_count(),
            t1 - t0,
            t2 - t1
        );
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
