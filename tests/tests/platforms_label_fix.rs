//! The `unresolved-label` closest-name fixes, end to end: for a misspelt `@platforms` label
//! when the repository is not readable, and for a typo in a label into one of the workspace's
//! own packages. The fixes the real binary offers (read from its SARIF output) are applied,
//! and the result must no longer trigger the check.

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

/// The same for a typo in a label into one of the workspace's own packages: the closest name
/// that package declares is offered as a fix (`aarch64` for the `arm64` it declares), in every
/// form a label is written; a name with nothing close gets no fix.
#[test]
fn closest_name_in_the_package_fixes_a_workspace_label() {
    const PLATFORMS: &str = r#"platform(
    name = "macos_arm64",
    constraint_values = ["//constraints/cpu:aarch64", "//constraints/os:macoss"],
)

platform(
    name = "linux",
    constraint_values = ['//constraints/cpu:x86-64', "//constraints/os:plan9"],
)
"#;
    let dir = scratch_dir("workspace-label-fix");
    write_files(
        &dir,
        &[
            ("MODULE.bazel", "module(name = \"demo\")\n"),
            (
                "constraints/cpu/BUILD.bazel",
                "constraint_setting(name = \"cpu\")\n\nconstraint_value(name = \"x86_64\", constraint_setting = \":cpu\")\n\nconstraint_value(name = \"arm64\", constraint_setting = \":cpu\")\n",
            ),
            (
                "constraints/os/BUILD.bazel",
                "constraint_setting(name = \"os\")\n\nconstraint_value(name = \"macos\", constraint_setting = \":os\")\n",
            ),
            ("platforms/BUILD.bazel", PLATFORMS),
        ],
    );
    let before = check_sarif(&dir);
    let found = sarif_results(&before, "unresolved-label");
    assert_eq!(found.len(), 4, "{before:#}");
    let suggested: Vec<(bool, bool)> = found
        .iter()
        .map(|r| {
            let text = r["message"]["text"].as_str().unwrap();
            (text.contains("did you mean"), r.get("fixes").is_some())
        })
        .collect();
    // `plan9` has nothing close in its package.
    assert_eq!(
        suggested,
        [(true, true), (true, true), (true, true), (false, false)],
        "{before:#}"
    );
    let with_fix: Vec<&serde_json::Value> = found
        .iter()
        .copied()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    let fixed = apply_first_fixes(PLATFORMS, "platforms/BUILD.bazel", &with_fix);
    assert!(
        fixed.contains(r#"["//constraints/cpu:arm64", "//constraints/os:macos"]"#),
        "{fixed}"
    );
    assert!(fixed.contains("'//constraints/cpu:x86_64'"), "{fixed}");
    write_files(&dir, &[("platforms/BUILD.bazel", &fixed)]);
    let after = check_sarif(&dir);
    let left = sarif_results(&after, "unresolved-label");
    assert_eq!(left.len(), 1, "{after:#}");
    assert!(left[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("plan9"));
}
