//! The `unresolved-label` fix for a misspelt `@platforms` label when the repository is not
//! readable, end to end: the fixes the real binary offers (read from its SARIF output) are
//! applied, and the result must no longer trigger the check.

use toolcheck_tests::{apply_first_fixes, check_sarif, sarif_results, scratch_dir, write_files};

const BUILD: &str = r#"toolchain_type(name = "cc")

filegroup(name = "gcc")

toolchain(
    name = "gcc_linux",
    exec_compatible_with = ["@platforms//os:linx", '@platforms//cpu:x86-64'],
    target_compatible_with = ["@platforms//cpu:aarch_64", "@platforms//os:windows"],
    toolchain = ":gcc",
    toolchain_type = ":cc",
)
"#;

#[test]
fn closest_name_fix_silences_the_check() {
    let dir = scratch_dir("platforms-label-fix");
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "bazel_dep(name = \"platforms\", version = \"0.0.10\")\n",
            ),
            ("tc/BUILD.bazel", BUILD),
        ],
    );
    let before = check_sarif(&dir);
    let found = sarif_results(&before, "unresolved-label");
    let messages: Vec<&str> = found
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(found.len(), 3, "{messages:#?}");
    for (r, closest) in found.iter().zip(["os:linux", "cpu:x86_64", "cpu:aarch64"]) {
        assert_eq!(r["level"], "warning", "{r:#}");
        let text = r["message"]["text"].as_str().unwrap();
        assert!(
            text.contains(&format!("did you mean '@platforms//{closest}'")),
            "{text}"
        );
    }
    let fixed = apply_first_fixes(BUILD, "tc/BUILD.bazel", &found);
    // The user's quotes are kept.
    assert!(
        fixed.contains(r#"["@platforms//os:linux", '@platforms//cpu:x86_64']"#),
        "{fixed}"
    );
    write_files(&dir, &[("tc/BUILD.bazel", &fixed)]);
    let after = check_sarif(&dir);
    assert!(
        sarif_results(&after, "unresolved-label").is_empty(),
        "{fixed}\n{after:#}"
    );
}
