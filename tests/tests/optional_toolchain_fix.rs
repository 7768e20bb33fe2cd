//! The `unguarded-optional-toolchain` quick fix, end to end: every fix the real binary offers
//! (read from its SARIF output) is applied, and the result must parse and no longer trigger
//! the check.

use toolcheck_tests::{apply_first_fixes, check_sarif, sarif_results, scratch_dir, write_files};

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
    let before = check_sarif(&dir);
    let found = sarif_results(&before, "unguarded-optional-toolchain");
    assert_eq!(found.len(), 4, "{before:#}");
    for r in &found {
        let rep = &r["fixes"][0]["artifactChanges"][0]["replacements"][0];
        let region = &rep["deletedRegion"];
        // An insertion: the region is empty.
        assert_eq!(region["startLine"], region["endLine"]);
        assert_eq!(region["startColumn"], region["endColumn"]);
        let text = rep["insertedContent"]["text"].as_str().unwrap();
        assert!(
            text.contains("== None:") && text.contains("fail("),
            "{text}"
        );
    }
    let fixed = apply_first_fixes(RULES, "tools/rules.bzl", &found);
    write_files(&dir, &[("tools/rules.bzl", &fixed)]);
    let after = check_sarif(&dir);
    assert!(
        sarif_results(&after, "syntax-error").is_empty(),
        "{fixed}\n{after:#}"
    );
    assert!(
        sarif_results(&after, "unguarded-optional-toolchain").is_empty(),
        "{fixed}\n{after:#}"
    );
}
