//! The result cache of `toolcheck check`: the whole run's diagnostics and coverage, stored
//! next to the facts cache and reused when nothing that decides them changed. A re-run over an unchanged
//! workspace then costs what reading and hashing its files costs.
//!
//! The key covers every input of the analysis: each file's repository, path, kind and content
//! hash, everything else the loader found (repositories, rc files, `.bazelversion`, problems,
//! settings), the lint configuration, `toolcheck.toml` and toolcheck's own build (the facts
//! cache header). Any difference is a miss; a miss recomputes and replaces the stored result.
//! The file is checksummed and written atomically like the facts cache; anything that does not
//! decode is a miss, never an error. A run in which a parse ran out of its time budget is not
//! stored (its outcome depends on the machine's load).

use std::path::{Path, PathBuf};

use toolcheck_ide::{
    check_by_name, Applicability, Coverage, CoverageCategory, CoverageReason, Diagnostic, FileId,
    Fix, GapKind, HostMachine, LintConfig, MatrixSummary, Place, Related, Severity, TextEdit,
    TextRange, Workspace,
};

use crate::cache::{checked_body, hash128, header, write_checksummed, Reader, Writer};

/// The format's name and version (2: the coverage follows the diagnostics; 3: each
/// diagnostic's configs and hosts, and the matrix summary after the coverage).
const MAGIC: &[u8; 8] = b"TCRSLT\x00\x03";

/// A stored run: what `check` reports.
pub struct Stored {
    pub diagnostics: Vec<Diagnostic>,
    pub coverage: Coverage,
    pub summary: MatrixSummary,
}

/// Where a root's stored result lives.
fn path(dir: &Path, root: &Path) -> PathBuf {
    dir.join(format!(
        "results-{:032x}.bin",
        hash128(root.to_string_lossy().as_bytes())
    ))
}

/// The key of a run: `hashes` are the files' content hashes (in file order).
pub fn key(ws: &Workspace, hashes: &[u128], lint: &LintConfig, config_key: &str) -> u128 {
    let mut w = Writer::default();
    w.str(&header(config_key));
    w.str(&format!("{lint:?}"));
    w.str(&format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        ws.repos,
        ws.invisible_repos,
        ws.rc_files,
        ws.bazel_version_file,
        ws.problems,
        ws.settings,
        ws.main_aliases
    ));
    w.len(ws.files.len());
    for (f, h) in ws.files.iter().zip(hashes) {
        w.str(f.repo.as_str());
        w.str(&f.path);
        w.str(&format!("{:?}", f.kind));
        w.buf.extend_from_slice(&h.to_le_bytes());
    }
    hash128(&w.buf)
}

/// The stored diagnostics and coverage for `key`, if there are any (and every position in
/// them lies inside `ws`'s files, so that no renderer can be handed a bad range).
pub fn load(dir: &Path, root: &Path, key: u128, ws: &Workspace) -> Option<Stored> {
    let bytes = std::fs::read(path(dir, root)).ok()?;
    let body = checked_body(&bytes)?;
    let mut r = Reader::new(body);
    if r.take(8)? != MAGIC || u128::from_le_bytes(r.take(16)?.try_into().ok()?) != key {
        return None;
    }
    let diags = r.seq(decode)?;
    let coverage = decode_coverage(&mut r)?;
    let summary = decode_summary(&mut r)?;
    let valid = |file: FileId, range: TextRange| {
        ws.files.get(file.0 as usize).is_some_and(|f| {
            let text = f.text();
            !f.is_removed()
                && range.start <= range.end
                && text.is_char_boundary(range.start as usize)
                && text.is_char_boundary(range.end as usize)
        })
    };
    diags
        .iter()
        .all(|d| {
            valid(d.file, d.range)
                && d.related.iter().all(|r| valid(r.file, r.range))
                && d.fixes
                    .iter()
                    .all(|f| f.edits.iter().all(|e| valid(e.file, e.range)))
        })
        .then_some(())?;
    coverage
        .categories
        .iter()
        .flat_map(|c| &c.reasons)
        .filter_map(|r| r.example)
        .all(|p| valid(p.file, p.range))
        .then_some(Stored {
            diagnostics: diags,
            coverage,
            summary,
        })
}

/// Stores `diags` and `coverage` as the result for `key` (best effort: a failure only costs
/// the next run).
pub fn store(dir: &Path, root: &Path, key: u128, stored: &Stored) {
    let mut w = Writer::default();
    w.buf.extend_from_slice(MAGIC);
    w.buf.extend_from_slice(&key.to_le_bytes());
    w.len(stored.diagnostics.len());
    for d in &stored.diagnostics {
        encode(&mut w, d);
    }
    encode_coverage(&mut w, &stored.coverage);
    encode_summary(&mut w, &stored.summary);
    let _ = std::fs::create_dir_all(dir);
    let _ = write_checksummed(&path(dir, root), w.buf);
}

fn encode(w: &mut Writer, d: &Diagnostic) {
    w.str(d.check);
    w.u8(d.severity as u8);
    w.u64(d.file.0 as u64);
    w.range(d.range);
    w.str(&d.message);
    w.len(d.related.len());
    for r in &d.related {
        w.u64(r.file.0 as u64);
        w.range(r.range);
        w.str(&r.message);
    }
    w.len(d.fixes.len());
    for f in &d.fixes {
        w.str(&f.title);
        w.u8(matches!(f.applicability, Applicability::Safe) as u8);
        w.len(f.edits.len());
        for e in &f.edits {
            w.u64(e.file.0 as u64);
            w.range(e.range);
            w.str(&e.new_text);
        }
    }
    w.len(d.configs.len());
    for c in &d.configs {
        w.str(c);
    }
    w.len(d.hosts.len());
    for h in &d.hosts {
        w.str(h);
    }
}

fn encode_coverage(w: &mut Writer, c: &Coverage) {
    w.len(c.categories.len());
    for cat in &c.categories {
        let kind = GapKind::ALL
            .iter()
            .position(|k| *k == cat.kind)
            .unwrap_or(0);
        w.u8(kind as u8);
        w.u64(cat.count as u64);
        w.len(cat.reasons.len());
        for r in &cat.reasons {
            w.str(&r.text);
            w.u64(r.count as u64);
            match r.example {
                Some(p) => {
                    w.u8(1);
                    w.u64(p.file.0 as u64);
                    w.range(p.range);
                }
                None => w.u8(0),
            }
        }
    }
}

fn encode_summary(w: &mut Writer, s: &MatrixSummary) {
    w.len(s.configs.len());
    for (name, changes) in &s.configs {
        w.str(name);
        w.len(changes.len());
        for c in changes {
            w.str(c);
        }
    }
    w.len(s.skipped_configs.len());
    for (name, why) in &s.skipped_configs {
        w.str(name);
        w.str(why);
    }
    w.len(s.hosts.len());
    for (machine, why) in &s.hosts {
        w.str(&machine.id());
        w.str(why);
    }
}

fn decode_summary(r: &mut Reader<'_>) -> Option<MatrixSummary> {
    Some(MatrixSummary {
        configs: r.seq(|r| Some((r.str()?, r.seq(|r| r.str())?)))?,
        skipped_configs: r.seq(|r| Some((r.str()?, r.str()?)))?,
        hosts: r.seq(|r| Some((HostMachine::parse(&r.str()?).ok()?, r.str()?)))?,
    })
}

fn decode_coverage(r: &mut Reader<'_>) -> Option<Coverage> {
    let categories = r.seq(|r| {
        let kind = *GapKind::ALL.get(r.u8()? as usize)?;
        let count = r.u32()? as usize;
        let reasons = r.seq(|r| {
            Some(CoverageReason {
                text: r.str()?,
                count: r.u32()? as usize,
                example: match r.u8()? {
                    1 => Some(Place {
                        file: FileId(r.u32()?),
                        range: r.range()?,
                    }),
                    0 => None,
                    _ => return None,
                },
            })
        })?;
        Some(CoverageCategory {
            kind,
            count,
            reasons,
        })
    })?;
    Some(Coverage { categories })
}

fn decode(r: &mut Reader<'_>) -> Option<Diagnostic> {
    let check = check_by_name(&r.str()?)?.name;
    let severity = match r.u8()? {
        0 => Severity::Info,
        1 => Severity::Warning,
        2 => Severity::Error,
        _ => return None,
    };
    let file = FileId(r.u32()?);
    let range = r.range()?;
    let message = r.str()?;
    let related = r.seq(|r| {
        Some(Related {
            file: FileId(r.u32()?),
            range: r.range()?,
            message: r.str()?,
        })
    })?;
    let fixes = r.seq(|r| {
        Some(Fix {
            title: r.str()?,
            applicability: match r.u8()? {
                1 => Applicability::Safe,
                0 => Applicability::Unsafe,
                _ => return None,
            },
            edits: r.seq(|r| {
                Some(TextEdit {
                    file: FileId(r.u32()?),
                    range: r.range()?,
                    new_text: r.str()?,
                })
            })?,
        })
    })?;
    Some(Diagnostic {
        check,
        severity,
        file,
        range,
        message,
        related,
        fixes,
        configs: r.seq(|r| r.str())?,
        hosts: r.seq(|r| r.str())?,
        // Findings are stored after they were merged: the subject has served.
        subject: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use toolcheck_ide::{FileKind, RepoName};

    fn workspace(text: &str) -> Workspace {
        let mut ws = Workspace::with_main_repo("/ws");
        ws.add_file(
            RepoName::main(),
            "pkg/BUILD.bazel",
            FileKind::Build,
            Arc::from(text),
        );
        ws
    }

    fn sample() -> Diagnostic {
        let mut d = Diagnostic::new(
            "unresolved-label",
            Severity::Warning,
            FileId(0),
            TextRange::new(2, 5),
            "message ✓",
        );
        d.related.push(Related {
            file: FileId(0),
            range: TextRange::new(0, 1),
            message: "here".into(),
        });
        d.fixes.push(Fix {
            title: "fix it".into(),
            applicability: Applicability::Unsafe,
            edits: vec![TextEdit {
                file: FileId(0),
                range: TextRange::new(1, 3),
                new_text: "x".into(),
            }],
        });
        d
    }

    fn sample_coverage() -> Coverage {
        Coverage {
            categories: vec![CoverageCategory {
                kind: GapKind::Macros,
                count: 3,
                reasons: vec![
                    CoverageReason {
                        text: "stopped ✓".into(),
                        count: 2,
                        example: Some(Place {
                            file: FileId(0),
                            range: TextRange::new(4, 6),
                        }),
                    },
                    CoverageReason {
                        text: "a flag".into(),
                        count: 1,
                        example: None,
                    },
                ],
            }],
        }
    }

    #[test]
    fn round_trip_and_misses() {
        let dir = std::env::temp_dir().join(format!("toolcheck-results-{}", std::process::id()));
        let root = Path::new("/some/root");
        let ws = workspace("abcdefgh");
        let hashes = crate::cache::text_hashes(&ws);
        let lint = LintConfig::default();
        let key = key(&ws, &hashes, &lint, "");
        let mut in_config = sample();
        in_config.configs = vec!["remote".into()];
        in_config.hosts = vec!["macos-aarch64".into()];
        let summary = MatrixSummary {
            configs: vec![("remote".into(), vec!["--platforms".into()])],
            skipped_configs: vec![("opt".into(), "changes nothing".into())],
            hosts: vec![
                (HostMachine::parse("linux-x86_64").unwrap(), "this".into()),
                (HostMachine::parse("macos-aarch64").unwrap(), "rc".into()),
            ],
        };
        let stored = Stored {
            diagnostics: vec![sample(), in_config],
            coverage: sample_coverage(),
            summary,
        };
        store(&dir, root, key, &stored);
        let loaded = load(&dir, root, key, &ws).expect("stored");
        assert_eq!(loaded.diagnostics, stored.diagnostics);
        assert_eq!(loaded.coverage, stored.coverage);
        assert_eq!(loaded.summary, stored.summary);
        // Another key, another root: misses.
        assert!(load(&dir, root, key ^ 1, &ws).is_none());
        assert!(load(&dir, Path::new("/other"), key, &ws).is_none());
        // Positions outside the files are refused.
        let short = workspace("ab");
        assert!(load(&dir, root, key, &short).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_key_covers_contents_config_and_lint_settings() {
        let ws = workspace("abc");
        let lint = LintConfig::default();
        let base = key(&ws, &crate::cache::text_hashes(&ws), &lint, "");
        let other_text = workspace("abd");
        assert_ne!(
            base,
            key(
                &other_text,
                &crate::cache::text_hashes(&other_text),
                &lint,
                ""
            )
        );
        assert_ne!(
            base,
            key(&ws, &crate::cache::text_hashes(&ws), &lint, "x = 1")
        );
        let selected = LintConfig {
            select: vec!["syntax-error".into()],
            ..LintConfig::default()
        };
        assert_ne!(
            base,
            key(&ws, &crate::cache::text_hashes(&ws), &selected, "")
        );
        let mut versioned = workspace("abc");
        versioned.settings.bazel_version = Some("7.4.1".into());
        assert_ne!(
            base,
            key(
                &versioned,
                &crate::cache::text_hashes(&versioned),
                &lint,
                ""
            )
        );
    }
}
