//! Tidy checks that keep the repository honest: every Rust file starts with a `//!` doc, every
//! check is documented and listed in `RULES.md` (generated from the registry; regenerate with
//! `UPDATE_RULES=1 cargo test -p toolcheck-tests --test tidy`), check names are kebab-case, and
//! every place that names the project's repository names the one in `Cargo.toml`.

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

/// The repository URL of `[workspace.package]` in the workspace `Cargo.toml`: the project's one
/// address.
fn repository_url() -> String {
    let text = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let section = text
        .split("[workspace.package]")
        .nth(1)
        .expect("a [workspace.package] section");
    let line = section
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find(|l| l.starts_with("repository = "))
        .expect("[workspace.package] has a repository");
    line.trim_start_matches("repository = ")
        .trim()
        .trim_matches('"')
        .to_string()
}

/// Every text file of the repository that people or tools read (build outputs, installed
/// packages and the Bazel oracle's generated files skipped).
fn text_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | "node_modules" | ".git" | "out" | "dist" | ".venv" | "fuzz"
            ) && !name.starts_with("target-")
            {
                text_files(&path, out);
            }
        } else if ty.is_file()
            && [
                "rs", "toml", "json", "md", "yml", "yaml", "ts", "lua", "sh", "py", "el",
            ]
            .iter()
            .any(|e| path.extension().is_some_and(|x| x == *e))
            && name != "package-lock.json"
        {
            out.push(path);
        }
    }
}

/// One repository URL everywhere: the Rust code derives every link from `Cargo.toml`'s
/// (`env!("CARGO_PKG_REPOSITORY")`, `server/src/links.rs`), the VS Code extension names it,
/// and every other mention of a `github.com/OWNER/toolcheck` address or a `uses:
/// OWNER/toolcheck@` action reference is that repository; the old placeholder is gone.
#[test]
fn one_repository_url_everywhere() {
    let repo = repository_url();
    let path_part = repo
        .strip_prefix("https://github.com/")
        .expect("the repository is on GitHub (the Action is referenced by owner/name)");
    assert_eq!(
        path_part.split('/').count(),
        2,
        "{repo}: https://github.com/OWNER/NAME"
    );

    let pkg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("editors/vscode/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(pkg["repository"]["url"], format!("{repo}.git"));
    assert_eq!(pkg["homepage"], repo);
    assert_eq!(pkg["bugs"]["url"], format!("{repo}/issues"));

    // Crates that carry the repository inherit it, so env!() in the server sees this value.
    let server = std::fs::read_to_string(repo_root().join("server/Cargo.toml")).unwrap();
    assert!(server.contains("repository.workspace = true"), "{server}");

    let name = path_part.split('/').nth(1).unwrap();
    let mut files = Vec::new();
    text_files(&repo_root(), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let rel = file
            .strip_prefix(repo_root())
            .unwrap()
            .display()
            .to_string();
        // This test's own text names the patterns it looks for.
        if rel == "tests/tests/tidy.rs" {
            continue;
        }
        if text.contains("example.invalid/toolcheck") {
            wrong.push(format!("{rel}: the placeholder URL"));
        }
        let is_rust = rel.ends_with(".rs");
        if is_rust && text.contains(&repo) {
            wrong.push(format!(
                "{rel}: writes the repository URL; use crate::links (env!(\"CARGO_PKG_REPOSITORY\"))"
            ));
        }
        // `github.com/OWNER/NAME` and `uses: OWNER/NAME@`: the owner must be the repository's.
        for (i, _) in text.match_indices(&format!("/{name}")) {
            let before = &text[..i];
            let owner_start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
                .map(|j| j + 1)
                .unwrap_or(0);
            let owner = &before[owner_start..];
            let lead = &before[..owner_start];
            let after = &text[i + 1 + name.len()..];
            let at_boundary =
                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !at_boundary || owner.is_empty() {
                continue;
            }
            let github = lead.ends_with("github.com/");
            let action = lead.ends_with("uses: ") && after.starts_with('@');
            if (github || action) && format!("{owner}/{name}") != path_part {
                wrong.push(format!("{rel}: {owner}/{name} is not {path_part}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The names of the dependencies a Cargo.toml declares in its `[dependencies]` and
/// `[target.'...'.dependencies]` tables (enough of TOML for our manifests).
fn dependency_names(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]"
                || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
            continue;
        }
        if !in_deps || line.starts_with('#') || line.is_empty() {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// The `lsp` fuzz target compiles the server's sources as its own binary
/// (`tests/fuzz/Cargo.toml`, `path = "../../server/src/main.rs"`), so it needs every crate the
/// server uses; a dependency added to the server alone breaks the fuzz build in CI.
#[test]
fn the_fuzz_crate_has_every_server_dependency() {
    let root = repo_root();
    let server = std::fs::read_to_string(root.join("server/Cargo.toml")).unwrap();
    let fuzz = std::fs::read_to_string(root.join("tests/fuzz/Cargo.toml")).unwrap();
    let fuzz_deps = dependency_names(&fuzz);
    // mimalloc is the binary's allocator feature; the fuzzer keeps the system allocator.
    let missing: Vec<String> = dependency_names(&server)
        .into_iter()
        .filter(|d| d != "mimalloc" && !fuzz_deps.contains(d))
        .collect();
    assert!(
        missing.is_empty(),
        "add to tests/fuzz/Cargo.toml [dependencies]: {missing:?}"
    );
}
