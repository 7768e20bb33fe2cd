//! toolcheck's benchmark driver: one run measures, on generated monorepos of several sizes (and
//! on real corpora given on the command line), cold `toolcheck check` side by side with the I/O
//! floor (reading the same files), the read-and-hash floor, the tree-sitter parse floor (parse
//! only, same files, same thread count) and buildifier's lint; then the warm re-run with the
//! persistent facts cache; then, in-process through the `AnalysisHost` API (`toolcheck
//! __bench`), the phase breakdown and incremental updates (one BUILD file, one macro `.bzl`
//! file, MODULE.bazel). Peak RSS comes from `/usr/bin/time -v` for every process.
//!
//! Usage:
//! `bench [--sizes 1000,10000,100000] [--seed 1] [--reps 3] [--work DIR] [--corpus DIR]...
//! [--toolcheck BIN] [--buildifier BIN | --no-buildifier] [--edits N] [--json FILE]`
//!
//! Build first: `cargo build --release -p toolcheck -p toolcheck-tests --bins`. The generated
//! repositories are kept under `--work` (default `target/bench`) and reused across runs;
//! buildifier is installed there with `npm install @bazel/buildifier` when not given.
//!
//! The report (markdown on stdout, raw JSON in `--json`) gives the best of `--reps` runs for
//! wall time and the matching CPU time: the machine is shared, so CPU time is the steadier
//! number. Nothing here asserts on timings.
//!
//! Internal modes (run by the driver under `/usr/bin/time`): `bench --floor read|hash|parse
//! DIR` reads, reads and hashes, or reads and parses every Starlark file under DIR.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use serde_json::{json, Value};
use toolcheck_ide::FileKind;

// The same allocator as the `toolcheck` binary: the floors (tree-sitter's parse allocates a
// lot) are measured under the conditions toolcheck runs in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Opts {
    sizes: Vec<usize>,
    seed: u64,
    reps: usize,
    work: PathBuf,
    corpora: Vec<PathBuf>,
    toolcheck: PathBuf,
    buildifier: Option<PathBuf>,
    no_buildifier: bool,
    edits: usize,
    json: Option<PathBuf>,
}

fn sibling(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        sizes: vec![1000, 10_000, 100_000],
        seed: 1,
        reps: 3,
        work: toolcheck_tests::repo_root().join("target").join("bench"),
        corpora: Vec::new(),
        toolcheck: sibling("toolcheck"),
        buildifier: None,
        no_buildifier: false,
        edits: 20,
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => {
                o.sizes = val()?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().map_err(|_| format!("bad size {s}")))
                    .collect::<Result<_, _>>()?
            }
            "--seed" => o.seed = val()?.parse().map_err(|_| "bad --seed")?,
            "--reps" => o.reps = val()?.parse().map_err(|_| "bad --reps")?,
            "--edits" => o.edits = val()?.parse().map_err(|_| "bad --edits")?,
            "--work" => o.work = PathBuf::from(val()?),
            "--corpus" => o.corpora.push(PathBuf::from(val()?)),
            "--toolcheck" => o.toolcheck = PathBuf::from(val()?),
            "--buildifier" => o.buildifier = Some(PathBuf::from(val()?)),
            "--no-buildifier" => o.no_buildifier = true,
            "--json" => o.json = Some(PathBuf::from(val()?)),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    o.reps = o.reps.max(1);
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// Floors (internal mode).

fn is_starlark(name: &str) -> bool {
    FileKind::from_file_name(name).is_some_and(FileKind::is_starlark)
}

/// Starlark files under `dir` (skipping `bazel-*` at the top, `.git` and `node_modules`).
fn starlark_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if name == ".git"
                    || name == "node_modules"
                    || (depth == 0 && name.starts_with("bazel-"))
                {
                    continue;
                }
                stack.push((e.path(), depth + 1));
            } else if ft.is_file() && is_starlark(&name) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn fold(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

/// A 16-bytes-per-step multiply hash, the cost class of the facts cache's content hash.
fn quick_hash(bytes: &[u8]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        let a = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
        let b = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
        h = fold(a ^ h ^ 0xa076_1d64_78bd_642f, b ^ 0xe703_7ed1_a0b4_28db);
    }
    for &b in chunks.remainder() {
        h = fold(h ^ b as u64, 0x8ebc_6af0_9c88_c6e3);
    }
    h
}

/// Walks `dir`, then reads (and hashes or parses) every Starlark file on all cores.
fn floor(mode: &str, dir: &Path) -> Result<(), String> {
    let t = Instant::now();
    let files = starlark_files(dir);
    let walk_ms = t.elapsed().as_secs_f64() * 1000.0;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    let (bytes, acc) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut parser = tree_sitter::Parser::new();
                    let _ = parser.set_language(&tree_sitter_starlark::LANGUAGE.into());
                    let (mut bytes, mut acc) = (0usize, 0u64);
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(p) = files.get(i) else { break };
                        let Ok(text) = std::fs::read(p) else { continue };
                        bytes += text.len();
                        match mode {
                            "hash" => acc ^= quick_hash(&text),
                            "parse" => {
                                if let Some(tree) = parser.parse(&text, None) {
                                    acc += tree.root_node().child_count() as u64;
                                }
                            }
                            _ => acc += text.len() as u64,
                        }
                    }
                    (bytes, acc)
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .fold((0, 0u64), |(b, a), (b2, a2)| (b + b2, a.wrapping_add(a2)))
    });
    let work_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({"mode": mode, "files": files.len(), "bytes": bytes, "threads": threads,
               "walk_ms": walk_ms, "work_ms": work_ms, "check": acc})
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Timing external commands.

#[derive(Clone, Debug, Default)]
struct Run {
    wall_s: f64,
    cpu_s: f64,
    rss_mb: f64,
    status: i32,
    stdout: String,
}

/// Runs a command under `/usr/bin/time -v` (wall, user + system CPU, peak RSS).
fn timed(cmd: &[&str], cwd: Option<&Path>, env: &[(&str, &str)]) -> Result<Run, String> {
    let tmp = std::env::temp_dir().join(format!("toolcheck-bench-time-{}", std::process::id()));
    let mut c = Command::new("/usr/bin/time");
    c.arg("-v").arg("-o").arg(&tmp).args(cmd);
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let t = Instant::now();
    let out = c
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let wall = t.elapsed().as_secs_f64();
    let report = std::fs::read_to_string(&tmp).unwrap_or_default();
    let _ = std::fs::remove_file(&tmp);
    let field = |name: &str| -> f64 {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    Ok(Run {
        wall_s: wall,
        cpu_s: field("User time (seconds):") + field("System time (seconds):"),
        rss_mb: field("Maximum resident set size (kbytes):") / 1024.0,
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    })
}

/// The best of `reps` runs (by wall time), with the median wall time too.
fn best(reps: usize, mut f: impl FnMut() -> Result<Run, String>) -> Result<(Run, f64), String> {
    let mut runs = Vec::new();
    for _ in 0..reps {
        runs.push(f()?);
    }
    runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    let median = runs[runs.len() / 2].wall_s;
    Ok((runs.swap_remove(0), median))
}

fn run_json(r: &Run, median: f64) -> Value {
    json!({"wall_s": r.wall_s, "median_wall_s": median, "cpu_s": r.cpu_s, "peak_rss_mb": r.rss_mb, "exit": r.status})
}

fn buildifier(o: &Opts) -> Option<PathBuf> {
    if o.no_buildifier {
        return None;
    }
    if let Some(b) = &o.buildifier {
        return Some(b.clone());
    }
    let prefix = o.work.join("npm");
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "amd64"
    };
    let bin = prefix
        .join("node_modules/@bazel/buildifier")
        .join(format!("buildifier-linux_{arch}"));
    if !bin.is_file() {
        eprintln!(
            "bench: installing @bazel/buildifier into {}",
            prefix.display()
        );
        let ok = Command::new("npm")
            .args([
                "install",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&prefix)
            .arg("@bazel/buildifier")
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("bench: npm install @bazel/buildifier failed; skipping buildifier");
            return None;
        }
    }
    bin.is_file().then_some(bin)
}

fn floor_run(mode: &str, dir: &Path, reps: usize) -> Result<Value, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let me = me.to_string_lossy();
    let d = dir.to_string_lossy();
    let (r, median) = best(reps, || timed(&[&me, "--floor", mode, &d], None, &[]))?;
    let inner: Value = serde_json::from_str(r.stdout.trim()).unwrap_or(Value::Null);
    let mut v = run_json(&r, median);
    v["inner"] = inner;
    Ok(v)
}

/// Measures one workspace; `generated` enables the incremental scenarios on known files.
fn measure(o: &Opts, name: &str, dir: &Path, generated: bool) -> Result<Value, String> {
    // Tools that walk directories (buildifier -r) do not follow a symlinked root.
    let dir = &std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("bench: {name}: {}", dir.display());
    let tc = o.toolcheck.to_string_lossy().into_owned();
    let d = dir.to_string_lossy().into_owned();
    // Warm the page cache so every contender reads from memory.
    let _ = floor_run("read", dir, 1)?;
    let read = floor_run("read", dir, o.reps)?;
    let hash = floor_run("hash", dir, o.reps)?;
    let parse = floor_run("parse", dir, o.reps)?;
    let check_env = |extra: &[&str], env: &[(&str, &str)]| -> Result<Run, String> {
        let mut cmd = vec![
            tc.as_str(),
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
        ];
        cmd.extend_from_slice(extra);
        cmd.push(d.as_str());
        timed(&cmd, None, env)
    };
    let check = |extra: &[&str]| check_env(extra, &[]);
    let (cold, cold_median) = best(o.reps, || check(&["--no-cache"]))?;
    // The same check with every file parsed by tree-sitter (no direct reader): what the
    // reader saves, and the cost of a workspace of files outside its subset.
    let (parsed, parsed_median) = best(o.reps, || {
        check_env(&["--no-cache"], &[("TOOLCHECK_DIRECT_READER", "0")])
    })?;
    if parsed.stdout != cold.stdout {
        return Err(format!(
            "{name}: the output with every file parsed differs from the direct reader's"
        ));
    }
    let diagnostics = serde_json::from_str::<Value>(&cold.stdout)
        .ok()
        .and_then(|v| v["diagnostics"].as_array().map(Vec::len));
    let cache_dir = o.work.join("cache").join(name);
    let cache = cache_dir.to_string_lossy().into_owned();
    // First run with an empty cache: the cost of filling it.
    let (fill, fill_median) = best(o.reps, || {
        let _ = std::fs::remove_dir_all(&cache_dir);
        check(&["--cache-dir", &cache])
    })?;
    let (warm, warm_median) = best(o.reps, || check(&["--cache-dir", &cache]))?;
    let same_output = warm.stdout == cold.stdout;
    let buildifier = match buildifier(o) {
        Some(b) => {
            let b = b.to_string_lossy().into_owned();
            let (r, median) = best(o.reps, || {
                timed(&[&b, "--lint=warn", "--mode=check", "-r", &d], None, &[])
            })?;
            run_json(&r, median)
        }
        None => Value::Null,
    };
    // In-process phases and incremental updates (one run; it repeats the edits itself).
    let edits = o.edits.to_string();
    let mut cmd = vec![
        tc.as_str(),
        "__bench",
        d.as_str(),
        "--edits",
        edits.as_str(),
    ];
    if generated {
        cmd.extend_from_slice(&["--bzl-file", "tools/macros/m0.bzl"]);
    } else {
        cmd.push("--no-incremental");
    }
    let inproc = timed(&cmd, None, &[])?;
    let phases: Value = serde_json::from_str(inproc.stdout.trim()).unwrap_or(Value::Null);
    Ok(json!({
        "name": name,
        "dir": d,
        "files": read["inner"]["files"],
        "bytes": read["inner"]["bytes"],
        "diagnostics": diagnostics,
        "read_floor": read,
        "read_hash_floor": hash,
        "parse_floor": parse,
        "toolcheck_cold": run_json(&cold, cold_median),
        "toolcheck_cold_parser_only": run_json(&parsed, parsed_median),
        "toolcheck_cache_fill": run_json(&fill, fill_median),
        "toolcheck_warm": run_json(&warm, warm_median),
        "warm_output_identical": same_output,
        "buildifier_lint": buildifier,
        "in_process": phases,
        "in_process_rss_mb": inproc.rss_mb,
    }))
}

fn machine() -> Value {
    let sh = |c: &str| -> String {
        Command::new("sh")
            .args(["-c", c])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    json!({
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "memory": sh("grep MemTotal /proc/meminfo | awk '{print $2/1024/1024 \" GiB\"}'"),
        "kernel": sh("uname -sr"),
        "load_before": sh("cut -d' ' -f1-3 /proc/loadavg"),
        "date": sh("date -u +%Y-%m-%dT%H:%M:%SZ"),
        "commit": sh(&format!("git -C '{}' rev-parse --short HEAD", toolcheck_tests::repo_root().display())),
        "command": std::env::args().collect::<Vec<_>>().join(" "),
    })
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn report(machine: &Value, results: &[Value]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Machine: {} ({} cores, {}), {}; load before: {}; {} at {}; `{}`\n",
        machine["cpu"].as_str().unwrap_or(""),
        machine["cores"],
        machine["memory"].as_str().unwrap_or(""),
        machine["kernel"].as_str().unwrap_or(""),
        machine["load_before"].as_str().unwrap_or(""),
        machine["date"].as_str().unwrap_or(""),
        machine["commit"].as_str().unwrap_or(""),
        machine["command"].as_str().unwrap_or(""),
    );
    s.push_str("| workspace | files | MB | read | read+hash | parse floor | toolcheck cold | ratio to parse (wall / CPU) | cold, parser only (ratio, CPU) | cache fill | warm | warm / read+hash | buildifier lint | buildifier / toolcheck | RSS cold / warm / buildifier |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let ws = |v: &Value| format!("{:.2} s ({:.2} CPU)", f(&v["wall_s"]), f(&v["cpu_s"]));
    for r in results {
        let cold = &r["toolcheck_cold"];
        let parse = &r["parse_floor"];
        let warm = &r["toolcheck_warm"];
        let hash = &r["read_hash_floor"];
        let bf = &r["buildifier_lint"];
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {} | {} | {} | {} | {:.2}x / {:.2}x | {} ({:.2}x) | {} | {} | {:.1}x | {} | {:.1}x | {:.0} / {:.0} / {:.0} MB |",
            r["name"].as_str().unwrap_or(""),
            r["files"],
            f(&r["bytes"]) / 1e6,
            ws(&r["read_floor"]),
            ws(hash),
            ws(parse),
            ws(cold),
            f(&cold["wall_s"]) / f(&parse["wall_s"]),
            f(&cold["cpu_s"]) / f(&parse["cpu_s"]),
            ws(&r["toolcheck_cold_parser_only"]),
            f(&r["toolcheck_cold_parser_only"]["cpu_s"]) / f(&parse["cpu_s"]),
            ws(&r["toolcheck_cache_fill"]),
            ws(warm),
            f(&warm["wall_s"]) / f(&hash["wall_s"]),
            if bf.is_null() { "-".to_string() } else { ws(bf) },
            f(&bf["wall_s"]) / f(&cold["wall_s"]),
            f(&cold["peak_rss_mb"]),
            f(&warm["peak_rss_mb"]),
            f(&bf["peak_rss_mb"]),
        );
    }
    s.push_str("\nIn-process phases of a cold check (`toolcheck __bench`, ms wall / CPU):\n\n");
    s.push_str(
        "| workspace | load | lower | index | checks | peak RSS |\n|---|---|---|---|---|---|\n",
    );
    for r in results {
        let p = &r["in_process"]["phases"];
        let ph = |k: &str| format!("{:.0} / {:.0}", f(&p[k]["wall_ms"]), f(&p[k]["cpu_ms"]));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {:.0} MB |",
            r["name"].as_str().unwrap_or(""),
            ph("load"),
            ph("lower"),
            ph("index"),
            ph("checks"),
            f(&p["checks"]["peak_rss_kib"]) / 1024.0,
        );
    }
    s.push_str("\nIncremental (`set_file_text` + `analysis()` + that file's diagnostics; then all diagnostics), ms p50 / p90 / max:\n\n");
    s.push_str(
        "| workspace | edit | to file diagnostics | then all diagnostics |\n|---|---|---|---|\n",
    );
    for r in results {
        let Some(inc) = r["in_process"]["incremental"].as_object() else {
            continue;
        };
        for (k, v) in inc {
            let st = |x: &Value| {
                format!(
                    "{:.1} / {:.1} / {:.1}",
                    f(&x["p50_ms"]),
                    f(&x["p90_ms"]),
                    f(&x["max_ms"])
                )
            };
            let _ = writeln!(
                s,
                "| {} | {} (`{}`) | {} | {} |",
                r["name"].as_str().unwrap_or(""),
                k,
                v["path"].as_str().unwrap_or(""),
                st(&v["file_diagnostics_after_edit"]),
                st(&v["then_all_diagnostics"]),
            );
        }
    }
    s
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--floor" {
        return match floor(&args[2], Path::new(&args[3])) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bench: {e}\nusage: bench [--sizes N,...] [--seed S] [--reps N] [--work DIR] [--corpus DIR]... [--toolcheck BIN] [--buildifier BIN | --no-buildifier] [--edits N] [--json FILE]");
            return ExitCode::from(2);
        }
    };
    if !o.toolcheck.is_file() {
        eprintln!(
            "bench: {} not found; run `cargo build --release -p toolcheck -p toolcheck-tests --bins` first",
            o.toolcheck.display()
        );
        return ExitCode::from(2);
    }
    let machine = machine();
    let mut results = Vec::new();
    let genrepo = sibling("genrepo");
    for &n in &o.sizes {
        let dir = o.work.join(format!("mono-{n}-seed{}", o.seed));
        if !dir.join("MODULE.bazel").is_file() {
            eprintln!("bench: generating {}", dir.display());
            let ok = Command::new(&genrepo)
                .args([
                    "--packages",
                    &n.to_string(),
                    "--seed",
                    &o.seed.to_string(),
                    "--force",
                ])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                eprintln!("bench: genrepo failed for {n} packages");
                return ExitCode::FAILURE;
            }
        }
        match measure(&o, &format!("synthetic {n}"), &dir, true) {
            Ok(v) => results.push(v),
            Err(e) => {
                eprintln!("bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    for c in &o.corpora {
        let name = c
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| c.display().to_string());
        match measure(&o, &name, c, false) {
            Ok(v) => results.push(v),
            Err(e) => {
                eprintln!("bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let all = json!({"machine": machine, "results": results});
    if let Some(p) = &o.json {
        if let Err(e) = std::fs::write(p, serde_json::to_string_pretty(&all).unwrap_or_default()) {
            eprintln!("bench: cannot write {}: {e}", p.display());
        }
    }
    print!("{}", report(&machine, &results));
    ExitCode::SUCCESS
}
