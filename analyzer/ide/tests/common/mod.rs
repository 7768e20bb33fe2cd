//! Set-up shared by the analysis tests: a host over a main repository holding given files,
//! and finding a file by path.

#![allow(dead_code)]

use toolcheck_ide::{Analysis, AnalysisHost, FileId, FileKind, RepoName, Workspace};

/// A host whose main repository holds `files` (path, kind, text), in that order.
pub fn host_with(files: &[(&str, FileKind, &str)]) -> AnalysisHost {
    let mut host = AnalysisHost::new(Workspace::with_main_repo(""));
    for &(path, kind, text) in files {
        host.add_file(RepoName::main(), path.to_string(), kind, text.into());
    }
    host
}

/// The main-repository file at `path`.
pub fn file_at(a: &Analysis, path: &str) -> FileId {
    a.workspace()
        .file_ids()
        .find(|&id| a.workspace().file(id).path == path)
        .unwrap_or_else(|| panic!("no file {path}"))
}
