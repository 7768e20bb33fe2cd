//! Applies unified diffs (registry `patches`, `http_archive(patches = ...)`) to an extracted
//! directory, as `patch -p<strip>` would, without running anything: one or more files per
//! patch (`--- a/x` / `+++ b/x` headers, `diff --git` lines ignored), created (`--- /dev/null`)
//! and deleted (`+++ /dev/null`) files, `\ No newline at end of file`. A hunk applies where
//! its header says or, when the file moved, at the nearest place its context and removed
//! lines match exactly; anything else is an error naming the file and hunk (no fuzz).

use std::fs;
use std::path::{Path, PathBuf};

struct FilePatch {
    old: Option<String>,
    new: Option<String>,
    hunks: Vec<Hunk>,
}

struct Hunk {
    old_start: usize,
    /// (' ' | '-' | '+', line without its end, ends with a newline)
    lines: Vec<(u8, String, bool)>,
}

/// Applies `text` to the tree at `dir`, stripping `strip` leading components from its paths.
pub fn apply(dir: &Path, text: &str, strip: usize) -> Result<(), String> {
    let patches = parse(text)?;
    if patches.is_empty() {
        return Err("the patch holds no file changes".to_string());
    }
    for p in patches {
        let old_path = p
            .old
            .as_deref()
            .map(|s| target(dir, s, strip))
            .transpose()?;
        let new_path = p
            .new
            .as_deref()
            .map(|s| target(dir, s, strip))
            .transpose()?;
        let path = new_path
            .clone()
            .or_else(|| old_path.clone())
            .ok_or("a file change names no file")?;
        let original = match &old_path {
            Some(o) => {
                let m = fs::symlink_metadata(o).map_err(|e| format!("{}: {e}", display(dir, o)))?;
                if !m.is_file() {
                    return Err(format!("{} is not a regular file", display(dir, o)));
                }
                fs::read_to_string(o).map_err(|e| format!("{}: {e}", display(dir, o)))?
            }
            None => String::new(),
        };
        let patched = apply_hunks(&original, &p.hunks)
            .map_err(|e| format!("{}: {e}", display(dir, &path)))?;
        if p.new.is_none() {
            if let Some(o) = &old_path {
                fs::remove_file(o).map_err(|e| format!("{}: {e}", display(dir, o)))?;
            }
            continue;
        }
        if let Some(parent) = path.parent() {
            make_real_dirs(dir, parent)?;
        }
        if let Ok(m) = fs::symlink_metadata(&path) {
            if m.file_type().is_symlink() {
                return Err(format!(
                    "{} is a symbolic link; a patch does not write through it",
                    display(dir, &path)
                ));
            }
        }
        fs::write(&path, patched).map_err(|e| format!("{}: {e}", display(dir, &path)))?;
    }
    Ok(())
}

fn display(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir).unwrap_or(p).display().to_string()
}

/// Creates `parent` (inside `dir`) with real directories only.
fn make_real_dirs(dir: &Path, parent: &Path) -> Result<(), String> {
    let rel = parent
        .strip_prefix(dir)
        .map_err(|_| "path outside the tree")?;
    let mut cur = dir.to_path_buf();
    for c in rel.components() {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(format!("{} is not a directory", display(dir, &cur))),
            Err(_) => fs::create_dir(&cur).map_err(|e| e.to_string())?,
        }
    }
    Ok(())
}

/// The file a patch path names, `strip` components removed; never outside `dir`.
fn target(dir: &Path, path: &str, strip: usize) -> Result<PathBuf, String> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if path.starts_with('/') && strip == 0 {
        return Err(format!("patch path '{path}' is absolute"));
    }
    if parts.len() <= strip {
        return Err(format!(
            "patch path '{path}' has no component left after stripping {strip}"
        ));
    }
    let rest = &parts[strip..];
    if rest.contains(&"..") {
        return Err(format!("patch path '{path}' contains '..'"));
    }
    Ok(rest.iter().fold(dir.to_path_buf(), |p, c| p.join(c)))
}

/// A header's path: up to a tab (a timestamp follows), `/dev/null` as `None`.
fn header_path(rest: &str) -> Option<String> {
    let p = rest.split('\t').next().unwrap_or(rest).trim_end();
    let p = p
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(p);
    (p != "/dev/null").then(|| p.to_string())
}

fn parse(text: &str) -> Result<Vec<FilePatch>, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches(['\n', '\r']);
        if line.starts_with("GIT binary patch") || line.starts_with("Binary files ") {
            return Err("binary patches are not supported".to_string());
        }
        let Some(old) = line.strip_prefix("--- ") else {
            i += 1;
            continue;
        };
        let Some(new) = lines
            .get(i + 1)
            .map(|l| l.trim_end_matches(['\n', '\r']))
            .and_then(|l| l.strip_prefix("+++ "))
        else {
            i += 1;
            continue;
        };
        let mut fp = FilePatch {
            old: header_path(old),
            new: header_path(new),
            hunks: Vec::new(),
        };
        i += 2;
        while i < lines.len() {
            let l = lines[i].trim_end_matches(['\n', '\r']);
            let Some(h) = l.strip_prefix("@@ ") else {
                break;
            };
            let (old_start, old_len, new_len) =
                hunk_header(h).ok_or_else(|| format!("malformed hunk header '{l}'"))?;
            i += 1;
            let (mut seen_old, mut seen_new) = (0, 0);
            let mut hunk = Hunk {
                old_start,
                lines: Vec::new(),
            };
            while (seen_old < old_len || seen_new < new_len) && i < lines.len() {
                let raw = lines[i];
                let body = raw.strip_suffix('\n').unwrap_or(raw);
                let body = body.strip_suffix('\r').map_or(body, |b| b);
                let ends = raw.ends_with('\n');
                let (tag, content) = match body.as_bytes().first() {
                    Some(b'-') => (b'-', &body[1..]),
                    Some(b'+') => (b'+', &body[1..]),
                    Some(b' ') => (b' ', &body[1..]),
                    // An empty line inside a hunk is an empty context line (some tools strip
                    // the trailing space).
                    None => (b' ', ""),
                    // `\ No newline at end of file`: the line before has no newline.
                    Some(b'\\') => {
                        if let Some(last) = hunk.lines.last_mut() {
                            last.2 = false;
                        }
                        i += 1;
                        continue;
                    }
                    _ => return Err(format!("malformed hunk line '{body}'")),
                };
                // Keep the line's own `\r` (a CRLF file stays CRLF).
                let content = if raw.ends_with("\r\n") {
                    format!("{content}\r")
                } else {
                    content.to_string()
                };
                match tag {
                    b'-' => seen_old += 1,
                    b'+' => seen_new += 1,
                    _ => {
                        seen_old += 1;
                        seen_new += 1;
                    }
                }
                hunk.lines.push((tag, content, ends));
                i += 1;
            }
            if seen_old < old_len || seen_new < new_len {
                return Err(format!(
                    "a hunk of '{}' is cut short",
                    fp.new.clone().or(fp.old.clone()).unwrap_or_default()
                ));
            }
            // `\ No newline at end of file` after the hunk's last line.
            if let Some(l) = lines.get(i) {
                if l.starts_with('\\') {
                    if let Some(last) = hunk.lines.last_mut() {
                        last.2 = false;
                    }
                    i += 1;
                }
            }
            fp.hunks.push(hunk);
        }
        out.push(fp);
    }
    Ok(out)
}

/// `-a,b +c,d @@`: (a, b, d); an omitted length is 1.
fn hunk_header(h: &str) -> Option<(usize, usize, usize)> {
    let mut parts = h.split_whitespace();
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let range = |s: &str| -> Option<(usize, usize)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (_, d) = range(new)?;
    Some((a, b, d))
}

/// Splits text into lines with whether each ends with a newline.
fn split_lines(text: &str) -> Vec<(String, bool)> {
    text.split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(b) => (b.to_string(), true),
            None => (l.to_string(), false),
        })
        .collect()
}

fn apply_hunks(original: &str, hunks: &[Hunk]) -> Result<String, String> {
    let mut lines = split_lines(original);
    // Lines added or removed by earlier hunks shift where later ones apply.
    let mut shift: isize = 0;
    for (n, h) in hunks.iter().enumerate() {
        let old: Vec<(&str, bool)> = h
            .lines
            .iter()
            .filter(|l| l.0 != b'+')
            .map(|l| (l.1.as_str(), l.2))
            .collect();
        let new: Vec<(String, bool)> = h
            .lines
            .iter()
            .filter(|l| l.0 != b'-')
            .map(|l| (l.1.clone(), l.2))
            .collect();
        // Where the hunk's old lines start in the original file: a pure insertion
        // (`-N,0`) goes after line N, anything else starts at line N (1-based).
        let base = if old.is_empty() {
            h.old_start
        } else {
            h.old_start.saturating_sub(1)
        } as isize;
        let wanted = (base + shift).max(0) as usize;
        let matches_at = |at: usize| -> bool {
            at + old.len() <= lines.len()
                && old.iter().enumerate().all(|(k, (text, ends))| {
                    let (l, l_ends) = &lines[at + k];
                    // A line's final newline only matters at the end of the file.
                    l == text && (l_ends == ends || at + k + 1 < lines.len())
                })
        };
        let at = (0..=lines.len())
            .flat_map(|d| [wanted.checked_add(d), wanted.checked_sub(d)])
            .flatten()
            .take(2 * (lines.len() + 1))
            .find(|&at| at <= lines.len() && matches_at(at))
            .ok_or_else(|| format!("hunk {} (at line {}) does not apply", n + 1, h.old_start))?;
        lines.splice(at..at + old.len(), new.iter().cloned());
        shift = at as isize - base + new.len() as isize - old.len() as isize;
    }
    let mut out = String::with_capacity(original.len());
    for (l, ends) in lines {
        out.push_str(&l);
        if ends {
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hunks(patch: &str) -> Vec<Hunk> {
        parse(patch).unwrap().remove(0).hunks
    }

    #[test]
    fn applies_with_offset_and_creation() {
        let original = "a\nb\nc\nd\ne\n";
        let p = "--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n";
        assert_eq!(apply_hunks(original, &hunks(p)).unwrap(), "a\nb\nC\nd\ne\n");
        // The same hunk on a file with two more lines on top.
        assert_eq!(
            apply_hunks(&format!("x\ny\n{original}"), &hunks(p)).unwrap(),
            "x\ny\na\nb\nC\nd\ne\n"
        );
        // Two hunks, the first adding lines.
        let p2 = "--- a/f\n+++ b/f\n@@ -1,1 +1,3 @@\n a\n+a1\n+a2\n@@ -4,1 +6,1 @@\n-d\n+D\n";
        assert_eq!(
            apply_hunks(original, &hunks(p2)).unwrap(),
            "a\na1\na2\nb\nc\nD\ne\n"
        );
        let create = "--- /dev/null\n+++ b/new\n@@ -0,0 +1,2 @@\n+one\n+two\n";
        assert_eq!(apply_hunks("", &hunks(create)).unwrap(), "one\ntwo\n");
        let no_nl = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n";
        assert_eq!(apply_hunks("a", &hunks(no_nl)).unwrap(), "b");
        let bad = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-zzz\n+b\n";
        assert!(apply_hunks(original, &hunks(bad))
            .unwrap_err()
            .contains("does not apply"));
    }

    #[test]
    fn paths_stay_inside() {
        let d = Path::new("/r");
        assert_eq!(target(d, "a/x/y", 1).unwrap(), Path::new("/r/x/y"));
        assert!(target(d, "a/../../y", 1).is_err());
        assert!(target(d, "/etc/passwd", 0).is_err());
        assert!(target(d, "a", 1).is_err());
    }
}
