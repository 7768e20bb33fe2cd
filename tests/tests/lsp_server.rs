//! Protocol tests of the real `toolcheck lsp` binary: cancellation (a superseded diagnostics
//! computation is abandoned; `$/cancelRequest` answers `RequestCancelled` and stops the
//! analysis; an edit answers a running request with `ContentModified`), files deleted and
//! created again on disk, and multi-root workspaces (each folder its own Bazel workspace).
//!
//! The server runs with `TOOLCHECK_LOG=debug`; its stderr lines ("diagnostics for revision N:
//! computing", "request on URI: snapshot taken", "... analysis cancelled", "... superseded;
//! abandoned") let a test send the interrupting message while the work is known to be running.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use toolcheck_tests::{scratch_dir, toolcheck_bin, write_files};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Everything received so far, in order (notifications and responses).
    seen: Vec<Value>,
    stderr: Arc<Mutex<Vec<String>>>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(toolcheck_bin())
            .args(["lsp", "--stdio"])
            .env("TOOLCHECK_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("toolcheck lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; len.expect("Content-Length header")];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let err = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            stdin,
            messages,
            seen: Vec::new(),
            stderr,
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request_async(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.request_async(method, params);
        self.response(id)
    }

    /// The response to request `id` (answering the server's own requests meanwhile).
    fn response(&mut self, id: i64) -> Value {
        self.wait(&format!("the response to request {id}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    /// Waits for a message matching `pred` (looking at those already seen first).
    fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(m) = self.seen.iter().find(|m| pred(m)) {
            return m.clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) => {
                    if m.get("method").is_some() && m.get("id").is_some() {
                        // A server → client request (registerCapability, progress): accept it.
                        let id = m["id"].clone();
                        self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                    }
                    self.seen.push(m.clone());
                    if pred(&m) {
                        return m;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "server closed stdout waiting for {what}; stderr:\n{}",
                        self.log()
                    )
                }
            }
        }
    }

    /// The latest diagnostics published for `uri` once they satisfy `pred`.
    fn diagnostics(&mut self, uri: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let latest = self
                .seen
                .iter()
                .rev()
                .find(|m| is_publish(m, uri))
                .map(|m| m["params"].clone());
            if let Some(p) = latest.filter(|p| pred(p)) {
                return p;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            let _ = self.wait_briefly();
        }
    }

    fn wait_briefly(&mut self) -> Option<Value> {
        let m = self.messages.recv_timeout(Duration::from_millis(50)).ok()?;
        if m.get("method").is_some() && m.get("id").is_some() {
            let id = m["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
        }
        self.seen.push(m.clone());
        Some(m)
    }

    /// Waits until the server's stderr has a line containing `needle`, after `from` lines.
    fn wait_log(&mut self, from: usize, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(l) = self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .skip(from)
                .find(|l| l.contains(needle))
            {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {needle:?}; stderr:\n{}",
                self.log()
            );
            // Keep draining stdout so the server never blocks on a full pipe.
            let _ = self.messages.try_recv().map(|m| self.seen.push(m));
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn log_len(&self) -> usize {
        self.stderr.lock().unwrap().len()
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    fn initialize(&mut self, folders: &[&Path], options: Value) -> Value {
        let folders: Vec<Value> = folders
            .iter()
            .enumerate()
            .map(|(i, f)| json!({"uri": uri(f), "name": format!("ws{i}")}))
            .collect();
        let caps = json!({
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}, "workspaceFolders": true},
            "textDocument": {"hover": {"contentFormat": ["markdown"]}},
        });
        let r = self.request(
            "initialize",
            json!({"capabilities": caps, "workspaceFolders": folders, "initializationOptions": options}),
        );
        self.notify("initialized", json!({}));
        r
    }

    fn open(&mut self, path: &Path, version: i64) -> String {
        let u = uri(path);
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "starlark", "version": version, "text": text}}),
        );
        u
    }

    fn replace(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                return;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn is_publish(m: &Value, uri: &str) -> bool {
    m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
}

fn codes(p: &Value) -> Vec<String> {
    p["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect()
}

/// A workspace whose full check takes long enough (hundreds of milliseconds in a debug
/// build) to interrupt: `packages` BUILD files of toolchains plus one file to edit.
fn big_workspace(name: &str, packages: usize) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    let mut files: Vec<(String, String)> = vec![
        (
            "MODULE.bazel".into(),
            "module(name = \"big\")\n\nregister_toolchains(\"//...\")\n".into(),
        ),
        (
            "edit/BUILD.bazel".into(),
            "toolchain_type(name = \"t\")\n".into(),
        ),
    ];
    for i in 0..packages {
        let mut b = String::new();
        b.push_str("constraint_setting(name = \"s\")\n\n");
        b.push_str("constraint_value(name = \"v\", constraint_setting = \":s\")\n\n");
        b.push_str("platform(name = \"p\", constraint_values = [\":v\"])\n\n");
        for j in 0..4 {
            b.push_str(&format!(
                "toolchain(\n    name = \"tc{j}\",\n    exec_compatible_with = [\":v\"],\n    target_compatible_with = [\"//p{}:v\"],\n    toolchain = \":impl\",\n    toolchain_type = \"//edit:t\",\n)\n\n",
                (i + j) % packages
            ));
        }
        b.push_str("filegroup(name = \"impl\")\n");
        files.push((format!("p{i}/BUILD.bazel"), b));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_files(&dir, &refs);
    dir
}

#[test]
fn a_newer_edit_abandons_the_diagnostics_in_flight() {
    let ws = big_workspace("lsp-cancel-diagnostics", 200);
    let mut s = Server::start();
    s.initialize(&[&ws], json!({"debounceMs": 10}));
    let file = ws.join("edit/BUILD.bazel");
    let u = s.open(&file, 1);
    s.wait_log(0, "indexed");

    // Version 2 starts a round (or finds the round after indexing running); version 3
    // arrives while it runs.
    let from = s.log_len();
    s.replace(&u, 2, "toolchain_type(name = \"t\")\n# 2\n");
    let computing = s.wait_log(from, ": computing");
    let round = computing
        .split("revision ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .expect("revision in the log line")
        .to_string();
    let t0 = Instant::now();
    s.replace(&u, 3, "toolchain_type(name = \"t\")\n# 3\n");
    let abandoned = s.wait_log(from, "superseded; abandoned");
    let p = s.diagnostics(&u, "diagnostics for version 3", |p| p["version"] == 3);
    let latency = t0.elapsed();
    assert!(codes(&p).is_empty(), "{p}");
    // The superseded round's workspace-wide result was never published. (Its first part, the
    // edited document checked on its own, may have been: it was current when it was sent.)
    let published_round = format!("diagnostics for revision {round}: published");
    assert!(
        !s.log().contains(&published_round),
        "a superseded round was published:\n{}",
        s.log()
    );
    // Whatever was published for version 2 came before version 3's edit was sent: the
    // final publication for the document is version 3's.
    let last = s
        .seen
        .iter()
        .rev()
        .find(|m| is_publish(m, &u))
        .expect("a publication");
    assert_eq!(last["params"]["version"], 3, "{last}");
    eprintln!("{abandoned}; version 3 published {latency:?} after its edit");
    s.shutdown();
}

#[test]
fn cancelled_and_outdated_requests_get_the_protocol_errors() {
    let ws = big_workspace("lsp-cancel-requests", 200);
    let mut s = Server::start();
    // No diagnostics round during the test: each request below does the checks itself, on a
    // snapshot no one has analysed yet (after an edit).
    s.initialize(&[&ws], json!({"debounceMs": 5000}));
    let file = ws.join("edit/BUILD.bazel");
    let u = s.open(&file, 1);
    s.wait_log(0, "indexed");
    let action = json!({
        "textDocument": {"uri": u},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}},
        "context": {"diagnostics": []},
    });

    // $/cancelRequest while the code action runs every check: RequestCancelled, and the
    // analysis behind it stops.
    s.replace(&u, 2, "toolchain_type(name = \"t\")\n# 2\n");
    let from = s.log_len();
    let id = s.request_async("textDocument/codeAction", action.clone());
    s.wait_log(from, "snapshot taken");
    s.notify("$/cancelRequest", json!({"id": id}));
    let r = s.response(id);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    s.wait_log(from, "analysis cancelled");

    // An edit while it runs: ContentModified.
    s.replace(&u, 3, "toolchain_type(name = \"t\")\n# 3\n");
    let from = s.log_len();
    let id = s.request_async("textDocument/codeAction", action.clone());
    s.wait_log(from, "snapshot taken");
    s.replace(&u, 4, "toolchain_type(name = \"t\")\n# 4\n");
    let r = s.response(id);
    assert_eq!(r["error"]["code"], -32801, "{r}");

    // Undisturbed, the same request answers.
    let r = s.request("textDocument/codeAction", action);
    assert!(r.get("error").is_none(), "{r}");
    s.shutdown();
}

const TYPE_BUILD: &str = "toolchain_type(name = \"t\")\n";
const TC_BUILD: &str = "toolchain(\n    name = \"tc\",\n    toolchain = \":impl\",\n    toolchain_type = \"//pkg:t\",\n)\n\nfilegroup(name = \"impl\")\n";

/// A module `a` with the type `//pkg:t` and the toolchain `//other:tc` of it.
fn type_and_toolchain(name: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    write_files(
        &dir,
        &[
            ("MODULE.bazel", "module(name = \"a\")\n"),
            ("pkg/BUILD.bazel", TYPE_BUILD),
            ("other/BUILD.bazel", TC_BUILD),
        ],
    );
    dir
}

#[test]
fn a_deleted_file_leaves_the_index_and_comes_back_when_created_again() {
    let ws = scratch_dir("lsp-deleted-file");
    write_files(
        &ws,
        &[
            ("MODULE.bazel", "module(name = \"m\")\n"),
            ("pkg/BUILD.bazel", TYPE_BUILD),
            ("other/BUILD.bazel", TC_BUILD),
        ],
    );
    let mut s = Server::start();
    s.initialize(&[&ws], json!({"debounceMs": 10}));
    let pkg = ws.join("pkg/BUILD.bazel");
    let other = s.open(&ws.join("other/BUILD.bazel"), 1);
    // Once the workspace is indexed, //pkg:t resolves.
    s.wait_log(0, "indexed");
    s.diagnostics(&other, "no finding before the deletion", |p| {
        !codes(p).contains(&"unresolved-label".into())
    });

    std::fs::remove_file(&pkg).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&pkg), "type": 3}]}),
    );
    let p = s.diagnostics(&other, "unresolved-label after the deletion", |p| {
        codes(p).contains(&"unresolved-label".into())
    });
    let msg = p["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("//pkg:t"), "{msg}");
    // Reported where the label is written in the file that stayed (file ids are stable: the
    // deleted file's id is a tombstone, no other file's id moved).
    assert_eq!(p["diagnostics"][0]["range"]["start"]["line"], 3, "{p}");
    // Hover on the label no longer finds a declaration.
    let r = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": other}, "position": {"line": 3, "character": 24}}),
    );
    let hover = r["result"].to_string();
    assert!(!hover.contains("toolchain_type**"), "{hover}");

    std::fs::write(&pkg, TYPE_BUILD).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&pkg), "type": 1}]}),
    );
    s.diagnostics(&other, "the finding cleared once created again", |p| {
        !codes(p).contains(&"unresolved-label".into())
    });

    // A deleted directory takes its files along.
    std::fs::remove_dir_all(ws.join("pkg")).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&ws.join("pkg")), "type": 3}]}),
    );
    s.diagnostics(
        &other,
        "unresolved-label after deleting the directory",
        |p| codes(p).contains(&"unresolved-label".into()),
    );
    s.shutdown();
}

#[test]
fn every_workspace_folder_is_its_own_workspace() {
    let a = type_and_toolchain("lsp-multi-root-a");
    let b = scratch_dir("lsp-multi-root-b");
    let c = scratch_dir("lsp-multi-root-c");
    // b has the toolchain but not the type: //pkg:t means b's own package. Its own
    // toolcheck.toml makes that finding `info`; c (no configuration) keeps the default.
    write_files(
        &b,
        &[
            ("MODULE.bazel", "module(name = \"b\")\n"),
            ("other/BUILD.bazel", TC_BUILD),
            (
                "toolcheck.toml",
                "[checks]\nseverity = { unresolved-label = \"info\" }\n",
            ),
        ],
    );
    write_files(
        &c,
        &[
            ("MODULE.bazel", "module(name = \"c\")\n"),
            ("other/BUILD.bazel", TC_BUILD),
        ],
    );
    let mut s = Server::start();
    let init = s.initialize(&[&a, &b], json!({"debounceMs": 10}));
    assert_eq!(
        init["result"]["capabilities"]["workspace"]["workspaceFolders"]["changeNotifications"],
        true
    );
    let b_other = uri(&b.join("other/BUILD.bazel"));
    let a_other = uri(&a.join("other/BUILD.bazel"));
    // b's finding arrives from indexing (b is not the first folder).
    let p = s.diagnostics(&b_other, "b's unresolved-label", |p| {
        codes(p).contains(&"unresolved-label".into())
    });
    assert_eq!(p["version"], Value::Null);
    // a resolves //pkg:t in a: no finding; go to definition stays in a.
    assert!(!s.seen.iter().any(
        |m| is_publish(m, &a_other) && codes(&m["params"]).contains(&"unresolved-label".into())
    ));
    let u = s.open(&a.join("other/BUILD.bazel"), 1);
    let r = s.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": u}, "position": {"line": 3, "character": 24}}),
    );
    let target = r["result"][0]["uri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(target, uri(&a.join("pkg/BUILD.bazel")), "{r}");
    // Editing in b updates b only.
    let ub = s.open(&b.join("other/BUILD.bazel"), 1);
    s.replace(&ub, 2, &TC_BUILD.replace("//pkg:t", "//other:impl"));
    s.diagnostics(&ub, "b's version 2", |p| p["version"] == 2);

    // A folder added later is indexed too.
    s.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&c), "name": "c"}], "removed": []}}),
    );
    let pc = s.diagnostics(&uri(&c.join("other/BUILD.bazel")), "c's finding", |p| {
        codes(p).contains(&"unresolved-label".into())
    });
    assert_eq!(
        pc["diagnostics"][0]["severity"], 1,
        "c: default severity: {pc}"
    );
    // b keeps its own configuration after c was indexed.
    s.replace(&ub, 3, TC_BUILD);
    let pb = s.diagnostics(&ub, "b's version 3", |p| p["version"] == 3);
    let severities: Vec<&Value> = pb["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["severity"])
        .collect();
    assert!(
        !severities.is_empty() && severities.iter().all(|s| **s == 3),
        "b: info from its toolcheck.toml: {pb}"
    );
    s.shutdown();
}

/// `(path, line, column, check, message)` of a CLI JSON report (1-based positions).
fn cli_findings(v: &Value) -> Vec<(String, u64, u64, String, String)> {
    let mut out: Vec<_> = v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
                d["check"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rapid_edits_across_files_end_equal_to_a_fresh_check() {
    let dir = scratch_dir("lsp-rapid-vs-check");
    const TC_FIXED: &str = "toolchain(\n    name = \"tc_linux\",\n    exec_compatible_with = [\"//platforms:linux\"],\n    toolchain = \":impl\",\n    toolchain_type = \":t\",\n)\n\ntoolchain_type(name = \"t\")\n\nfilegroup(name = \"impl\")\n";
    const TC_HAZARD: &str = "toolchain(\n    name = \"tc_any\",\n    toolchain = \":impl\",\n    toolchain_type = \":t\",\n)\n\ntoolchain(\n    name = \"tc_linux\",\n    exec_compatible_with = [\"//platforms:linux\"],\n    toolchain = \":impl\",\n    toolchain_type = \":t\",\n)\n\ntoolchain_type(name = \"t\")\n\nfilegroup(name = \"impl\")\n";
    const PLATFORMS: &str = "constraint_setting(name = \"os\")\n\nconstraint_value(name = \"linux\", constraint_setting = \":os\")\n\nconstraint_value(name = \"macos\", constraint_setting = \":os\")\n\nplatform(name = \"linux_x\", constraint_values = [\":linux\"])\n\nplatform(name = \"mac_x\", constraint_values = [\":macos\"])\n";
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"rapid\")\n\nregister_execution_platforms(\"//platforms:mac_x\", \"//platforms:linux_x\")\n\nregister_toolchains(\"//tc:all\")\n",
            ),
            ("platforms/BUILD.bazel", PLATFORMS),
            ("tc/BUILD.bazel", TC_FIXED),
            ("app/BUILD.bazel", "filegroup(name = \"a\", srcs = [\"//tc:impl\"])\n"),
        ],
    );
    let variants: [&[&str]; 3] = [
        &[TC_FIXED, TC_HAZARD, "toolchain(\n    name = \"broken\",\n"],
        &[
            "filegroup(name = \"a\", srcs = [\"//tc:impl\"])\n",
            "toolchain(\n    name = \"x\",\n    toolchain = \"//tc:impl\",\n    toolchain_type = \"//tc:nope\",\n)\n",
            "platform(name = \"p\", parents = [\"//platforms:linux_x\", \"//nowhere:p\"])\n",
        ],
        &[
            PLATFORMS,
            "constraint_setting(name = \"os\")\n\nplatform(name = \"linux_x\", constraint_values = [\":linux\"])\n",
        ],
    ];
    let paths = ["tc/BUILD.bazel", "app/BUILD.bazel", "platforms/BUILD.bazel"];
    let mut s = Server::start();
    s.initialize(&[&dir], json!({"debounceMs": 10}));
    s.wait_log(0, "indexed");
    let uris: Vec<String> = paths.iter().map(|p| s.open(&dir.join(p), 0)).collect();
    let mut texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(dir.join(p)).unwrap())
        .collect();
    let mut versions = [0i64; 3];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..1000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let doc = (state % 3) as usize;
        let text = variants[doc][((state >> 8) % variants[doc].len() as u64) as usize];
        versions[doc] += 1;
        texts[doc] = text.to_string();
        s.replace(&uris[doc], versions[doc], text);
    }
    // Every document's final version is published, then the workspace-wide round settles.
    for (doc, uri) in uris.iter().enumerate() {
        let v = versions[doc];
        s.diagnostics(uri, "the final version", |p| p["version"] == v);
    }
    // Settled: a second without messages, and the last round logged was published.
    let deadline = Instant::now() + TIMEOUT;
    let mut last_message = Instant::now();
    loop {
        if s.wait_briefly().is_some() {
            last_message = Instant::now();
            continue;
        }
        let log = s.log();
        let last_round = log
            .lines()
            .rev()
            .find(|l| l.contains("diagnostics for revision"))
            .unwrap_or_default()
            .to_string();
        if last_message.elapsed() > Duration::from_secs(1) && last_round.contains(": published in")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server never settled:\n{log}"
        );
    }

    // The last publication per open document...
    let mut served = Vec::new();
    for (doc, uri) in uris.iter().enumerate() {
        let last = s
            .seen
            .iter()
            .rev()
            .find(|m| is_publish(m, uri))
            .expect("a publication");
        assert_eq!(last["params"]["version"], versions[doc], "{last}");
        for d in last["params"]["diagnostics"].as_array().unwrap() {
            served.push((
                paths[doc].to_string(),
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["range"]["start"]["character"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    served.sort();
    s.shutdown();

    // ...equals a fresh `toolcheck check` of the final texts.
    for (p, t) in paths.iter().zip(&texts) {
        std::fs::write(dir.join(p), t).unwrap();
    }
    let out = Command::new(toolcheck_bin())
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-cache",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fresh: Vec<_> = cli_findings(&report)
        .into_iter()
        .filter(|f| paths.contains(&f.0.as_str()))
        .collect();
    // (The fixed edit sequence ends with findings in all three files, one across files.)
    assert!(served.len() >= 3, "{served:?}");
    assert_eq!(served, fresh, "final texts: {texts:#?}");
}

/// The editor settings `repos` and `bazelrc` reach the workspace load (paths relative to the
/// workspace root), and changing them re-indexes.
#[test]
fn editor_settings_for_repositories_and_rc_files() {
    let dir = scratch_dir("lsp-settings-repos");
    let ws = dir.join("ws");
    write_files(
        &dir,
        &[
            ("ws/WORKSPACE", ""),
            (
                "ws/BUILD",
                "toolchain(name = \"t\", toolchain = \":x\", toolchain_type = \"@ext//:missing\")\n",
            ),
            ("ext/BUILD", "toolchain_type(name = \"present\")\n"),
            ("shared.bazelrc", "build --extra_toolchains=//:nope\n"),
        ],
    );
    let mut s = Server::start();
    s.initialize(
        &[&ws],
        json!({"debounceMs": 10, "repos": {"ext": "../ext"}, "bazelrc": ["../shared.bazelrc"]}),
    );
    let build = s.open(&ws.join("BUILD"), 1);
    s.wait_log(0, "indexed");
    // `@ext` is readable: the label is a missing target, an error.
    let p = s.diagnostics(&build, "a missing target in @ext", |p| {
        p["diagnostics"].as_array().is_some_and(|d| {
            d.iter().any(|d| {
                d["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("does not exist")
            })
        })
    });
    assert!(p.to_string().contains("@ext//:missing"), "{p}");
    // The rc file outside the workspace was read: its registration is checked.
    let rc = std::fs::canonicalize(dir.join("shared.bazelrc")).unwrap();
    s.diagnostics(&uri(&rc), "the rc file's finding", |p| {
        p.to_string().contains("//:nope")
    });

    // Without the settings, `@ext` cannot be read: only a note.
    let from = s.log_len();
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"debounceMs": 10}}),
    );
    s.wait_log(from, "indexed");
    s.diagnostics(&build, "a note on an unreadable @ext", |p| {
        p["diagnostics"].as_array().is_some_and(|d| {
            d.iter().any(|d| {
                d["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("cannot read repository '@ext'")
            })
        })
    });
    s.shutdown();
}

/// `workspace/symbol` finds declarations across every workspace folder, with locations.
#[test]
fn workspace_symbols_across_folders() {
    let a = type_and_toolchain("lsp-symbols-a");
    let b = scratch_dir("lsp-symbols-b");
    write_files(
        &b,
        &[
            ("MODULE.bazel", "module(name = \"b\")\n"),
            ("plat/BUILD", "platform(name = \"tc_host\")\n"),
        ],
    );
    let mut s = Server::start();
    s.initialize(&[&a, &b], json!({"debounceMs": 10}));
    // Both folders indexed (symbols come from the indexed worlds).
    s.wait_log(0, &format!("indexed {}", a.display()));
    s.wait_log(0, &format!("indexed {}", b.display()));
    let r = s.request("workspace/symbol", json!({"query": "tc"}));
    let found: Vec<(String, String, u64)> = r["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_owned(),
                x["location"]["uri"].as_str().unwrap().to_owned(),
                x["location"]["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "//other:tc".to_owned(),
                uri(&a.join("other/BUILD.bazel")),
                1
            ),
            ("//plat:tc_host".to_owned(), uri(&b.join("plat/BUILD")), 0),
        ],
        "{r}"
    );
    // A query that matches nothing is an empty list, not an error.
    let none = s.request("workspace/symbol", json!({"query": "zzzz"}));
    assert_eq!(none["result"], json!([]), "{none}");
    s.shutdown();
}

/// `toolcheck/status` says, per workspace folder, what toolcheck could not evaluate, and is
/// sent again when an edit changes it.
#[test]
fn the_status_says_when_coverage_is_incomplete() {
    let ws = scratch_dir("lsp-coverage-status");
    let computed = "load(\"@rules_go//go:def.bzl\", \"GO_TOOLCHAINS\")\n\ndef _impl(ctx):\n    pass\n\nmy_rule = rule(implementation = _impl, toolchains = GO_TOOLCHAINS)\n";
    write_files(
        &ws,
        &[
            ("MODULE.bazel", "module(name = \"m\")\n"),
            ("defs.bzl", computed),
            ("BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
        ],
    );
    let mut s = Server::start();
    s.initialize(&[&ws], json!({"debounceMs": 10}));
    let defs = s.open(&ws.join("defs.bzl"), 1);
    let folder = uri(&ws);
    let is_status = |m: &Value, complete: bool| {
        m["method"] == "toolcheck/status"
            && m["params"]["folder"] == folder.as_str()
            && m["params"]["complete"] == complete
    };
    let status = s.wait("an incomplete status", |m| {
        is_status(m, false) && m["params"]["counts"]["rules"] == 1
    });
    let p = &status["params"];
    // The first status may come from before the folder is indexed, whose view of `@rules_go`
    // (no dependency of the module) differs: only the rule is common to both.
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .starts_with("coverage: 1 rule with unknown toolchain requests"),
        "{p}"
    );
    s.wait_log(0, "indexed");

    s.replace(
        &defs,
        2,
        "def _impl(ctx):\n    pass\n\nmy_rule = rule(implementation = _impl, toolchains = [\"//:tt\"])\n",
    );
    let status = s.wait("a complete status after the edit", |m| is_status(m, true));
    assert_eq!(status["params"]["message"], "coverage complete");
    assert_eq!(status["params"]["counts"]["rules"], 0);
    s.shutdown();
}

/// The message text of every `window/showMessage` seen so far.
fn shown_messages(s: &Server) -> Vec<String> {
    s.seen
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .filter_map(|m| m["params"]["message"].as_str().map(str::to_owned))
        .collect()
}

/// A `toolcheck.toml` with a syntax error: the user sees a message and a diagnostic on the
/// file at the error; the workspace is analysed with the default configuration (hover sees
/// the real workspace, not an empty one, so the type's labels resolve) without claiming any
/// finding; once the file is fixed the findings come, and a later error keeps them (the last
/// good analysis) instead of emptying the workspace.
#[test]
fn a_broken_toolcheck_toml_is_shown_and_no_finding_is_guessed() {
    let dir = type_and_toolchain("lsp-broken-config");
    const BROKEN: &str = "bazel_version = \"7.4.1\"\n[checks\ndisable = []\n";
    write_files(
        &dir,
        &[
            ("toolcheck.toml", BROKEN),
            // A real finding, which a valid configuration reports.
            (
                "typo/BUILD.bazel",
                "toolchain(\n    name = \"x\",\n    toolchain = \":x\",\n    toolchain_type = \"//pkg:tt\",\n)\n",
            ),
        ],
    );
    let toml = uri(&dir.join("toolcheck.toml"));
    let mut s = Server::start();
    s.initialize(&[&dir], json!({"debounceMs": 10}));
    let p = s.diagnostics(&toml, "the toolcheck.toml error", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let d = &p["diagnostics"][0];
    assert_eq!(d["range"]["start"]["line"], 1, "{p}");
    assert_eq!(d["severity"], 1, "{p}");
    assert_eq!(d["source"], "toolcheck", "{p}");
    s.wait("the message", |m| m["method"] == "window/showMessage");
    let messages = shown_messages(&s);
    assert!(
        messages[0].contains("toolcheck.toml has an error")
            && messages[0].contains("no findings are shown until it is fixed"),
        "{messages:?}"
    );
    // The document sees the loaded workspace (its toolchain is listed) and has no findings.
    let u = s.open(&dir.join("pkg/BUILD.bazel"), 1);
    let p = s.diagnostics(&u, "version 1", |p| p["version"] == 1);
    assert_eq!(p["diagnostics"], json!([]), "{p}");
    let r = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 3}}),
    );
    let hover = r["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(hover.contains("`//other:tc`"), "{r}");
    let typo = uri(&dir.join("typo/BUILD.bazel"));
    assert!(!s
        .seen
        .iter()
        .any(|m| is_publish(m, &typo) && !codes(&m["params"]).is_empty()));

    // Fixed on disk: the error goes, the findings come.
    std::fs::write(dir.join("toolcheck.toml"), "bazel_version = \"7.4.1\"\n").unwrap();
    let changed = json!({"changes": [{"uri": toml, "type": 2}]});
    s.notify("workspace/didChangeWatchedFiles", changed.clone());
    s.diagnostics(&toml, "the error cleared", |p| {
        p["diagnostics"] == json!([])
    });
    s.diagnostics(&typo, "the real finding", |p| {
        codes(p).contains(&"unresolved-label".into())
    });

    // Broken again: the last good analysis stays, findings included.
    let before = shown_messages(&s).len();
    std::fs::write(dir.join("toolcheck.toml"), BROKEN).unwrap();
    s.notify("workspace/didChangeWatchedFiles", changed);
    s.wait("a second message", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("keeping the last analysis"))
    });
    assert_eq!(shown_messages(&s).len(), before + 1);
    s.diagnostics(&toml, "the error again", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    s.replace(&u, 2, &format!("{TYPE_BUILD}# edited\n"));
    s.diagnostics(&u, "version 2", |p| p["version"] == 2);
    let latest = s.seen.iter().rev().find(|m| is_publish(m, &typo)).unwrap();
    assert!(
        codes(&latest["params"]).contains(&"unresolved-label".into()),
        "{latest}"
    );
    s.shutdown();
}

/// A directory with its own MODULE.bazel under the editor's folder (a test workspace) is a
/// separate Bazel workspace: its files are analysed there, as Bazel run beside them (and
/// Neovim, rooting at the nearest marker) would, not as a package of the folder's workspace.
#[test]
fn a_file_of_a_nested_workspace_is_analysed_in_its_own_workspace() {
    let dir = type_and_toolchain("lsp-nested-module");
    write_files(
        &dir,
        &[
            (
                "tests/nested/MODULE.bazel",
                "module(name = \"nested\")\n\nregister_toolchains(\"//:nested_tc\")\n",
            ),
            (
                "tests/nested/BUILD.bazel",
                "toolchain_type(name = \"t\")\n\ntoolchain(\n    name = \"nested_tc\",\n    toolchain = \":impl\",\n    toolchain_type = \":t\",\n)\n\nfilegroup(name = \"impl\")\n",
            ),
        ],
    );
    let mut s = Server::start();
    s.initialize(&[&dir], json!({"debounceMs": 10}));
    let u = s.open(&dir.join("tests/nested/BUILD.bazel"), 1);
    // The nested workspace is indexed in the background: ask until its answer is there.
    let deadline = Instant::now() + TIMEOUT;
    let hover = loop {
        let r = s.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 3}}),
        );
        let text = r["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if text.contains("1. `//:nested_tc`") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(hover.contains("**toolchain_type** `//:t`"), "{hover}");
    assert!(hover.contains("1. `//:nested_tc`"), "{hover}");
    assert!(hover.contains("registered in the root module"), "{hover}");
    s.shutdown();
}
