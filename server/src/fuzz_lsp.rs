//! The protocol fuzzer's harness (built only by `cargo fuzz`, with `cfg(fuzzing)`, as the
//! `lsp` target of `tests/fuzz`): each input becomes a sequence of JSON-RPC messages — valid
//! and invalid, framed and unframed, edits with any ranges, requests at any position,
//! cancellations, shutdown and exit — served in process by [`crate::lsp::serve`] over
//! in-memory pipes. Checks: the session ends within a time bound, everything the server
//! writes is a well-framed JSON-RPC 2.0 message, and when the input was well-formed, each
//! request before `exit` has exactly one response and every open document reads back
//! (`toolcheck/debug/documentText`) exactly as an independent model of LSP edits says.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));

#[derive(Arbitrary, Debug)]
enum Op {
    Open {
        doc: u8,
        text: String,
    },
    Change {
        doc: u8,
        version: i16,
        edits: Vec<Edit>,
    },
    Close {
        doc: u8,
    },
    Request {
        method: u8,
        doc: u8,
        line: u16,
        col: u16,
    },
    Cancel {
        back: u8,
    },
    Config {
        debounce: u16,
    },
    Unknown {
        request: bool,
    },
    Shutdown,
    Exit,
    /// A framed body of arbitrary text (often invalid JSON or not JSON-RPC).
    RawBody(String),
    /// Arbitrary bytes with no framing.
    RawBytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Edit {
    range: Option<(u16, u16, u16, u16)>,
    text: String,
}

const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/completion",
    "textDocument/documentSymbol",
    "textDocument/codeAction",
    "toolcheck/resolve",
];

/// Big numbers stand for "far out of range".
fn pos(v: u16) -> u32 {
    if v > 60_000 {
        u32::MAX - u32::from(v)
    } else {
        u32::from(v % 64)
    }
}

fn uri(doc: u8) -> String {
    let names = [
        "BUILD.bazel",
        "defs.bzl",
        "MODULE.bazel",
        "WORKSPACE",
        "x.bazelrc",
    ];
    format!(
        "file:///fuzz/ws/p{}/{}",
        doc % 3,
        names[usize::from(doc / 3) % names.len()]
    )
}

fn frame(body: &str) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// LSP line starts (`\n`, `\r\n`, `\r`).
fn line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
        i += 1;
    }
    starts
}

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

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(ops) = Vec::<Op>::arbitrary(&mut u) else {
        return;
    };
    let mut input = Vec::new();
    let next_id = std::cell::Cell::new(1i64);
    let mut requests = Vec::new();
    let mut well_formed = true;
    let mut exited = false;
    let mut shut_down = false;
    let mut model: HashMap<String, (i64, String)> = HashMap::new();
    let request = |input: &mut Vec<u8>, method: &str, params: Value| {
        let id = next_id.get();
        next_id.set(id + 1);
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        input.extend(frame(&msg.to_string()));
        id
    };
    let notify = |input: &mut Vec<u8>, method: &str, params: Value| {
        let msg = json!({"jsonrpc": "2.0", "method": method, "params": params});
        input.extend(frame(&msg.to_string()));
    };
    requests.push(request(
        &mut input,
        "initialize",
        json!({"capabilities": {}, "rootUri": null}),
    ));
    notify(&mut input, "initialized", json!({}));
    for op in ops.into_iter().take(64) {
        if exited {
            break;
        }
        match op {
            Op::Open { doc, text } => {
                let text: String = text.chars().take(4096).collect();
                notify(
                    &mut input,
                    "textDocument/didOpen",
                    json!({"textDocument": {"uri": uri(doc), "languageId": "starlark", "version": 0, "text": text}}),
                );
                if !shut_down {
                    model.insert(uri(doc), (0, text));
                }
            }
            Op::Change {
                doc,
                version,
                edits,
            } => {
                let mut changes = Vec::new();
                let entry = model.get_mut(&uri(doc)).filter(|_| !shut_down);
                let mut text = entry.as_ref().map(|e| e.1.clone());
                for e in edits.into_iter().take(8) {
                    let new: String = e.text.chars().take(256).collect();
                    match e.range {
                        None => {
                            changes.push(json!({"text": new}));
                            text = text.map(|_| new.clone());
                        }
                        Some((sl, sc, el, ec)) => {
                            let (sl, sc, el, ec) = (pos(sl), pos(sc), pos(el), pos(ec));
                            changes.push(json!({"range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}, "text": new}));
                            if let Some(t) = text.as_mut() {
                                let s = model_offset(t, sl, sc);
                                let e = model_offset(t, el, ec).max(s);
                                t.replace_range(s..e, &new);
                            }
                        }
                    }
                }
                notify(
                    &mut input,
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri(doc), "version": version}, "contentChanges": changes}),
                );
                if let (Some(entry), Some(text)) = (entry, text) {
                    *entry = (i64::from(version), text);
                }
            }
            Op::Close { doc } => {
                notify(
                    &mut input,
                    "textDocument/didClose",
                    json!({"textDocument": {"uri": uri(doc)}}),
                );
                if !shut_down {
                    model.remove(&uri(doc));
                }
            }
            Op::Request {
                method,
                doc,
                line,
                col,
            } => {
                let m = METHODS[usize::from(method) % METHODS.len()];
                let p = json!({"line": pos(line), "character": pos(col)});
                let params = json!({
                    "textDocument": {"uri": uri(doc)}, "position": p,
                    "range": {"start": p, "end": {"line": pos(col), "character": pos(line)}},
                    "context": {"includeDeclaration": line % 2 == 0, "diagnostics": []},
                });
                requests.push(request(&mut input, m, params));
            }
            Op::Cancel { back } => {
                let id = next_id.get() - 1 - i64::from(back % 4);
                notify(&mut input, "$/cancelRequest", json!({"id": id}));
            }
            Op::Config { debounce } => notify(
                &mut input,
                "workspace/didChangeConfiguration",
                json!({"settings": {"toolcheck": {"debounceMs": debounce % 200}}}),
            ),
            Op::Unknown { request: true } => {
                requests.push(request(&mut input, "fuzz/unknown", json!({})));
            }
            Op::Unknown { request: false } => notify(&mut input, "fuzz/unknown", json!([])),
            Op::Shutdown => {
                requests.push(request(&mut input, "shutdown", Value::Null));
                shut_down = true;
            }
            Op::Exit => {
                notify(&mut input, "exit", Value::Null);
                exited = true;
            }
            Op::RawBody(body) => {
                well_formed = false;
                input.extend(frame(&body));
            }
            Op::RawBytes(bytes) => {
                well_formed = false;
                input.extend(bytes);
            }
        }
    }
    // Read every open document back before ending the session.
    let mut readbacks = Vec::new();
    if !exited && !shut_down {
        for (u, (version, text)) in &model {
            let id = request(
                &mut input,
                "toolcheck/debug/documentText",
                json!({"textDocument": {"uri": u}}),
            );
            requests.push(id);
            readbacks.push((id, *version, text.clone()));
        }
    }
    let output = runtime().block_on(async move {
        let (mut client_w, server_r) = tokio::io::duplex(1 << 16);
        let (server_w, mut client_r) = tokio::io::duplex(1 << 16);
        let writer = async move {
            // Everything, then hang up: requests in flight are still answered.
            let _ = client_w.write_all(&input).await;
            drop(client_w);
        };
        let reader = async move {
            let mut out = Vec::new();
            let _ = client_r.read_to_end(&mut out).await;
            out
        };
        let session = async {
            let (_, _, out) = tokio::join!(crate::lsp::serve(server_r, server_w), writer, reader);
            out
        };
        tokio::time::timeout(Duration::from_secs(30), session)
            .await
            .expect("the session did not end within 30 s")
    });
    // Every message the server wrote is framed JSON-RPC 2.0.
    let mut responses: HashMap<i64, Vec<Value>> = HashMap::new();
    let mut rest = &output[..];
    while !rest.is_empty() {
        let head_end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = std::str::from_utf8(&rest[..head_end]).expect("ASCII headers");
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|v| v.trim().parse().ok())
            .expect("a Content-Length");
        let body = &rest[head_end + 4..head_end + 4 + len];
        let msg: Value = serde_json::from_slice(body).expect("a JSON body");
        assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
        if msg.get("method").is_none() {
            if let Some(id) = msg["id"].as_i64() {
                responses.entry(id).or_default().push(msg);
            }
        }
        rest = &rest[head_end + 4 + len..];
    }
    if !well_formed || exited {
        return;
    }
    for id in &requests {
        let n = responses.get(id).map_or(0, Vec::len);
        assert_eq!(n, 1, "request {id} got {n} responses");
    }
    for (id, version, text) in readbacks {
        let r = &responses[&id][0];
        if r.get("error").is_some() {
            continue; // cancelled
        }
        assert_eq!(r["result"]["version"].as_i64(), Some(version), "{r}");
        assert_eq!(
            r["result"]["text"].as_str(),
            Some(text.as_str()),
            "document out of sync"
        );
    }
}
