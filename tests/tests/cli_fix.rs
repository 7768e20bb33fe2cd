//! `toolcheck check --fix`, `--diff` and `--unsafe-fixes` with the real binary, for every check
//! that offers a fix (`unused-suppression` and `undeclared-repository-environ`: safe;
//! `unresolved-label`, in the workspace's own packages and in `@platforms`, and
//! `unguarded-optional-toolchain`: unsafe). Each test checks that the fixed files parse (no `syntax-error`) and no longer trigger the finding, and what
//! the run says it did. Also `--format gitlab`, the other output this branch adds.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use toolcheck_tests::{scratch_dir, toolcheck_bin, write_files};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(toolcheck_bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the toolcheck binary runs");
    let run = Run {
        code: out.status.code().expect("toolcheck exited normally"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// The (check, path, message) of every finding `check --format json` reports.
fn findings(dir: &Path) -> Vec<(String, String, String)> {
    let r = run(dir, &["check", "--format", "json", "--fail-on", "never"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    toolcheck_tests::json_findings(&v)
}

fn of(found: &[(String, String, String)], check: &str) -> usize {
    found.iter().filter(|(c, ..)| c == check).count()
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

/// Nothing but toolcheck's own files: no temporary file left behind by a write.
fn no_temporary_files(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(!name.contains("toolcheck-fix"), "left behind: {name}");
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
}

const SUPPRESSED: &str = "toolchain_type(name = \"tt\")  # toolcheck: disable=shadowed-toolchain\n\n# toolcheck: disable=unresolved-label,no-matching-toolchain\ntoolchain(name = \"tc\", toolchain = \":impl\", toolchain_type = \"//:missing\")\n\nfilegroup(name = \"impl\")\n";

fn suppressions_workspace(name: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    write_files(
        &dir,
        &[
            (".bazelversion", "8.4.0\n"),
            ("MODULE.bazel", "module(name = \"demo\")\n"),
            ("BUILD.bazel", SUPPRESSED),
        ],
    );
    dir
}

/// The safe fixes: `check` says how many there are, `--diff` prints them without writing,
/// `--fix` writes them (keeping the file's permissions and byte order mark) and reports
/// what is left: nothing.
#[test]
fn fix_applies_the_safe_fixes_and_diff_only_prints_them() {
    let dir = suppressions_workspace("fix-safe");
    // A byte order mark, which the loader strips, is kept.
    let with_bom = format!("\u{feff}{SUPPRESSED}");
    std::fs::write(dir.join("BUILD.bazel"), &with_bom).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("BUILD.bazel"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
    }
    let found = findings(&dir);
    assert_eq!(of(&found, "unused-suppression"), 2, "{found:#?}");

    let plain = run(&dir, &["check"]);
    assert_eq!(plain.code, 1);
    assert!(
        plain.stdout.contains("2 fixable with --fix\n"),
        "{}",
        plain.stdout
    );

    let diff = run(&dir, &["check", "--diff"]);
    assert_eq!(diff.code, 1, "a diff to print: exit 1\n{}", diff.stderr);
    assert!(
        diff.stdout
            .starts_with("--- a/BUILD.bazel\n+++ b/BUILD.bazel\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout
            .contains("-toolchain_type(name = \"tt\")  # toolcheck: disable=shadowed-toolchain\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout
            .contains("+# toolcheck: disable=unresolved-label\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stderr.contains("would fix 2 findings in 1 file"),
        "{}",
        diff.stderr
    );
    assert_eq!(read(&dir, "BUILD.bazel"), with_bom, "--diff writes nothing");

    let fixed = run(&dir, &["check", "--fix"]);
    assert_eq!(
        fixed.code, 0,
        "nothing left\n{}{}",
        fixed.stdout, fixed.stderr
    );
    assert!(
        fixed.stdout.contains("fixed 2 findings in 1 file"),
        "{}",
        fixed.stdout
    );
    assert!(!fixed.stdout.contains("fixable"), "{}", fixed.stdout);
    let text = read(&dir, "BUILD.bazel");
    assert!(text.starts_with('\u{feff}'), "{text:?}");
    assert!(
        text.contains("# toolcheck: disable=unresolved-label\ntoolchain("),
        "{text}"
    );
    assert!(!text.contains("shadowed-toolchain"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("BUILD.bazel"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    no_temporary_files(&dir);
    assert_eq!(findings(&dir), []);

    // Nothing left to fix: --diff prints nothing and exits 0.
    let again = run(&dir, &["check", "--diff"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
}

/// Two fixes that edit the same text: the first is applied, the other is skipped with a
/// message, and the next run applies it.
#[test]
fn overlapping_fixes_apply_the_first_and_say_so() {
    let dir = scratch_dir("fix-overlap");
    write_files(
        &dir,
        &[
            (".bazelversion", "8.4.0\n"),
            ("MODULE.bazel", "module(name = \"demo\")\n"),
            (
                "BUILD.bazel",
                "toolchain_type(name = \"tt\")  # toolcheck: disable=shadowed-toolchain,no-matching-toolchain\n",
            ),
        ],
    );
    let first = run(&dir, &["check", "--fix"]);
    assert!(
        first
            .stderr
            .contains("skipped the fix of `unused-suppression` at BUILD.bazel:1:"),
        "{}",
        first.stderr
    );
    assert!(first.stderr.contains("run again"), "{}", first.stderr);
    assert!(
        first.stdout.contains("fixed 1 finding in 1 file"),
        "{}",
        first.stdout
    );
    // What remains is reported, still fixable.
    assert_eq!(first.code, 1, "{}", first.stdout);
    assert!(
        first.stdout.contains("1 fixable with --fix"),
        "{}",
        first.stdout
    );
    assert_eq!(of(&findings(&dir), "unused-suppression"), 1);
    let second = run(&dir, &["check", "--fix"]);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    assert_eq!(findings(&dir), []);
    assert!(!read(&dir, "BUILD.bazel").contains("toolcheck:"));
}

/// `unresolved-label` in the workspace's own packages: the closest name is an unsafe fix, so
/// `--fix` leaves it and says how to apply it; `--unsafe-fixes` applies it.
#[test]
fn unsafe_fixes_need_unsafe_fixes() {
    let dir = scratch_dir("fix-unsafe-label");
    let platforms = "platform(\n    name = \"mac\",\n    constraint_values = [\"//constraints/os:macoss\"],\n)\n";
    write_files(
        &dir,
        &[
            (".bazelversion", "8.4.0\n"),
            ("MODULE.bazel", "module(name = \"demo\")\n"),
            (
                "constraints/os/BUILD.bazel",
                "constraint_setting(name = \"os\")\n\nconstraint_value(name = \"macos\", constraint_setting = \":os\")\n",
            ),
            ("platforms/BUILD.bazel", platforms),
        ],
    );
    assert_eq!(of(&findings(&dir), "unresolved-label"), 1);
    let safe_only = run(&dir, &["check", "--fix"]);
    assert_eq!(safe_only.code, 1);
    assert!(
        safe_only.stdout.contains("fixed 0 findings in 0 files"),
        "{}",
        safe_only.stdout
    );
    assert!(
        safe_only
            .stdout
            .contains("1 fixable with --fix --unsafe-fixes"),
        "{}",
        safe_only.stdout
    );
    assert_eq!(read(&dir, "platforms/BUILD.bazel"), platforms);

    let diff = run(&dir, &["check", "--diff", "--unsafe-fixes"]);
    assert_eq!(diff.code, 1);
    assert!(
        diff.stdout
            .contains("+    constraint_values = [\"//constraints/os:macos\"],"),
        "{}",
        diff.stdout
    );
    let fixed = run(&dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        read(&dir, "platforms/BUILD.bazel").contains("[\"//constraints/os:macos\"]"),
        "{}",
        read(&dir, "platforms/BUILD.bazel")
    );
    assert_eq!(findings(&dir), []);

    // --unsafe-fixes alone is a usage error: it only qualifies --fix and --diff.
    let alone = run(&dir, &["check", "--unsafe-fixes"]);
    assert_eq!(alone.code, 2, "{}", alone.stderr);
}

/// `unresolved-label` for a name no release of `@platforms` declares, in both quote styles.
#[test]
fn platforms_names_are_fixed() {
    let dir = scratch_dir("fix-platforms-label");
    let build = "toolchain_type(name = \"cc\")\n\nfilegroup(name = \"gcc\")\n\ntoolchain(\n    name = \"gcc_linux\",\n    exec_compatible_with = [\"@platforms//os:linx\", '@platforms//cpu:x86-64'],\n    toolchain = \":gcc\",\n    toolchain_type = \":cc\",\n)\n";
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "bazel_dep(name = \"platforms\", version = \"0.0.10\")\n",
            ),
            ("tc/BUILD.bazel", build),
        ],
    );
    assert_eq!(of(&findings(&dir), "unresolved-label"), 2);
    let fixed = run(
        &dir,
        &["check", "--fix", "--unsafe-fixes", "--fail-on", "never"],
    );
    assert_eq!(fixed.code, 0, "{}", fixed.stderr);
    assert!(
        fixed.stdout.contains("fixed 2 findings in 1 file"),
        "{}",
        fixed.stdout
    );
    let text = read(&dir, "tc/BUILD.bazel");
    assert!(
        text.contains(r#"["@platforms//os:linux", '@platforms//cpu:x86_64']"#),
        "{text}"
    );
    let after = findings(&dir);
    assert_eq!(of(&after, "unresolved-label"), 0, "{after:#?}");
    assert_eq!(of(&after, "syntax-error"), 0, "{after:#?}");
}

/// `unguarded-optional-toolchain`: the guard inserted before the statement parses, silences
/// the check, and only the reported paths are fixed.
#[test]
fn optional_toolchain_guards_are_inserted() {
    let dir = scratch_dir("fix-optional-toolchain");
    let rules = "LINT = \"//tools:lint_type\"\n\ndef _impl(ctx):\n    info = ctx.toolchains[LINT].info\n    return [info]\n\nlint_rule = rule(\n    implementation = _impl,\n    toolchains = [config_common.toolchain_type(LINT, mandatory = False)],\n)\n";
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            (
                "tools/BUILD.bazel",
                "toolchain_type(name = \"lint_type\")\n",
            ),
            ("tools/rules.bzl", rules),
        ],
    );
    assert_eq!(of(&findings(&dir), "unguarded-optional-toolchain"), 1);
    // A path with no finding: nothing to fix there.
    let elsewhere = run(&dir, &["check", "--fix", "--unsafe-fixes", "WORKSPACE"]);
    assert_eq!(elsewhere.code, 0, "{}", elsewhere.stderr);
    assert_eq!(read(&dir, "tools/rules.bzl"), rules);

    let fixed = run(&dir, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    let text = read(&dir, "tools/rules.bzl");
    assert!(
        text.contains("    if ctx.toolchains[LINT] == None:\n        fail(\"no toolchain of type"),
        "{text}"
    );
    let after = findings(&dir);
    assert_eq!(of(&after, "unguarded-optional-toolchain"), 0, "{after:#?}");
    assert_eq!(of(&after, "syntax-error"), 0, "{after:#?}");
}

/// `undeclared-repository-environ` (safe): the variables a repository rule reads are added to
/// a one-line `environ`, to a list written one item per line (in its indentation, keeping
/// the trailing comma), and as a new `environ` argument where there is none, in a
/// multi-line call and in a one-line one.
#[test]
fn repository_rule_environ_is_completed() {
    let dir = scratch_dir("fix-repository-environ");
    let rules = "def _impl(rctx):\n    rctx.file(\"BUILD\", rctx.os.environ.get(\"CC\", \"\") + rctx.os.environ[\"CXX\"])\n\n\
one_line = repository_rule(implementation = _impl, environ = [\"PATH\"])\n\n\
per_line = repository_rule(\n    implementation = _impl,\n    environ = [\n        \"PATH\",\n    ],\n)\n\n\
absent = repository_rule(\n    implementation = _impl,\n    local = True,\n)\n\n\
absent_one_line = repository_rule(implementation = _impl)\n";
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            ("repo/BUILD", ""),
            ("repo/rules.bzl", rules),
        ],
    );
    assert_eq!(of(&findings(&dir), "undeclared-repository-environ"), 4);
    let fixed = run(&dir, &["check", "--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    let text = read(&dir, "repo/rules.bzl");
    for expected in [
        "environ = [\"PATH\", \"CC\", \"CXX\"])",
        "    environ = [\n        \"PATH\",\n        \"CC\",\n        \"CXX\",\n    ],\n",
        "    implementation = _impl,\n    environ = [\"CC\", \"CXX\"],\n    local = True,\n",
        "repository_rule(implementation = _impl, environ = [\"CC\", \"CXX\"])\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let after = findings(&dir);
    assert_eq!(of(&after, "undeclared-repository-environ"), 0, "{after:#?}");
    assert_eq!(of(&after, "syntax-error"), 0, "{after:#?}");
}

/// `--format gitlab`: GitLab's code quality report, with paths relative to where toolcheck
/// runs and fingerprints stable between runs.
#[test]
fn gitlab_code_quality_report() {
    let dir = suppressions_workspace("gitlab-format");
    let r = run(&dir, &["check", "--format", "gitlab"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("a JSON array");
    let issues = v.as_array().expect("an array");
    assert_eq!(issues.len(), 2, "{v:#}");
    for i in issues {
        assert_eq!(i["check_name"], "unused-suppression", "{i:#}");
        assert_eq!(i["severity"], "minor", "{i:#}");
        assert_eq!(i["location"]["path"], "BUILD.bazel", "{i:#}");
        assert!(
            i["location"]["positions"]["begin"]["line"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert!(i["description"].as_str().unwrap().contains("(fix: Remove"));
        assert_eq!(i["fingerprint"].as_str().unwrap().len(), 32);
    }
    assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
    // The machine formats keep the fix count off stdout.
    assert!(r.stderr.contains("2 fixable with --fix"), "{}", r.stderr);
    let again: Value =
        serde_json::from_str(&run(&dir, &["check", "--format", "gitlab"]).stdout).unwrap();
    assert_eq!(v, again);
    // Run from a parent directory: the path is relative to it.
    let parent = dir.parent().unwrap();
    let name = dir.file_name().unwrap().to_str().unwrap();
    let from_parent = run(parent, &["check", "--format", "gitlab", name]);
    let v: Value = serde_json::from_str(&from_parent.stdout).unwrap();
    assert_eq!(v[0]["location"]["path"], format!("{name}/BUILD.bazel"));
}
