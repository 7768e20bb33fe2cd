//! The workspace model end to end: root discovery, nested workspaces, bzlmod
//! `local_path_override` modules with repository mapping, WORKSPACE local repositories,
//! `.bazelignore`, `bazel-*` symlinks, an output base found through them, `--repo`, and
//! `.bazelrc` flags. Each scenario asserts which labels resolve through `toolcheck check`.

use std::path::Path;
use std::process::Command;

use toolcheck_tests::{scratch_dir, symlink_file, toolcheck_bin, write_files};

fn run(args: &[&str], dir: &Path) -> (i32, Vec<(String, String, String)>) {
    let out = Command::new(toolcheck_bin())
        .args(["check", "--format", "json"])
        .args(args)
        .arg(dir)
        .output()
        .expect("toolcheck runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let diags = toolcheck_tests::json_findings(&json);
    (out.status.code().unwrap_or(-1), diags)
}

const TOOLCHAIN_TYPE_PKG: &str = "toolchain_type(name = \"type\")\nconstraint_setting(name = \"os\")\nconstraint_value(name = \"linux\", constraint_setting = \":os\")\n";

#[test]
fn bzlmod_local_path_override_with_repo_name() {
    let dir = scratch_dir("ws-bzlmod");
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"app\")\nbazel_dep(name = \"rules_x\", version = \"1.0\", repo_name = \"x\")\nlocal_path_override(module_name = \"rules_x\", path = \"third_party/rules_x\")\nregister_toolchains(\"@x//tc:all\")\n",
            ),
            (
                "BUILD.bazel",
                "toolchain(\n    name = \"mine\",\n    exec_compatible_with = [\"@x//tc:linux\"],\n    toolchain = \":impl\",\n    toolchain_type = \"@x//tc:type\",\n)\ntoolchain(\n    name = \"bad\",\n    toolchain = \":impl\",\n    toolchain_type = \"@x//tc:nope\",\n)\n",
            ),
            ("third_party/rules_x/MODULE.bazel", "module(name = \"rules_x\")\nregister_toolchains(\"//tc:all\")\n"),
            (
                "third_party/rules_x/tc/BUILD.bazel",
                &format!("{TOOLCHAIN_TYPE_PKG}toolchain(name = \"t\", toolchain = \":i\", toolchain_type = \"//tc:type\")\n"),
            ),
        ],
    );
    let (code, diags) = run(&[], &dir);
    assert_eq!(code, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].2.contains("@x//tc:nope"), "{diags:#?}");
}

#[test]
fn workspace_mode_local_repositories() {
    let dir = scratch_dir("ws-workspace");
    let ext = scratch_dir("ws-workspace-ext");
    write_files(&ext, &[("WORKSPACE", ""), ("tc/BUILD", TOOLCHAIN_TYPE_PKG)]);
    write_files(
        &dir,
        &[
            (
                "WORKSPACE",
                &format!(
                    "local_repository(name = \"ext\", path = \"{}\")\nnew_local_repository(name = \"gen\", path = \"gen_src\", build_file_content = \"toolchain_type(name = 'gt')\")\nregister_toolchains(\"//:all\")\n",
                    ext.display()
                ),
            ),
            ("gen_src/README", "not a BUILD file"),
            (
                "BUILD",
                "toolchain(name = \"a\", toolchain = \":i\", toolchain_type = \"@ext//tc:type\", exec_compatible_with = [\"@ext//tc:linux\"])\ntoolchain(name = \"b\", toolchain = \":i\", toolchain_type = \"@gen//:gt\")\ntoolchain(name = \"c\", toolchain = \":i\", toolchain_type = \"@ext//tc:missing\")\n",
            ),
        ],
    );
    let (_, diags) = run(&[], &dir);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].2.contains("@ext//tc:missing"), "{diags:#?}");
}

#[test]
fn nested_workspaces_are_separate_roots() {
    let dir = scratch_dir("ws-nested");
    write_files(
        &dir,
        &[
            ("MODULE.bazel", "module(name = \"outer\")\n"),
            ("BUILD.bazel", "toolchain_type(name = \"outer_type\")\n"),
            ("inner/MODULE.bazel", "module(name = \"inner\")\n"),
            (
                "inner/BUILD.bazel",
                "toolchain(name = \"t\", toolchain = \":i\", toolchain_type = \"//:outer_type\")\n",
            ),
        ],
    );
    // From the outer root, the inner workspace is not part of the main repository.
    let (code, diags) = run(&[], &dir);
    assert_eq!((code, diags.len()), (0, 0), "{diags:#?}");
    // From inside, `//` means the inner root, where `outer_type` does not exist.
    let (code, diags) = run(&[], &dir.join("inner"));
    assert_eq!(code, 1);
    assert!(
        diags.iter().any(|(c, p, m)| c == "unresolved-label"
            && p == "BUILD.bazel"
            && m.contains("outer_type")),
        "{diags:#?}"
    );
}

#[cfg(unix)]
#[test]
fn bazelignore_convenience_symlinks_and_output_base() {
    use std::os::unix::fs::symlink;
    let dir = scratch_dir("ws-outputbase");
    let ob = scratch_dir("ws-outputbase-ob");
    // A fake output base with a fetched repository and an exec root.
    write_files(
        &ob,
        &[
            ("external/fetched/WORKSPACE", ""),
            ("external/fetched/tc/BUILD", TOOLCHAIN_TYPE_PKG),
        ],
    );
    std::fs::create_dir_all(ob.join("execroot/ws-outputbase/bazel-out")).unwrap();
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            (".bazelignore", "ignored\n"),
            ("ignored/BUILD", "toolchain(name = \"x\", toolchain = \":i\", toolchain_type = \"//nope:nope\")\n"),
            ("BUILD", "toolchain(name = \"t\", toolchain = \":i\", toolchain_type = \"@fetched//tc:type\")\n"),
        ],
    );
    symlink(
        ob.join("execroot/ws-outputbase"),
        dir.join("bazel-ws-outputbase"),
    )
    .unwrap();
    symlink(
        ob.join("execroot/ws-outputbase/bazel-out"),
        dir.join("bazel-out"),
    )
    .unwrap();
    let (code, diags) = run(&[], &dir);
    assert_eq!((code, diags.len()), (0, 0), "{diags:#?}");
    // Without the symlinks the repository is invisible: one info, exit 0 at --fail-on warning.
    std::fs::remove_file(dir.join("bazel-ws-outputbase")).unwrap();
    std::fs::remove_file(dir.join("bazel-out")).unwrap();
    let (code, diags) = run(&[], &dir);
    assert_eq!(code, 0);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0].2.contains("cannot read repository '@fetched'"),
        "{diags:#?}"
    );
    // `--output-base` and `--repo` make it visible again.
    let (_, diags) = run(&["--output-base", ob.to_str().unwrap()], &dir);
    assert!(diags.is_empty(), "{diags:#?}");
    let repo = format!("fetched={}", ob.join("external/fetched").display());
    let (_, diags) = run(&["--repo", &repo], &dir);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn bazelrc_flags_are_indexed() {
    let dir = scratch_dir("ws-bazelrc");
    write_files(
        &dir,
        &[
            ("WORKSPACE", ""),
            (".bazelrc", "build --extra_toolchains=//tc:real,//tc:missing\nbuild:ci --platforms=//tc:not_a_platform\nimport %workspace%/more.bazelrc\n"),
            ("more.bazelrc", "common --extra_execution_platforms=//plat/...\n"),
            ("tc/BUILD", "toolchain_type(name = \"type\")\ntoolchain(name = \"real\", toolchain = \":i\", toolchain_type = \":type\")\n"),
        ],
    );
    let (_, diags) = run(&[], &dir);
    let summary: Vec<(String, String)> = diags
        .iter()
        .map(|(c, p, _)| (c.clone(), p.clone()))
        .collect();
    assert!(
        diags.iter().any(|(c, p, m)| c == "unresolved-label"
            && p == ".bazelrc"
            && m.contains("//tc:missing")),
        "{summary:?}"
    );
    assert!(
        diags
            .iter()
            .any(|(c, p, _)| c == "empty-registration-pattern" && p == "more.bazelrc"),
        "{summary:?}"
    );
    // `build:ci` lines only apply with --config=ci: a plain check evaluates that config too
    // (it changes the platforms) and says the finding holds only there.
    let in_ci: Vec<&String> = diags
        .iter()
        .filter(|(_, _, m)| m.contains("not_a_platform"))
        .map(|(_, _, m)| m)
        .collect();
    assert_eq!(in_ci.len(), 1, "{diags:#?}");
    assert!(in_ci[0].ends_with("(only in config `ci`)"), "{diags:#?}");
    // Without the config matrix, the default configuration alone.
    let (_, diags) = run(&["--configs", "none"], &dir);
    assert!(
        !diags.iter().any(|(_, _, m)| m.contains("not_a_platform")),
        "{diags:#?}"
    );
}

#[test]
fn local_repository_at_the_root_is_the_main_repository() {
    let dir = scratch_dir("ws-self-alias");
    write_files(
        &dir,
        &[
            ("WORKSPACE", "local_repository(name = \"myself\", path = \".\")\nregister_toolchains(\"@myself//tc:all\")\n"),
            (
                "tc/BUILD",
                "toolchain_type(name = \"type\")\ntoolchain(name = \"t\", toolchain = \":i\", toolchain_type = \"@myself//tc:type\")\ntoolchain(name = \"u\", toolchain = \":i\", toolchain_type = \"@myself//tc:typo\")\n",
            ),
        ],
    );
    let (_, diags) = run(&[], &dir);
    // One finding, reported once (the workspace is not read a second time as `@myself`).
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].1, "tc/BUILD");
    assert!(diags[0].2.contains("@myself//tc:typo"), "{diags:#?}");
}

/// `workspace(name = "foo")` makes `@foo` the main repository, from the main repository and
/// from WORKSPACE-defined ones (Bazel 4.2.3: `@foo//:t` from `@ext` is `//:t`).
#[test]
fn workspace_name_is_the_main_repository() {
    let dir = scratch_dir("ws-own-name");
    write_files(
        &dir,
        &[
            (
                "WORKSPACE",
                "workspace(name = \"foo\")\nlocal_repository(name = \"ext\", path = \"ext\")\nregister_toolchains(\"@foo//tc:all\")\n",
            ),
            (
                "tc/BUILD",
                "toolchain_type(name = \"type\")\ntoolchain(name = \"t\", toolchain = \":i\", toolchain_type = \"@foo//tc:type\")\ntoolchain(name = \"u\", toolchain = \":i\", toolchain_type = \"@foo//tc:typo\")\n",
            ),
            ("ext/WORKSPACE", "workspace(name = \"ext\")\n"),
            (
                "ext/BUILD",
                "toolchain(name = \"e\", toolchain = \":i\", toolchain_type = \"@foo//tc:type\")\ntoolchain(name = \"f\", toolchain = \":i\", toolchain_type = \"@foo//tc:nope\")\n",
            ),
        ],
    );
    let (_, diags) = run(&[], &dir);
    // Each typo is a missing target in the main repository, not an unreadable `@foo`.
    let mut found: Vec<(&str, &str)> = diags
        .iter()
        .map(|(c, p, _)| (c.as_str(), p.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("unresolved-label", "ext/BUILD"),
            ("unresolved-label", "tc/BUILD")
        ],
        "{diags:#?}"
    );
    assert!(
        diags.iter().all(|(_, _, m)| m.contains("does not exist")),
        "{diags:#?}"
    );
    assert!(
        diags.iter().any(|(_, _, m)| m.contains("@foo//tc:nope")),
        "{diags:#?}"
    );
}

/// WORKSPACE.bzlmod replaces WORKSPACE only while Bzlmod is on.
#[test]
fn workspace_bzlmod_is_read_only_with_bzlmod() {
    let dir = scratch_dir("ws-workspace-bzlmod");
    write_files(
        &dir,
        &[
            ("MODULE.bazel", "module(name = \"m\")\n"),
            (
                "WORKSPACE",
                "register_toolchains(\"//tc:from_workspace\")\n",
            ),
            (
                "WORKSPACE.bzlmod",
                "register_toolchains(\"//tc:from_workspace_bzlmod\")\n",
            ),
            ("tc/BUILD", "toolchain_type(name = \"type\")\n"),
            (".bazelversion", "7.4.0\n"),
        ],
    );
    let registered = |diags: &[(String, String, String)]| -> Vec<String> {
        diags
            .iter()
            .filter(|(c, _, _)| c == "unresolved-label")
            .map(|(_, p, m)| format!("{p}: {}", m.split('\'').nth(1).unwrap_or(m)))
            .collect()
    };
    let (_, on) = run(&[], &dir);
    assert_eq!(
        registered(&on),
        ["WORKSPACE.bzlmod: //tc:from_workspace_bzlmod"],
        "{on:#?}"
    );
    std::fs::write(dir.join(".bazelrc"), "common --noenable_bzlmod\n").unwrap();
    let (_, off) = run(&[], &dir);
    assert_eq!(
        registered(&off),
        ["WORKSPACE: //tc:from_workspace"],
        "{off:#?}"
    );
}

#[test]
fn local_repository_at_a_missing_directory() {
    let dir = scratch_dir("ws-missing-repo");
    write_files(
        &dir,
        &[(
            "WORKSPACE",
            "local_repository(name = \"gone\", path = \"tools/gone\")\n",
        )],
    );
    let (_, diags) = run(&[], &dir);
    assert!(
        diags.iter().any(|(c, _, m)| c == "unreadable-file"
            && m == "repository '@gone' points at a directory that does not exist"),
        "{diags:#?}"
    );
}

/// A workspace whose `.bazelrc` and `.bazelversion` link to a sibling directory (as in
/// bazelbuild/examples): not read, with a finding that says how to read them; `--bazelrc`
/// reads an rc file wherever it is.
#[test]
fn rc_files_outside_the_workspace_and_bazelrc() {
    let dir = scratch_dir("ws-rc-outside");
    let ws = dir.join("ws");
    write_files(
        &dir,
        &[
            ("shared/.bazelrc", "build --extra_toolchains=//tc:missing\n"),
            ("shared/.bazelversion", "6.5.0\n"),
            ("ws/WORKSPACE", ""),
            ("ws/tc/BUILD", "toolchain_type(name = \"type\")\n"),
        ],
    );
    let shared = Path::new("..").join("shared");
    symlink_file(&shared.join(".bazelrc"), &ws.join(".bazelrc"));
    symlink_file(&shared.join(".bazelversion"), &ws.join(".bazelversion"));
    let shared_rc = std::fs::canonicalize(dir.join("shared/.bazelrc")).unwrap();

    let (_, diags) = run(&[], &ws);
    let unreadable: Vec<&str> = diags
        .iter()
        .filter(|(c, _, _)| c == "unreadable-file")
        .map(|(_, _, m)| m.as_str())
        .collect();
    assert_eq!(unreadable.len(), 2, "{diags:#?}");
    assert!(
        unreadable
            .iter()
            .any(|m| m.starts_with("'.bazelrc' is a link to")
                && m.contains(&format!("pass --bazelrc {}", shared_rc.display()))),
        "{diags:#?}"
    );
    assert!(
        unreadable
            .iter()
            .any(|m| m.starts_with("'.bazelversion' is a link to") && m.contains("--bazel-version")),
        "{diags:#?}"
    );
    assert!(
        !diags.iter().any(|(c, _, _)| c == "unresolved-label"),
        "{diags:#?}"
    );

    // Given explicitly, the rc file is read, and its findings point at it.
    let rc_arg = shared_rc.display().to_string();
    let (_, diags) = run(&["--bazelrc", &rc_arg, "--bazel-version", "6.5.0"], &ws);
    let missing: Vec<&(String, String, String)> = diags
        .iter()
        .filter(|(c, _, _)| c == "unresolved-label")
        .collect();
    assert_eq!(missing.len(), 1, "{diags:#?}");
    assert_eq!(missing[0].1, rc_arg, "{diags:#?}");
    assert!(missing[0].2.contains("//tc:missing"), "{diags:#?}");
    // The link is read through `--bazelrc`: no finding about it, nor about `.bazelversion`
    // once `--bazel-version` settles the version.
    assert!(
        !diags.iter().any(|(c, _, _)| c == "unreadable-file"),
        "{diags:#?}"
    );
    // The workspace's own .bazelrc named again is read once.
    let inside = dir.join("inside");
    write_files(
        &inside,
        &[
            ("WORKSPACE", ""),
            (".bazelrc", "build --extra_toolchains=//tc:missing\n"),
            ("tc/BUILD", "toolchain_type(name = \"type\")\n"),
        ],
    );
    let own = inside.join(".bazelrc").display().to_string();
    let (_, diags) = run(&["--bazelrc", &own], &inside);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].1, ".bazelrc", "{diags:#?}");

    // A --bazelrc that is not a file is refused.
    let out = Command::new(toolcheck_bin())
        .args(["check", "--bazelrc", "/nonexistent/rc"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--bazelrc '/nonexistent/rc' is not a file")
    );
}

/// Findings belong to the main repository: a dependency read with `--repo` keeps its own
/// problems (a broken label in its tests) to itself, and one in a package the main repository
/// registers is reported at that registration, with the dependency's line as related
/// information.
#[test]
fn findings_in_dependencies_belong_to_the_main_repository() {
    let dir = scratch_dir("ws-ownership");
    let dep = scratch_dir("ws-ownership-dep");
    write_files(
        &dep,
        &[
            ("WORKSPACE", "workspace(name = \"rules_dep\")\n"),
            (
                "tc/BUILD",
                "toolchain_type(name = \"type\")\ntoolchain(\n    name = \"linux\",\n    exec_compatible_with = [\"//tc:no_such_constraint\"],\n    toolchain = \":i\",\n    toolchain_type = \":type\",\n)\nfilegroup(name = \"i\")\n",
            ),
            (
                "tests/BUILD",
                "toolchain(\n    name = \"test_tc\",\n    toolchain = \":i\",\n    toolchain_type = \"//tests:missing_type\",\n)\n",
            ),
        ],
    );
    write_files(
        &dir,
        &[
            (".bazelversion", "6.4.0\n"),
            ("WORKSPACE", "register_toolchains(\"@rules_dep//tc:all\")\n"),
            ("BUILD", ""),
        ],
    );
    let repo = format!("rules_dep={}", dep.display());
    let out = Command::new(toolcheck_bin())
        .args([
            "check",
            "--format",
            "json",
            "--no-cache",
            "--fail-on",
            "never",
            "--repo",
            &repo,
        ])
        .arg(&dir)
        .output()
        .expect("toolcheck runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let diags = json["diagnostics"].as_array().unwrap();
    let summary: Vec<String> = diags
        .iter()
        .map(|d| format!("{} {}: {}", d["check"], d["path"], d["message"]))
        .collect();
    // Nothing in the dependency's tests, which the main repository never reads.
    assert!(
        !summary.iter().any(|s| s.contains("missing_type")),
        "{summary:#?}"
    );
    // The broken constraint of a toolchain the main repository registers: at the registration.
    let d = diags
        .iter()
        .find(|d| {
            d["check"] == "unresolved-label"
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("no_such_constraint"))
        })
        .unwrap_or_else(|| panic!("{summary:#?}"));
    assert_eq!(d["path"], "WORKSPACE", "{summary:#?}");
    let related = d["related"].as_array().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r["path"].as_str().is_some_and(|p| p.ends_with("tc/BUILD"))),
        "{related:#?}"
    );
}
