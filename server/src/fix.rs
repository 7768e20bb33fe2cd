//! `toolcheck check --fix`, `--diff` and `--unsafe-fixes`: the quick fixes the checks attach to
//! their findings, applied from the command line.
//!
//! This module owns choosing which fixes apply (one per finding: its first fix the user allowed,
//! `Applicability::Safe` unless `--unsafe-fixes`), refusing overlapping edits (the first fix in
//! file order wins, the others are reported as skipped, so no edit is ever applied on top of
//! text another edit changed), rendering the result as a unified diff, and writing the user's
//! files. It is the only code that writes a file of the workspace, and only because the user
//! asked with `--fix`: each file is written atomically (a temporary file in the same directory,
//! the original's permissions, then a rename), so an interrupted run leaves either the old file
//! or the new one, never half of one.
//!
//! Edits are byte ranges into the text the analysis read. The disk loader strips a UTF-8 byte
//! order mark, so the file is read again before it is changed: a file whose bytes are no longer
//! that text (edited since, or read lossily because it is not UTF-8) is left alone and named.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use toolcheck_ide::{Applicability, Diagnostic, FileId, TextRange, Workspace};

const BOM: &str = "\u{feff}";

/// How many findings of a run carry a fix, by what it takes to apply one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fixable {
    /// Findings with a safe fix: applied by `--fix`.
    pub safe: usize,
    /// Findings whose only fixes need review: applied by `--fix --unsafe-fixes`.
    pub unsafe_only: usize,
}

/// Counts the findings `--fix` (and `--unsafe-fixes`) would address.
pub fn fixable(diagnostics: &[Diagnostic]) -> Fixable {
    let mut n = Fixable::default();
    for d in diagnostics {
        if d.fixes
            .iter()
            .any(|f| f.applicability == Applicability::Safe)
        {
            n.safe += 1;
        } else if !d.fixes.is_empty() {
            n.unsafe_only += 1;
        }
    }
    n
}

/// The line a run prints about fixes it did not apply, e.g. `2 fixable with --fix (1 more with
/// --unsafe-fixes)`; `None` when nothing is fixable.
pub fn fixable_line(n: Fixable, unsafe_allowed: bool) -> Option<String> {
    match (n.safe, n.unsafe_only) {
        (0, 0) => None,
        (s, 0) => Some(format!("{s} fixable with --fix")),
        (s, u) if unsafe_allowed => Some(format!("{} fixable with --fix", s + u)),
        (0, u) => Some(format!("{u} fixable with --fix --unsafe-fixes")),
        (s, u) => Some(format!(
            "{s} fixable with --fix ({u} more with --unsafe-fixes)"
        )),
    }
}

/// One file the chosen fixes change.
pub struct FileChange {
    /// Where the file is on disk.
    pub path: PathBuf,
    /// The path as the report names it.
    pub display: String,
    pub old: String,
    pub new: String,
    /// The file starts with a byte order mark the loader stripped; it is kept.
    bom: bool,
}

/// A fix that was not applied, and why.
pub struct Skipped {
    pub check: &'static str,
    pub place: String,
    pub reason: String,
}

/// What `--fix` or `--diff` would do.
#[derive(Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    /// Findings whose fix is in `changes`.
    pub fixed: usize,
    pub skipped: Vec<Skipped>,
}

/// `path:line:column` of a byte offset (1-based, columns in Unicode scalar values).
fn place(display: &str, text: &str, offset: u32) -> String {
    let offset = (offset as usize).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map(|i| i + 1).unwrap_or(0)..]
        .chars()
        .count()
        + 1;
    format!("{display}:{line}:{col}")
}

/// Where a file of the workspace is on disk, when toolcheck may write it: files of the main
/// repository and of repositories inside it. Computed repositories, the output base and
/// repositories elsewhere are not the user's to fix here (ownership already moves such
/// findings to the main repository without their fixes).
fn disk_path(ws: &Workspace, root: &Path, file: FileId) -> Option<PathBuf> {
    let f = ws.file(file);
    let repo = ws.repo(&f.repo)?;
    let base = match repo.origin {
        toolcheck_ide::RepoOrigin::Main => root.to_path_buf(),
        toolcheck_ide::RepoOrigin::LocalPathOverride
        | toolcheck_ide::RepoOrigin::LocalRepository
            if !repo.display_prefix.is_empty() =>
        {
            root.join(&repo.display_prefix)
        }
        _ => return None,
    };
    Some(base.join(&f.path))
}

/// Two edits conflict when their ranges overlap, or when both start at one offset (two
/// insertions there, or an insertion before a replacement, have no order that is obviously
/// right).
fn conflicts(a: TextRange, b: TextRange) -> bool {
    (a.start < b.end && b.start < a.end) || a.start == b.start
}

/// Chooses the fixes to apply for `diagnostics` (the ones the run reports) and computes the new
/// text of every file they change.
pub fn plan(ws: &Workspace, root: &Path, diagnostics: &[Diagnostic], allow_unsafe: bool) -> Plan {
    // The fix of each finding: its first the user allowed.
    let mut chosen: Vec<(&Diagnostic, &toolcheck_ide::Fix)> = diagnostics
        .iter()
        .filter_map(|d| {
            d.fixes
                .iter()
                .find(|f| allow_unsafe || f.applicability == Applicability::Safe)
                .map(|f| (d, f))
        })
        .filter(|(_, f)| !f.edits.is_empty())
        .collect();
    // File order, then position: "the first" fix is the first in the file.
    chosen.sort_by_key(|(d, f)| {
        let e = &f.edits[0];
        (ws.display_path(e.file), e.range.start, e.range.end, d.check)
    });
    let mut plan = Plan::default();
    // Accepted edits per file, and the finding each belongs to (for the skip message).
    let mut accepted: BTreeMap<FileId, Vec<(TextRange, String, &'static str)>> = BTreeMap::new();
    let mut accepted_fixes: Vec<&toolcheck_ide::Fix> = Vec::new();
    let mut unwritable: BTreeMap<FileId, String> = BTreeMap::new();
    let mut texts: BTreeMap<FileId, (PathBuf, bool)> = BTreeMap::new();
    'fixes: for (d, fix) in chosen {
        let here = place(
            &ws.display_path(d.file),
            &ws.file(d.file).text(),
            d.range.start,
        );
        // The same edits as a fix already taken (one root cause reported twice): done.
        if accepted_fixes.iter().any(|f| f.edits == fix.edits) {
            plan.fixed += 1;
            continue;
        }
        for e in &fix.edits {
            let text = &ws.file(e.file).text();
            if !(text.is_char_boundary(e.range.start as usize)
                && text.is_char_boundary(e.range.end as usize)
                && e.range.start <= e.range.end)
            {
                plan.skipped.push(Skipped {
                    check: d.check,
                    place: here,
                    reason: "its edit does not fit the file".to_string(),
                });
                continue 'fixes;
            }
            if !texts.contains_key(&e.file) && !unwritable.contains_key(&e.file) {
                match disk_path(ws, root, e.file).map(|p| read_same(&p, text)) {
                    Some(Ok(bom)) => {
                        let path = disk_path(ws, root, e.file).expect("just computed");
                        texts.insert(e.file, (path, bom));
                    }
                    Some(Err(why)) => {
                        unwritable.insert(e.file, why);
                    }
                    None => {
                        unwritable.insert(
                            e.file,
                            "the file is not in the workspace's own repositories".to_string(),
                        );
                    }
                }
            }
            if let Some(why) = unwritable.get(&e.file) {
                plan.skipped.push(Skipped {
                    check: d.check,
                    place: here,
                    reason: format!("{} {why}", ws.display_path(e.file)),
                });
                continue 'fixes;
            }
            if let Some((_, other_place, other_check)) = accepted
                .get(&e.file)
                .and_then(|edits| edits.iter().find(|(r, ..)| conflicts(*r, e.range)))
            {
                plan.skipped.push(Skipped {
                    check: d.check,
                    place: here,
                    reason: format!(
                        "it overlaps the fix of `{other_check}` at {other_place}, applied first; run again to apply it"
                    ),
                });
                continue 'fixes;
            }
        }
        for e in &fix.edits {
            accepted
                .entry(e.file)
                .or_default()
                .push((e.range, here.clone(), d.check));
        }
        accepted_fixes.push(fix);
        plan.fixed += 1;
    }
    // The new texts: edits applied from the end so earlier offsets stay valid.
    let mut edits: BTreeMap<FileId, Vec<(TextRange, &str)>> = BTreeMap::new();
    for fix in &accepted_fixes {
        for e in &fix.edits {
            edits
                .entry(e.file)
                .or_default()
                .push((e.range, e.new_text.as_str()));
        }
    }
    for (file, mut list) in edits {
        let old = ws.file(file).text().to_string();
        let mut new = old.clone();
        list.sort_by_key(|(r, _)| std::cmp::Reverse((r.start, r.end)));
        for (r, text) in list {
            new.replace_range(r.start as usize..r.end as usize, text);
        }
        let (path, bom) = texts
            .remove(&file)
            .expect("a file with accepted edits was read");
        plan.changes.push(FileChange {
            path,
            display: ws.display_path(file),
            old,
            new,
            bom,
        });
    }
    plan.changes.sort_by(|a, b| a.display.cmp(&b.display));
    plan
}

/// Reads `path` and confirms it still holds `text` (with or without a byte order mark, which
/// the loader strips); `Ok(true)` when it has one.
fn read_same(path: &Path, text: &str) -> Result<bool, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read again: {e}"))?;
    let Ok(disk) = std::str::from_utf8(&bytes) else {
        return Err("is not UTF-8: toolcheck read it lossily and will not rewrite it".to_string());
    };
    match disk.strip_prefix(BOM) {
        Some(rest) if rest == text => Ok(true),
        _ if disk == text => Ok(false),
        _ => Err("changed since toolcheck read it".to_string()),
    }
}

/// Writes the plan as a unified diff, one file after another (`a/` and `b/` prefixes, as
/// `git apply` and `patch -p1` expect, relative to the directory the report's paths are).
pub fn write_diff(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    for c in &plan.changes {
        let diff = similar::TextDiff::from_lines(&c.old, &c.new);
        let a = format!("a/{}", c.display);
        let b = format!("b/{}", c.display);
        write!(
            out,
            "{}",
            diff.unified_diff().context_radius(3).header(&a, &b)
        )?;
    }
    Ok(())
}

/// Writes every changed file; returns the files that could not be written, with why.
pub fn apply(plan: &Plan) -> Vec<(String, std::io::Error)> {
    let mut failed = Vec::new();
    for c in &plan.changes {
        let contents = if c.bom {
            format!("{BOM}{}", c.new)
        } else {
            c.new.clone()
        };
        if let Err(e) = write_atomically(&c.path, contents.as_bytes()) {
            failed.push((c.display.clone(), e));
        }
    }
    failed
}

/// Replaces the file at `path` with `contents` in one step: a new file beside it (same
/// directory, so the rename cannot cross file systems), written and flushed to disk, given the
/// old file's permissions (and owner, where allowed), then renamed over it. A link is followed
/// to the file it names, so the link stays a link.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let metadata = std::fs::metadata(&target)?;
    let permissions = metadata.permissions();
    let dir = target
        .parent()
        .ok_or_else(|| std::io::Error::other("the file has no directory"))?;
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?
        .to_string_lossy()
        .into_owned();
    let (tmp, mut file) = (0..100)
        .find_map(|attempt| {
            let tmp = dir.join(format!(
                ".{name}.toolcheck-fix.{}.{attempt}",
                std::process::id()
            ));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => Some(Ok((tmp, f))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| {
            Err(std::io::Error::other(
                "no free name for a temporary file beside it",
            ))
        })?;
    let written = (|| {
        file.write_all(contents)?;
        // The owner too, where the process may set it (as root, or the owner itself): a fix run
        // with sudo must not leave a file the user can no longer edit.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::os::unix::fs::fchown(&file, Some(metadata.uid()), Some(metadata.gid())).ok();
        }
        file.set_permissions(permissions)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &target)
    })();
    if written.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_ranges() {
        let r = |s, e| TextRange::new(s, e);
        assert!(conflicts(r(0, 5), r(4, 6)));
        assert!(!conflicts(r(0, 5), r(5, 6)));
        assert!(conflicts(r(3, 3), r(3, 3)));
        assert!(conflicts(r(3, 3), r(3, 8)));
        assert!(conflicts(r(4, 4), r(3, 8)));
        assert!(!conflicts(r(8, 8), r(3, 8)));
    }

    #[test]
    fn the_fixable_line() {
        let n = |safe, unsafe_only| Fixable { safe, unsafe_only };
        assert_eq!(fixable_line(n(0, 0), false), None);
        assert_eq!(
            fixable_line(n(2, 0), false).unwrap(),
            "2 fixable with --fix"
        );
        assert_eq!(
            fixable_line(n(2, 1), false).unwrap(),
            "2 fixable with --fix (1 more with --unsafe-fixes)"
        );
        assert_eq!(
            fixable_line(n(0, 1), false).unwrap(),
            "1 fixable with --fix --unsafe-fixes"
        );
        assert_eq!(fixable_line(n(2, 1), true).unwrap(), "3 fixable with --fix");
    }

    #[test]
    fn atomic_write_keeps_permissions_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("toolcheck-fix-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("BUILD.bazel");
        std::fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["BUILD.bazel"]);
        // Through a link: the file it names changes, the link stays.
        #[cfg(unix)]
        {
            let link = dir.join("LINK.bazel");
            std::os::unix::fs::symlink("BUILD.bazel", &link).unwrap();
            write_atomically(&link, b"newer\n").unwrap();
            assert!(std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "newer\n");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
