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
