//! Downloads into the cache: an archive is fetched to `<cache>/downloads/<digest>.partial`,
//! resumed from there with an HTTP `Range` request when a previous run was interrupted, checked
//! against its expected digest, and only then renamed to `<cache>/downloads/<digest>`. Nothing
//! reads a `.partial` file except the download that continues it, and a file whose digest does
//! not match is deleted, never extracted.
//!
//! Every failure names its class and the URL: the connection (refused, timed out, name not
//! found), the HTTP status, a download that ended early, or the digest (expected and got).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::ProgressBar;

use super::integrity::Integrity;

/// Registry files (JSON, MODULE.bazel, patches) larger than this are refused.
const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// The HTTP client and the options every download shares.
pub struct Client {
    agent: ureq::Agent,
    pub offline: bool,
    timeout: Duration,
}

/// Why a URL could not be read.
#[derive(Debug)]
pub enum UrlError {
    /// The server answered 404 (or the file does not exist): another registry or URL may have it.
    NotFound(String),
    Other(String),
}

impl std::fmt::Display for UrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlError::NotFound(s) | UrlError::Other(s) => f.write_str(s),
        }
    }
}

impl Client {
    /// `timeout`: for connecting, for the response headers, and for each read of the body
    /// (a server that stalls mid-download is an error after it, not a hang).
    pub fn new(timeout: Duration, offline: bool) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_send_request(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("toolcheck/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            offline,
            timeout,
        }
    }

    /// A registry's text file (`bazel_registry.json`, `source.json`, `MODULE.bazel`, a patch).
    pub fn get_text(&self, url: &str) -> Result<String, UrlError> {
        let bytes = self.get_bytes(url)?;
        String::from_utf8(bytes).map_err(|_| UrlError::Other(format!("{url} is not UTF-8 text")))
    }

    fn get_bytes(&self, url: &str) -> Result<Vec<u8>, UrlError> {
        if let Some(path) = file_url_path(url) {
            return match fs::metadata(&path) {
                Ok(m) if m.len() > MAX_TEXT_BYTES => Err(UrlError::Other(format!(
                    "{url} is larger than {MAX_TEXT_BYTES} bytes"
                ))),
                Ok(_) => fs::read(&path)
                    .map_err(|e| UrlError::Other(format!("cannot read {}: {e}", path.display()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(UrlError::NotFound(
                    format!("{} does not exist", path.display()),
                )),
                Err(e) => Err(UrlError::Other(format!(
                    "cannot read {}: {e}",
                    path.display()
                ))),
            };
        }
        if self.offline {
            return Err(UrlError::Other(format!(
                "{url} is not in the cache, and --offline forbids downloading it"
            )));
        }
        let mut resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| UrlError::Other(self.describe(url, &e)))?;
        let status = resp.status().as_u16();
        if status == 404 || status == 410 {
            return Err(UrlError::NotFound(format!(
                "{url}: HTTP {status} (not found)"
            )));
        }
        if status != 200 {
            return Err(UrlError::Other(format!("{url}: HTTP {status}")));
        }
        let mut out = Vec::new();
        resp.body_mut()
            .with_config()
            .limit(MAX_TEXT_BYTES)
            .reader()
            .read_to_end(&mut out)
            .map_err(|e| UrlError::Other(self.describe_io(url, &e)))?;
        Ok(out)
    }

    /// Downloads one of `urls` (tried in order) into `downloads/`, verified against
    /// `integrity`, and returns the verified file. A verified file already there is used
    /// without any network access.
    pub fn fetch_archive(
        &self,
        urls: &[String],
        integrity: &Integrity,
        downloads: &Path,
        bar: &ProgressBar,
    ) -> anyhow::Result<PathBuf> {
        // Two jobs of one run may pin the same archive (a module and an http_archive): one
        // downloads it while the other waits, then finds it done.
        let key_lock = key_lock(&integrity.file_key());
        let _held = key_lock.lock().unwrap_or_else(|e| e.into_inner());
        let done = downloads.join(integrity.file_key());
        if done.is_file() {
            // Checked again: a file of the cache may have been damaged since it was written.
            if integrity.of_file(&done).ok().as_ref() == Some(integrity) {
                return Ok(done);
            }
            let _ = fs::remove_file(&done);
        }
        let partial = downloads.join(format!("{}.partial", integrity.file_key()));
        let mut errors = Vec::new();
        for url in urls {
            if self.offline && file_url_path(url).is_none() {
                errors.push(format!("{url}: not downloaded (--offline)"));
                continue;
            }
            match self.fetch_one(url, &partial, bar) {
                Ok(()) => {}
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
            let got = integrity
                .of_file(&partial)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", partial.display()))?;
            if &got != integrity {
                let _ = fs::remove_file(&partial);
                errors.push(format!(
                    "{url}: integrity mismatch: expected {integrity}, got {got}"
                ));
                continue;
            }
            fs::rename(&partial, &done)?;
            return Ok(done);
        }
        if urls.is_empty() {
            anyhow::bail!("no URL to download from");
        }
        anyhow::bail!("{}", errors.join("; "))
    }

    /// Downloads `url`, which no digest pins (a forge's archive of a `git_override` commit),
    /// into `downloads/`, and returns the file with its SHA-256 (what the caller then pins).
    /// Nothing verifies the bytes here: the caller checks what it can (the archive's top
    /// directory) and records the digest, after which the archive is a pinned one.
    pub fn fetch_unpinned(
        &self,
        url: &str,
        downloads: &Path,
        bar: &ProgressBar,
    ) -> anyhow::Result<(PathBuf, Integrity)> {
        if self.offline && file_url_path(url).is_none() {
            anyhow::bail!("{url}: not downloaded (--offline), and no earlier download pinned it");
        }
        let key = super::integrity::sha256_hex(url.as_bytes());
        let key_lock = key_lock(&key);
        let _held = key_lock.lock().unwrap_or_else(|e| e.into_inner());
        let partial = downloads.join(format!("unpinned-{}.partial", &key[..32]));
        self.fetch_one(url, &partial, bar)
            .map_err(anyhow::Error::msg)?;
        let sha256 = Integrity::parse_sha256_hex(&"0".repeat(64)).map_err(anyhow::Error::msg)?;
        let got = sha256
            .of_file(&partial)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", partial.display()))?;
        let done = downloads.join(got.file_key());
        fs::rename(&partial, &done)?;
        Ok((done, got))
    }

    /// Downloads `url` into `partial`, continuing a partial file when the server supports
    /// ranges.
    fn fetch_one(&self, url: &str, partial: &Path, bar: &ProgressBar) -> Result<(), String> {
        if let Some(path) = file_url_path(url) {
            return fs::copy(&path, partial)
                .map(|n| bar.inc(n))
                .map_err(|e| format!("cannot read {}: {e}", path.display()));
        }
        let have = fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
        let mut req = self.agent.get(url);
        if have > 0 {
            req = req.header("Range", format!("bytes={have}-"));
        }
        let mut resp = req.call().map_err(|e| self.describe(url, &e))?;
        let status = resp.status().as_u16();
        let (mut file, start) = match status {
            200 => (fs::File::create(partial).map_err(|e| e.to_string())?, 0),
            206 if have > 0 => {
                // The range must start where the partial file ends, else start over.
                let from = resp
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split('-').next())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                if from != Some(have) {
                    let _ = fs::remove_file(partial);
                    return Err(format!(
                        "{url}: the server resumed at another offset than asked; the partial download was discarded, run again"
                    ));
                }
                let f = fs::OpenOptions::new()
                    .append(true)
                    .open(partial)
                    .map_err(|e| e.to_string())?;
                (f, have)
            }
            416 if have > 0 => {
                // The partial file is not a prefix of what the server has: start over.
                let _ = fs::remove_file(partial);
                return self.fetch_one(url, partial, bar);
            }
            404 | 410 => return Err(format!("{url}: HTTP {status} (not found)")),
            _ => return Err(format!("{url}: HTTP {status}")),
        };
        let expected_len = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(len) = expected_len {
            bar.inc_length(len);
        }
        bar.inc(start);
        let mut reader = resp.body_mut().with_config().reader();
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    // What arrived stays in the `.partial` file for the next run to continue.
                    return Err(format!(
                        "{} ({got} bytes received; the next run resumes)",
                        self.describe_io(url, &e)
                    ));
                }
            };
            file.write_all(&buf[..n]).map_err(|e| e.to_string())?;
            got += n as u64;
            bar.inc(n as u64);
        }
        file.flush().map_err(|e| e.to_string())?;
        if let Some(len) = expected_len {
            if got < len {
                return Err(format!(
                    "{url}: the download ended early ({got} of {len} bytes); the next run resumes"
                ));
            }
        }
        Ok(())
    }

    fn describe(&self, url: &str, e: &ureq::Error) -> String {
        match e {
            ureq::Error::Timeout(_) => format!(
                "{url}: timed out after {}s (the server did not answer; --timeout SECS waits longer)",
                self.timeout.as_secs_f32()
            ),
            ureq::Error::ConnectionFailed => format!("{url}: connection failed"),
            ureq::Error::HostNotFound => format!("{url}: host not found"),
            ureq::Error::Io(io) => self.describe_io(url, io),
            other => format!("{url}: {other}"),
        }
    }

    fn describe_io(&self, url: &str, e: &std::io::Error) -> String {
        use std::io::ErrorKind::*;
        let inner = e
            .get_ref()
            .and_then(|i| i.downcast_ref::<ureq::Error>())
            .map(|u| matches!(u, ureq::Error::Timeout(_)))
            .unwrap_or(false);
        match e.kind() {
            _ if inner => format!(
                "{url}: timed out after {}s (the server stopped sending; --timeout SECS waits longer)",
                self.timeout.as_secs_f32()
            ),
            TimedOut | WouldBlock => format!(
                "{url}: timed out after {}s (the server stopped sending; --timeout SECS waits longer)",
                self.timeout.as_secs_f32()
            ),
            ConnectionRefused => format!("{url}: connection refused"),
            ConnectionReset | ConnectionAborted | UnexpectedEof => {
                format!("{url}: the connection was closed before the download was complete")
            }
            _ => format!("{url}: {e}"),
        }
    }
}

/// The lock of one archive's download within this process.
fn key_lock(key: &str) -> std::sync::Arc<std::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut map = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    map.entry(key.to_string()).or_default().clone()
}

/// The local path of a `file://` URL.
pub fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    // `file:///abs/path` (empty host) or `file://localhost/abs/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    Some(PathBuf::from(percent_decode(rest)))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls() {
        assert_eq!(
            file_url_path("file:///tmp/a%20b/x"),
            Some(PathBuf::from("/tmp/a b/x"))
        );
        assert_eq!(
            file_url_path("file://localhost/r"),
            Some(PathBuf::from("/r"))
        );
        assert_eq!(file_url_path("https://x/y"), None);
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
