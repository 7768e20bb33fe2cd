//! Shared by the analyzer fuzz targets: building an in-memory [`Workspace`] from a set of
//! files, and running everything the analysis offers on it (workspace symbols included) while
//! checking the invariants the front ends rely on (ranges inside their file and on character
//! boundaries, deterministic output, incremental updates that agree with a fresh analysis).

#![allow(dead_code)]

use std::sync::Arc;

use toolcheck_ide::{
    AnalysisHost, FileId, FileKind, LintConfig, RepoInfo, RepoName, RepoOrigin, ResolveQuery,
    TextRange, Workspace,
};

/// Runs `f` on a one-thread rayon pool. The analysis parallelises with rayon; called from the
/// fuzzer's own thread, every parallel step would hand its work to the pool and wait for it
/// (wake-ups that cost more than small inputs' whole analysis). On the pool's only thread the
/// same parallel code runs its parts in turn.
pub fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
    })
    .install(f)
}

/// One file of a fuzzed workspace: repository (`""` is the main one), path, text.
pub struct InFile {
    pub repo: String,
    pub path: String,
    pub text: String,
}

/// Splits a multi-file text in the fixture format (`#- path` header lines; `#- @repo/path`
/// puts a file in another repository) into files. Text before the first header is
/// `default_path`.
pub fn split_files(text: &str, default_path: &str) -> Vec<InFile> {
    let mut files = Vec::new();
    let mut cur = InFile {
        repo: String::new(),
        path: default_path.to_string(),
        text: String::new(),
    };
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix("#- ") {
            let header = header.trim();
            if header.starts_with("config:") {
                continue;
            }
            let done = std::mem::replace(
                &mut cur,
                InFile {
                    repo: String::new(),
                    path: header.to_string(),
                    text: String::new(),
                },
            );
            if !done.text.is_empty() || done.path != default_path {
                files.push(done);
            }
            if let Some(rest) = header.strip_prefix('@') {
                let (repo, path) = rest.split_once('/').unwrap_or((rest, "BUILD"));
                cur.repo = repo.to_string();
                cur.path = path.to_string();
            }
            continue;
        }
        cur.text.push_str(line);
    }
    files.push(cur);
    files.truncate(64);
    files
}

/// Builds the workspace the disk loader would build from these files (without any I/O).
pub fn workspace(files: &[InFile]) -> Workspace {
    let mut ws = Workspace::default();
    let mut repo_names: Vec<String> = vec![String::new()];
    for f in files {
        if !repo_names.contains(&f.repo) {
            repo_names.push(f.repo.clone());
        }
    }
    for name in &repo_names {
        ws.repos.push(RepoInfo {
            name: RepoName::new(name.clone()),
            root_display: if name.is_empty() {
                "/ws".to_string()
            } else {
                format!("/ext/{name}")
            },
            display_prefix: String::new(),
            origin: if name.is_empty() {
                RepoOrigin::Main
            } else {
                RepoOrigin::LocalRepository
            },
            module_name: None,
        });
    }
    for f in files {
        let name = f.path.rsplit('/').next().unwrap_or(&f.path);
        let kind = FileKind::from_file_name(name).unwrap_or(FileKind::Build);
        let id = ws.add_file(
            RepoName::new(f.repo.clone()),
            f.path.clone(),
            kind,
            Arc::from(f.text.as_str()),
        );
        if kind == FileKind::Bazelrc && f.repo.is_empty() {
            ws.rc_files.push((f.path.clone(), id));
        }
        if f.path == ".bazelversion" && f.repo.is_empty() {
            ws.bazel_version_file = Some(f.text.trim().to_string());
        }
    }
    ws
}

fn check_range(ws: &Workspace, file: FileId, range: TextRange, what: &str) {
    let text = &ws.file(file).text();
    assert!(
        range.start <= range.end && range.end as usize <= text.len(),
        "{what}: range {range:?} outside {} ({} bytes)",
        ws.display_path(file),
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start as usize) && text.is_char_boundary(range.end as usize),
        "{what}: range {range:?} splits a character in {}",
        ws.display_path(file)
    );
}

/// Offsets to query in a text of `len` bytes: a few fixed ones plus some picked by `seed`.
fn offsets(text: &str, seed: u64) -> Vec<u32> {
    let len = text.len() as u64;
    let mut out: Vec<u32> = vec![0, (len / 2) as u32, len as u32];
    let mut x = seed | 1;
    for _ in 0..2 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push((x % (len + 1)) as u32);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Runs checks, navigation, resolution and an incremental update on `ws`, asserting the
/// invariants. `seed` picks the cursor positions.
pub fn exercise(ws: Workspace, seed: u64) {
    let mut host = AnalysisHost::new(ws);
    let analysis = host.analysis();
    let ws = analysis.workspace().clone();
    let config = LintConfig::default();
    let diags = analysis.diagnostics(&config);
    for d in &diags {
        check_range(&ws, d.file, d.range, d.check);
        for r in &d.related {
            check_range(&ws, r.file, r.range, "related");
        }
        for fix in &d.fixes {
            for e in &fix.edits {
                check_range(&ws, e.file, e.range, "fix edit");
            }
        }
    }
    // The expensive cross-checks run on one input in eight.
    let cross_check = seed % 8 == 0;
    // Deterministic: a second snapshot of the same inputs says the same.
    if cross_check {
        let again = AnalysisHost::new(ws.clone())
            .analysis()
            .diagnostics(&config);
        assert_eq!(
            diags.len(),
            again.len(),
            "diagnostics are not deterministic"
        );
    }
    for id in ws.file_ids() {
        if !ws.file(id).kind.is_starlark() {
            continue;
        }
        for s in analysis.document_symbols(id) {
            check_range(&ws, id, s.range, "symbol");
            check_range(&ws, id, s.focus_range, "symbol focus");
        }
        for off in offsets(&ws.file(id).text(), seed ^ u64::from(id.0)) {
            if let Some(h) = analysis.hover(id, off) {
                check_range(&ws, id, h.range, "hover");
            }
            for t in analysis.goto_definition(id, off) {
                check_range(&ws, t.file, t.range, "definition");
                check_range(&ws, t.file, t.focus, "definition focus");
            }
            for r in analysis.references(id, off, true) {
                check_range(&ws, r.file, r.range, "reference");
            }
            let _ = analysis.completions(id, off);
            let _ = analysis.resolution_report(id, Some(off));
        }
    }
    let _ = analysis.resolve(&ResolveQuery::default());
    // Workspace symbols for a query taken from the first file's text at a seeded offset.
    if let Some(first) = ws.file_ids().next() {
        let text = &ws.file(first).text();
        let at = offsets(text, seed).pop().unwrap_or(0) as usize;
        let query: String = text[text.floor_char_boundary(at)..]
            .chars()
            .take(3)
            .collect();
        if let Ok(found) = analysis.workspace_symbols(&query, 50) {
            assert!(found.len() <= 50, "workspace symbols over the limit");
            for s in found {
                check_range(&ws, s.file, s.range, "workspace symbol");
            }
        }
    }
    // An incremental edit of the first file agrees with a fresh analysis of the edited
    // workspace.
    let first = ws.file_ids().next().filter(|_| cross_check);
    if let Some(first) = first {
        let old = ws.file(first).stored_text().to_shared();
        let cut = old.len() / 3;
        let cut = (0..=cut)
            .rev()
            .find(|&i| old.is_char_boundary(i))
            .unwrap_or(0);
        let edited: Arc<str> = Arc::from(format!("{}\n{}", &old[..cut], &old[cut..]));
        host.set_file_text(first, edited.clone());
        let incremental = host.analysis().diagnostics(&config);
        let mut fresh_ws = ws.clone();
        fresh_ws.files_mut()[first.0 as usize].set_stored_text(edited.into());
        let fresh = AnalysisHost::new(fresh_ws).analysis().diagnostics(&config);
        assert_eq!(
            incremental.len(),
            fresh.len(),
            "incremental analysis disagrees with a fresh one"
        );
    }
}
