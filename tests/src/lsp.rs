//! A minimal synchronous LSP client for the protocol tests: it runs the real `toolcheck lsp`
//! over stdio, frames messages (or sends raw bytes), answers the server's own requests with
//! `null`, and collects everything the server sends on a reader thread.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::toolcheck_bin;

/// A running `toolcheck lsp` with its stdio.
pub struct LspClient {
    child: Child,
    stdin: Arc<Mutex<Option<ChildStdin>>>,
    incoming: Receiver<Value>,
    /// Everything received so far, in order (responses, notifications, server requests).
    pub received: Vec<Value>,
    next_id: i64,
}

/// Frames one JSON-RPC message.
pub fn frame(body: &str) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl LspClient {
    /// Starts the server in `cwd` (no `initialize` is sent).
    pub fn spawn(cwd: &std::path::Path) -> LspClient {
        LspClient::spawn_binary(&toolcheck_bin(), cwd)
    }

    /// Starts a given `toolcheck` binary's server in `cwd`.
    pub fn spawn_binary(bin: &std::path::Path, cwd: &std::path::Path) -> LspClient {
        let mut child = Command::new(bin)
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("toolcheck lsp starts");
        let stdin = Arc::new(Mutex::new(child.stdin.take()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = channel();
        let reply_to = stdin.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                // Answer the server's own requests (configuration, registrations, progress).
                if msg.get("method").is_some() && msg.get("id").is_some() {
                    let reply = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
                    if let Some(w) = reply_to.lock().unwrap().as_mut() {
                        let _ = w.write_all(&frame(&reply.to_string()));
                        let _ = w.flush();
                    }
                }
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        LspClient {
            child,
            stdin,
            incoming: rx,
            received: Vec::new(),
            next_id: 1,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes raw bytes to the server's stdin; false once the pipe is closed.
    pub fn send_raw(&mut self, bytes: &[u8]) -> bool {
        match self.stdin.lock().unwrap().as_mut() {
            Some(w) => w.write_all(bytes).and_then(|_| w.flush()).is_ok(),
            None => false,
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        let msg = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(&frame(&msg.to_string()));
    }

    /// Sends a request and returns its id without waiting.
    pub fn request_async(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(&frame(&msg.to_string()));
        id
    }

    /// Sends a request and waits for its response (the whole response object).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.request_async(method, params);
        self.response(id)
    }

    /// Waits (up to 60 s) for the response to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        let id = json!(id);
        self.wait_for(Duration::from_secs(60), |m| {
            m.get("method").is_none() && m.get("id") == Some(&id)
        })
        .unwrap_or_else(|| panic!("no response to request {id}"))
    }

    /// Waits until a message matching `pred` arrives (or was already received) and returns it.
    pub fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(m) = self.received.iter().find(|m| pred(m)) {
            return Some(m.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) => {
                    self.received.push(m.clone());
                    if pred(&m) {
                        return Some(m);
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Collects whatever arrives within `d`.
    pub fn drain(&mut self, d: Duration) {
        let _ = self.wait_for(d, |_| false);
    }

    /// `initialize` (UTF-16 positions unless `utf8`) and `initialized`, rooted at `root` if
    /// given. Returns the `initialize` result.
    pub fn initialize(&mut self, root: Option<&std::path::Path>) -> Value {
        let root_uri = root.map(file_uri);
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": true}}},
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    /// The server's text and version of an open document (`toolcheck/debug/documentText`).
    pub fn document_text(&mut self, uri: &str) -> Option<(i64, String)> {
        let r = self.request(
            "toolcheck/debug/documentText",
            json!({"textDocument": {"uri": uri}}),
        );
        let res = &r["result"];
        Some((res["version"].as_i64()?, res["text"].as_str()?.to_string()))
    }

    /// Closes the server's stdin (the client disappears).
    pub fn close_stdin(&mut self) {
        self.stdin.lock().unwrap().take();
    }

    /// `shutdown` then `exit`; returns the exit status.
    pub fn shutdown(&mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "shutdown failed: {r}");
        self.notify("exit", Value::Null);
        self.close_stdin();
        self.wait_exit(Duration::from_secs(20))
    }

    /// Waits for the server to exit; `None` if it is still running after `timeout` (it is
    /// then killed).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A `file://` URI for an absolute path.
pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// Resident and peak resident memory (VmRSS, VmHWM) of a process, in KiB, from /proc.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
