//! Protocol abuse against the real `toolcheck lsp` over stdio: malformed JSON and framing,
//! unknown methods, requests before `initialize`, out-of-range positions, invalid edit
//! ranges, out-of-order versions, rapid edits, cancellation storms, a vanishing client and a
//! memory soak. The server must answer with proper JSON-RPC errors, keep every document
//! exactly in sync with the client's (read back through `toolcheck/debug/documentText` and
//! compared with an independent model of LSP edits), never publish diagnostics for a version
//! older than the document's, and give memory back after a soak.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use toolcheck_tests::lsp::{file_uri, frame, memory_kib, LspClient};
use toolcheck_tests::{scratch_dir, write_files};

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const SERVER_NOT_INITIALIZED: i64 = -32002;
const REQUEST_CANCELLED: i64 = -32800;

fn error_code(r: &Value) -> Option<i64> {
    r["error"]["code"].as_i64()
}

/// An initialised server on a small workspace; returns it with the URI of `pkg/BUILD.bazel`.
fn server(name: &str) -> (LspClient, String, std::path::PathBuf) {
    let dir = scratch_dir(name);
    write_files(
        &dir,
        &[
            ("MODULE.bazel", "module(name = \"m\")\n"),
            ("pkg/BUILD.bazel", "toolchain_type(name = \"t\")\n"),
        ],
    );
    let mut c = LspClient::spawn(&dir);
    let init = c.initialize(Some(&dir));
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    let uri = file_uri(&dir.join("pkg/BUILD.bazel"));
    (c, uri, dir)
}

/// An edit's range as (start line, start column, end line, end column); `None` replaces all.
type EditRange = Option<(u32, u32, u32, u32)>;

/// LSP's line breaks: `\n`, `\r\n` and `\r` — nothing else.
fn line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                starts.push(i + 2);
                i += 1;
            }
            b'\r' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

/// The byte offset of a UTF-16 position under LSP's rules, clamped as the server documents:
/// a column past the line's end is the line's end, a line past the end is the document's
/// end, and a column inside a surrogate pair stays before the character.
fn model_offset(text: &str, line: u32, col: u32) -> usize {
    let starts = line_starts(text);
    let Some(&start) = starts.get(line as usize) else {
        return text.len();
    };
    let end = starts.get(line as usize + 1).copied().unwrap_or(text.len());
    let content = text[start..end].trim_end_matches(['\n', '\r']);
    let mut units = 0u32;
    for (i, ch) in content.char_indices() {
        let next = units + ch.len_utf16() as u32;
        if next > col {
            return start + i;
        }
        units = next;
    }
    start + content.len()
}

/// Applies one LSP content change to the model.
fn model_apply(text: &mut String, range: Option<(u32, u32, u32, u32)>, new: &str) {
    match range {
        None => *text = new.to_string(),
        Some((sl, sc, el, ec)) => {
            let s = model_offset(text, sl, sc);
            let e = model_offset(text, el, ec).max(s);
            text.replace_range(s..e, new);
        }
    }
}

fn change(range: Option<(u32, u32, u32, u32)>, text: &str) -> Value {
    match range {
        None => json!({"text": text}),
        Some((sl, sc, el, ec)) => json!({
            "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
            "text": text,
        }),
    }
}

fn open(c: &mut LspClient, uri: &str, text: &str, version: i64) {
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "starlark", "version": version, "text": text}}),
    );
}

fn edit(c: &mut LspClient, uri: &str, version: i64, changes: Vec<Value>) {
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
    );
}

fn assert_in_sync(c: &mut LspClient, uri: &str, version: i64, model: &str) {
    let (v, text) = c.document_text(uri).expect("the document is open");
    assert_eq!(v, version, "document version");
    assert!(
        text == model,
        "the server's document differs from the client's:\nserver: {text:?}\nclient: {model:?}"
    );
}

/// The last `publishDiagnostics` received for `uri`.
fn last_diagnostics(c: &LspClient, uri: &str) -> Option<Value> {
    c.received
        .iter()
        .rev()
        .find(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri)
        })
        .map(|m| m["params"].clone())
}

#[test]
fn requests_before_initialize_unknown_methods_and_bad_params() {
    let dir = scratch_dir("protocol-lifecycle");
    write_files(&dir, &[("MODULE.bazel", "")]);
    let mut c = LspClient::spawn(&dir);
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///x/BUILD"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(error_code(&r), Some(SERVER_NOT_INITIALIZED), "{r}");
    // A notification before initialize is dropped, not fatal.
    c.notify("textDocument/didOpen", json!({"bogus": true}));
    c.initialize(Some(&dir));
    let r = c.request("toolcheck/noSuchMethod", json!({}));
    assert_eq!(error_code(&r), Some(METHOD_NOT_FOUND), "{r}");
    let r = c.request("textDocument/hover", json!("not an object"));
    assert_eq!(error_code(&r), Some(INVALID_PARAMS), "{r}");
    c.notify("toolcheck/noSuchNotification", json!([1, 2, 3]));
    c.notify("$/someExtension", json!({}));
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert_eq!(
        error_code(&r),
        Some(INVALID_REQUEST),
        "second initialize: {r}"
    );
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn requests_after_shutdown_and_exit_without_shutdown() {
    let (mut c, uri, _dir) = server("protocol-shutdown");
    let r = c.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(error_code(&r), Some(INVALID_REQUEST), "{r}");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(Duration::from_secs(20)), Some(0));

    let (mut c, _, _dir) = server("protocol-exit");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(Duration::from_secs(20)), Some(1));
}

/// `shutdown` and `exit` written together, as clients that do not wait for the `shutdown`
/// response send them: `exit` cancels the pending `shutdown`, and the exit status must still
/// be 0. Repeated, because the race lost only some of the time.
#[test]
fn shutdown_and_exit_back_to_back_exit_zero() {
    for round in 0..8 {
        let (mut c, uri, _dir) = server(&format!("protocol-shutdown-exit-{round}"));
        // Some work in flight too, so that the framework has other pending requests.
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "bzl", "version": 1,
                "text": "toolchain_type(name = \"t\")\n"}}),
        );
        let mut bytes =
            frame(&json!({"jsonrpc": "2.0", "id": 900, "method": "shutdown"}).to_string());
        bytes.extend(frame(
            &json!({"jsonrpc": "2.0", "method": "exit"}).to_string(),
        ));
        assert!(c.send_raw(&bytes));
        assert_eq!(
            c.wait_exit(Duration::from_secs(20)),
            Some(0),
            "round {round}: exit status after shutdown + exit in one write"
        );
    }
}

#[test]
fn malformed_json_and_wrong_content_length() {
    let (mut c, _uri, _dir) = server("protocol-malformed");
    // Valid framing, broken JSON: a parse error with a null id.
    c.send_raw(&frame("{\"jsonrpc\": \"2.0\", \"id\": 99, \"method\": "));
    let r = c
        .wait_for(Duration::from_secs(20), |m| {
            error_code(m) == Some(PARSE_ERROR)
        })
        .expect("a parse error response");
    assert_eq!(r["id"], Value::Null, "{r}");
    // JSON that is not a JSON-RPC message.
    c.send_raw(&frame("[1, 2, 3]"));
    c.send_raw(&frame(
        "{\"jsonrpc\": \"2.0\", \"id\": {\"nested\": 1}, \"method\": \"x\"}",
    ));
    c.send_raw(&frame("\"just a string\""));
    c.send_raw(&frame(
        "{\"jsonrpc\": \"1.0\", \"id\": 7, \"method\": \"shutdown\"}",
    ));
    // Invalid UTF-8 in the body.
    let mut bad = b"Content-Length: 4\r\n\r\n".to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, 0x80, 0x81]);
    c.send_raw(&bad);
    // Content-Length shorter than the body: the rest is garbage before the next header.
    let body = json!({"jsonrpc": "2.0", "id": 100, "method": "shutdown"}).to_string();
    c.send_raw(format!("Content-Length: 10\r\n\r\n{body}").as_bytes());
    // Not a number, missing, and absurdly large.
    c.send_raw(b"Content-Length: banana\r\n\r\n{}");
    c.send_raw(b"X-Other: 1\r\n\r\n{}");
    c.send_raw(b"Content-Length: 99999999999999999999\r\n\r\n{}");
    // After all that, the server still answers well-formed requests.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = false;
    while Instant::now() < deadline && !answered {
        let id = c.request_async("toolcheck/noSuchMethod", json!({}));
        answered = c
            .wait_for(Duration::from_secs(2), |m| m["id"] == json!(id))
            .is_some();
    }
    assert!(
        answered,
        "the server stopped answering after malformed input"
    );
    for m in &c.received {
        assert_eq!(m["jsonrpc"], "2.0", "{m}");
    }
}

#[test]
fn content_length_longer_than_the_stream_then_disconnect() {
    let (mut c, _uri, _dir) = server("protocol-truncated");
    c.send_raw(b"Content-Length: 1000000\r\n\r\n{\"jsonrpc\": \"2.0\"");
    c.close_stdin();
    let code = c.wait_exit(Duration::from_secs(20));
    assert_eq!(
        code,
        Some(1),
        "the server must exit when the client goes away"
    );
}

#[test]
fn client_disappears_with_requests_in_flight() {
    let (mut c, uri, _dir) = server("protocol-vanish");
    open(&mut c, &uri, "toolchain_type(name = \"t\")\n", 1);
    for i in 0..200 {
        c.request_async(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": i % 30}}),
        );
    }
    c.close_stdin();
    assert_eq!(c.wait_exit(Duration::from_secs(20)), Some(1));
}

#[test]
fn out_of_range_positions_are_answered() {
    let (mut c, uri, _dir) = server("protocol-positions");
    let text = "toolchain_type(name = \"t\")\nx = \"\u{1F600}\u{e9}\"\n";
    open(&mut c, &uri, text, 1);
    for (line, character) in [
        (0u64, 1_000_000u64),
        (1_000_000, 0),
        (u32::MAX as u64, u32::MAX as u64),
        (1, 6), // inside the surrogate pair of U+1F600
    ] {
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
            "textDocument/references",
            "toolcheck/resolve",
        ] {
            let mut params = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
            if method == "textDocument/references" {
                params["context"] = json!({"includeDeclaration": true});
            }
            let r = c.request(method, params);
            assert!(
                r.get("error").is_none(),
                "{method} at {line}:{character}: {r}"
            );
        }
        let r = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": line, "character": character}, "end": {"line": 0, "character": 0}},
                   "context": {"diagnostics": []}}),
        );
        assert!(r.get("error").is_none(), "codeAction: {r}");
    }
    // Negative or fractional positions are invalid params, not a crash.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0.5}}),
    );
    assert_eq!(error_code(&r), Some(INVALID_PARAMS), "{r}");
    // A document that is not open and not in the workspace.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere/BUILD"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn invalid_edit_ranges_keep_documents_in_sync() {
    let (mut c, uri, _dir) = server("protocol-edits");
    let mut model = String::from("a = 1\r\nb = \"\u{1F600}x\"\rc = 3\n\u{e9}\u{e9}\n");
    open(&mut c, &uri, &model, 1);
    let cases: Vec<(EditRange, &str)> = vec![
        (Some((0, 0, 0, 0)), "# start\n"),
        (Some((1, 100, 1, 200)), "!"),         // past the line's end
        (Some((100, 0, 200, 0)), "tail\n"),    // past the document's end
        (Some((2, 3, 1, 0)), "<rev>"),         // end before start
        (Some((2, 7, 2, 8)), "S"),             // inside a surrogate pair
        (Some((3, 0, 3, u32::MAX)), "c2 = 4"), // a whole line
        (Some((0, 0, u32::MAX, u32::MAX)), "all\r\nnew\n"),
        (Some((1, 0, 1, 0)), "\u{c}ff\u{c}\u{2028}ls\u{85}\n"),
        (Some((2, 2, 2, 3)), "X"), // after a form feed and U+2028: not line breaks in LSP
        (None, "full\nreplace\n"),
        (Some((1, 3, 1, 3)), ""),
    ];
    let mut version = 1;
    for (range, text) in cases {
        version += 1;
        model_apply(&mut model, range, text);
        edit(&mut c, &uri, version, vec![change(range, text)]);
        assert_in_sync(&mut c, &uri, version, &model);
    }
    // Several changes in one notification apply in order.
    version += 1;
    let batch = [
        (Some((0, 0, 0, 0)), "1"),
        (Some((0, 1, 0, 1)), "2"),
        (Some((5, 0, 0, 2)), "3"),
    ];
    for (range, text) in batch {
        model_apply(&mut model, range, text);
    }
    edit(
        &mut c,
        &uri,
        version,
        batch.iter().map(|(r, t)| change(*r, t)).collect(),
    );
    assert_in_sync(&mut c, &uri, version, &model);
    // A change for a document that is not open is ignored.
    edit(&mut c, "file:///nowhere/BUILD", 1, vec![change(None, "x")]);
    assert_in_sync(&mut c, &uri, version, &model);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn form_feeds_and_unicode_separators_do_not_shift_lines() {
    // LSP counts only \n, \r\n and \r as line breaks; a form feed (common in old Python-style
    // sources), U+0085, U+2028 and U+2029 are ordinary characters. Positions the server
    // publishes must use the same lines as the client's.
    let (mut c, uri, _dir) = server("protocol-linebreaks");
    let text = "# \u{c}\u{2028}\u{2029}\u{85}\u{b}\ntoolchain(name = \"x\", toolchain = \":i\", toolchain_type = \"//nope:t\")\n";
    open(&mut c, &uri, text, 1);
    let d = c
        .wait_for(Duration::from_secs(30), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|d| d["code"] == "unresolved-label"))
        })
        .expect("diagnostics for the open document");
    let diag = d["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unresolved-label")
        .unwrap()
        .clone();
    assert_eq!(diag["range"]["start"]["line"], 1, "{diag}");
    let model_start = model_offset(
        text,
        1,
        diag["range"]["start"]["character"].as_u64().unwrap() as u32,
    );
    assert!(text[model_start..].starts_with("\"//nope:t\""), "{diag}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn out_of_order_versions_never_publish_stale_diagnostics() {
    let (mut c, uri, _dir) = server("protocol-versions");
    open(&mut c, &uri, "toolchain_type(name = \"t\")\n", 10);
    let bad = |n: u32| {
        format!(
            "toolchain(name = \"x\", toolchain = \":i\", toolchain_type = \"//missing{n}:t\")\n"
        )
    };
    // Versions out of order: the server applies edits in arrival order and the document's
    // version is the last one it was told.
    let mut model = String::new();
    for v in [5i64, 12, 7, 3] {
        let text = bad(v as u32);
        model = text.clone();
        edit(&mut c, &uri, v, vec![change(None, &text)]);
    }
    assert_in_sync(&mut c, &uri, 3, &model);
    let last = c
        .wait_for(Duration::from_secs(30), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && m["params"]["version"] == 3
        })
        .expect("diagnostics for the final version");
    let msgs: Vec<&str> = last["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("missing3")), "{msgs:?}");
    assert!(
        !msgs
            .iter()
            .any(|m| m.contains("missing7") || m.contains("missing12")),
        "{msgs:?}"
    );
    c.drain(Duration::from_millis(500));
    let latest = last_diagnostics(&c, &uri).unwrap();
    assert_eq!(
        latest["version"], 3,
        "a later publish went back to an older version"
    );
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn ten_thousand_rapid_edits() {
    let (mut c, uri, _dir) = server("protocol-rapid");
    let mut model = String::from("toolchain_type(name = \"t\")\n");
    open(&mut c, &uri, &model, 0);
    let start = Instant::now();
    let mut state = 0x9e3779b97f4a7c15u64;
    for v in 1..=10_000i64 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let lines = line_starts(&model).len() as u32;
        let line = (state % u64::from(lines + 1)) as u32;
        let col = ((state >> 20) % 40) as u32;
        let (range, text) = match state % 5 {
            0 => (Some((line, col, line, col + 2)), ""),
            1 => (Some((line, col, line, col)), "\n"),
            2 => (Some((line, col, line, col)), "\u{e9}"),
            _ => (Some((line, col, line, col)), "x"),
        };
        model_apply(&mut model, range, text);
        edit(&mut c, &uri, v, vec![change(range, text)]);
    }
    assert_in_sync(&mut c, &uri, 10_000, &model);
    let elapsed = start.elapsed();
    // A hang guard, not a speed target (speed is measured in BENCHMARKS.md): generous
    // enough for a loaded 2-core CI machine.
    assert!(
        elapsed < Duration::from_secs(600),
        "10,000 edits took {elapsed:?}"
    );
    // The last diagnostics are for the last version; none were published for a version the
    // document had already left when they were sent... at least none after the final one.
    let d = c.wait_for(Duration::from_secs(30), |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == json!(uri)
            && m["params"]["version"] == 10_000
    });
    let published: Vec<i64> = c
        .received
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri)
        })
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert!(
        published.windows(2).all(|w| w[0] <= w[1]),
        "published versions went backwards: {published:?}"
    );
    // Diagnostics are optional when the final text has no finding, but any published after
    // the last edit must carry its version.
    if d.is_none() {
        assert!(published.iter().all(|&v| v <= 10_000), "{published:?}");
    }
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn cancellation_storm() {
    let (mut c, uri, _dir) = server("protocol-cancel");
    open(&mut c, &uri, "toolchain_type(name = \"t\")\n", 1);
    let mut ids = Vec::new();
    for i in 0..2_000 {
        let method = [
            "textDocument/hover",
            "textDocument/references",
            "toolcheck/resolve",
        ][i % 3];
        let id = c.request_async(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": i % 25},
                   "context": {"includeDeclaration": i % 2 == 0}}),
        );
        c.notify("$/cancelRequest", json!({"id": id}));
        // Cancelling unknown and already-finished requests is harmless.
        c.notify("$/cancelRequest", json!({"id": id + 100_000}));
        c.notify("$/cancelRequest", json!({"id": "not-a-request"}));
        ids.push(id);
    }
    for id in ids {
        let r = c.response(id);
        assert!(
            r.get("result").is_some() || error_code(&r) == Some(REQUEST_CANCELLED),
            "{r}"
        );
    }
    // Exactly one response per request.
    let mut seen = std::collections::HashSet::new();
    for m in c.received.iter().filter(|m| m.get("method").is_none()) {
        assert!(
            seen.insert(m["id"].to_string()),
            "two responses for {}",
            m["id"]
        );
    }
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn memory_returns_to_baseline_after_a_soak() {
    let (mut c, _uri, dir) = server("protocol-soak");
    let pid = c.pid();
    let big: String = (0..4_000)
        .map(|i| format!("toolchain(name = \"t{i}\", toolchain = \":i{i}\", toolchain_type = \"//x:t{i}\")\n"))
        .collect();
    let cycle = |c: &mut LspClient, round: usize| {
        let uri = file_uri(&dir.join(format!("soak/{}/BUILD.bazel", round % 3)));
        open(c, &uri, &big, 1);
        for v in 2..6 {
            edit(
                c,
                &uri,
                v,
                vec![change(Some((v as u32, 0, v as u32, 0)), "# edit\n")],
            );
        }
        let _ = c.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    };
    for round in 0..6 {
        cycle(&mut c, round);
    }
    c.drain(Duration::from_secs(3));
    let (baseline, _) = memory_kib(pid).expect("/proc is readable");
    for round in 0..60 {
        cycle(&mut c, round);
    }
    c.drain(Duration::from_secs(3));
    let (after, peak) = memory_kib(pid).unwrap();
    eprintln!("soak: baseline {baseline} KiB, after {after} KiB, peak {peak} KiB");
    assert!(
        after < baseline + baseline / 2 + 32 * 1024,
        "memory grew from {baseline} KiB to {after} KiB over the soak (peak {peak} KiB)"
    );
    assert_eq!(c.shutdown(), Some(0));
}

// A FIFO and `/dev/zero` on disk are Unix's.
#[cfg(unix)]
#[test]
fn closing_endless_or_blocking_files_does_not_hang() {
    // didClose makes the disk contents the truth again: the server must not read /dev/zero
    // forever or block on a FIFO.
    let (mut c, _uri, dir) = server("protocol-close-devices");
    let fifo = dir.join("pkg/fifo.bzl");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "mkfifo");
    for uri in ["file:///dev/zero".to_string(), file_uri(&fifo)] {
        open(&mut c, &uri, "x = 1\n", 1);
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri, "type": 2}]}),
        );
    }
    let r = c.request("toolcheck/noSuchMethod", json!({}));
    assert_eq!(error_code(&r), Some(METHOD_NOT_FOUND), "{r}");
    let (rss, _) = memory_kib(c.pid()).unwrap();
    assert!(rss < 1 << 20, "resident memory {rss} KiB");
    assert_eq!(c.shutdown(), Some(0));
}
