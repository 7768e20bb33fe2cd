//! `lspbench`: the language server's latency through the real protocol (issue 5 and 7
//! benchmarks). It starts `toolcheck lsp` on a workspace, opens a BUILD file that declares a
//! `toolchain()`, then measures, one request at a time:
//!
//! - keystroke to diagnostics: an incremental `didChange` of one character (in a comment,
//!   and in the name of a target, which changes the package's target list) until the
//!   `publishDiagnostics` for that document version arrives, in that file and in an ordinary
//!   BUILD file (one without toolchains);
//! - hover on the `toolchain_type` label of that `toolchain()`;
//! - `workspace/symbol` for a query typed one character at a time (`--hovers` / 4 rounds).
//!
//! The configured debounce is reported and subtracted ("after the debounce"). Prints a JSON
//! object and a markdown table. Never used as a test: numbers go to BENCHMARKS.md.
//!
//! Usage: `lspbench [--toolcheck BIN] [--edits N] [--hovers N] [--debounce-ms D] DIR`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use toolcheck_tests::lsp::{file_uri, memory_kib, LspClient};

struct Args {
    toolcheck: PathBuf,
    edits: usize,
    hovers: usize,
    debounce_ms: u64,
    dir: PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        toolcheck: toolcheck_tests::repo_root().join("target/release/toolcheck"),
        edits: 100,
        hovers: 200,
        debounce_ms: 20,
        dir: PathBuf::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--toolcheck" => args.toolcheck = PathBuf::from(value()),
            "--edits" => args.edits = value().parse().unwrap_or_else(|_| usage("--edits N")),
            "--hovers" => args.hovers = value().parse().unwrap_or_else(|_| usage("--hovers N")),
            "--debounce-ms" => {
                args.debounce_ms = value().parse().unwrap_or_else(|_| usage("--debounce-ms D"))
            }
            "-h" | "--help" => usage(""),
            _ if !a.starts_with('-') => args.dir = PathBuf::from(a),
            _ => usage(&format!("unknown option {a}")),
        }
    }
    if args.dir.as_os_str().is_empty() {
        usage("a workspace directory is required");
    }
    args
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("lspbench: {msg}");
    }
    eprintln!("usage: lspbench [--toolcheck BIN] [--edits N] [--hovers N] [--debounce-ms D] DIR");
    std::process::exit(2)
}

/// A BUILD file under `dir` that declares a `toolchain()` with a `toolchain_type` label, and
/// the byte offset of that label's first character.
fn pick_file(dir: &Path, with_toolchain: bool) -> Option<(PathBuf, String, usize)> {
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p
                .file_name()
                .is_some_and(|n| n == "BUILD.bazel" || n == "BUILD")
            {
                let Ok(text) = std::fs::read_to_string(&p) else {
                    continue;
                };
                let has = text.contains("\ntoolchain(");
                match text.find("toolchain_type = \"") {
                    Some(i) if with_toolchain && has => {
                        found.push((p, text.clone(), i + "toolchain_type = \"".len()))
                    }
                    None if !with_toolchain && !has && text.len() > 100 => {
                        found.push((p, text.clone(), 0))
                    }
                    _ => {}
                }
            }
        }
        if found.len() > 200 {
            break;
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let mid = found.len() / 2;
    found.into_iter().nth(mid)
}

/// LSP position (UTF-16; the generated files are ASCII) of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    json!({"line": line, "character": col})
}

fn stats(mut v: Vec<f64>) -> Value {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return Value::Null;
    }
    let pct = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    let r = |x: f64| (x * 100.0).round() / 100.0;
    json!({"n": v.len(), "p50_ms": r(pct(0.5)), "p90_ms": r(pct(0.9)), "p99_ms": r(pct(0.99)), "max_ms": r(v[v.len() - 1])})
}

fn main() {
    let args = parse_args();
    let dir = args
        .dir
        .canonicalize()
        .unwrap_or_else(|e| usage(&format!("{}: {e}", args.dir.display())));
    let Some((file, mut text, label_at)) = pick_file(&dir, true) else {
        usage("no BUILD file with a toolchain() under the directory");
    };
    let Some((plain_file, mut plain_text, _)) = pick_file(&dir, false) else {
        usage("no BUILD file without a toolchain() under the directory");
    };
    let plain_uri = file_uri(&plain_file);
    let uri = file_uri(&file);
    let mut c = LspClient::spawn_binary(&args.toolcheck, &dir);
    let t_start = Instant::now();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(&dir),
            "capabilities": {
                "window": {"workDoneProgress": true},
                "textDocument": {
                    "publishDiagnostics": {"versionSupport": true},
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                },
            },
            "initializationOptions": {"debounceMs": args.debounce_ms},
        }),
    );
    c.notify("initialized", json!({}));
    // Measure against the indexed workspace: wait for the end of the indexing progress.
    c.wait_for(Duration::from_secs(1200), |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    })
    .expect("indexing finishes");
    let indexed_ms = t_start.elapsed().as_secs_f64() * 1000.0;
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "starlark", "version": 1, "text": text}}),
    );
    let publish_for = |uri: &str, version: i64| {
        let uri = uri.to_string();
        move |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["version"] == version
        }
    };
    c.wait_for(Duration::from_secs(600), publish_for(&uri, 1))
        .expect("first diagnostics of the opened document");
    let first_ms = t_start.elapsed().as_secs_f64() * 1000.0;
    // Let the first whole-workspace round finish before measuring.
    c.drain(Duration::from_millis(2000));

    // Keystrokes: a comment line at the end, one character at a time; then the name of a
    // new target, one character at a time (each keystroke changes the package's targets).
    let mut version = 1;
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": plain_uri, "languageId": "starlark", "version": 1, "text": plain_text}}),
    );
    c.wait_for(Duration::from_secs(600), publish_for(&plain_uri, 1))
        .expect("first diagnostics of the second document");
    let mut keystroke = |c: &mut LspClient, uri: &str, text: &mut String, insert: &str| -> f64 {
        version += 1;
        let at = position(text, text.len());
        text.push_str(insert);
        c.received.clear();
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": at, "end": at}, "text": insert}],
            }),
        );
        c.wait_for(Duration::from_secs(600), publish_for(uri, version))
            .expect("diagnostics for the edit");
        t.elapsed().as_secs_f64() * 1000.0
    };
    // (comment, target name) keystroke latencies in one file.
    let mut typing = |c: &mut LspClient, uri: &str, text: &mut String| {
        let mut comment = Vec::new();
        keystroke(c, uri, text, "\n# typing ");
        for _ in 0..args.edits {
            comment.push(keystroke(c, uri, text, "x"));
        }
        let mut name = Vec::new();
        keystroke(c, uri, text, "\nfilegroup(name = \"n");
        for i in 0..args.edits {
            let ch = ((b'a' + (i % 26) as u8) as char).to_string();
            name.push(keystroke(c, uri, text, &ch));
        }
        keystroke(c, uri, text, "\")\n");
        (comment, name)
    };
    let (plain_comment, plain_name) = typing(&mut c, &plain_uri, &mut plain_text);
    let (comment, name) = typing(&mut c, &uri, &mut text);
    c.drain(Duration::from_millis(500));

    // Hover on the toolchain_type label.
    let mut hover = Vec::new();
    let pos = position(&text, label_at + 2);
    let mut hover_text = String::new();
    for _ in 0..args.hovers {
        let t = Instant::now();
        let r = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos}),
        );
        hover.push(t.elapsed().as_secs_f64() * 1000.0);
        if hover_text.is_empty() {
            hover_text = r["result"]["contents"]["value"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(120)
                .collect();
        }
    }
    // Workspace symbols, as a user types a query (one request per keystroke).
    let mut symbols = Vec::new();
    let mut symbol_hits = 0;
    for _ in 0..args.hovers.div_ceil(4) {
        for query in ["t", "to", "tool", "tcx"] {
            let t = Instant::now();
            let r = c.request("workspace/symbol", json!({"query": query}));
            symbols.push(t.elapsed().as_secs_f64() * 1000.0);
            symbol_hits = r["result"].as_array().map_or(0, Vec::len);
        }
    }
    let rss = memory_kib(c.pid()).map(|(_, peak)| peak).unwrap_or(0);
    c.shutdown();

    let minus = |v: &[f64]| {
        v.iter()
            .map(|x| x - args.debounce_ms as f64)
            .collect::<Vec<_>>()
    };
    let report = json!({
        "workspace": dir.display().to_string(),
        "file": file.display().to_string(),
        "plain_file": plain_file.display().to_string(),
        "plain_keystroke_in_comment_after_debounce": stats(minus(&plain_comment)),
        "plain_keystroke_in_target_name_after_debounce": stats(minus(&plain_name)),
        "debounce_ms": args.debounce_ms,
        "indexed_after_start_ms": indexed_ms.round(),
        "first_diagnostics_after_start_ms": first_ms.round(),
        "keystroke_in_comment": stats(comment.clone()),
        "keystroke_in_comment_after_debounce": stats(minus(&comment)),
        "keystroke_in_target_name": stats(name.clone()),
        "keystroke_in_target_name_after_debounce": stats(minus(&name)),
        "hover": stats(hover),
        "hover_text_start": hover_text,
        "workspace_symbol": stats(symbols),
        "workspace_symbol_results_for_tcx": symbol_hits,
        "server_peak_rss_kib": rss,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let row = |what: &str, v: &Value| {
        println!(
            "| {what} | {} | {} | {} | {} |",
            v["p50_ms"], v["p90_ms"], v["p99_ms"], v["max_ms"]
        )
    };
    println!("\n| measurement (ms) | p50 | p90 | p99 | max |\n|---|---|---|---|---|");
    row(
        "BUILD file without toolchains: keystroke in a comment → diagnostics, after the debounce",
        &report["plain_keystroke_in_comment_after_debounce"],
    );
    row(
        "BUILD file without toolchains: keystroke in a target name → diagnostics, after the debounce",
        &report["plain_keystroke_in_target_name_after_debounce"],
    );
    row(
        "BUILD file with a toolchain(): keystroke in a comment → diagnostics, after the debounce",
        &report["keystroke_in_comment_after_debounce"],
    );
    row(
        "BUILD file with a toolchain(): keystroke in a target name → diagnostics, after the debounce",
        &report["keystroke_in_target_name_after_debounce"],
    );
    row("hover on a toolchain_type label", &report["hover"]);
    row(
        "workspace/symbol while typing a query (`t`, `to`, `tool`, `tcx`)",
        &report["workspace_symbol"],
    );
}
