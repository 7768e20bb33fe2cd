//! Hostile input against the real binary: every case must end in bounded time with a
//! diagnostic or a clear error — never a panic, hang or stack overflow — and the rest of the
//! workspace must still be checked (each workspace has a control file with a known finding).

use std::path::Path;
use std::process::Command;

use toolcheck_tests::hostile::{assert_control, has, run_check, Run, CONTROL};
use toolcheck_tests::{scratch_dir, toolcheck_bin, write_files};

fn check(dir: &Path) -> Run {
    run_check(dir, &[])
}

/// Findings make the exit code 1 here (`--fail-on` defaults to warning).
fn assert_control_reported(run: &Run) {
    assert_control(run, 1)
}

#[test]
fn syntax_errors_keep_the_rest_of_the_file() {
    let dir = scratch_dir("hostile-syntax");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("broken/BUILD.bazel", "toolchain_type(name = \"t\")\nx = [1, 2\nplatform(name = \"p\", parents = [\":nope\"])\n"),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    assert!(
        has(&run, "syntax-error", "broken/BUILD.bazel", ""),
        "{:#?}",
        run.diags
    );
}

#[test]
fn non_utf8_binary_and_utf16_files() {
    let dir = scratch_dir("hostile-bytes");
    write_files(&dir, &[("WORKSPACE", ""), CONTROL]);
    std::fs::create_dir_all(dir.join("latin1")).unwrap();
    std::fs::write(
        dir.join("latin1/BUILD"),
        b"# caf\xe9\ntoolchain_type(name = \"t\")\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(
        dir.join("bin/BUILD"),
        [0u8, 1, 2, 0xff, 0xfe, 0, 0, 7].repeat(1000),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("wide")).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    for u in "toolchain_type(name = \"t\")\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    std::fs::write(dir.join("wide/BUILD"), utf16).unwrap();
    std::fs::create_dir_all(dir.join("bom")).unwrap();
    std::fs::write(
        dir.join("bom/BUILD.bazel"),
        b"\xef\xbb\xbftoolchain_type(name = \"t\")\r\n",
    )
    .unwrap();
    let run = check(&dir);
    assert_control_reported(&run);
    assert!(
        has(&run, "unreadable-file", "latin1/BUILD", "UTF-8"),
        "{:#?}",
        run.diags
    );
    assert!(
        has(&run, "unreadable-file", "bin/BUILD", "binary"),
        "{:#?}",
        run.diags
    );
    assert!(
        has(&run, "unreadable-file", "wide/BUILD", "UTF-16"),
        "{:#?}",
        run.diags
    );
    assert!(
        !run.diags.iter().any(|(_, p, _)| p == "bom/BUILD.bazel"),
        "{:#?}",
        run.diags
    );
}

#[test]
fn ten_megabyte_bzl_file() {
    let dir = scratch_dir("hostile-large");
    let mut big = String::with_capacity(11 << 20);
    let mut i = 0;
    while big.len() < 10 << 20 {
        big.push_str(&format!(
            "CONSTANT_{i} = [\"//pkg:target_{i}\", \"value\", {i}]\n"
        ));
        i += 1;
    }
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("defs/big.bzl", &big),
            ("defs/BUILD", ""),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
}

#[test]
fn very_deep_nesting() {
    let dir = scratch_dir("hostile-deep");
    let depth = 10_000;
    let lists = format!("X = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let calls = format!("Y = {}1{}\n", "f(".repeat(depth), ")".repeat(depth));
    let parens = format!(
        "toolchain_type(name = {}\"t\"{})\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("deep/lists.bzl", &lists),
            ("deep/calls.bzl", &calls),
            ("deep/BUILD", &parens),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
}

#[test]
fn load_cycles_and_exploding_constants() {
    let dir = scratch_dir("hostile-loads");
    let mut doubling = String::from("A0 = [\"x\"]\n");
    for i in 1..64 {
        doubling.push_str(&format!("A{i} = A{} + A{}\n", i - 1, i - 1));
    }
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("cyc/a.bzl", "load(\":b.bzl\", \"B\")\nA = B + [\"//x:y\"]\n"),
            ("cyc/b.bzl", "load(\":a.bzl\", \"A\")\nB = A\n"),
            ("cyc/big.bzl", &doubling),
            (
                "cyc/BUILD",
                "load(\":a.bzl\", \"A\")\nload(\":big.bzl\", \"A63\")\nplatform(name = \"p\", constraint_values = A)\nplatform(name = \"q\", constraint_values = A63)\n",
            ),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
}

/// Thousands of catch-all toolchains of one type (a macro loop; found by the `workspace`
/// fuzzer, where the check built a resolver without each of them: quadratic, minutes). Only a
/// catch-all Bazel actually picks can be a hazard, so only the first one is reported, and the
/// run takes the time of one resolution per target platform.
#[test]
fn thousands_of_catch_all_toolchains() {
    let dir = scratch_dir("hostile-catch-alls");
    let plat = "constraint_setting(name = \"os\")\nconstraint_value(name = \"linux_c\", constraint_setting = \":os\")\nconstraint_value(name = \"darwin_c\", constraint_setting = \":os\")\nplatform(name = \"linux\", constraint_values = [\":linux_c\"])\nplatform(name = \"darwin\", constraint_values = [\":darwin_c\"])\n";
    let defs = "def catch_alls(count):\n    for i in range(count):\n        native.toolchain(name = \"dummy_%04d\" % i, toolchain = \":impl\", toolchain_type = \":type\")\n";
    let build = "load(\":defs.bzl\", \"catch_alls\")\ntoolchain_type(name = \"type\")\nfilegroup(name = \"impl\")\ntoolchain(name = \"linux_tc\", exec_compatible_with = [\"//plat:linux_c\"], target_compatible_with = [\"//plat:linux_c\"], toolchain = \":impl\", toolchain_type = \":type\")\ntoolchain(name = \"darwin_tc\", exec_compatible_with = [\"//plat:darwin_c\"], target_compatible_with = [\"//plat:darwin_c\"], toolchain = \":impl\", toolchain_type = \":type\")\ncatch_alls(count = 3000)\n";
    write_files(
        &dir,
        &[
            (
                "WORKSPACE",
                "register_execution_platforms(\"//plat:linux\", \"//plat:darwin\")\nregister_toolchains(\"//tc:linux_tc\", \"//tc:darwin_tc\", \"//tc:all\")\n",
            ),
            CONTROL,
            ("plat/BUILD", plat),
            ("tc/defs.bzl", defs),
            ("tc/BUILD", build),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    let hazards: Vec<_> = run
        .diags
        .iter()
        .filter(|(c, _, _)| c == "dummy-toolchain-precedence")
        .collect();
    assert_eq!(hazards.len(), 1, "{hazards:#?}");
    assert!(
        hazards[0]
            .2
            .contains("catch-all toolchain '//tc:dummy_0000'"),
        "{hazards:#?}"
    );
    // What loses is the real toolchain, not the next of the 3,000 catch-alls.
    assert!(
        hazards[0].2.contains(
            "without the catch-alls of this type Bazel would pick //plat:darwin with '//tc:darwin_tc'"
        ),
        "{hazards:#?}"
    );
}

/// A loop that creates a target per iteration stops at a bound on the targets of one macro
/// call, not after hundreds of thousands of them (found by the `workspace` fuzzer: each target
/// costs far more downstream than the steps its iteration is charged). Toolchains the macro
/// created before the bound still resolve.
#[test]
fn macro_creating_too_many_targets_is_bounded() {
    let dir = scratch_dir("hostile-macro-targets");
    let defs = "def per_index(name):\n    for i in range(1000):\n        for j in range(1000):\n            native.toolchain(name = \"%s_%d_%d\" % (name, i, j), toolchain = \":impl\", toolchain_type = \":type\")\n";
    write_files(
        &dir,
        &[
            ("WORKSPACE", "register_toolchains(\"//m:all\")\n"),
            CONTROL,
            ("m/defs.bzl", defs),
            (
                "m/BUILD",
                "load(\":defs.bzl\", \"per_index\")\ntoolchain_type(name = \"type\")\nfilegroup(name = \"impl\")\nper_index(name = \"a\")\n",
            ),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    assert!(
        run.diags.iter().any(|(c, p, m)| c == "evaluation-limit"
            && p == "m/BUILD"
            && m.contains("more than 50000 targets")),
        "{:#?}",
        run.diags
    );
}

/// Found while profiling the fuzz targets' slowest inputs: work a macro did without spending
/// steps. A loop left at once (`for j in range(n): break`), a list built by repetition, and a
/// large global list copied on every use each cost one step while doing 100,000 elements of
/// work, so nested in a 100,000-iteration loop they ran for hours. Each is now charged like
/// copying the list and stopped by the step budget.
#[test]
fn macro_work_that_skips_steps_is_bounded() {
    let dir = scratch_dir("hostile-macro-work");
    let defs = r#"
BIG = [0] * 100000

def early_exit(name):
    for i in range(100000):
        for j in range(100000):
            break
    native.filegroup(name = name)

def repeated(name):
    for i in range(100000):
        l = [0] * 100000
    native.filegroup(name = name)

def global_copies(name):
    for i in range(100000):
        for x in BIG:
            break
    native.filegroup(name = name)
"#;
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("m/defs.bzl", defs),
            (
                "m/BUILD",
                "load(\":defs.bzl\", \"early_exit\", \"global_copies\", \"repeated\")\nearly_exit(name = \"a\")\nrepeated(name = \"b\")\nglobal_copies(name = \"c\")\n",
            ),
        ],
    );
    let started = std::time::Instant::now();
    let run = check(&dir);
    assert_control_reported(&run);
    let limits = run
        .diags
        .iter()
        .filter(|(c, p, m)| c == "evaluation-limit" && p == "m/BUILD" && m.contains("steps"))
        .count();
    assert_eq!(limits, 3, "{:#?}", run.diags);
    // Each macro stops after 2,000,000 steps: seconds, not the hours it took.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// `include()` cycles between MODULE.bazel segments: each segment is expanded once per chain,
/// and its registrations are seen once.
#[test]
fn module_include_cycles_end() {
    let dir = scratch_dir("hostile-include-cycle");
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"m\")\ninclude(\"//:a.MODULE.bazel\")\ninclude(\"//:MODULE.bazel\")\n",
            ),
            (
                "a.MODULE.bazel",
                "include(\"//sub:b.MODULE.bazel\")\nregister_toolchains(\"//:from_a\")\n",
            ),
            (
                "sub/b.MODULE.bazel",
                "include(\"//:a.MODULE.bazel\")\ninclude(\"//sub:b.MODULE.bazel\")\nregister_toolchains(\"//:from_b\")\n",
            ),
            ("BUILD.bazel", ""),
            CONTROL,
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    for (path, label) in [
        ("a.MODULE.bazel", "//:from_a"),
        ("sub/b.MODULE.bazel", "//:from_b"),
    ] {
        let n = run
            .diags
            .iter()
            .filter(|(c, p, m)| c == "unresolved-label" && p == path && m.contains(label))
            .count();
        assert_eq!(n, 1, "{path}: {:#?}", run.diags);
    }
}

/// Every macro call has its own step budget, and the calls of one BUILD file share a larger
/// one: a file of many calls to an expensive macro costs a bounded amount, not one budget per
/// call. The calls past the file's budget are reported as such.
#[test]
fn macro_calls_of_one_file_share_a_budget() {
    let dir = scratch_dir("hostile-macro-file-budget");
    let defs = r#"
def spin(name):
    for i in range(100000):
        for j in range(100000):
            break
    native.filegroup(name = name)

def cheap(name):
    native.filegroup(name = name)
"#;
    let mut build = String::from("load(\":defs.bzl\", \"cheap\", \"spin\")\n");
    for i in 0..8 {
        build.push_str(&format!("spin(name = \"s{i}\")\n"));
    }
    build.push_str("cheap(name = \"last\")\n");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("m/defs.bzl", defs),
            ("m/BUILD", &build),
            // Another file's budget is its own.
            (
                "n/BUILD",
                "load(\"//m:defs.bzl\", \"spin\")\nspin(name = \"other\")\n",
            ),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    let count = |path: &str, needle: &str| {
        run.diags
            .iter()
            .filter(|(c, p, m)| c == "evaluation-limit" && p == path && m.contains(needle))
            .count()
    };
    // Five calls spend 2,000,000 steps each; the file's 10,000,000 are then gone.
    assert_eq!(
        count("m/BUILD", "stopped after 2000000 steps"),
        5,
        "{:#?}",
        run.diags
    );
    assert_eq!(
        count("m/BUILD", "the macro calls of this file together"),
        4,
        "{:#?}",
        run.diags
    );
    assert_eq!(
        count("n/BUILD", "stopped after 2000000 steps"),
        1,
        "{:#?}",
        run.diags
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_outside_links_and_dangling_links() {
    use std::os::unix::fs::symlink;
    let dir = scratch_dir("hostile-links");
    let outside = scratch_dir("hostile-links-outside");
    // Broken on purpose: reading it through the link would report a syntax error there.
    write_files(&outside, &[("BUILD", "toolchain_type(name = \"secret\"\n")]);
    write_files(&dir, &[("WORKSPACE", ""), CONTROL]);
    std::fs::create_dir_all(dir.join("loop")).unwrap();
    symlink("..", dir.join("loop/up")).unwrap();
    symlink(&outside, dir.join("escape")).unwrap();
    std::fs::create_dir_all(dir.join("dangling")).unwrap();
    symlink("does-not-exist", dir.join("dangling/BUILD")).unwrap();
    // Links toolcheck would not read anyway are not findings (a `.bazelversion` or README
    // shared with a parent repository, a dangling link to generated data).
    write_files(&outside, &[("notes.txt", "outside\n")]);
    symlink(outside.join("notes.txt"), dir.join("notes.txt")).unwrap();
    symlink("missing.json", dir.join("dangling/data.json")).unwrap();
    let run = check(&dir);
    assert_control_reported(&run);
    let diags = &run.diags;
    assert!(
        diags
            .iter()
            .any(|(c, p, m)| c == "unreadable-file" && p.contains("loop") && m.contains("loop")),
        "{diags:#?}"
    );
    assert!(
        diags
            .iter()
            .any(|(c, p, m)| c == "unreadable-file" && p == "escape" && m.contains("outside")),
        "{diags:#?}"
    );
    assert!(
        diags
            .iter()
            .any(|(c, p, _)| c == "unreadable-file" && p == "dangling/BUILD"),
        "{diags:#?}"
    );
    assert!(
        !diags
            .iter()
            .any(|(_, p, _)| p == "notes.txt" || p.ends_with("data.json")),
        "{diags:#?}"
    );
    assert!(
        !diags.iter().any(|(_, p, m)| p.contains("secret")
            || p.starts_with("escape/")
            || m.contains("secret")),
        "read outside the workspace: {diags:#?}"
    );
}

/// Directories nested deeper than the walk's bound (it recurses, partly on small thread
/// stacks) are reported, not walked; everything above is checked.
#[test]
fn deeply_nested_directories() {
    let dir = scratch_dir("hostile-deep-dirs");
    let deep: String = (0..230).map(|_| "d/").collect();
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            (&format!("{deep}BUILD"), "filegroup(name = \"x\")\n"),
            ("d/d/d/BUILD", "toolchain(name = \"t\", toolchain = \":i\", toolchain_type = \"//nope:type\")\nfilegroup(name = \"i\")\n"),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    assert!(
        run.diags
            .iter()
            .any(|(c, p, _)| c == "unresolved-label" && p == "d/d/d/BUILD"),
        "{:#?}",
        run.diags
    );
    assert!(
        run.diags
            .iter()
            .any(|(c, _, m)| c == "unreadable-file" && m.contains("nested deeper than 200")),
        "{:#?}",
        run.diags
    );
}

#[cfg(unix)]
#[test]
fn unreadable_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("hostile-perms");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            ("locked/BUILD", "toolchain_type(name = \"t\")\n"),
        ],
    );
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = check(&dir);
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Root can read the directory anyway; either way the rest is checked and nothing panics.
    assert_control_reported(&run);
}

#[test]
fn bazelrc_import_cycle_and_missing_import() {
    let dir = scratch_dir("hostile-rc");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            CONTROL,
            (".bazelrc", "import %workspace%/a.bazelrc\ntry-import %workspace%/optional.bazelrc\nimport %workspace%/missing.bazelrc\n"),
            ("a.bazelrc", "import %workspace%/.bazelrc\nbuild --define=x=1\n"),
        ],
    );
    let run = check(&dir);
    assert_control_reported(&run);
    assert!(
        has(&run, "unreadable-file", ".bazelrc", "missing.bazelrc"),
        "{:#?}",
        run.diags
    );
}

#[test]
fn not_a_workspace_is_a_usage_error() {
    let dir = scratch_dir("hostile-noroot");
    let out = Command::new(toolcheck_bin())
        .args(["check"])
        .arg(dir.join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().count(),
        1,
        "one-line reason expected: {stderr}"
    );
}
