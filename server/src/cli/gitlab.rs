//! `--format gitlab`: GitLab's code quality report, the subset of the Code Climate issue format
//! GitLab reads (a JSON array of issues with `description`, `check_name`, `fingerprint`,
//! `severity` and `location.path` / `location.positions`).
//!
//! Paths are relative to the directory toolcheck runs in, as in the GitHub format: a GitLab job
//! runs in the checkout's root, which is what GitLab resolves them against. The fingerprint
//! identifies a finding across pipelines (GitLab compares a merge request's report with its
//! target branch's by fingerprint): it hashes the check, the path, the message and the
//! finding's rank among identical ones, not the line, so a finding does not read as fixed and
//! new again when lines are added above it. The coverage has no place in the format: it is
//! printed on stderr.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{json, Value};
use toolcheck_ide::Severity;

use super::report::{Item, Report};

/// Code Climate's severities: GitLab shows `info`, `minor`, `major`, `critical`, `blocker`.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// 128 bits of FNV-1a, as 32 hexadecimal digits: stable across runs, platforms and releases
/// (a standard hasher's output may change between Rust versions).
fn fingerprint(parts: &[&str]) -> String {
    let mut out = String::new();
    for seed in [0xcbf2_9ce4_8422_2325u64, 0x6c62_272e_07bb_0142] {
        let mut h = seed;
        for part in parts {
            for b in part.bytes().chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

fn issue(item: &Item<'_>, rank: usize) -> Value {
    let loc = &item.location;
    let mut description = item.message.to_string();
    for f in &item.fixes {
        description.push_str(&format!(" (fix: {})", f.title));
    }
    json!({
        "type": "issue",
        "description": description,
        "check_name": item.check,
        "categories": ["Bug Risk"],
        "fingerprint": fingerprint(&[item.check, &loc.path, item.message, &rank.to_string()]),
        "severity": severity(item.severity),
        "location": {
            "path": loc.path,
            "positions": {
                "begin": {"line": loc.start.line, "column": loc.start.col},
                "end": {"line": loc.end.line, "column": loc.end.col},
            },
        },
    })
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut seen: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let issues: Vec<Value> = report
        .items
        .iter()
        .map(|item| {
            let rank = seen
                .entry((item.check, item.location.path.as_str(), item.message))
                .or_default();
            *rank += 1;
            issue(item, *rank)
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)?;
    if let Some(summary) = &report.coverage.summary {
        eprintln!("toolcheck could not evaluate everything: {summary} (see --format json)");
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = super::fingerprint(&["c", "p", "m", "1"]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, super::fingerprint(&["c", "p", "m", "1"]));
        assert_ne!(a, super::fingerprint(&["c", "p", "m", "2"]));
        // Parts are separated: moving a character between them changes the hash.
        assert_ne!(
            super::fingerprint(&["ab", "c"]),
            super::fingerprint(&["a", "bc"])
        );
    }
}
