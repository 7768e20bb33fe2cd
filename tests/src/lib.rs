//! Shared support for toolcheck's end-to-end tests: locating (and building once) the real
//! `toolcheck` binary, and materialising fixture workspaces on disk.

pub mod hostile;
pub mod lsp;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace's root directory (where the top-level Cargo.toml is).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The path of the real `toolcheck` binary, built once per test process.
///
/// `TOOLCHECK_BIN` overrides it (e.g. to test a release build).
pub fn toolcheck_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("TOOLCHECK_BIN") {
            return PathBuf::from(p);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "toolcheck", "--bin", "toolcheck"])
            .current_dir(repo_root())
            .status()
            .expect("cargo can be run to build the toolcheck binary");
        assert!(status.success(), "building the toolcheck binary failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo_root().join("target"));
        target.join("debug").join("toolcheck")
    })
    .clone()
}

/// A fresh, empty directory under the target directory, removed and recreated on each call
/// with the same name.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = repo_root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory can be created");
    dir
}

/// Writes `files` (relative path, contents) under `dir`.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("fixture directory can be created");
        }
        std::fs::write(&p, text).expect("fixture file can be written");
    }
}

/// Makes `link` a symbolic link to the file `target` (relative to `link`'s directory unless
/// absolute). Windows tells file links from directory links and lets only administrators or
/// Developer Mode create them; the panic says so.
pub fn symlink_file(target: &Path, link: &Path) {
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(target, link);
    #[cfg(windows)]
    let made = std::os::windows::fs::symlink_file(target, link);
    if let Err(e) = made {
        panic!(
            "cannot link {} to {} (on Windows this needs Developer Mode or administrator rights): {e}",
            link.display(),
            target.display()
        );
    }
}

/// `toolcheck check --format sarif` on `dir` (which must succeed), parsed.
pub fn check_sarif(dir: &Path) -> serde_json::Value {
    let out = Command::new(toolcheck_bin())
        .args(["check", "--format", "sarif", "--fail-on", "never"])
        .arg(dir)
        .output()
        .expect("toolcheck runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

/// The SARIF results of one check.
pub fn sarif_results<'a>(doc: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    doc["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter(|x| x["ruleId"] == rule).collect())
        .unwrap_or_default()
}

/// The byte offset of a SARIF position (1-based line and character column) in `text`.
pub fn sarif_offset(text: &str, line: u64, col: u64) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            return off
                + l.char_indices()
                    .nth(col as usize - 1)
                    .map_or(l.len(), |c| c.0);
        }
        off += l.len();
    }
    text.len()
}

/// Applies the first fix of every result to `text` (the file `uri` names), from the end of
/// the file backwards, as an editor applies accepted edits.
pub fn apply_first_fixes(text: &str, uri: &str, results: &[&serde_json::Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for r in results {
        let change = &r["fixes"][0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], uri, "{r:#}");
        for rep in change["replacements"].as_array().expect("replacements") {
            let region = &rep["deletedRegion"];
            let at = |l: &str, c: &str| {
                sarif_offset(
                    text,
                    region[l].as_u64().expect("line"),
                    region[c].as_u64().expect("column"),
                )
            };
            let new = rep["insertedContent"]["text"].as_str().unwrap_or_default();
            edits.push((
                at("startLine", "startColumn"),
                at("endLine", "endColumn"),
                new.to_string(),
            ));
        }
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut fixed = text.to_string();
    for (start, end, new) in edits {
        fixed.replace_range(start..end, &new);
    }
    fixed
}

/// `(check, path, message)` of every diagnostic of a `--format json` report.
pub fn json_findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("a JSON report has `diagnostics`")
        .iter()
        .map(|d| {
            let field = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (field("check"), field("path"), field("message"))
        })
        .collect()
}
