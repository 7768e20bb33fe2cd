//! Running the real binary on hostile workspaces: a control package whose finding must
//! survive whatever else is broken, and a runner that bounds the child's time and peak memory
//! (VmHWM from /proc) and fails on a panic.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::lsp::memory_kib;
use crate::toolcheck_bin;

/// A control package whose unresolved label must be reported whatever else is broken.
pub const CONTROL: (&str, &str) = (
    "control/BUILD.bazel",
    "toolchain(\n    name = \"tc\",\n    toolchain = \":impl\",\n    toolchain_type = \"//control:missing_type\",\n)\n",
);

/// Generous bounds every run must stay under.
pub const MAX_TIME: Duration = Duration::from_secs(120);
pub const MAX_PEAK_KIB: u64 = 2 << 20; // 2 GiB

pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// `(check, path, message)` of every diagnostic.
    pub diags: Vec<(String, String, String)>,
    pub stderr: String,
    /// Peak resident memory of the child (VmHWM).
    pub peak_kib: u64,
}

pub fn run_check(dir: &Path, extra: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(toolcheck_bin())
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("toolcheck runs");
    let pid = child.id();
    let out_reader = {
        let mut so = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut so, &mut v).ok();
            v
        })
    };
    let err_reader = {
        let mut se = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut se, &mut v).ok();
            v
        })
    };
    let mut peak = 0;
    let status = loop {
        if let Some((_, hwm)) = memory_kib(pid) {
            peak = peak.max(hwm);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > MAX_TIME {
            let _ = child.kill();
            panic!("toolcheck took over {MAX_TIME:?} on {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    assert!(!stderr.contains("panicked"), "toolcheck panicked: {stderr}");
    assert!(
        peak < MAX_PEAK_KIB,
        "peak memory {peak} KiB on {}",
        dir.display()
    );
    let json: serde_json::Value = serde_json::from_slice(&stdout).unwrap_or_default();
    let diags = json["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["check"].as_str().unwrap_or_default().to_string(),
                d["path"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    eprintln!("{}: {:?}, peak {peak} KiB", dir.display(), start.elapsed());
    Run {
        code: status.code().unwrap_or(-1),
        diags,
        stderr,
        peak_kib: peak,
    }
}

pub fn assert_control(run: &Run, code: i32) {
    assert_eq!(run.code, code, "stderr: {}", run.stderr);
    assert!(
        run.diags.iter().any(|(c, p, m)| c == "unresolved-label"
            && p == "control/BUILD.bazel"
            && m.contains("missing_type")),
        "the control finding is missing: {:#?}",
        run.diags
    );
}

pub fn has(run: &Run, check: &str, path: &str, needle: &str) -> bool {
    run.diags
        .iter()
        .any(|(c, p, m)| c == check && p == path && m.contains(needle))
}
