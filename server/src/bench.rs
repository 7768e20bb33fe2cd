//! `toolcheck __bench DIR`: a hidden subcommand that times the analysis in-process for the
//! benchmark driver (`tests/src/bin/bench.rs`): the cold phases (load, lower, index, checks)
//! and incremental updates through the `AnalysisHost` API (edit one BUILD file, one `.bzl`
//! file, MODULE.bazel; time `set_file_text` + `analysis()` + that file's diagnostics).
//!
//! It prints one JSON object on stdout. It is not a user-facing command and has no stability
//! guarantees; timings are wall-clock, CPU time comes from `/proc/self/stat`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use toolcheck_ide::{AnalysisHost, FileId, LintConfig, RepoName};

use crate::vfs;

#[derive(clap::Args, Clone)]
pub struct BenchArgs {
    /// The workspace to load.
    dir: PathBuf,
    /// Edits per incremental scenario.
    #[arg(long, default_value_t = 20)]
    edits: usize,
    /// Only time the cold phases.
    #[arg(long)]
    no_incremental: bool,
    /// A BUILD file to edit (repository-relative path in the main repository).
    #[arg(long)]
    build_file: Option<String>,
    /// A .bzl file to edit.
    #[arg(long)]
    bzl_file: Option<String>,
    /// Use (and fill) the facts cache in this directory for the cold phases.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// CPU time (user + system) of this process so far, in milliseconds.
pub fn cpu_ms() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    ticks * 10.0
}

/// Peak resident set size of this process so far, in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Appends the k-th edit to a file's text.
type Edit = fn(usize) -> String;

struct Phases {
    out: Vec<(String, Value)>,
    wall: Instant,
    cpu: f64,
}

impl Phases {
    fn mark(&mut self, name: &str) {
        let wall = self.wall.elapsed().as_secs_f64() * 1000.0;
        let cpu = cpu_ms();
        self.out.push((
            name.to_string(),
            json!({ "wall_ms": round(wall), "cpu_ms": round(cpu - self.cpu), "peak_rss_kib": peak_rss_kib() }),
        ));
        self.wall = Instant::now();
        self.cpu = cpu;
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn stats(mut samples: Vec<f64>) -> Value {
    samples.sort_by(|a, b| a.total_cmp(b));
    let n = samples.len();
    if n == 0 {
        return Value::Null;
    }
    let pct = |p: f64| samples[((n as f64 - 1.0) * p).round() as usize];
    json!({
        "n": n,
        "min_ms": round(samples[0]),
        "p50_ms": round(pct(0.5)),
        "p90_ms": round(pct(0.9)),
        "max_ms": round(samples[n - 1]),
    })
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let root = vfs::find_root(&args.dir)
        .ok_or_else(|| anyhow::format_err!("no workspace at {}", args.dir.display()))?;
    let mut phases = Phases {
        out: Vec::new(),
        wall: Instant::now(),
        cpu: cpu_ms(),
    };
    let total_wall = Instant::now();
    let mut opts = vfs::LoadOptions {
        max_file_size: vfs::DEFAULT_MAX_FILE_SIZE,
        ..vfs::LoadOptions::default()
    };
    // Measure what `toolcheck check` does, host detection included.
    opts.settings.host_machine = Some(vfs::this_machine());
    let ws = vfs::load_workspace(&root, opts)?;
    let files = ws.files.len();
    let bytes: usize = ws.files.iter().map(|f| f.text_len()).sum();
    phases.mark("load");
    let (mut host, cache_stats) = crate::cache::load_host(ws, args.cache_dir.as_deref(), &root, "");
    phases.mark("lower");
    // What the texts take once BUILD files are packed (`toolcheck_index::text`).
    let stored_bytes: usize = (host.workspace().files.iter())
        .map(|f| f.stored_text().stored_len())
        .sum();
    let analysis = host.analysis();
    phases.mark("index");
    let config = LintConfig::default();
    let diagnostics = analysis.diagnostics(&config);
    phases.mark("checks");
    let total_ms = total_wall.elapsed().as_secs_f64() * 1000.0;
    // Each check alone on the same snapshot (the simulation it may build is shared, so the
    // first check that needs it pays for it).
    let mut per_check = serde_json::Map::new();
    for check in toolcheck_ide::ALL_CHECKS {
        let only = LintConfig {
            select: vec![check.name.to_string()],
            ..LintConfig::default()
        };
        let t = Instant::now();
        std::hint::black_box(analysis.diagnostics(&only));
        per_check.insert(
            check.name.to_string(),
            json!(round(t.elapsed().as_secs_f64() * 1000.0)),
        );
    }
    drop(analysis);

    let mut incremental = serde_json::Map::new();
    if !args.no_incremental {
        let main = RepoName::main();
        let build = args
            .build_file
            .clone()
            .or_else(|| pick(&host, "BUILD.bazel"));
        let bzl = args.bzl_file.clone().or_else(|| pick(&host, ".bzl"));
        let scenarios: Vec<(&str, Option<String>, Edit)> = vec![
            ("build_file", build.clone(), |k| {
                format!("\nfilegroup(\n    name = \"bench_edit_{k}\",\n    srcs = [],\n)\n")
            }),
            ("build_file_comment", build, |k| {
                format!("\n# bench edit {k}\n")
            }),
            ("bzl_file", bzl, |k| {
                format!("\nBENCH_EDIT_{k} = [\"{k}\"]\n")
            }),
            ("module_bazel", Some("MODULE.bazel".to_string()), |k| {
                format!("\nregister_toolchains(\"//toolchains/bench{k}:all\")\n")
            }),
        ];
        for (name, path, edit) in scenarios {
            let Some(path) = path else { continue };
            let Some(file) = host.file_id(&main, &path) else {
                continue;
            };
            let original: Arc<str> = host.workspace().file(file).stored_text().to_shared();
            let mut to_file = Vec::new();
            let mut to_snapshot = Vec::new();
            let mut to_all = Vec::new();
            let mut diags_in_file = 0;
            for k in 0..args.edits {
                let text: Arc<str> = format!("{original}{}", edit(k)).into();
                let t = Instant::now();
                host.set_file_text(file, text);
                let a = host.analysis();
                to_snapshot.push(t.elapsed().as_secs_f64() * 1000.0);
                let d = a.file_diagnostics(file, &config);
                to_file.push(t.elapsed().as_secs_f64() * 1000.0);
                diags_in_file = d.len();
                let t = Instant::now();
                let all = a.diagnostics(&config);
                to_all.push(t.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(all);
            }
            // Each check alone, scoped to the edited file, on the last edit's snapshot.
            let a = host.analysis();
            let mut scoped_checks = serde_json::Map::new();
            for check in toolcheck_ide::ALL_CHECKS {
                let only = LintConfig {
                    select: vec![check.name.to_string()],
                    ..LintConfig::default()
                };
                let t = Instant::now();
                std::hint::black_box(a.file_diagnostics(file, &only));
                let ms = round(t.elapsed().as_secs_f64() * 1000.0);
                if ms >= 0.5 {
                    scoped_checks.insert(check.name.to_string(), json!(ms));
                }
            }
            drop(a);
            host.set_file_text(file, original);
            incremental.insert(
                name.to_string(),
                json!({
                    "path": path,
                    "snapshot_after_edit": stats(to_snapshot),
                    "scoped_checks_over_0_5_ms": Value::Object(scoped_checks),
                    "file_diagnostics_after_edit": stats(to_file),
                    "then_all_diagnostics": stats(to_all),
                    "diagnostics_in_file": diags_in_file,
                }),
            );
        }
        phases.mark("incremental");
    }
    let report = json!({
        "root": root.display().to_string(),
        "files": files,
        "bytes": bytes,
        "text_bytes_stored": stored_bytes,
        "diagnostics": diagnostics.len(),
        "cold_total_wall_ms": round(total_ms),
        "phases": Value::Object(phases.out.into_iter().collect()),
        "per_check_wall_ms": Value::Object(per_check),
        "incremental": Value::Object(incremental),
        "peak_rss_kib": peak_rss_kib(),
        "cache": {
            "hits": cache_stats.hits,
            "misses": cache_stats.misses,
            "written": cache_stats.written,
        },
    });
    println!("{report}");
    Ok(())
}

/// A main-repository file whose path ends with `suffix`, from the middle of the file list.
fn pick(host: &AnalysisHost, suffix: &str) -> Option<String> {
    let ws = host.workspace();
    let candidates: Vec<FileId> = ws
        .file_ids()
        .filter(|&id| {
            let f = ws.file(id);
            f.repo.is_main()
                && f.path.ends_with(suffix)
                && Path::new(&f.path).components().count() > 1
        })
        .collect();
    candidates
        .get(candidates.len() / 2)
        .map(|&id| ws.file(id).path.clone())
}
