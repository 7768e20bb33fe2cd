//! Tidy checks that keep the repository honest: every Rust file starts with a `//!` doc, every
//! check is documented and listed in `RULES.md` (generated from the registry; regenerate with
//! `UPDATE_RULES=1 cargo test -p toolcheck-tests --test tidy`), and check names are kebab-case.

use std::path::Path;

use toolcheck_tests::repo_root;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "target"
                && name != "node_modules"
                && !name.starts_with('.')
                && name != "corpus"
            {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["analyzer", "server", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    let missing: Vec<_> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` doc: {missing:#?}"
    );
}

/// The rules page, generated from the registry.
fn rules_md() -> String {
    let mut out = String::from(
        "# toolcheck checks\n\n<!-- Generated from the check registry by tests/tests/tidy.rs; do not edit. -->\n\n| check | default severity | summary |\n|---|---|---|\n",
    );
    for c in toolcheck_ide::ALL_CHECKS {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            c.name,
            c.default_severity.as_str(),
            c.summary
        ));
    }
    for c in toolcheck_ide::ALL_CHECKS {
        let docs = c
            .docs
            .trim()
            .replace("\n## ", "\n### ")
            .replacen("## ", "### ", 1);
        out.push_str(&format!(
            "\n## {}\n\nDefault severity: {}.\n\n{}\n",
            c.name,
            c.default_severity.as_str(),
            docs
        ));
    }
    out
}

#[test]
fn rules_md_is_fresh() {
    let path = repo_root().join("RULES.md");
    let expected = rules_md();
    if std::env::var_os("UPDATE_RULES").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "RULES.md is stale; run `UPDATE_RULES=1 cargo test -p toolcheck-tests --test tidy`"
    );
}

#[test]
fn check_names_are_kebab_case_and_documented() {
    let mut seen = std::collections::BTreeSet::new();
    for c in toolcheck_ide::ALL_CHECKS {
        assert!(seen.insert(c.name), "duplicate check name {}", c.name);
        assert!(
            c.name.split('-').all(|w| !w.is_empty()
                && w.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())),
            "{} is not kebab-case",
            c.name
        );
        for section in ["## What it does", "## Why it matters", "## What to do"] {
            assert!(c.docs.contains(section), "{} docs lack `{section}`", c.name);
        }
    }
}

/// The VS Code settings that choose what runs, with which environment, or what is read outside
/// the workspace are ones an untrusted workspace cannot set.
#[test]
fn vscode_settings_that_reach_outside_are_restricted() {
    let text = std::fs::read_to_string(repo_root().join("editors/vscode/package.json")).unwrap();
    let pkg: serde_json::Value = serde_json::from_str(&text).unwrap();
    let restricted: Vec<&str> = pkg["capabilities"]["untrustedWorkspaces"]
        ["restrictedConfigurations"]
        .as_array()
        .expect("restrictedConfigurations")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let settings = pkg["contributes"]["configuration"]["properties"]
        .as_object()
        .expect("settings");
    for (name, _) in settings {
        let reaches_outside = name.starts_with("toolcheck.server.")
            || [
                "toolcheck.bazelrc",
                "toolcheck.outputBase",
                "toolcheck.repos",
            ]
            .contains(&name.as_str());
        assert_eq!(
            reaches_outside,
            restricted.contains(&name.as_str()),
            "{name}: restricted in untrusted workspaces exactly when it reaches outside"
        );
    }
}
