//! Test support shared by the analyzer crates' tests: a main-repository workspace built
//! from `(path, text)` pairs, lowered and indexed as the real pipeline does (no I/O).

use std::sync::Arc;

use toolcheck_syntax::{parse, FileKind};

use crate::facts::{lower_file, FileFacts};
use crate::index::WorkspaceIndex;
use crate::label::RepoName;
use crate::workspace::{RepoInfo, RepoOrigin, Workspace};

/// A workspace of the main repository holding `files` (kind from the file name, `.bzl`
/// otherwise), its facts, and its index for Bazel 8.
pub fn indexed(files: &[(&str, &str)]) -> (Workspace, Vec<Arc<FileFacts>>, WorkspaceIndex) {
    let mut ws = Workspace::default();
    ws.repos.push(RepoInfo {
        name: RepoName::main(),
        root_display: ".".into(),
        display_prefix: String::new(),
        origin: RepoOrigin::Main,
        module_name: None,
    });
    for (path, text) in files {
        let name = path.rsplit('/').next().unwrap_or(path);
        let kind = FileKind::from_file_name(name).unwrap_or(FileKind::Bzl);
        ws.add_file(RepoName::main(), *path, kind, Arc::from(*text));
    }
    let facts: Vec<Arc<FileFacts>> = ws
        .files
        .iter()
        .map(|f| {
            let p = parse(&f.text());
            Arc::new(lower_file(p.tree.as_ref(), &f.text(), f.kind, p.errors))
        })
        .collect();
    let index = WorkspaceIndex::build(&ws, &facts, 8);
    (ws, facts, index)
}
