//! The corpus runner: every fixture under `corpus/lints/<check>/` is written to disk, checked
//! by the real `toolcheck check --format json`, and compared with its inline annotations.
//! Diagnostics of the fixture's own check (and of any check it annotates) are compared; a
//! fixture without annotations must produce none of them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use toolcheck_fixture::{ActualDiagnostic, AnnotationKind, ConfigLevel, Fixture};
use toolcheck_tests::{repo_root, scratch_dir, toolcheck_bin, write_files};

fn byte_offset(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col - 1)
                    .map(|(b, _)| b)
                    .unwrap_or(l.trim_end_matches('\n').len());
        }
        offset += l.len();
    }
    text.len()
}

/// The host constraints the fixtures are written for (README.md of `corpus/lints`).
const HOST: &str = "host_constraints = [\"@platforms//cpu:x86_64\", \"@platforms//os:linux\"]\n";

fn run_fixture(check: &str, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let default_name = path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(".star", ".bzl");
    let fixture = Fixture::parse(&text, &default_name)
        .map_err(|e| format!("{}: bad fixture: {e:?}", path.display()))?;
    let name = format!(
        "corpus-{check}-{}",
        path.file_stem().unwrap().to_string_lossy()
    );
    let dir = scratch_dir(&name);
    let mut files: Vec<(&str, &str)> = fixture
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    let has_root = fixture.files.iter().any(|f| {
        matches!(
            f.path.as_str(),
            "WORKSPACE" | "WORKSPACE.bazel" | "MODULE.bazel" | "REPO.bazel"
        )
    });
    if !has_root {
        files.push(("WORKSPACE", ""));
    }
    // A fixture's own toolcheck.toml comes first (top-level keys before the table below).
    let own_toml = fixture
        .files
        .iter()
        .find(|f| f.path == "toolcheck.toml")
        .map(|f| f.text.as_str())
        .unwrap_or_default();
    files.retain(|(p, _)| *p != "toolcheck.toml");
    let mut toml = own_toml.to_string();
    // The host every fixture is judged on, whatever machine runs the tests: Bazel's
    // autodetected host platform on 64-bit x86 Linux.
    if !own_toml.contains("host_constraints") {
        toml.push_str(HOST);
    }
    toml.push_str("\n[checks.severity]\n");
    for c in &fixture.config {
        let level = match c.level {
            ConfigLevel::Off => "off",
            other => other.as_str(),
        };
        toml.push_str(&format!("\"{}\" = \"{level}\"\n", c.check));
    }
    files.push(("toolcheck.toml", &toml));
    write_files(&dir, &files);
    let out = Command::new(toolcheck_bin())
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{}: toolcheck failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON: {e}"))?;
    let mut compared: BTreeSet<String> = fixture.annotations().map(|a| a.check.clone()).collect();
    compared.insert(check.to_string());
    let text_of = |p: &str| fixture.file(p).map(|f| f.text.clone()).unwrap_or_default();
    let mut actual = Vec::new();
    for d in json["diagnostics"].as_array().cloned().unwrap_or_default() {
        let c = d["check"].as_str().unwrap_or_default().to_string();
        if !compared.contains(&c) {
            continue;
        }
        let p = d["path"].as_str().unwrap_or_default().to_string();
        let t = text_of(&p);
        let n = |k: &str| d[k].as_u64().unwrap_or(1) as usize;
        let start = byte_offset(&t, n("line"), n("column"));
        let end = byte_offset(&t, n("end_line"), n("end_column"));
        let related = d["related"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let rp = r["path"].as_str().unwrap_or_default().to_string();
                let rt = text_of(&rp);
                let o = byte_offset(
                    &rt,
                    r["line"].as_u64().unwrap_or(1) as usize,
                    r["column"].as_u64().unwrap_or(1) as usize,
                );
                // The JSON contract gives related spans a start only; take the end from an
                // annotation that starts there, so that exact ranges still compare.
                let range = fixture
                    .annotations()
                    .find(|a| {
                        a.kind == AnnotationKind::Related && a.path == rp && a.range.start == o
                    })
                    .map(|a| a.range.clone())
                    .unwrap_or(o..o);
                (
                    rp,
                    range,
                    r["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        actual.push(ActualDiagnostic {
            check: c,
            path: p,
            range: start..end,
            message: d["message"].as_str().unwrap_or_default().to_string(),
            related,
        });
    }
    let report = fixture.check_diagnostics(&actual);
    if report.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{report}", path.display()))
    }
}

#[test]
fn corpus_fixtures() {
    let lints = repo_root().join("corpus").join("lints");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&lints)
        .expect("corpus/lints exists")
        .filter_map(|e| e.ok())
        .collect();
    dirs.sort_by_key(|e| e.path());
    for dir in dirs {
        let check = dir.file_name().to_string_lossy().into_owned();
        assert!(
            toolcheck_ide::check_by_name(&check).is_some(),
            "corpus/lints/{check} names no check"
        );
        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "star" || e == "bzl"))
        {
            count += 1;
            if let Err(e) = run_fixture(&check, f) {
                failures.push(e);
            }
        }
    }
    assert!(count > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} of {count} fixtures failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_check_has_positive_and_negative_fixtures() {
    let lints = repo_root().join("corpus").join("lints");
    // `unreadable-file` is about bytes a text fixture cannot hold (binary, non-UTF-8, UTF-16,
    // oversized files); `tests/hostile.rs` covers it on real files.
    let exempt = ["unreadable-file"];
    let mut missing = Vec::new();
    for check in toolcheck_ide::ALL_CHECKS
        .iter()
        .filter(|c| !exempt.contains(&c.name))
    {
        let dir = lints.join(check.name);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if !names.iter().any(|n| n.starts_with("positive"))
            || !names.iter().any(|n| n.starts_with("negative"))
        {
            missing.push(check.name);
        }
    }
    assert!(
        missing.is_empty(),
        "checks without positive and negative fixtures: {missing:?}"
    );
}
