//! The Bazel test corpus runner: every scenario under `corpus/bazel_tests/<scenario>/` is a
//! workspace translated from one of Bazel's own toolchain-resolution tests, with an
//! `expect.json` that cites the test and pins the Bazel version its assertion belongs to. Each
//! run of a scenario is answered by the real `toolcheck resolve --format json` and compared
//! with what Bazel's test asserts: the toolchain chosen per type, the execution platform, the
//! error, or that toolcheck must say undecided — for the default exec group and for every
//! named (or automatic) exec group the expectation lists.
//!
//! `expect.json`:
//! ```text
//! { "test": "test_name", "file": "path/in/bazel", "commit": "40 hex digits",
//!   "bazel": "8.0.0",
//!   "aliases": {"//:impl_alias": "//:impl"},                         (optional)
//!   "runs": [ { "name": "what this run checks",
//!               "target": "//app:use",
//!               "target_platform": "//:p", "host_platform": "//:h",   (optional)
//!               "forced_exec_platform": "//:p",                        (optional)
//!               "rc": "build --compilation_mode=opt",                  (optional: flags)
//!               "bazel": "7.3.0",                                      (optional override)
//!               "expect": { "exec_platform": "//:p", "toolchains": {"//t:type": "//:impl"},
//!                           "error": "no_matching_toolchains", "undecided": true,
//!                           "auto_exec_groups": true,
//!                           "exec_groups": {"name": { ...the same keys... }} } } ] }
//! ```
//! or, for a question Bazel refuses before resolving (a `--platforms` that is no platform),
//! `"expect": {"cli_error": "invalid target platform"}`: toolcheck must exit with that usage
//! error.
//! An expectation key that is absent is not compared, except `error` and `undecided`: a run
//! with neither must resolve without an error and without anything undecided.
//!
//! A scenario about Bzlmod names a module registry on disk with `"registry": "registry"`: that
//! directory of the scenario is not part of the workspace; the runner fetches the workspace's
//! modules from it (`toolcheck fetch --registry file://...`, into a cache of the run's own) before
//! the runs, as a user without Bazel would.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use toolcheck_tests::{repo_root, scratch_dir, toolcheck_bin};

/// Copies the scenario's files (all but `expect.json`) to `to`.
fn copy_workspace(from: &Path, to: &Path, skip: Option<&Path>) {
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("scenario directory is readable") {
            let p = e.expect("directory entry").path();
            let rel = p.strip_prefix(from).expect("under the scenario");
            if Some(rel) == skip {
                continue;
            }
            if p.is_dir() {
                stack.push(p.clone());
                std::fs::create_dir_all(to.join(rel)).expect("scratch directory");
            } else if rel != Path::new("expect.json") {
                std::fs::copy(&p, to.join(rel)).expect("scenario file can be copied");
            }
        }
    }
}

/// The group's resolved toolchains as type → implementation. An optional type that resolved
/// to nothing is left out (the expectation writes it as `null`). `aliases` maps an `alias`
/// target of the scenario to its `actual`: Bazel's test asserts the provider the toolchain
/// reaches through the alias, toolcheck names the label the `toolchain` attribute holds.
fn toolchains_of(group: &Value, aliases: &Value) -> serde_json::Map<String, Value> {
    group["toolchains"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter(|t| !t["implementation"].is_null())
                .map(|t| {
                    let implementation = t["implementation"].as_str().unwrap_or_default();
                    (
                        t["type"].as_str().unwrap_or_default().to_string(),
                        aliases
                            .get(implementation)
                            .cloned()
                            .unwrap_or_else(|| t["implementation"].clone()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Compares one exec group's result with its expectation; returns the differences.
fn compare_group(
    what: &str,
    actual: &Value,
    expect: &Value,
    aliases: &Value,
    out: &mut Vec<String>,
) {
    let undecided = actual["undecidable"]
        .as_array()
        .is_some_and(|u| !u.is_empty());
    let want_undecided = expect["undecided"].as_bool().unwrap_or(false);
    if undecided != want_undecided {
        out.push(format!(
            "{what}: undecided is {undecided}, expected {want_undecided} ({})",
            actual["undecidable"]
        ));
    }
    let error = actual["error"]["kind"].as_str();
    let want_error = expect["error"].as_str();
    if error != want_error {
        out.push(format!(
            "{what}: error {error:?}, expected {want_error:?} ({})",
            actual["error"]["message"]
        ));
    }
    if let Some(p) = expect.get("exec_platform") {
        if &actual["exec_platform"] != p {
            out.push(format!(
                "{what}: exec platform {}, expected {p}",
                actual["exec_platform"]
            ));
        }
    }
    if let Some(Value::Object(want)) = expect.get("toolchains") {
        let got = toolchains_of(actual, aliases);
        let want: serde_json::Map<String, Value> = want
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if got != want {
            out.push(format!(
                "{what}: toolchains {}, expected {}",
                Value::Object(got),
                Value::Object(want)
            ));
        }
    }
    if let Some(want) = expect.get("auto_exec_groups") {
        // Whether the rule's toolchains get automatic exec groups (one per type, named by it).
        let got = &actual["auto_exec_groups"]["enabled"];
        if got != want {
            out.push(format!(
                "{what}: automatic exec groups {got}, expected {want} ({})",
                actual["auto_exec_groups"]
            ));
        }
    }
    if let Some(Value::Object(groups)) = expect.get("exec_groups") {
        let named = actual["exec_groups"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (name, want) in groups {
            match named.iter().find(|g| g["name"].as_str() == Some(name)) {
                Some(g) => {
                    compare_group(&format!("{what}, exec group {name}"), g, want, aliases, out)
                }
                None => out.push(format!(
                    "{what}: no exec group {name} in the answer (groups: {:?})",
                    named.iter().map(|g| g["name"].clone()).collect::<Vec<_>>()
                )),
            }
        }
    }
}

fn run_scenario(dir: &Path) -> Result<usize, String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let expect: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expect.json"))
            .map_err(|e| format!("{name}: no expect.json: {e}"))?,
    )
    .map_err(|e| format!("{name}: bad expect.json: {e}"))?;
    for key in ["test", "file", "commit", "bazel"] {
        if !expect[key].is_string() {
            return Err(format!("{name}: expect.json lacks `{key}`"));
        }
    }
    if expect["commit"].as_str().unwrap().len() != 40 {
        return Err(format!("{name}: `commit` is not a full commit id"));
    }
    let runs = expect["runs"].as_array().cloned().unwrap_or_default();
    if runs.is_empty() {
        return Err(format!("{name}: no runs"));
    }
    let scratch = scratch_dir(&format!("bazel-tests-{name}"));
    let ws = scratch.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let registry = expect["registry"].as_str().map(Path::new);
    copy_workspace(dir, &ws, registry);
    let cache = scratch.join("cache");
    if let Some(registry) = registry {
        let reg_dir = scratch.join("registry");
        std::fs::create_dir_all(&reg_dir).unwrap();
        copy_workspace(&dir.join(registry), &reg_dir, None);
        let out = Command::new(toolcheck_bin())
            .arg("fetch")
            .arg(&ws)
            .arg("--registry")
            .arg(format!("file://{}", reg_dir.display()))
            .env("TOOLCHECK_CACHE_DIR", &cache)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{name}: toolcheck fetch from the scenario's registry failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let mut diffs = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let what = format!(
            "{name} run {i} ({})",
            run["name"].as_str().unwrap_or_default()
        );
        let version = run["bazel"].as_str().or(expect["bazel"].as_str()).unwrap();
        let mut cmd = Command::new(toolcheck_bin());
        cmd.env("TOOLCHECK_CACHE_DIR", &cache);
        cmd.args(["resolve", "--format", "json", "--host", "linux-x86_64"])
            .args(["--bazel-version", version])
            .arg("--workspace")
            .arg(&ws)
            .args(["--target", run["target"].as_str().unwrap_or("//app:use")]);
        if let Some(p) = run["target_platform"].as_str() {
            cmd.args(["--target-platform", p]);
        }
        if let Some(p) = run["host_platform"].as_str() {
            cmd.args(["--host-platform", p]);
        }
        if let Some(p) = run["forced_exec_platform"].as_str() {
            // Bazel's forced execution platform (a toolchain's own resolution).
            cmd.args(["--exec-platform", p]);
        }
        if let Some(rc) = run["rc"].as_str() {
            // The run's flags, as an rc file read after the workspace's (Bazel's --bazelrc).
            let file = scratch.join(format!("run{i}.bazelrc"));
            std::fs::write(&file, format!("{rc}\n")).unwrap();
            cmd.arg("--bazelrc").arg(&file);
        }
        let out = cmd.output().map_err(|e| e.to_string())?;
        if let Some(want) = run["expect"]["cli_error"].as_str() {
            // Bazel fails before resolving (a target platform that is no platform): toolcheck
            // refuses the question the same way.
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() || !stderr.contains(want) {
                diffs.push(format!(
                    "{what}: expected the usage error `{want}`, got exit {:?}: {stderr}",
                    out.status.code()
                ));
            }
            continue;
        }
        if !out.status.success() {
            diffs.push(format!(
                "{what}: toolcheck failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let json: Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("{what}: bad JSON: {e}"))?;
        let Some(first) = json["resolutions"].get(0) else {
            diffs.push(format!("{what}: no resolution in the answer"));
            continue;
        };
        compare_group(&what, first, &run["expect"], &expect["aliases"], &mut diffs);
    }
    if diffs.is_empty() {
        Ok(runs.len())
    } else {
        Err(diffs.join("\n"))
    }
}

#[test]
fn bazel_test_scenarios() {
    let root = repo_root().join("corpus").join("bazel_tests");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("corpus/bazel_tests exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let only = std::env::var("BAZEL_TESTS_ONLY").ok();
    let mut failures = Vec::new();
    let (mut scenarios, mut runs) = (0, 0);
    for dir in &dirs {
        if only
            .as_deref()
            .is_some_and(|o| !dir.to_string_lossy().contains(o))
        {
            continue;
        }
        scenarios += 1;
        match run_scenario(dir) {
            Ok(n) => runs += n,
            Err(e) => failures.push(e),
        }
    }
    assert!(scenarios > 0, "no scenarios found");
    assert!(
        failures.is_empty(),
        "{} of {scenarios} scenarios disagree with Bazel's tests:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{scenarios} scenarios, {runs} runs agree with Bazel's tests");
}

/// Every scenario directory is listed in the README with its source, so the README is the
/// index of what is translated.
#[test]
fn readme_lists_every_scenario() {
    let root = repo_root().join("corpus").join("bazel_tests");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let missing: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !readme.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "scenarios missing from README: {missing:?}"
    );
}
