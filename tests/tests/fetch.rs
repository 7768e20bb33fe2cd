//! End-to-end tests of `toolcheck fetch`, all offline: a registry in a local directory
//! (`file://`) or served by a small HTTP server on the loopback address that each test starts,
//! archives built here, and the real binary. Covers a good fetch that `check` then reads
//! (minimal version selection, a registry patch, a WORKSPACE `http_archive`), the cache reused
//! and `--offline`, and every failure class: bad integrity, a truncated archive, a download
//! cut short and then resumed with a `Range` request, HTTP 404, a server that stalls (timeout),
//! a yanked version, an archive entry with `..`, and `--offline` with an empty cache.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::Digest;
use toolcheck_tests::{scratch_dir, toolcheck_bin, write_files};

/// What the test server answers for one path.
#[derive(Clone)]
enum Reply {
    /// 200 with the bytes; a `Range: bytes=N-` request gets 206 with the rest.
    Bytes(Vec<u8>),
    /// Announces `len` bytes, sends the first `sent`, and closes the connection.
    CutShort { bytes: Vec<u8>, sent: usize },
    /// Sends nothing for this long, then closes.
    Stall(Duration),
}

/// Every request the server saw: (path, `Range` header).
type RequestLog = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A minimal HTTP/1.1 server on 127.0.0.1: one thread per connection, one request per
/// connection, stopped when dropped.
struct Server {
    port: u16,
    routes: Arc<Mutex<BTreeMap<String, Reply>>>,
    /// Every request: (path, Range header).
    log: RequestLog,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<BTreeMap<String, Reply>>> = Arc::default();
        let log: RequestLog = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (r, l, s) = (routes.clone(), log.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (r, l) = (r.clone(), l.clone());
                std::thread::spawn(move || serve(conn, &r, &l));
            }
        });
        Server {
            port,
            routes,
            log,
            stop,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
    }

    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    mut conn: TcpStream,
    routes: &Mutex<BTreeMap<String, Reply>>,
    log: &Mutex<Vec<(String, Option<String>)>>,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("range") {
                range = Some(v.trim().to_string());
            }
        }
    }
    log.lock().unwrap().push((path.clone(), range.clone()));
    let reply = routes.lock().unwrap().get(&path).cloned();
    let _ = match reply {
        None => conn.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
        Some(Reply::Bytes(bytes)) => {
            let from = range
                .as_deref()
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|n| n.parse::<usize>().ok());
            match from {
                Some(n) if n < bytes.len() => {
                    let head = format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {n}-{}/{}\r\nConnection: close\r\n\r\n",
                        bytes.len() - n,
                        bytes.len() - 1,
                        bytes.len()
                    );
                    conn.write_all(head.as_bytes())
                        .and_then(|_| conn.write_all(&bytes[n..]))
                }
                _ => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        bytes.len()
                    );
                    conn.write_all(head.as_bytes())
                        .and_then(|_| conn.write_all(&bytes))
                }
            }
        }
        Some(Reply::CutShort { bytes, sent }) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            );
            conn.write_all(head.as_bytes())
                .and_then(|_| conn.write_all(&bytes[..sent]))
        }
        Some(Reply::Stall(d)) => {
            std::thread::sleep(d);
            Ok(())
        }
    };
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Both);
    // Drain what the client may still send, so the close is clean.
    let _ = reader.read(&mut [0u8; 64]);
}

/// A `.tar.gz` of `entries` (names written as given, `..` included).
fn tar_gz(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        let bytes = name.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_cksum();
        builder.append(&h, data.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A registry directory being written.
struct Registry {
    dir: PathBuf,
}

impl Registry {
    fn new(dir: PathBuf) -> Registry {
        std::fs::create_dir_all(&dir).unwrap();
        Registry { dir }
    }

    fn url(&self) -> String {
        format!("file://{}", self.dir.display())
    }

    /// Adds `name@version` with its MODULE.bazel and a source.json pointing at `url`.
    fn module(&self, name: &str, version: &str, module_file: &str, source: serde_json::Value) {
        let d = self.dir.join("modules").join(name).join(version);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("MODULE.bazel"), module_file).unwrap();
        std::fs::write(d.join("source.json"), source.to_string()).unwrap();
    }

    fn file(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn toolcheck(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(toolcheck_bin())
        .args(args)
        .current_dir(dir)
        .env("TOOLCHECK_CACHE_DIR", cache)
        .env_remove("BZLMOD_ALLOW_YANKED_VERSIONS")
        .output()
        .expect("toolcheck runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A workspace depending on `dep@version`, with a BUILD file naming two of its targets.
fn workspace(dir: &Path, extra_module: &str, build: &str) {
    write_files(
        dir,
        &[
            (".bazelversion", "8.4.0\n"),
            (
                "MODULE.bazel",
                &format!("module(name = \"app\")\n{extra_module}"),
            ),
            ("BUILD.bazel", build),
        ],
    );
}

/// A one-module setup: the archive `tools-1.0.tar.gz` served at `/tools.tar.gz`, the
/// registry entry for `tools@1.0` pointing at it, and a workspace depending on it.
fn one_module(name: &str) -> (PathBuf, PathBuf, Registry, Server, Vec<u8>) {
    let base = scratch_dir(&format!("fetch-{name}"));
    let ws = base.join("ws");
    let cache = base.join("cache");
    let reg = Registry::new(base.join("registry"));
    let server = Server::start();
    let archive = tar_gz(&[
        (
            "tools-1.0/MODULE.bazel",
            "module(name = \"tools\", version = \"1.0\")\n",
        ),
        ("tools-1.0/BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
    ]);
    server.route("/tools.tar.gz", Reply::Bytes(archive.clone()));
    reg.module(
        "tools",
        "1.0",
        "module(name = \"tools\", version = \"1.0\")\n",
        serde_json::json!({
            "url": server.url("/tools.tar.gz"),
            "integrity": sri(&archive),
            "strip_prefix": "tools-1.0",
        }),
    );
    workspace(
        &ws,
        "bazel_dep(name = \"tools\", version = \"1.0\")\n",
        "toolchain(name = \"t\", toolchain = \":t\", toolchain_type = \"@tools//:tt\")\n",
    );
    (ws, cache, reg, server, archive)
}

fn fetch(ws: &Path, cache: &Path, reg: &Registry, extra: &[&str]) -> Output {
    let url = reg.url();
    let mut args = vec!["fetch", "--registry", url.as_str(), "--timeout", "2"];
    args.extend_from_slice(extra);
    toolcheck(ws, cache, &args)
}

/// The coverage reasons and diagnostics of `check --format json`.
fn check_json(ws: &Path, cache: &Path) -> serde_json::Value {
    let out = toolcheck(
        ws,
        cache,
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-cache",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn unreadable_repos(report: &serde_json::Value) -> Vec<String> {
    report["coverage"]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["category"] == "repositories")
        .map(|r| r["reason"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn messages(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            format!(
                "{}: {}",
                d["check"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn fetch_selects_versions_patches_and_check_reads_the_modules() {
    let base = scratch_dir("fetch-good");
    let ws = base.join("ws");
    let cache = base.join("cache");
    let reg = Registry::new(base.join("registry"));
    let server = Server::start();
    // `rules_x@1.0` needs `base@1.2`; the root asks for `base@1.0`: 1.2 is selected, and
    // `base@1.0`'s own dependency (`old_only`) is dropped with it.
    let rules = tar_gz(&[
        ("rules_x-1.0/MODULE.bazel", "module(name = \"rules_x\")\n"),
        ("rules_x-1.0/BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
    ]);
    let base12 = tar_gz(&[("BUILD.bazel", "toolchain_type(name = \"new_type\")\n")]);
    server.route("/rules_x-1.0.tar.gz", Reply::Bytes(rules.clone()));
    server.route("/base-1.2.tar.gz", Reply::Bytes(base12.clone()));
    // The registry patch adds a target to rules_x's BUILD file.
    let patch = "--- a/BUILD.bazel\n+++ b/BUILD.bazel\n@@ -1 +1,2 @@\n toolchain_type(name = \"tt\")\n+toolchain_type(name = \"patched\")\n";
    reg.module(
        "rules_x",
        "1.0",
        "module(name = \"rules_x\", version = \"1.0\")\nbazel_dep(name = \"base\", version = \"1.2\")\nbazel_dep(name = \"devonly\", version = \"9\", dev_dependency = True)\n",
        serde_json::json!({
            "urls": [server.url("/rules_x-1.0.tar.gz")],
            "integrity": sri(&rules),
            "strip_prefix": "rules_x-1.0",
            "patches": {"add.patch": sri(patch.as_bytes())},
            "patch_strip": 1,
        }),
    );
    reg.file("modules/rules_x/1.0/patches/add.patch", patch);
    reg.module(
        "base",
        "1.0",
        "module(name = \"base\", version = \"1.0\")\nbazel_dep(name = \"old_only\", version = \"1\")\n",
        serde_json::json!({"url": server.url("/missing.tar.gz"), "integrity": sri(b"x")}),
    );
    reg.module(
        "old_only",
        "1",
        "module(name = \"old_only\", version = \"1\")\n",
        serde_json::json!({"url": server.url("/missing.tar.gz"), "integrity": sri(b"x")}),
    );
    reg.module(
        "base",
        "1.2",
        "module(name = \"base\", version = \"1.2\")\n",
        serde_json::json!({"url": server.url("/base-1.2.tar.gz"), "integrity": sri(&base12)}),
    );
    // A WORKSPACE http_archive pinned by sha256, and one without a pin (WORKSPACE is read
    // next to MODULE.bazel under Bazel 8 only with --enable_workspace).
    let legacy = tar_gz(&[("legacy-2/BUILD", "toolchain_type(name = \"lt\")\n")]);
    server.route("/legacy.tar.gz", Reply::Bytes(legacy.clone()));
    workspace(
        &ws,
        "bazel_dep(name = \"rules_x\", version = \"1.0\")\nbazel_dep(name = \"base\", version = \"1.0\")\n",
        "toolchain(name = \"a\", toolchain = \":a\", toolchain_type = \"@rules_x//:tt\")\n\
         toolchain(name = \"b\", toolchain = \":b\", toolchain_type = \"@rules_x//:patched\")\n\
         toolchain(name = \"c\", toolchain = \":c\", toolchain_type = \"@base//:new_type\")\n\
         toolchain(name = \"d\", toolchain = \":d\", toolchain_type = \"@rules_x//:nope\")\n",
    );
    write_files(
        &ws,
        &[
            (".bazelrc", "common --enable_workspace\n"),
            (
            "WORKSPACE",
            &format!(
                "load(\"@bazel_tools//tools/build_defs/repo:http.bzl\", \"http_archive\")\n\
                 http_archive(name = \"legacy\", urls = [\"{}\"], sha256 = \"{}\", strip_prefix = \"legacy-2\")\n\
                 http_archive(name = \"loose\", urls = [\"{}\"])\n",
                server.url("/legacy.tar.gz"),
                sha256_hex(&legacy),
                server.url("/loose.tar.gz"),
            ),
        ),
        ],
    );

    // Before: toolcheck cannot read the dependencies and says how to fetch them.
    let before = check_json(&ws, &cache);
    let reasons = unreadable_repos(&before);
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("'@rules_x' cannot be read") && r.contains("toolcheck fetch")),
        "{reasons:#?}"
    );

    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("fetched rules_x@1.0"), "{log}");
    assert!(log.contains("fetched base@1.2"), "{log}");
    assert!(log.contains("fetched http_archive 'legacy'"), "{log}");
    assert!(
        !log.contains("old_only") && !log.contains("devonly"),
        "{log}"
    );
    assert!(
        log.contains("http_archive 'loose' skipped: it pins no sha256 or integrity"),
        "{log}"
    );
    assert!(log.contains("3 repositories ready"), "{log}");
    let legacy_dir = std::fs::read_dir(cache.join("repos"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("legacy-"))
        .expect("legacy is in the cache");
    assert!(legacy_dir.path().join("BUILD").is_file());

    // After: every dependency is read; the patched target exists; a missing one is an error.
    let after = check_json(&ws, &cache);
    assert_eq!(unreadable_repos(&after), Vec::<String>::new());
    let msgs = messages(&after);
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("unresolved-label") && m.contains("@rules_x//:nope")),
        "{msgs:#?}"
    );
    assert!(
        !msgs
            .iter()
            .any(|m| m.contains(":patched") || m.contains("new_type") || m.contains(":tt\"")),
        "{msgs:#?}"
    );

    // Again: everything comes from the cache, without a request; `--offline` too.
    let requests = server.requests().len();
    let again = fetch(&ws, &cache, &reg, &["--offline"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("cached  rules_x@1.0"),
        "{}",
        text(&again)
    );
    assert_eq!(server.requests().len(), requests);
}

#[test]
fn bad_integrity_is_refused_before_extraction() {
    let (ws, cache, reg, server, archive) = one_module("integrity");
    let mut other = archive.clone();
    other.push(0);
    server.route("/tools.tar.gz", Reply::Bytes(other.clone()));
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!(
            "integrity mismatch: expected {}, got {}",
            sri(&archive),
            sri(&other)
        )),
        "{log}"
    );
    // Nothing was extracted, and the bad download was not kept.
    assert_eq!(std::fs::read_dir(cache.join("repos")).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(cache.join("downloads")).unwrap().count(),
        0
    );
    // `check` still says the repository is unread.
    assert!(!unreadable_repos(&check_json(&ws, &cache)).is_empty());
}

#[test]
fn a_truncated_archive_is_an_error_and_leaves_nothing() {
    let (ws, cache, reg, server, archive) = one_module("truncated");
    // The registry pins the truncated bytes: the digest matches, the archive is broken.
    let cut = archive[..archive.len() / 2].to_vec();
    server.route("/tools.tar.gz", Reply::Bytes(cut.clone()));
    reg.module(
        "tools",
        "1.0",
        "module(name = \"tools\", version = \"1.0\")\n",
        serde_json::json!({"url": server.url("/tools.tar.gz"), "integrity": sri(&cut), "strip_prefix": "tools-1.0"}),
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("tools@1.0: the archive is truncated or corrupt"),
        "{log}"
    );
    assert_eq!(std::fs::read_dir(cache.join("repos")).unwrap().count(), 0);
}

#[test]
fn a_download_cut_short_resumes_with_a_range_request() {
    let (ws, cache, reg, server, archive) = one_module("resume");
    let sent = archive.len() / 2;
    server.route(
        "/tools.tar.gz",
        Reply::CutShort {
            bytes: archive.clone(),
            sent,
        },
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("the next run resumes"), "{log}");
    assert_eq!(std::fs::read_dir(cache.join("repos")).unwrap().count(), 0);
    // The server is whole again: the next run asks only for the rest.
    server.route("/tools.tar.gz", Reply::Bytes(archive.clone()));
    let out = fetch(&ws, &cache, &reg, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let last = server.requests().last().cloned().unwrap();
    assert_eq!(
        last,
        ("/tools.tar.gz".to_string(), Some(format!("bytes={sent}-")))
    );
    assert!(unreadable_repos(&check_json(&ws, &cache)).is_empty());
}

#[test]
fn http_404_names_the_url() {
    let (ws, cache, reg, server, _) = one_module("404");
    server.routes.lock().unwrap().clear();
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!(
            "{}: HTTP 404 (not found)",
            server.url("/tools.tar.gz")
        )),
        "{log}"
    );
}

#[test]
fn a_stalled_server_times_out_with_a_clear_error() {
    let (ws, cache, reg, server, _) = one_module("slow");
    server.route("/tools.tar.gz", Reply::Stall(Duration::from_secs(20)));
    // The binary is built before the clock starts.
    let _ = toolcheck_bin();
    let started = Instant::now();
    let url = reg.url();
    let out = toolcheck(
        &ws,
        &cache,
        &["fetch", "--registry", &url, "--timeout", "1"],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("timed out after 1s"), "{log}");
    // One second per wait, far below the server's 20 s, even on a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_yanked_version_is_refused_unless_allowed() {
    let (ws, cache, reg, _server, _) = one_module("yanked");
    reg.file(
        "modules/tools/metadata.json",
        r#"{"versions": ["1.0"], "yanked_versions": {"1.0": "CVE-2026-0001: do not use"}}"#,
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("tools@1.0: version 1.0 is yanked")
            && log.contains("CVE-2026-0001: do not use"),
        "{log}"
    );
    let out = fetch(&ws, &cache, &reg, &["--allow-yanked"]);
    assert!(out.status.success(), "{}", text(&out));
    // Bazel's own flag in .bazelrc allows it too.
    let base = scratch_dir("fetch-yanked-rc");
    let cache2 = base.join("cache");
    write_files(
        &ws,
        &[(".bazelrc", "common --allow_yanked_versions=tools@1.0\n")],
    );
    let out = fetch(&ws, &cache2, &reg, &[]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn an_archive_entry_with_dotdot_is_refused() {
    let (ws, cache, reg, server, _) = one_module("dotdot");
    let evil = tar_gz(&[
        ("tools-1.0/MODULE.bazel", "module(name = \"tools\")\n"),
        ("tools-1.0/../../escaped", "gotcha"),
    ]);
    server.route("/tools.tar.gz", Reply::Bytes(evil.clone()));
    reg.module(
        "tools",
        "1.0",
        "module(name = \"tools\", version = \"1.0\")\n",
        serde_json::json!({"url": server.url("/tools.tar.gz"), "integrity": sri(&evil), "strip_prefix": "tools-1.0"}),
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("'tools-1.0/../../escaped' contains '..'; refused"),
        "{log}"
    );
    assert!(!cache.join("escaped").exists() && !cache.join("repos/escaped").exists());
    assert_eq!(std::fs::read_dir(cache.join("repos")).unwrap().count(), 0);
}

#[test]
fn offline_with_an_empty_cache_downloads_nothing() {
    let (ws, cache, _file_reg, server, archive) = one_module("offline");
    // The registry served over HTTP this time: its files are cached by the online run.
    server.route(
        "/reg/modules/tools/1.0/MODULE.bazel",
        Reply::Bytes(b"module(name = \"tools\", version = \"1.0\")\n".to_vec()),
    );
    server.route(
        "/reg/modules/tools/1.0/source.json",
        Reply::Bytes(
            serde_json::json!({"url": server.url("/tools.tar.gz"), "integrity": sri(&archive), "strip_prefix": "tools-1.0"})
                .to_string()
                .into_bytes(),
        ),
    );
    let reg_url = server.url("/reg");
    let out = toolcheck(&ws, &cache, &["fetch", "--offline", "--registry", &reg_url]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("--offline forbids downloading it"), "{log}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // Online once, then offline works from the cache alone.
    let out = toolcheck(&ws, &cache, &["fetch", "--registry", &reg_url]);
    assert!(out.status.success(), "{}", text(&out));
    let n = server.requests().len();
    std::fs::remove_dir_all(cache.join("repos")).unwrap();
    let out = toolcheck(&ws, &cache, &["fetch", "--offline", "--registry", &reg_url]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(server.requests().len(), n);
}

#[test]
fn a_current_lockfile_gives_the_selection_and_pins_registry_files() {
    let base = scratch_dir("fetch-lockfile");
    let ws = base.join("ws");
    let cache = base.join("cache");
    let reg = Registry::new(base.join("registry"));
    let server = Server::start();
    let mut hashes = serde_json::Map::new();
    for version in ["1.0", "1.1"] {
        let archive = tar_gz(&[(
            "BUILD.bazel",
            &format!(
                "toolchain_type(name = \"v{}\")\n",
                version.replace('.', "_")
            ),
        )]);
        let path = format!("/lib-{version}.tar.gz");
        server.route(&path, Reply::Bytes(archive.clone()));
        let module = format!("module(name = \"lib\", version = \"{version}\")\n");
        let source = serde_json::json!({"url": server.url(&path), "integrity": sri(&archive)});
        reg.module("lib", version, &module, source.clone());
        let url = |f: &str| format!("{}/modules/lib/{version}/{f}", reg.url());
        hashes.insert(url("MODULE.bazel"), sha256_hex(module.as_bytes()).into());
        if version == "1.1" {
            hashes.insert(
                url("source.json"),
                sha256_hex(source.to_string().as_bytes()).into(),
            );
        }
    }
    hashes.insert(
        format!("{}/bazel_registry.json", reg.url()),
        "not found".into(),
    );
    let lock = serde_json::json!({"lockFileVersion": 24, "registryFileHashes": hashes});
    workspace(
        &ws,
        "bazel_dep(name = \"lib\", version = \"1.0\")\n",
        "toolchain(name = \"t\", toolchain = \":t\", toolchain_type = \"@lib//:v1_1\")\n",
    );
    write_files(&ws, &[("MODULE.bazel.lock", &lock.to_string())]);
    // The lockfile recorded 1.1 as selected (Bazel saw a request for it then): that is what
    // is fetched, not the 1.0 the root alone would select.
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("module versions as MODULE.bazel.lock records them (1 selected)"),
        "{log}"
    );
    assert!(
        log.contains("fetched lib@1.1") && !log.contains("lib@1.0"),
        "{log}"
    );
    let report = check_json(&ws, &cache);
    assert_eq!(unreadable_repos(&report), Vec::<String>::new());
    assert_eq!(messages(&report), Vec::<String>::new());

    // A registry file that changed after the lockfile was written is refused.
    reg.file("modules/lib/1.1/MODULE.bazel", "module(name = \"lib\", version = \"1.1\")\nbazel_dep(name = \"sneaky\", version = \"1\")\n");
    let out = fetch(&ws, &base.join("cache2"), &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(
            "modules/lib/1.1/MODULE.bazel has changed since MODULE.bazel.lock was written"
        ),
        "{log}"
    );

    // A lockfile that does not know a request of the root is out of date: it only pins files.
    reg.module(
        "lib",
        "1.2",
        "module(name = \"lib\", version = \"1.2\")\n",
        serde_json::json!({"url": server.url("/lib-1.0.tar.gz"), "integrity": sri(b"unused")}),
    );
    workspace(&ws, "bazel_dep(name = \"lib\", version = \"1.2\")\n", "");
    let out = fetch(&ws, &base.join("cache3"), &reg, &[]);
    let log = text(&out);
    assert!(
        log.contains("MODULE.bazel.lock is out of date (it records no lib@1.2)"),
        "{log}"
    );
}

#[test]
fn local_path_overrides_need_no_registry() {
    // corpus/example's one dependency is a local_path_override: nothing to download, and the
    // registry (an address where nothing listens) is never asked.
    let base = scratch_dir("fetch-example");
    let cache = base.join("cache");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let example = toolcheck_tests::repo_root().join("corpus/example");
    let out = toolcheck(
        &example,
        &cache,
        &["fetch", "--registry", &url, "--timeout", "2"],
    );
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("0 repositories ready"), "{log}");
    let report = check_json(&example, &cache);
    assert_eq!(unreadable_repos(&report), Vec::<String>::new());
}

#[test]
fn the_roots_dev_dependencies_count_unless_ignored() {
    let (ws, cache, reg, _server, _) = one_module("dev");
    workspace(
        &ws,
        "bazel_dep(name = \"tools\", version = \"1.0\", dev_dependency = True)\n",
        "",
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    assert!(text(&out).contains("fetched tools@1.0"), "{}", text(&out));
    write_files(&ws, &[(".bazelrc", "common --ignore_dev_dependency\n")]);
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("0 repositories ready") && !log.contains("tools@1.0"),
        "{log}"
    );
}

#[test]
fn one_archive_pinned_twice_is_downloaded_once() {
    let (ws, cache, reg, server, archive) = one_module("twice");
    write_files(
        &ws,
        &[
            (".bazelrc", "common --enable_workspace\n"),
            (
            "WORKSPACE",
            &format!(
                "http_archive(name = \"same\", urls = [\"{}\"], sha256 = \"{}\", strip_prefix = \"tools-1.0\")\n",
                server.url("/tools.tar.gz"),
                sha256_hex(&archive)
            ),
        ),
        ],
    );
    let out = fetch(&ws, &cache, &reg, &["--jobs", "2"]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("tools@1.0") && log.contains("http_archive 'same'"),
        "{log}"
    );
    let downloads = server
        .requests()
        .iter()
        .filter(|(p, _)| p == "/tools.tar.gz")
        .count();
    assert_eq!(downloads, 1);
}

/// `check` in `ws` with toolcheck's cache `cache`, Bazel's output user root in a scratch
/// directory (so no real output base is found), as JSON.
fn check_with_bazel_cache(ws: &Path, cache: &Path) -> serde_json::Value {
    let out = Command::new(toolcheck_bin())
        .args(["check", "--format", "json", "--fail-on", "never"])
        .current_dir(ws)
        .env("TOOLCHECK_CACHE_DIR", cache)
        .env("TEST_TMPDIR", ws.join("../bazel-tmp"))
        .env("USER", "ann")
        .output()
        .expect("toolcheck runs");
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A Bzlmod workspace Bazel resolved once (MODULE.bazel.lock) whose module files and archive
/// lie only in Bazel's repository cache: `check` reads the module from there, with its
/// registry patch, without any network (the registry the lockfile names does not exist), into
/// the directory `toolcheck fetch` uses; a wrong digest, a missing archive, a sha512 pin and
/// a missing lockfile each leave the module unread with the reason in the coverage report.
#[test]
fn check_reads_modules_from_bazels_repository_cache() {
    let base = scratch_dir("fetch-bazel-repository-cache");
    let ws = base.join("ws");
    let repo_cache = base.join("repository_cache");
    let put = |bytes: &[u8]| {
        let d = repo_cache
            .join("content_addressable/sha256")
            .join(sha256_hex(bytes));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("file"), bytes).unwrap();
    };
    let archive = tar_gz(&[
        (
            "tools-1.0/MODULE.bazel",
            "module(name = \"tools\", version = \"1.0\")\n",
        ),
        ("tools-1.0/BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
    ]);
    let patch = "--- a/BUILD.bazel\n+++ b/BUILD.bazel\n@@ -1 +1,2 @@\n toolchain_type(name = \"tt\")\n+toolchain_type(name = \"patched\")\n";
    let module_file = "module(name = \"tools\", version = \"1.0\")\n";
    // A registry nobody can reach: only the repository cache can answer.
    let registry = "https://registry.invalid";
    let source = |integrity: String| {
        serde_json::json!({
            "url": "https://example.invalid/tools-1.0.tar.gz",
            "integrity": integrity,
            "strip_prefix": "tools-1.0",
            "patches": {"add.patch": sri(patch.as_bytes())},
            "patch_strip": 1,
        })
        .to_string()
    };
    let lock = |source_json: &str| {
        serde_json::json!({
            "lockFileVersion": 18,
            "registryFileHashes": {
                format!("{registry}/bazel_registry.json"): "not found",
                format!("{registry}/modules/tools/1.0/MODULE.bazel"): sha256_hex(module_file.as_bytes()),
                format!("{registry}/modules/tools/1.0/source.json"): sha256_hex(source_json.as_bytes()),
            }
        })
        .to_string()
    };
    let good_source = source(sri(&archive));
    put(&archive);
    put(patch.as_bytes());
    put(module_file.as_bytes());
    put(good_source.as_bytes());
    workspace(
        &ws,
        "bazel_dep(name = \"tools\", version = \"1.0\")\n",
        "toolchain(name = \"a\", toolchain = \":a\", toolchain_type = \"@tools//:patched\")\n\
         toolchain(name = \"b\", toolchain = \":b\", toolchain_type = \"@tools//:nope\")\n",
    );
    write_files(
        &ws,
        &[
            (
                ".bazelrc",
                &format!("common --repository_cache={}\n", repo_cache.display()),
            ),
            ("MODULE.bazel.lock", &lock(&good_source)),
        ],
    );

    let cache = base.join("cache");
    let report = check_with_bazel_cache(&ws, &cache);
    assert_eq!(unreadable_repos(&report), Vec::<String>::new());
    let msgs = messages(&report);
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("unresolved-label") && m.contains("@tools//:nope")),
        "{msgs:#?}"
    );
    assert!(!msgs.iter().any(|m| m.contains(":patched")), "{msgs:#?}");
    let made: Vec<PathBuf> = std::fs::read_dir(cache.join("repos"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("tools-"));
    // `toolcheck fetch --offline` from a registry holding the same files finds the module
    // made: one directory for both.
    let reg = Registry::new(base.join("registry"));
    reg.module(
        "tools",
        "1.0",
        module_file,
        serde_json::from_str(&good_source).unwrap(),
    );
    reg.file("modules/tools/1.0/patches/add.patch", patch);
    std::fs::rename(ws.join("MODULE.bazel.lock"), base.join("lock.saved")).unwrap();
    let out = fetch(&ws, &cache, &reg, &["--offline"]);
    assert!(text(&out).contains("cached  tools@1.0"), "{}", text(&out));
    std::fs::rename(base.join("lock.saved"), ws.join("MODULE.bazel.lock")).unwrap();

    let unread_with = |name: &str, source_json: &str, lock_text: Option<&str>| {
        match lock_text {
            Some(l) => write_files(&ws, &[("MODULE.bazel.lock", l)]),
            None => {
                let _ = std::fs::remove_file(ws.join("MODULE.bazel.lock"));
            }
        }
        put(source_json.as_bytes());
        let cache = base.join(name);
        let reasons = unreadable_repos(&check_with_bazel_cache(&ws, &cache));
        let made = std::fs::read_dir(cache.join("repos")).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        });
        assert_eq!(made, 0, "nothing is made: {reasons:?}");
        reasons
    };

    // Bytes under the archive's hash that do not match it.
    let other = tar_gz(&[("tools-1.0/BUILD.bazel", "toolchain_type(name = \"evil\")\n")]);
    let d = repo_cache
        .join("content_addressable/sha256")
        .join(sha256_hex(&archive));
    std::fs::write(d.join("file"), &other).unwrap();
    let reasons = unread_with("cache-wrong", &good_source, Some(&lock(&good_source)));
    assert!(
        reasons.len() == 1 && reasons[0].contains("@tools") && reasons[0].contains("not the"),
        "{reasons:?}"
    );

    // The archive missing.
    std::fs::remove_dir_all(&d).unwrap();
    let reasons = unread_with("cache-missing", &good_source, Some(&lock(&good_source)));
    assert!(
        reasons.len() == 1
            && reasons[0].contains("tools@1.0: its archive")
            && reasons[0].contains("is not in Bazel's repository cache"),
        "{reasons:?}"
    );

    // A sha512 pin cannot be looked up in the sha256-keyed cache.
    let sha512 = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&archive))
    );
    let source512 = source(sha512);
    let reasons = unread_with("cache-sha512", &source512, Some(&lock(&source512)));
    assert!(
        reasons.len() == 1 && reasons[0].contains("pins a sha512 integrity"),
        "{reasons:?}"
    );

    // No lockfile: Bazel's selection is unknown.
    let reasons = unread_with("cache-nolock", &good_source, None);
    assert!(
        reasons.len() == 1 && reasons[0].contains("no MODULE.bazel.lock"),
        "{reasons:?}"
    );
}

/// Bazel resolves every dependency on the root module's name to the root itself: a module
/// that depends back on it (as `rules_shell` depends on `platforms`) does not make `fetch`
/// look the root up in the registry, and nothing named like the root is fetched.
#[test]
fn a_dependency_on_the_root_module_is_the_root() {
    let (ws, cache, reg, server, archive) = one_module("rootdep");
    // tools@1.0 depends on app@0.1, the root's name; the registry has no `app`.
    reg.module(
        "tools",
        "1.0",
        "module(name = \"tools\", version = \"1.0\")\nbazel_dep(name = \"app\", version = \"0.1\")\n",
        serde_json::json!({
            "url": server.url("/tools.tar.gz"),
            "integrity": sri(&archive),
            "strip_prefix": "tools-1.0",
        }),
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("fetched tools@1.0")
            && log.contains("1 repository ready")
            && !log.contains("app@"),
        "{log}"
    );
}

/// `fetch` downloads a WORKSPACE's archives only when Bazel reads that WORKSPACE: not next to
/// MODULE.bazel under Bazel 8 without --enable_workspace, and never when WORKSPACE.bzlmod
/// replaces it (as in `platforms`, whose WORKSPACE serves its pre-Bzlmod users).
#[test]
fn a_workspace_bazel_does_not_read_is_not_fetched() {
    let (ws, cache, reg, server, archive) = one_module("noworkspace");
    write_files(
        &ws,
        &[(
            "WORKSPACE",
            &format!(
                "http_archive(name = \"legacy\", urls = [\"{}\"], sha256 = \"{}\", strip_prefix = \"tools-1.0\")\n",
                server.url("/legacy.tar.gz"),
                sha256_hex(&archive)
            ),
        )],
    );
    // Bazel 8 with Bzlmod: WORKSPACE is off.
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("legacy"), "{log}");
    // --enable_workspace with a WORKSPACE.bzlmod: that file replaces WORKSPACE.
    write_files(
        &ws,
        &[
            (".bazelrc", "common --enable_workspace\n"),
            ("WORKSPACE.bzlmod", "# development-only repositories\n"),
        ],
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("legacy"), "{log}");
    assert!(!server.requests().iter().any(|(p, _)| p == "/legacy.tar.gz"));
    // Without WORKSPACE.bzlmod, --enable_workspace reads WORKSPACE: its archive is fetched.
    std::fs::remove_file(ws.join("WORKSPACE.bzlmod")).unwrap();
    server.route("/legacy.tar.gz", Reply::Bytes(archive.clone()));
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("http_archive 'legacy'"), "{log}");
}

/// A tar of `entries` (path, text).
fn tar(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        builder.append_data(&mut h, name, data.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A registry module served as `.tar.xz` and a WORKSPACE archive served as `.tar.zst` (in two
/// frames) are fetched, verified and read by `check`; the same `.tar.zst` cut short is an error
/// that leaves nothing behind.
#[test]
fn xz_and_zstd_archives_are_fetched() {
    let base = scratch_dir("fetch-xz-zst");
    let ws = base.join("ws");
    let cache = base.join("cache");
    let reg = Registry::new(base.join("registry"));
    let server = Server::start();
    let module = "module(name = \"tools\", version = \"1.0\")\n";
    let mut xz = Vec::new();
    lzma_rs::xz_compress(
        &mut &tar(&[
            ("tools-1.0/MODULE.bazel", module),
            ("tools-1.0/BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
        ])[..],
        &mut xz,
    )
    .unwrap();
    server.route("/tools-1.0.tar.xz", Reply::Bytes(xz.clone()));
    reg.module(
        "tools",
        "1.0",
        module,
        serde_json::json!({
            "url": server.url("/tools-1.0.tar.xz"),
            "integrity": sri(&xz),
            "strip_prefix": "tools-1.0",
        }),
    );
    let plain = tar(&[
        ("impl-2/WORKSPACE", ""),
        ("impl-2/BUILD.bazel", "filegroup(name = \"impl\")\n"),
    ]);
    let level = ruzstd::encoding::CompressionLevel::Fastest;
    let (head, rest) = plain.split_at(plain.len() / 2);
    let mut zst = ruzstd::encoding::compress_to_vec(head, level);
    zst.extend(ruzstd::encoding::compress_to_vec(rest, level));
    server.route("/impl.tar.zst", Reply::Bytes(zst.clone()));
    server.route("/cut.tar.zst", Reply::Bytes(zst[..zst.len() / 2].to_vec()));
    let cut = &zst[..zst.len() / 2];
    workspace(
        &ws,
        "bazel_dep(name = \"tools\", version = \"1.0\")\n",
        "toolchain(name = \"t\", toolchain = \"@impl//:impl\", toolchain_type = \"@tools//:tt\")\n",
    );
    write_files(
        &ws,
        &[
            (".bazelrc", "common --enable_workspace\n"),
            (
                "WORKSPACE",
                &format!(
                    "http_archive(name = \"impl\", urls = [\"{}\"], sha256 = \"{}\", strip_prefix = \"impl-2\")\nhttp_archive(name = \"cut\", urls = [\"{}\"], sha256 = \"{}\", strip_prefix = \"impl-2\")\n",
                    server.url("/impl.tar.zst"),
                    sha256_hex(&zst),
                    server.url("/cut.tar.zst"),
                    sha256_hex(cut),
                ),
            ),
        ],
    );
    let out = fetch(&ws, &cache, &reg, &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("fetched tools@1.0") && log.contains("fetched http_archive 'impl'"),
        "{log}"
    );
    assert!(
        log.contains("http_archive 'cut'") && log.contains(".zst"),
        "the cut stream fails and says so: {log}"
    );
    let repos: Vec<String> = std::fs::read_dir(cache.join("repos"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        repos
            .iter()
            .all(|r| !r.starts_with("cut") && !r.starts_with('.')),
        "{repos:?}"
    );
    let report = check_json(&ws, &cache);
    let unread = unreadable_repos(&report);
    assert!(
        unread
            .iter()
            .all(|r| !r.contains("@tools") && !r.contains("@impl")),
        "{unread:#?}"
    );
}

/// A `git_override` fetch cannot take from a forge's archive is refused before any download,
/// saying why and what to do; one it could take is not downloaded with `--offline` when no
/// earlier run pinned it.
#[test]
fn git_overrides_say_what_they_need() {
    let (ws, cache, reg, _server, _) = one_module("git-override");
    let commit = "0123456789abcdef0123456789abcdef01234567";
    for (remote, commit, why) in [
        (
            "https://git.example.org/tools.git",
            commit,
            "github.com or gitlab.com",
        ),
        ("https://github.com/o/tools.git", "main", "40-hex"),
    ] {
        workspace(
            &ws,
            &format!(
                "bazel_dep(name = \"tools\", version = \"1.0\")\ngit_override(module_name = \"tools\", remote = \"{remote}\", commit = \"{commit}\")\n"
            ),
            "",
        );
        let out = fetch(&ws, &cache, &reg, &[]);
        let log = text(&out);
        assert_eq!(out.status.code(), Some(1), "{log}");
        assert!(
            log.contains(why) && log.contains("--repo tools=DIR") && !log.contains("fetched tools"),
            "{log}"
        );
    }
    workspace(
        &ws,
        &format!(
            "bazel_dep(name = \"tools\", version = \"1.0\")\ngit_override(module_name = \"tools\", remote = \"https://github.com/o/tools.git\", commit = \"{commit}\")\n"
        ),
        "",
    );
    let out = fetch(&ws, &cache, &reg, &["--offline"]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!(
            "https://github.com/o/tools/archive/{commit}.tar.gz"
        )) && log.contains("--offline"),
        "{log}"
    );
}
