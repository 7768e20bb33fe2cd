//! The `unguarded-optional-toolchain` quick fix, end to end: every fix the real binary offers
//! (read from its SARIF output) is applied, and the result must parse and no longer trigger
//! the check.

use std::process::Command;

use toolcheck_tests::{scratch_dir, toolcheck_bin, write_files};

const RULES: &str = r#"LINT = "//tools:lint_type"

def _helper(tc):
    return tc.files

def _impl(ctx):
    info = ctx.toolchains[LINT].info
    return [info]

def _local_impl(ctx):
    tc = ctx.toolchains[LINT]
    if ctx.attr.verbose:
        print(tc.version)
    return [_helper(ctx.toolchains[LINT])]

def _group_impl(ctx):
    tc = ctx.exec_groups["lint"].toolchains[LINT]
    for f in tc.files:
        print(f)
    return []

_OPTIONAL = [config_common.toolchain_type(LINT, mandatory = False)]

lint_rule = rule(implementation = _impl, toolchains = _OPTIONAL)

local_rule = rule(implementation = _local_impl, toolchains = _OPTIONAL)

helper_rule = rule(
    implementation = _group_impl,
    exec_groups = {"lint": exec_group(toolchains = _OPTIONAL)},
)
"#;

fn run(dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(toolcheck_bin())
        .args(["check", "--format", "sarif", "--fail-on", "never"])
        .arg(dir)
        .output()
        .expect("toolcheck runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

fn results<'a>(doc: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    doc["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter(|x| x["ruleId"] == rule).collect())
        .unwrap_or_default()
}

fn offset(text: &str, line: u64, col: u64) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            return off
                + l.char_indices()
                    .nth(col as usize - 1)
                    .map_or(l.len(), |c| c.0);
        }
        off += l.len();
    }
    text.len()
}

#[test]
fn guard_fix_parses_and_silences_the_check() {
    let dir = scratch_dir("optional-toolchain-fix");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            (
                "tools/BUILD.bazel",
                "toolchain_type(name = \"lint_type\")\n",
            ),
            ("tools/rules.bzl", RULES),
        ],
    );
    let before = run(&dir);
    let found = results(&before, "unguarded-optional-toolchain");
    assert_eq!(found.len(), 4, "{before:#}");
    // Collect every insertion, then apply them from the end of the file backwards.
    let mut edits: Vec<(usize, String)> = Vec::new();
    for r in &found {
        let fix = &r["fixes"][0];
        let change = &fix["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "tools/rules.bzl");
        let rep = &change["replacements"][0];
        let region = &rep["deletedRegion"];
        assert_eq!(region["startLine"], region["endLine"]);
        assert_eq!(region["startColumn"], region["endColumn"]);
        let at = offset(
            RULES,
            region["startLine"].as_u64().unwrap(),
            region["startColumn"].as_u64().unwrap(),
        );
        let text = rep["insertedContent"]["text"].as_str().unwrap().to_string();
        assert!(
            text.contains("== None:") && text.contains("fail("),
            "{text}"
        );
        edits.push((at, text));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut fixed = RULES.to_string();
    for (at, text) in edits {
        fixed.insert_str(at, &text);
    }
    write_files(&dir, &[("tools/rules.bzl", &fixed)]);
    let after = run(&dir);
    assert!(
        results(&after, "syntax-error").is_empty(),
        "{fixed}\n{after:#}"
    );
    assert!(
        results(&after, "unguarded-optional-toolchain").is_empty(),
        "{fixed}\n{after:#}"
    );
}
