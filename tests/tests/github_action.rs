//! The GitHub Action (`action.yml`, `ci/github-action.sh`) run as GitHub runs it: the script
//! with the environment a runner sets (GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_PATH,
//! RUNNER_TEMP, GITHUB_ACTION_PATH, the inputs as INPUT_*), installing the real binary the
//! "release download" way (a `file://` URL: no network in tests). The `cargo install --locked`
//! way and pre-commit are tested by `tests/ci_kit/run.sh`, which builds a release.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use toolcheck_tests::{repo_root, scratch_dir, toolcheck_bin, write_files};

struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    path_file: String,
}

/// Runs the action's step for the checkout `workspace` with `inputs` (name without `INPUT_`).
fn run_action(scratch: &Path, workspace: &Path, inputs: &[(&str, &str)]) -> Step {
    let temp = scratch.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let output = scratch.join("github-output");
    let path_file = scratch.join("github-path");
    std::fs::write(&output, "").unwrap();
    std::fs::write(&path_file, "").unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("ci/github-action.sh"))
        .current_dir(scratch)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_PATH", &path_file)
        .env("GITHUB_ACTION_PATH", repo_root())
        .env("RUNNER_TEMP", &temp)
        // The toolcheck cache outside the user's: a runner starts without one.
        .env("XDG_CACHE_HOME", scratch.join("cache"));
    for var in [
        "INPUT_PATH",
        "INPUT_ARGS",
        "INPUT_FAIL_ON",
        "INPUT_BINARY_URL",
        "INPUT_BINARY_SHA256",
        "INPUT_SARIF_FILE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{k}"), v);
    }
    let out = cmd.output().expect("bash runs");
    let outputs = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Step {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs,
        path_file: std::fs::read_to_string(&path_file).unwrap(),
    }
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn sha256(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A checkout with one Bazel workspace in `bazel/` and one error in it.
fn checkout(scratch: &Path) -> PathBuf {
    let ws = scratch.join("checkout");
    write_files(
        &ws,
        &[
            ("bazel/.bazelversion", "8.4.0\n"),
            ("bazel/MODULE.bazel", "module(name = \"demo\")\n"),
            (
                "bazel/BUILD.bazel",
                "toolchain_type(name = \"tt\")\n\ntoolchain(name = \"tc\", toolchain = \":impl\", toolchain_type = \"//:missing\")\n\nfilegroup(name = \"impl\")\n",
            ),
        ],
    );
    ws
}

#[test]
fn the_action_annotates_writes_sarif_and_fails_on_findings() {
    let scratch = scratch_dir("github-action");
    let ws = checkout(&scratch);
    let bin = toolcheck_bin();
    let step = run_action(
        &scratch,
        &ws,
        &[
            ("PATH", "bazel"),
            ("BINARY_URL", &file_url(&bin)),
            ("BINARY_SHA256", &sha256(&bin)),
        ],
    );
    assert_eq!(step.code, 1, "{}\n{}", step.stdout, step.stderr);
    // Annotations, with paths relative to the checkout (where GitHub resolves them).
    assert!(
        step.stdout.contains(
            "::error file=bazel/BUILD.bazel,line=3,col=62,endLine=3,endColumn=74,title=unresolved-label::"
        ),
        "{}",
        step.stdout
    );
    let temp = scratch.join("runner-temp");
    let sarif_path = temp.join("toolcheck.sarif");
    assert_eq!(step.outputs["sarif-file"], sarif_path.display().to_string());
    assert_eq!(step.outputs["exit-code"], "1");
    let installed = temp.join("toolcheck/bin/toolcheck");
    assert_eq!(step.outputs["toolcheck"], installed.display().to_string());
    assert_eq!(
        step.path_file.trim(),
        temp.join("toolcheck/bin").display().to_string()
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif:#}");
    assert_eq!(results[0]["ruleId"], "unresolved-label");

    // fail-on never: the same findings, a passing step; the arguments reach toolcheck.
    let step = run_action(
        &scratch,
        &ws,
        &[
            ("PATH", "bazel"),
            ("FAIL_ON", "never"),
            ("ARGS", "--ignore unresolved-label --bazel-version 8.4.0"),
            (
                "SARIF_FILE",
                &scratch.join("out/report.sarif").display().to_string(),
            ),
        ],
    );
    // Installed by the first run: no URL needed in the same job.
    assert_eq!(step.code, 0, "{}\n{}", step.stdout, step.stderr);
    assert!(!step.stdout.contains("::error"), "{}", step.stdout);
    assert_eq!(step.outputs["exit-code"], "0");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scratch.join("out/report.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);

    // A usage error is a failing step with exit code 2, not a pass.
    let step = run_action(
        &scratch,
        &ws,
        &[("PATH", "bazel"), ("ARGS", "--select nope")],
    );
    assert_eq!(step.code, 2, "{}\n{}", step.stdout, step.stderr);
    assert_eq!(step.outputs["exit-code"], "2");
}

#[test]
fn the_action_takes_a_tarball_and_refuses_a_wrong_checksum() {
    let scratch = scratch_dir("github-action-tarball");
    let ws = checkout(&scratch);
    let staging = scratch.join("release/toolcheck-x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(toolcheck_bin(), staging.join("toolcheck")).unwrap();
    let tarball = scratch.join("release/toolcheck.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(scratch.join("release"))
        .arg("toolcheck-x86_64-unknown-linux-gnu")
        .status()
        .unwrap();
    assert!(status.success());

    let wrong = run_action(
        &scratch,
        &ws,
        &[
            ("PATH", "bazel"),
            ("BINARY_URL", &file_url(&tarball)),
            ("BINARY_SHA256", &"0".repeat(64)),
        ],
    );
    assert_eq!(wrong.code, 2, "{}\n{}", wrong.stdout, wrong.stderr);
    assert!(wrong.stdout.contains("SHA-256"), "{}", wrong.stdout);
    assert!(!scratch.join("runner-temp/toolcheck/bin/toolcheck").exists());

    let step = run_action(
        &scratch,
        &ws,
        &[("PATH", "bazel"), ("BINARY_URL", &file_url(&tarball))],
    );
    assert_eq!(step.code, 1, "{}\n{}", step.stdout, step.stderr);
    assert!(
        step.stdout.contains("title=unresolved-label::"),
        "{}",
        step.stdout
    );
}

/// Every input action.yml declares reaches the script as the INPUT_ variable it reads, and
/// every output the script writes is declared.
#[test]
fn action_yml_and_the_script_agree() {
    let yml = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let script = std::fs::read_to_string(repo_root().join("ci/github-action.sh")).unwrap();
    assert!(yml.contains("using: composite"), "{yml}");
    assert!(
        yml.contains("run: bash \"$GITHUB_ACTION_PATH/ci/github-action.sh\""),
        "{yml}"
    );
    for input in [
        "path",
        "args",
        "fail-on",
        "binary-url",
        "binary-sha256",
        "sarif-file",
    ] {
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(yml.contains(&format!("\n  {input}:\n")), "{input} declared");
        assert!(
            yml.contains(&format!("{var}: ${{{{ inputs.{input} }}}}")),
            "{input} passed as {var}"
        );
        assert!(script.contains(&var), "the script reads {var}");
    }
    for output in ["sarif-file", "exit-code", "toolcheck"] {
        assert!(
            yml.contains(&format!("value: ${{{{ steps.check.outputs.{output} }}}}")),
            "{output} declared"
        );
        assert!(
            script.contains(&format!("echo \"{output}=")),
            "{output} written"
        );
    }
}
