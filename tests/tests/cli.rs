//! End-to-end tests of `toolcheck check`, `explain` and `resolve`: the real binary on small
//! workspaces written to disk. Covers exit codes (`--fail-on`, usage and I/O errors), every
//! output format, JSON positions (1-based, Unicode scalar value columns), and SARIF output
//! validated by the real SARIF Multitool (installed with npm into `target/tools` on first use).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use toolcheck_tests::{repo_root, scratch_dir, toolcheck_bin, write_files};

const MODULE: (&str, &str) = ("MODULE.bazel", "module(name = \"demo\")\n");

/// The line of `pkg/BUILD.bazel` with the unresolved label: non-ASCII text (2-, 3- and 4-byte
/// UTF-8; the crab is two UTF-16 units) precedes the label on the same line.
const PKG_LINE: &str =
    "toolchain(name = \"tc\", tags = [\"ü→🦀\"], toolchain = \":impl\", toolchain_type = \"//:missing\")";

/// A workspace with exactly one finding: an error (`unresolved-label`) in `pkg/BUILD.bazel`.
fn error_workspace(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("cli-{name}"));
    let pkg = format!("{PKG_LINE}\n");
    write_files(
        &dir,
        &[
            // A stated version: what an inferred one prints has its own test.
            (".bazelversion", "8.4.0\n"),
            MODULE,
            ("BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
            ("pkg/BUILD.bazel", &pkg),
        ],
    );
    dir
}

/// A workspace with exactly one finding: a warning (`empty-registration-pattern`).
fn warning_workspace(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("cli-{name}"));
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nregister_toolchains(\"//empty:all\")\n",
            ),
            ("BUILD.bazel", "toolchain_type(name = \"tt\")\n"),
            ("empty/BUILD.bazel", "filegroup(name = \"nothing\")\n"),
        ],
    );
    dir
}

/// A workspace without findings.
fn clean_workspace(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("cli-{name}"));
    write_files(
        &dir,
        &[
            // A stated version: what an inferred one prints has its own test.
            (".bazelversion", "8.4.0\n"),
            MODULE,
            (
                "BUILD.bazel",
                "toolchain_type(name = \"tt\")\n\ntoolchain(\n    name = \"tc\",\n    toolchain = \":impl\",\n    toolchain_type = \":tt\",\n)\n\nfilegroup(name = \"impl\")\n",
            ),
        ],
    );
    dir
}

/// A workspace toolcheck cannot fully evaluate, and no finding above `info`: a rule whose
/// `toolchains` come from an unreadable repository, a macro calling a rule from it, and a
/// registration into it.
fn gaps_workspace(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("cli-{name}"));
    write_files(
        &dir,
        &[
            // A stated version: what an inferred one prints has its own test.
            (".bazelversion", "8.4.0\n"),
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nbazel_dep(name = \"rules_go\", version = \"0.50.0\")\n\nregister_toolchains(\"@rules_go//go:all\")\n",
            ),
            (
                "defs.bzl",
                "load(\"@rules_go//go:def.bzl\", \"GO_TOOLCHAINS\", \"go_binary\")\n\ndef _impl(ctx):\n    pass\n\nmy_rule = rule(implementation = _impl, toolchains = GO_TOOLCHAINS)\n\ndef my_macro(name):\n    go_binary(name = name + \"_bin\")\n    native.filegroup(name = name)\n",
            ),
            (
                "BUILD.bazel",
                "load(\"//:defs.bzl\", \"my_macro\", \"my_rule\")\n\ntoolchain_type(name = \"tt\")\n\nmy_rule(name = \"r\")\n\nmy_macro(name = \"m\")\n",
            ),
        ],
    );
    dir
}

/// What `gaps_workspace` cannot evaluate, in words.
const GAPS: &str = "1 rule with unknown toolchain requests, 1 macro call not fully evaluated, 1 registration not expanded, 1 repository not readable";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(toolcheck_bin());
    cmd.args(args).current_dir(dir);
    // Colour is decided from the environment: start from a neutral one.
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"] {
        cmd.env_remove(var);
    }
    cmd.envs(envs.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the toolcheck binary runs");
    let run = Run {
        code: status.code().expect("toolcheck exited normally"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "toolcheck panicked: {}",
        run.stderr
    );
    run
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, args, &[])
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", run.stdout))
}

/// `(check, severity, path)` of every JSON diagnostic.
fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("check"), s("severity"), s("path"))
        })
        .collect()
}

/// The 1-based column of `needle` in `line`, counted in Unicode scalar values.
fn char_column(line: &str, needle: &str) -> u64 {
    line[..line.find(needle).expect("needle in line")]
        .chars()
        .count() as u64
        + 1
}

// ---------------------------------------------------------------------------------------
// Exit codes
// ---------------------------------------------------------------------------------------

#[test]
fn exit_codes_follow_fail_on() {
    let error = error_workspace("exit-error");
    let warning = warning_workspace("exit-warning");
    let clean = clean_workspace("exit-clean");
    let cases: &[(&Path, &[&str], i32)] = &[
        (&error, &[], 1),
        (&error, &["--fail-on", "error"], 1),
        (&error, &["--fail-on", "warning"], 1),
        (&error, &["--fail-on", "info"], 1),
        (&error, &["--fail-on", "never"], 0),
        (&warning, &[], 1),
        (&warning, &["--fail-on", "error"], 0),
        (&warning, &["--fail-on", "warning"], 1),
        (&warning, &["--fail-on", "info"], 1),
        (&warning, &["--fail-on", "never"], 0),
        (&clean, &[], 0),
        (&clean, &["--fail-on", "info"], 0),
    ];
    for (dir, extra, expected) in cases {
        for format in ["human", "json", "sarif", "github"] {
            let mut args = vec!["check", "--format", format];
            args.extend_from_slice(extra);
            let r = run(dir, &args);
            assert_eq!(
                r.code,
                *expected,
                "toolcheck {} in {}\nstdout: {}\nstderr: {}",
                args.join(" "),
                dir.display(),
                r.stdout,
                r.stderr
            );
            assert!(r.stderr.is_empty(), "unexpected stderr: {}", r.stderr);
        }
    }
    // The warning workspace really has just the one warning.
    let v = json(&run(&warning, &["check", "--format", "json"]));
    assert_eq!(
        findings(&v),
        [(
            "empty-registration-pattern".into(),
            "warning".into(),
            "MODULE.bazel".into()
        )]
    );
}

#[test]
fn errors_exit_2_with_a_one_line_reason() {
    let ws = error_workspace("usage");
    let no_ws =
        std::env::temp_dir().join(format!("toolcheck-cli-no-workspace-{}", std::process::id()));
    std::fs::create_dir_all(&no_ws).unwrap();
    let missing = ws.join("does-not-exist");
    let missing = missing.to_str().unwrap();
    let not_a_dir = ws.join("BUILD.bazel");
    let repo_not_a_dir = format!("foo={}", not_a_dir.display());
    let output_base_not_a_dir = not_a_dir.to_str().unwrap();
    let bad_host_word = ws.join("bad-host-word.toml");
    std::fs::write(&bad_host_word, "host_constraints = \"linux\"\n").unwrap();
    let bad_host_label = ws.join("bad-host-label.toml");
    std::fs::write(&bad_host_label, "host_constraints = [\"os:linux\"]\n").unwrap();
    let (bad_host_word, bad_host_label) = (
        bad_host_word.to_str().unwrap(),
        bad_host_label.to_str().unwrap(),
    );
    let cases: &[(&Path, &[&str])] = &[
        (&ws, &["check", "--config", bad_host_word]),
        (&ws, &["check", "--config", bad_host_label]),
        (&ws, &["check", "--select", "no-such-check"]),
        (
            &ws,
            &["check", "--ignore", "unresolved-label,no-such-check"],
        ),
        (&ws, &["check", missing]),
        (&no_ws, &["check"]),
        (&ws, &["check", "--bazel-version", "not-a-version"]),
        (&ws, &["check", "--config", missing]),
        (&ws, &["check", "--repo", "no-equals-sign"]),
        (&ws, &["check", "--repo", &repo_not_a_dir]),
        (&ws, &["check", "--output-base", output_base_not_a_dir]),
        (&ws, &["explain", "no-such-check"]),
    ];
    for (dir, args) in cases {
        let r = run(dir, args);
        assert_eq!(
            r.code,
            2,
            "toolcheck {}\nstdout: {}\nstderr: {}",
            args.join(" "),
            r.stdout,
            r.stderr
        );
        assert!(
            r.stdout.is_empty(),
            "toolcheck {}: stdout {:?}",
            args.join(" "),
            r.stdout
        );
        assert_eq!(
            r.stderr.trim_end().lines().count(),
            1,
            "toolcheck {}: stderr should be one line: {:?}",
            args.join(" "),
            r.stderr
        );
    }
    // The reason is said once (an error and its cause were both printed).
    let r = run(&ws, &["check", "--config", missing]);
    assert_eq!(r.stderr.matches("os error").count(), 1, "{}", r.stderr);
    // Command-line syntax errors (clap) also exit 2, with a usage hint.
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--fail-on", "sometimes"],
        &["no-such-command"],
    ] {
        let r = run(&ws, args);
        assert_eq!(r.code, 2, "toolcheck {}: {}", args.join(" "), r.stderr);
        assert!(!r.stderr.is_empty());
    }
    let _ = std::fs::remove_dir_all(&no_ws);
}

#[test]
fn explain_prints_the_docs_of_every_check() {
    let dir = clean_workspace("explain");
    for check in toolcheck_ide::ALL_CHECKS {
        let r = run(&dir, &["explain", check.name]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains(check.name));
        assert!(
            r.stdout.contains(check.docs.trim_end()),
            "explain {}: {}",
            check.name,
            r.stdout
        );
    }
    let r = run(&dir, &["explain", "--list"]);
    assert_eq!(r.code, 0);
    for check in toolcheck_ide::ALL_CHECKS {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(check.name)),
            "--list lacks {}",
            check.name
        );
    }
    // The topics: how library mode and computed repositories work.
    for topic in ["library-mode", "computed-repositories"] {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(topic)),
            "--list lacks {topic}"
        );
        let t = run(&dir, &["explain", topic]);
        assert_eq!(t.code, 0, "{}", t.stderr);
        assert!(
            t.stdout.starts_with(&format!("# {topic}\n")),
            "{}",
            t.stdout
        );
    }
    let lib = run(&dir, &["explain", "library-mode"]);
    assert!(lib.stdout.contains("mode = \"library\""));
}

// ---------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------

#[test]
fn json_contract_and_unicode_columns() {
    let dir = error_workspace("json");
    let r = run(&dir, &["check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout.trim_end().lines().count(), 1, "one document");
    let v = json(&r);
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top.len(), 6);
    for key in [
        "tool",
        "version",
        "diagnostics",
        "coverage",
        "bazel",
        "matrix",
    ] {
        assert!(top.contains(&key), "missing {key}");
    }
    assert_eq!(v["tool"], "toolcheck");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{}", r.stdout);
    let d = diags[0].as_object().unwrap();
    let mut keys: Vec<&str> = d.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "check",
            "column",
            "configs",
            "end_column",
            "end_line",
            "hosts",
            "line",
            "message",
            "path",
            "related",
            "severity"
        ]
    );
    assert_eq!(d["check"], "unresolved-label");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "pkg/BUILD.bazel");
    assert!(d["message"].as_str().unwrap().contains("//:missing"));
    assert_eq!(d["related"], serde_json::json!([]));

    let column = char_column(PKG_LINE, "\"//:missing\"");
    let bytes = PKG_LINE.find("\"//:missing\"").unwrap() as u64 + 1;
    assert_ne!(
        column, bytes,
        "the test line must have multi-byte characters before the label"
    );
    assert_eq!(d["line"], 1);
    assert_eq!(d["column"], column);
    assert_eq!(d["end_line"], 1);
    // End exclusive: the 12-character label ends one past its last character.
    assert_eq!(
        d["end_column"],
        column + "\"//:missing\"".chars().count() as u64
    );
}

#[test]
fn json_is_empty_and_paths_are_filtered() {
    let clean = clean_workspace("json-clean");
    let r = run(&clean, &["check", "--format", "json"]);
    assert_eq!(r.code, 0);
    // The one host is the machine the test runs on.
    let host = &json(&r)["matrix"]["hosts"][0];
    assert_eq!(host["why"], "the machine toolcheck runs on");
    assert_eq!(
        r.stdout.trim_end(),
        format!(
            "{{\"tool\":\"toolcheck\",\"version\":\"{}\",\"diagnostics\":[],\"coverage\":{{\"complete\":true,\"summary\":null,\"counts\":{{\"rules\":0,\"targets\":0,\"macros\":0,\"registrations\":0,\"repositories\":0,\"resolutions\":0}},\"reasons\":[]}},\"bazel\":{{\"version\":\"8.4.0\",\"source\":\"bazelversion\",\"reason\":null}},\"matrix\":{{\"configs\":[],\"skipped_configs\":[],\"hosts\":[{{\"host\":{},\"name\":{},\"why\":\"the machine toolcheck runs on\"}}]}}}}",
            env!("CARGO_PKG_VERSION"),
            host["host"],
            host["name"]
        )
    );

    // Reporting is limited to the given paths; the workspace is found from the first one.
    let dir = error_workspace("json-paths");
    write_files(
        &dir,
        &[(
            "other/BUILD.bazel",
            "toolchain(name = \"o\", toolchain = \":i\", toolchain_type = \"//:gone\")\n",
        )],
    );
    let all = json(&run(&dir, &["check", "--format", "json"]));
    let paths: Vec<String> = findings(&all).into_iter().map(|f| f.2).collect();
    assert_eq!(
        paths,
        ["other/BUILD.bazel", "pkg/BUILD.bazel"],
        "sorted by path"
    );
    let only_other = json(&run(&dir, &["check", "--format", "json", "other"]));
    assert_eq!(
        findings(&only_other),
        [(
            "unresolved-label".into(),
            "error".into(),
            "other/BUILD.bazel".into()
        )]
    );
    let from_outside = json(&run(
        &repo_root(),
        &[
            "check",
            "--format",
            "json",
            dir.join("pkg").to_str().unwrap(),
        ],
    ));
    assert_eq!(
        findings(&from_outside),
        [(
            "unresolved-label".into(),
            "error".into(),
            "pkg/BUILD.bazel".into()
        )]
    );
}

#[test]
fn select_and_ignore() {
    let dir = error_workspace("select");
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nregister_toolchains(\"//empty:all\")\n",
            ),
            ("empty/BUILD.bazel", ""),
        ],
    );
    let checks = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
        all.extend_from_slice(args);
        findings(&json(&run(&dir, &all)))
            .into_iter()
            .map(|f| f.0)
            .collect()
    };
    assert_eq!(
        checks(&[]),
        ["empty-registration-pattern", "unresolved-label"]
    );
    assert_eq!(
        checks(&["--select", "unresolved-label"]),
        ["unresolved-label"]
    );
    assert_eq!(
        checks(&["--ignore", "unresolved-label"]),
        ["empty-registration-pattern"]
    );
    assert!(checks(&["--ignore", "unresolved-label,empty-registration-pattern"]).is_empty());
    let r = run(
        &dir,
        &[
            "check",
            "--ignore",
            "unresolved-label,empty-registration-pattern",
        ],
    );
    assert_eq!(r.code, 0);
}

#[cfg(unix)]
#[test]
fn path_problems_render_at_line_1_column_1() {
    let dir = clean_workspace("path-problem");
    let outside = scratch_dir("cli-path-problem-outside");
    write_files(&outside, &[("BUILD.bazel", "")]);
    std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
    // A link out of the repository is a note: toolcheck chose not to read it.
    let r = run(&dir, &["check", "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = json(&r);
    let d = &v["diagnostics"][0];
    assert_eq!(d["check"], "unreadable-file");
    assert_eq!(d["severity"], "info");
    assert_eq!(d["path"], "link");
    for key in ["line", "column", "end_line", "end_column"] {
        assert_eq!(d[key], 1, "{key}");
    }
    let r = run(&dir, &["check", "--format", "github"]);
    assert!(
        r.stdout
            .starts_with("::notice file=link,line=1,col=1,title=unreadable-file::"),
        "{}",
        r.stdout
    );
    let r = run(&dir, &["check", "--format", "human"]);
    assert!(r.stdout.contains("info[unreadable-file]"), "{}", r.stdout);
    assert!(r.stdout.contains("link"), "{}", r.stdout);
    let sarif: Value =
        serde_json::from_str(&run(&dir, &["check", "--format", "sarif"]).stdout).unwrap();
    let loc = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "link");
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(loc["region"]["startColumn"], 1);
}

#[test]
fn human_output() {
    let dir = error_workspace("human");
    let r = run(&dir, &["check"]);
    assert_eq!(r.code, 1);
    let column = char_column(PKG_LINE, "\"//:missing\"");
    assert!(
        r.stdout.starts_with("error[unresolved-label]: "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!(" --> pkg/BUILD.bazel:1:{column}\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("1 | {PKG_LINE}\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&"^".repeat("\"//:missing\"".len())),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with("1 error, 0 warnings, 0 infos\n"),
        "{}",
        r.stdout
    );
    // stdout is a pipe: no colour unless forced; NO_COLOR wins over forcing.
    assert!(!r.stdout.contains('\x1b'));
    let forced = run_in(&dir, &["check"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.stdout.contains("\x1b["), "{}", forced.stdout);
    let no_color = run_in(
        &dir,
        &["check"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!no_color.stdout.contains('\x1b'), "{}", no_color.stdout);
    // Colour never leaks into machine formats.
    for format in ["json", "sarif", "github"] {
        let r = run_in(
            &dir,
            &["check", "--format", format],
            &[("CLICOLOR_FORCE", "1")],
        );
        assert!(!r.stdout.contains('\x1b'), "{format}: {}", r.stdout);
    }

    let clean = run(&clean_workspace("human-clean"), &["check"]);
    assert_eq!(
        (clean.code, clean.stdout.as_str()),
        (0, "0 errors, 0 warnings, 0 infos\n")
    );
}

#[test]
fn github_output() {
    let dir = error_workspace("github");
    let r = run(&dir, &["check", "--format", "github"]);
    assert_eq!(r.code, 1);
    let column = char_column(PKG_LINE, "\"//:missing\"");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    let prefix = format!(
        "::error file=pkg/BUILD.bazel,line=1,col={column},endLine=1,endColumn={},title=unresolved-label::",
        column + 12
    );
    assert!(
        lines[0].starts_with(&prefix),
        "{}\nexpected prefix {prefix}",
        lines[0]
    );
    assert!(lines[0].contains("//:missing"));

    let warning = run(
        &warning_workspace("github-warning"),
        &["check", "--format", "github"],
    );
    assert!(
        warning
            .stdout
            .starts_with("::warning file=MODULE.bazel,line=3,"),
        "{}",
        warning.stdout
    );
}

// ---------------------------------------------------------------------------------------
// Coverage: every format says what toolcheck could not evaluate
// ---------------------------------------------------------------------------------------

#[test]
fn human_output_says_what_was_not_evaluated() {
    let r = run(&gaps_workspace("coverage-human"), &["check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.ends_with(&format!(
            "\n0 errors, 0 warnings, 1 info\ncoverage: {GAPS} (see --format json)\n"
        )),
        "{}",
        r.stdout
    );
    // Complete coverage adds nothing (see `human_output` for the exact clean output).
    let clean = run(&clean_workspace("coverage-human-clean"), &["check"]);
    assert!(!clean.stdout.contains("coverage"), "{}", clean.stdout);
}

#[test]
fn json_coverage_counts_and_reasons() {
    let r = run(
        &gaps_workspace("coverage-json"),
        &["check", "--format", "json"],
    );
    let v = json(&r);
    let c = &v["coverage"];
    assert_eq!(c["complete"], false);
    assert_eq!(c["summary"], GAPS);
    assert_eq!(
        c["counts"],
        serde_json::json!({"rules": 1, "targets": 0, "macros": 1, "registrations": 1,
                           "repositories": 1, "resolutions": 0})
    );
    let reasons: Vec<(&str, &str, u64)> = c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["category"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("rules", "defs.bzl", 6),
            ("macros", "BUILD.bazel", 7),
            ("registrations", "MODULE.bazel", 5),
            ("repositories", "MODULE.bazel", 3),
        ]
    );
    for r in c["reasons"].as_array().unwrap() {
        assert!(r["count"].as_u64().unwrap() >= 1);
        assert!(r["column"].as_u64().unwrap() >= 1);
        assert!(!r["reason"].as_str().unwrap().is_empty());
    }
    assert!(c["reasons"][3]["reason"]
        .as_str()
        .unwrap()
        .contains("--repo rules_go=DIR"));

    let clean = json(&run(
        &clean_workspace("coverage-json-clean"),
        &["check", "--format", "json"],
    ));
    assert_eq!(clean["coverage"]["complete"], true);
    assert_eq!(clean["coverage"]["summary"], Value::Null);
    assert_eq!(clean["coverage"]["reasons"], serde_json::json!([]));
}

#[test]
fn sarif_and_github_carry_the_coverage() {
    let dir = gaps_workspace("coverage-sarif-github");
    let sarif: Value =
        serde_json::from_str(&run(&dir, &["check", "--format", "sarif"]).stdout).unwrap();
    let json = json(&run(&dir, &["check", "--format", "json"]));
    assert_eq!(sarif["runs"][0]["properties"]["coverage"], json["coverage"]);

    let github = run(&dir, &["check", "--format", "github"]);
    let lines: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some(
            format!(
                "::notice title=toolcheck coverage::toolcheck could not evaluate everything: {GAPS} (see --format json)"
            )
            .as_str()
        ),
        "{}",
        github.stdout
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("coverage")).count(),
        1,
        "{}",
        github.stdout
    );
    let clean = run(
        &clean_workspace("coverage-github-clean"),
        &["check", "--format", "github"],
    );
    assert_eq!(clean.stdout, "");
}

#[test]
fn a_stored_result_keeps_the_coverage() {
    let dir = gaps_workspace("coverage-cache");
    let cache = scratch_dir("cli-coverage-cache-dir");
    let cache_arg = cache.to_string_lossy().to_string();
    let args = ["check", "--cache-dir", &cache_arg];
    let first = run(&dir, &args);
    let second = run(&dir, &args);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(second.stdout, run(&dir, &["check", "--no-cache"]).stdout);
    assert!(second.stdout.contains(GAPS), "{}", second.stdout);
}

// ---------------------------------------------------------------------------------------
// SARIF, validated by the SARIF Multitool
// ---------------------------------------------------------------------------------------

const MULTITOOL: &str = "@microsoft/sarif-multitool@5.7.0";

/// Installs the SARIF Multitool with npm under `target/tools/sarif-multitool` unless it is
/// there already; returns that directory. The install goes to a temporary directory that is
/// renamed into place, so an interrupted install is never mistaken for a complete one.
fn sarif_multitool() -> PathBuf {
    let dir = repo_root()
        .join("target")
        .join("tools")
        .join("sarif-multitool");
    let installed = |dir: &Path| {
        dir.join("node_modules/@microsoft/sarif-multitool/package.json")
            .is_file()
    };
    if !installed(&dir) {
        let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("package.json"), "{\"private\": true}\n").unwrap();
        let out = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                MULTITOOL,
            ])
            .current_dir(&tmp)
            .output()
            .unwrap_or_else(|e| panic!("npm is needed to install the SARIF Multitool: {e}"));
        assert!(
            out.status.success(),
            "npm install {MULTITOOL} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if std::fs::rename(&tmp, &dir).is_err() {
            // Another test process won the race; use its copy.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        assert!(
            installed(&dir),
            "the SARIF Multitool is not in {}",
            dir.display()
        );
    }
    // npm may skip the package's postinstall step that makes the native binary executable.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let platform = match std::env::consts::OS {
            "macos" => "darwin",
            os => os,
        };
        let exe = dir.join(format!(
            "node_modules/@microsoft/sarif-multitool-{platform}/Sarif.Multitool"
        ));
        if let Ok(meta) = std::fs::metadata(&exe) {
            let mut perms = meta.permissions();
            if perms.mode() & 0o100 == 0 {
                perms.set_mode(perms.mode() | 0o755);
                std::fs::set_permissions(&exe, perms).unwrap();
            }
        }
    }
    dir
}

/// Runs `npx sarif-multitool validate` on `file` (in `work`) and returns the validator's own
/// findings as `(level, rule id, message)`, read from the SARIF log it writes.
fn validate(tool: &Path, work: &Path, file: &str) -> Vec<(String, String, String)> {
    let log = work.join("validation.sarif");
    let _ = std::fs::remove_file(&log);
    // npx runs the tool through a shell: pass only plain relative names, from `work`.
    let out = Command::new("npx")
        .args(["--no", "--prefix"])
        .arg(tool)
        .args([
            "sarif-multitool",
            "validate",
            "--level",
            "\"Error;Warning;Note\"",
            "-o",
            "validation.sarif",
            file,
        ])
        .current_dir(work)
        // The .NET runtime otherwise needs libicu, which a fresh machine may lack.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("npx runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sarif-multitool validate failed ({}):\n{stdout}{stderr}",
        out.status
    );
    assert!(
        stdout.contains("Analysis completed successfully"),
        "{stdout}{stderr}"
    );
    let text = std::fs::read_to_string(&log)
        .unwrap_or_else(|e| panic!("no validation log ({e}):\n{stdout}{stderr}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["level"].as_str().unwrap_or("warning").to_string(),
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                r["message"].to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_passes_the_sarif_multitool() {
    let tool = sarif_multitool();
    let dir = error_workspace("sarif");
    // A warning too (another rule, another level) and a path with a space (URI encoding).
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nregister_toolchains(\"//empty:all\")\n",
            ),
            ("empty/BUILD.bazel", ""),
            (
                "with space/BUILD.bazel",
                "platform(name = \"p\", constraint_values = [\"//:nope\"])\n",
            ),
        ],
    );
    let r = run(&dir, &["check", "--format", "sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let work = scratch_dir("cli-sarif-validation");
    std::fs::write(work.join("toolcheck.sarif"), &r.stdout).unwrap();

    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let run0 = &v["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let root_uri = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root_uri.starts_with("file:///") && root_uri.ends_with('/'),
        "{root_uri}"
    );
    let results = run0["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "MODULE.bazel",
            "pkg/BUILD.bazel",
            "with%20space/BUILD.bazel"
        ]
    );
    let pkg = &results[1];
    assert_eq!(pkg["ruleId"], "unresolved-label");
    let region = &pkg["locations"][0]["physicalLocation"]["region"];
    let column = char_column(PKG_LINE, "\"//:missing\"");
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(1), Some(column))
    );
    assert_eq!(region["endColumn"].as_u64(), Some(column + 12));
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), toolcheck_ide::ALL_CHECKS.len());
    for r in results {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }

    let findings = validate(&tool, &work, "toolcheck.sarif");
    let serious: Vec<_> = findings
        .iter()
        .filter(|(level, ..)| level == "error" || level == "warning")
        .collect();
    assert!(
        serious.is_empty(),
        "the SARIF Multitool found problems: {serious:#?}"
    );

    // The validation is not vacuous: a broken log is rejected.
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["endLine"] =
        0.into();
    broken["runs"][0]["results"][0]["ruleIndex"] = 999.into();
    std::fs::write(
        work.join("broken.sarif"),
        serde_json::to_string(&broken).unwrap(),
    )
    .unwrap();
    let findings = validate(&tool, &work, "broken.sarif");
    let rules: Vec<&str> = findings
        .iter()
        .filter(|f| f.0 == "error")
        .map(|f| f.1.as_str())
        .collect();
    assert!(
        rules.contains(&"SARIF1007") && rules.contains(&"SARIF1009"),
        "{findings:#?}"
    );

    // The coverage run property is valid SARIF too.
    let gaps = run(
        &gaps_workspace("sarif-gaps"),
        &["check", "--format", "sarif"],
    );
    std::fs::write(work.join("gaps.sarif"), &gaps.stdout).unwrap();
    let findings = validate(&tool, &work, "gaps.sarif");
    assert!(
        findings
            .iter()
            .all(|(level, ..)| level != "error" && level != "warning"),
        "{findings:#?}"
    );

    // A clean workspace still produces a valid log (with an empty results array).
    let clean = run(
        &clean_workspace("sarif-clean"),
        &["check", "--format", "sarif"],
    );
    assert_eq!(clean.code, 0);
    std::fs::write(work.join("clean.sarif"), &clean.stdout).unwrap();
    let findings = validate(&tool, &work, "clean.sarif");
    assert!(
        findings.iter().all(|(level, ..)| level == "note"),
        "{findings:#?}"
    );
}

#[test]
fn a_warm_run_reuses_the_stored_result_and_any_change_invalidates_it() {
    let dir = error_workspace("result-cache");
    let cache = scratch_dir("cli-result-cache-dir");
    let cache_arg = cache.to_string_lossy().to_string();
    let cached = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--cache-dir", &cache_arg];
        args.extend_from_slice(extra);
        run(dir, &args)
    };
    let fresh = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--no-cache"];
        args.extend_from_slice(extra);
        run(dir, &args)
    };
    let first = cached(&dir, &[]);
    let second = cached(&dir, &[]);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.code, second.code);
    assert_eq!(findings(&json(&second)).len(), 1);
    let stored: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("results-"))
        .collect();
    assert_eq!(stored.len(), 1, "one stored result per workspace root");

    // A new finding in another file.
    write_files(
        &dir,
        &[(
            "other/BUILD.bazel",
            "platform(name = \"p\", parents = [\"//nowhere:p\"])\n",
        )],
    );
    let after_edit = cached(&dir, &[]);
    assert_eq!(after_edit.stdout, fresh(&dir, &[]).stdout);
    assert_eq!(
        findings(&json(&after_edit)).len(),
        2,
        "{}",
        after_edit.stdout
    );

    // Another lint configuration.
    let selected = cached(&dir, &["--select", "wrong-target-kind"]);
    assert_eq!(
        selected.stdout,
        fresh(&dir, &["--select", "wrong-target-kind"]).stdout
    );

    // A damaged stored result is a miss, never an error.
    let path = stored[0].path();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let after_damage = cached(&dir, &[]);
    assert_eq!(after_damage.stdout, fresh(&dir, &[]).stdout);
    std::fs::write(&path, b"short").unwrap();
    assert_eq!(cached(&dir, &[]).stdout, fresh(&dir, &[]).stdout);
}

/// `toolcheck resolve` says which constraint values it gave Bazel's autodetected host, in both
/// formats, and a configured host decides the resolution.
#[test]
fn resolve_reports_the_host_it_assumed() {
    let dir = clean_workspace("resolve-host");
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nregister_toolchains(\"//:tc\")\n",
            ),
            (
                "toolcheck.toml",
                "bazel_version = \"7.4.1\"\nhost_constraints = [\"@platforms//os:windows\"]\n",
            ),
        ],
    );
    let r = run(&dir, &["resolve", "--type", "//:tt", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(
        v["host"],
        serde_json::json!({
            "platform": "@platforms//host:host",
            "source": "configured",
            "constraint_values": ["@platforms//os:windows"],
        })
    );
    assert_eq!(
        v["resolutions"][0]["target_platform"],
        "@platforms//host:host"
    );
    assert_eq!(
        v["resolutions"][0]["exec_platform"],
        "@platforms//host:host"
    );
    assert_eq!(v["resolutions"][0]["toolchains"][0]["toolchain"], "//:tc");
    let r = run(&dir, &["resolve", "--type", "//:tt"]);
    assert!(
        r.stdout.starts_with(
            "Host platform @platforms//host:host: @platforms//os:windows, from host_constraints in toolcheck.toml.\n"
        ),
        "{}",
        r.stdout
    );
}

/// `toolcheck resolve --target` on a rule made by a factory resolves the types the factory
/// was given, as Bazel does; on a rule toolcheck cannot evaluate it says it cannot tell,
/// never that the rule resolves no toolchains.
#[test]
fn resolve_follows_rule_factories_and_says_when_it_cannot() {
    let dir = clean_workspace("resolve-factory");
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nregister_toolchains(\"//:all\")\n",
            ),
            ("toolcheck.toml", "host_constraints = \"unknown\"\n"),
            (
                "defs.bzl",
                r#"load("@unreadable//:defs.bzl", "unknown_factory")

def _impl(ctx):
    return []

def make_rule(types):
    return rule(implementation = _impl, toolchains = types)

use_tc = make_rule(["//:tt0", "//:tt1"])
opaque = unknown_factory()
"#,
            ),
            (
                "BUILD.bazel",
                r#"load(":defs.bzl", "opaque", "use_tc")

toolchain_type(name = "tt0")

toolchain_type(name = "tt1")

use_tc(name = "target")

opaque(name = "other")
"#,
            ),
        ],
    );
    let r = run(&dir, &["resolve", "--target", "//:target"]);
    assert!(
        r.stdout.contains("Performing resolution of //:tt0")
            && r.stdout.contains("Performing resolution of //:tt1"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let r = run(&dir, &["resolve", "--target", "//:other"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("toolcheck cannot tell which toolchains `opaque` requests"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("does not resolve toolchains"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Bazel versions
// ---------------------------------------------------------------------------------------

#[test]
fn versions_are_listed_validated_and_inferred() {
    let dir = clean_workspace("versions");
    let list = run(&dir, &["versions"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("7.x  newest known 7.6.1"),
        "{}",
        list.stdout
    );
    for bad in ["3.7.2", "99.1"] {
        let r = run(&dir, &["check", "--bazel-version", bad]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stdout);
        assert!(r.stderr.contains("toolcheck versions"), "{}", r.stderr);
    }
    // A WORKSPACE-only repository without .bazelversion is simulated as the newest 7.x,
    // and the output says so.
    let ws_only = scratch_dir("cli-versions-workspace-only");
    write_files(
        &ws_only,
        &[
            ("WORKSPACE", "workspace(name = \"w\")\n"),
            ("BUILD", "toolchain_type(name = \"tt\")\n"),
        ],
    );
    let r = run(&ws_only, &["check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .ends_with("pin it with .bazelversion or --bazel-version\n")
            && r.stdout.contains("bazel: simulated 7.6.1"),
        "{}",
        r.stdout
    );
    // `7.x` in .bazelversion, as Bazelisk reads it.
    write_files(&ws_only, &[(".bazelversion", "7.x\n")]);
    let r = run(&ws_only, &["check", "--format", "json"]);
    let v = json(&r);
    assert_eq!(v["bazel"]["version"], "7.6.1");
    assert_eq!(v["bazel"]["source"], "bazelversion");
}

#[test]
fn bazel_configs_are_simulated_and_undefined_ones_are_errors() {
    let dir = clean_workspace("bazel-config");
    write_files(
        &dir,
        &[(
            ".bazelrc",
            "build:ci --extra_toolchains=//:missing_ci_toolchain\n",
        )],
    );
    // The config's registration is read: it names no target.
    let r = run(&dir, &["check", "--bazel-config", "ci"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("missing_ci_toolchain"), "{}", r.stdout);
    // Without it, `check` evaluates the config too (it changes the toolchains) and says
    // the finding holds only there; `--configs none` checks the default configuration only.
    let r = run(&dir, &["check"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("(only in config `ci`)")
            && r.stdout.contains(
                "checked: the default configuration and config `ci` (--extra_toolchains)"
            ),
        "{}",
        r.stdout
    );
    let r = run(&dir, &["check", "--configs", "none"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(&dir, &["check", "--configs", "ci,nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("config 'nope' is not defined"),
        "{}",
        r.stderr
    );
    let r = run(&dir, &["check", "--bazel-config", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("config 'nope' is not defined in any rc file read (.bazelrc)"),
        "{}",
        r.stderr
    );
}

/// Bazel 7.4 with automatic exec groups: the signer and the notarizer each pick their own
/// execution platform (the Linux and the Mac builder); without them no platform has both.
#[test]
fn resolve_gives_each_type_its_platform_with_automatic_exec_groups() {
    let dir = scratch_dir("cli-resolve-aeg");
    write_files(
        &dir,
        &[
            (".bazelversion", "7.4.1\n"),
            (
                ".bazelrc",
                "build --incompatible_auto_exec_groups\nbuild:plain --noincompatible_auto_exec_groups\n",
            ),
            (
                "MODULE.bazel",
                "module(name = \"tools\")\nregister_execution_platforms(\"//plat:linux_builder\", \"//plat:mac_builder\")\nregister_toolchains(\"//release:all\")\n",
            ),
            (
                "plat/BUILD.bazel",
                "constraint_setting(name = \"os\")\nconstraint_value(name = \"linux\", constraint_setting = \":os\")\nconstraint_value(name = \"mac\", constraint_setting = \":os\")\nplatform(name = \"linux_builder\", constraint_values = [\":linux\"])\nplatform(name = \"mac_builder\", constraint_values = [\":mac\"])\nplatform(name = \"device\")\n",
            ),
            (
                "release/BUILD.bazel",
                "load(\":defs.bzl\", \"release\")\ntoolchain_type(name = \"signer\")\ntoolchain_type(name = \"notarizer\")\ntoolchain(name = \"signer_linux\", exec_compatible_with = [\"//plat:linux\"], toolchain = \":impl\", toolchain_type = \":signer\")\ntoolchain(name = \"notarizer_mac\", exec_compatible_with = [\"//plat:mac\"], toolchain = \":impl\", toolchain_type = \":notarizer\")\nfilegroup(name = \"impl\")\nrelease(name = \"r\")\n",
            ),
            (
                "release/defs.bzl",
                "def _impl(ctx):\n    return []\n\nrelease = rule(implementation = _impl, toolchains = [\"//release:signer\", \"//release:notarizer\"])\n",
            ),
        ],
    );
    let args = [
        "resolve",
        "--target",
        "//release:r",
        "--target-platform",
        "//plat:device",
        "--format",
        "json",
    ];
    let v = json(&run(&dir, &args));
    let res = &v["resolutions"][0];
    assert_eq!(res["auto_exec_groups"]["enabled"], true, "{res}");
    assert_eq!(res["auto_exec_groups"]["source"], "flag", "{res}");
    let groups: Vec<(String, String)> = res["exec_groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["automatic"] == true)
        .map(|g| {
            (
                g["type"].as_str().unwrap_or_default().to_string(),
                g["exec_platform"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "//release:signer".to_string(),
                "//plat:linux_builder".to_string()
            ),
            (
                "//release:notarizer".to_string(),
                "//plat:mac_builder".to_string()
            ),
        ]
    );
    let human = run(&dir, &args[..5]);
    assert!(
        human.stdout.contains("Automatic exec groups are on")
            && human
                .stdout
                .contains("== automatic exec group //release:notarizer =="),
        "{}",
        human.stdout
    );
    // Off again (`--config=plain`): one platform for both types, and there is none.
    let off = run(&dir, &[&args[..5], &["--bazel-config", "plain"]].concat());
    assert!(
        off.stdout.contains("Automatic exec groups are off")
            && off.stdout.contains("Unable to find an execution platform"),
        "{}",
        off.stdout
    );
}
/// What `toolcheck.toml` and `resolve`'s arguments name is validated before anything is
/// reported: a bad `bazel_version` (even when `--bazel-version` overrides it), a label that
/// does not parse, and a target or host platform that names nothing or no platform are usage
/// errors (exit 2, one line naming the key), never a run that quietly ignores them.
#[test]
fn configured_and_asked_labels_are_validated() {
    let dir = clean_workspace("config-labels");
    write_files(
        &dir,
        &[(
            "platforms/BUILD.bazel",
            "constraint_setting(name = \"cpu\")\nconstraint_value(name = \"x86\", constraint_setting = \":cpu\")\nplatform(name = \"linux\", constraint_values = [\":x86\"])\n",
        )],
    );
    let cases: &[(&str, &[&str], &str)] = &[
        ("bazel_version = \"banana\"\n", &[], "bazel_version"),
        (
            "bazel_version = \"banana\"\n",
            &["--bazel-version", "8.4.0"],
            "bazel_version",
        ),
        (
            "target_platforms = [\"not a label::\"]\n",
            &[],
            "target_platforms",
        ),
        (
            "host_platform = \"//platforms:linux::\"\n",
            &[],
            "host_platform",
        ),
        (
            "target_platforms = [\"//platforms:nope\"]\n",
            &[],
            "target_platforms",
        ),
        (
            "target_platforms = [\"//platforms:x86\"]\n",
            &[],
            "target_platforms",
        ),
        (
            "host_platform = \"//platforms:nope\"\n",
            &[],
            "host_platform",
        ),
    ];
    for (toml, extra, key) in cases {
        write_files(&dir, &[("toolcheck.toml", toml)]);
        for command in ["check", "resolve"] {
            let mut args = vec![command];
            if command == "resolve" {
                args.extend(["--type", "//:tt"]);
            }
            args.extend_from_slice(extra);
            let r = run(&dir, &args);
            assert_eq!(r.code, 2, "{toml} {args:?}: {}{}", r.stdout, r.stderr);
            assert!(r.stdout.is_empty(), "{toml} {args:?}: {}", r.stdout);
            assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
            assert!(r.stderr.contains(key), "{toml} {args:?}: {}", r.stderr);
        }
    }
    // Labels into repositories toolcheck cannot read are unknown, not errors.
    write_files(
        &dir,
        &[(
            "toolcheck.toml",
            "target_platforms = [\"//platforms:linux\", \"@elsewhere//:p\"]\nhost_platform = \"//platforms:linux\"\n",
        )],
    );
    let r = run(&dir, &["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    std::fs::remove_file(dir.join("toolcheck.toml")).unwrap();
    // `resolve` asked about a platform or a type that does not exist.
    for args in [
        &[
            "resolve",
            "--type",
            "//:tt",
            "--target-platform",
            "//platforms:nope",
        ][..],
        &[
            "resolve",
            "--type",
            "//:tt",
            "--host-platform",
            "//platforms:x86",
        ],
        &[
            "resolve",
            "--type",
            "//:nope",
            "--target-platform",
            "//platforms:linux",
        ],
    ] {
        let r = run(&dir, args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains("invalid"), "{}", r.stderr);
    }
    let r = run(
        &dir,
        &[
            "resolve",
            "--type",
            "//:tt",
            "--target-platform",
            "//platforms:linux",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A check name with a typo (`_` for `-`, a plural) names the check it is closest to,
/// wherever a check name is written: `--select`, `--ignore`, `toolcheck.toml`, `explain` and
/// suppression comments.
#[test]
fn unknown_check_names_suggest_the_closest() {
    let dir = clean_workspace("did-you-mean");
    let cases: &[&[&str]] = &[
        &["check", "--select", "unresolved_label"],
        &["check", "--ignore", "unresolved-labels"],
        &["explain", "unresolved_label"],
    ];
    for args in cases {
        let r = run(&dir, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(
            r.stderr.contains("did you mean 'unresolved-label'?"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let r = run(&dir, &["explain", "library_mode"]);
    assert!(
        r.stderr.contains("did you mean 'library-mode'?"),
        "{}",
        r.stderr
    );
    // Nothing close: the list is where to look.
    let r = run(&dir, &["check", "--select", "no-such-check"]);
    assert!(
        r.stderr.contains("toolcheck explain --list"),
        "{}",
        r.stderr
    );
    for toml in [
        "[checks]\ndisable = [\"unused_suppression\"]\n",
        "[checks.severity]\nunused_suppression = \"off\"\n",
    ] {
        write_files(&dir, &[("toolcheck.toml", toml)]);
        let r = run(&dir, &["check"]);
        assert_eq!(r.code, 2, "{toml}: {}", r.stdout);
        assert!(
            r.stderr.contains("did you mean 'unused-suppression'?"),
            "{toml}: {}",
            r.stderr
        );
    }
    std::fs::remove_file(dir.join("toolcheck.toml")).unwrap();
    write_files(
        &dir,
        &[(
            "pkg/BUILD.bazel",
            "filegroup(name = \"x\")  # toolcheck: disable=unresolved_label\n",
        )],
    );
    let v = json(&run(&dir, &["check", "--format", "json"]));
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("did you mean `unresolved-label`?"),
        "{v}"
    );
}

/// A nested test workspace (`tests/` with its own `MODULE.bazel` inside a repository) reads
/// what Bazel reads there: `import %workspace%/../.bazelrc` and links to sibling directories of
/// the repository around it. What it does not read (a link or an import leaving that
/// repository) is an `info` note, at the `import` line for an import; a real problem (an
/// import of a missing file) is at its line with the check's severity, default or configured.
#[cfg(unix)]
#[test]
fn a_nested_workspace_reads_what_bazel_reads_in_its_repository() {
    let scratch = scratch_dir("cli-nested-workspace");
    let outer = scratch.join("outer");
    let elsewhere = scratch.join("elsewhere");
    write_files(
        &elsewhere,
        &[("BUILD.bazel", ""), ("x.bazelrc", "build --copt=-O2\n")],
    );
    write_files(
        &outer,
        &[
            MODULE,
            (".bazelrc", "build:ci --copt=-g\n"),
            (
                "shared/BUILD.bazel",
                "toolchain_type(name = \"tt\")\n\ntoolchain(\n    name = \"tc\",\n    toolchain = \":impl\",\n    toolchain_type = \":tt\",\n)\n\nfilegroup(name = \"impl\")\n",
            ),
            ("shared/defs.bzl", "KIND = \"shared\"\n"),
            (".bazelversion", "8.4.0\n"),
            ("tests/MODULE.bazel", "module(name = \"tests\")\n\nregister_toolchains(\"//shared:all\")\n"),
            (
                "tests/BUILD.bazel",
                "load(\":defs.bzl\", \"KIND\")\n\nfilegroup(name = KIND)\n",
            ),
        ],
    );
    let tests = outer.join("tests");
    let rc = format!(
        "import %workspace%/../.bazelrc\ntry-import {}\n",
        elsewhere.join("x.bazelrc").display()
    );
    write_files(&tests, &[(".bazelrc", &rc)]);
    std::os::unix::fs::symlink("../shared", tests.join("shared")).unwrap();
    std::os::unix::fs::symlink("../shared/defs.bzl", tests.join("defs.bzl")).unwrap();
    std::os::unix::fs::symlink("../.bazelversion", tests.join(".bazelversion")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, tests.join("away")).unwrap();

    // `--bazel-config ci` is defined only in the imported rc file; `//shared:all` registers
    // the toolchain only when the linked package is read.
    let r = run(
        &tests,
        &["check", "--format", "json", "--bazel-config", "ci"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = json(&r);
    assert_eq!(v["bazel"]["source"], "bazelversion", "{v}");
    let unreadable: Vec<&Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["check"] == "unreadable-file")
        .collect();
    assert_eq!(unreadable.len(), 2, "{v:#}");
    assert!(unreadable.iter().all(|d| d["severity"] == "info"), "{v:#}");
    let import = unreadable
        .iter()
        .find(|d| d["path"] == ".bazelrc")
        .unwrap_or_else(|| panic!("the import is named at its line: {v:#}"));
    assert_eq!(
        (import["line"].as_u64(), import["column"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(import["message"]
        .as_str()
        .unwrap()
        .contains("outside the repository"));
    assert!(
        unreadable
            .iter()
            .any(|d| d["path"] == "away" && d["message"].as_str().unwrap().contains("outside")),
        "{v:#}"
    );
    assert!(
        !v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["check"] == "empty-registration-pattern"),
        "the linked package is read: {v:#}"
    );

    // An import of a file that does not exist: at its line, at the check's severity.
    write_files(
        &tests,
        &[(
            ".bazelrc",
            "import %workspace%/../.bazelrc\nimport %workspace%/../nope.bazelrc\n",
        )],
    );
    let r = run(&tests, &["check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v = json(&r);
    let missing = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["check"] == "unreadable-file" && d["path"] == ".bazelrc")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(missing["severity"], "warning");
    assert_eq!(missing["line"], 2);
    assert!(missing["message"]
        .as_str()
        .unwrap()
        .contains("nope.bazelrc"));
    // A configured severity applies to every finding of the check, path problems included.
    write_files(
        &tests,
        &[(
            "toolcheck.toml",
            "[checks.severity]\nunreadable-file = \"error\"\n",
        )],
    );
    let v = json(&run(&tests, &["check", "--format", "json"]));
    let severities: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["check"] == "unreadable-file")
        .map(|d| (d["path"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        severities,
        [(".bazelrc", "error"), ("away", "error")],
        "{v:#}"
    );
}

/// Human and GitHub output name files relative to the directory toolcheck runs in (where a
/// terminal, an editor and GitHub's annotations resolve them), wherever the workspace root
/// is; JSON keeps paths relative to the workspace root (its contract), and SARIF keeps them
/// relative to `%SRCROOT%`, the root it declares in `originalUriBaseIds`.
#[test]
fn paths_are_relative_to_where_toolcheck_runs() {
    let ws = error_workspace("relative-paths");
    let parent = ws.parent().unwrap();
    let name = ws.file_name().unwrap().to_str().unwrap();
    let r = run(parent, &["check", name]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!(" --> {name}/pkg/BUILD.bazel:1:")),
        "{}",
        r.stdout
    );
    let r = run(parent, &["check", name, "--format", "github"]);
    assert!(
        r.stdout
            .starts_with(&format!("::error file={name}/pkg/BUILD.bazel,line=1,")),
        "{}",
        r.stdout
    );
    let v = json(&run(parent, &["check", name, "--format", "json"]));
    assert_eq!(v["diagnostics"][0]["path"], "pkg/BUILD.bazel");
    let sarif: Value =
        serde_json::from_str(&run(parent, &["check", name, "--format", "sarif"]).stdout).unwrap();
    let run0 = &sarif["runs"][0];
    let artifact = &run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "pkg/BUILD.bazel");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with(&format!("/{name}/")),
        "{base}"
    );

    // From a subdirectory: files elsewhere in the workspace are reached with `..`.
    let warning = warning_workspace("relative-paths-sub");
    let sub = warning.join("empty");
    let r = run(&sub, &["check", "--format", "github"]);
    assert!(
        r.stdout
            .starts_with("::warning file=../MODULE.bazel,line=3,"),
        "{}",
        r.stdout
    );
    let r = run(&sub, &["check"]);
    assert!(r.stdout.contains(" --> ../MODULE.bazel:3:"), "{}", r.stdout);
    let v = json(&run(&sub, &["check", "--format", "json"]));
    assert_eq!(v["diagnostics"][0]["path"], "MODULE.bazel");
}

/// A workspace whose `.bazelrc` turns Bzlmod off with the old option name, and does not turn
/// WORKSPACE on, is built with Bazel 7 (Bazel 8 would read neither): toolcheck infers 7.x,
/// reads WORKSPACE, and says why.
#[test]
fn an_rc_that_turns_bzlmod_off_infers_bazel_7() {
    let dir = scratch_dir("cli-rc-bzlmod-off");
    write_files(
        &dir,
        &[
            (".bazelrc", "common --noexperimental_enable_bzlmod\n"),
            ("MODULE.bazel", "module(name = \"m\")\n"),
            ("WORKSPACE", "register_toolchains(\"//tc:all\")\n"),
            ("tc/BUILD", "toolchain_type(name = \"t\")\n"),
        ],
    );
    let run = run(&dir, &["check", "--format", "json", "--no-cache"]);
    let v = json(&run);
    assert_eq!(v["bazel"]["version"], "7.6.1", "{v:#}");
    assert!(
        v["bazel"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("turns Bzlmod off")),
        "{v:#}"
    );
    // WORKSPACE is read: its pattern registers nothing, which the check reports there.
    let f = findings(&v);
    assert!(
        f.iter()
            .any(|(check, _, path)| check == "empty-registration-pattern" && path == "WORKSPACE"),
        "{f:#?}"
    );
}

/// The deliberate empty registrations are notes, the typo a warning (the corpus fixture
/// `empty-registration-pattern/positive_deliberate_notes.star` has the same files; fixtures do
/// not state severities).
#[test]
fn deliberate_empty_registrations_are_info() {
    let dir = scratch_dir("cli-deliberate-empty");
    let fixture = std::fs::read_to_string(
        repo_root().join("corpus/lints/empty-registration-pattern/positive_deliberate_notes.star"),
    )
    .unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in fixture.lines() {
        if let Some(path) = line.strip_prefix("#- ") {
            files.push((path.to_string(), String::new()));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_files(&dir, &files);
    let v = json(&run(&dir, &["check", "--format", "json", "--no-cache"]));
    let mut got: Vec<(String, String, String)> = findings(&v)
        .into_iter()
        .filter(|(check, _, _)| check == "empty-registration-pattern")
        .collect();
    got.sort();
    let want = |s: &str, p: &str| {
        (
            "empty-registration-pattern".to_string(),
            s.to_string(),
            p.to_string(),
        )
    };
    assert_eq!(
        got,
        vec![
            want("info", ".bazelrc"),
            want("info", "MODULE.bazel"),
            want("warning", "MODULE.bazel"),
        ]
    );
}

/// The Bazel module in `bazel/` (toolcheck_test and its repository rules) passes toolcheck
/// itself with no finding at all, for the Bazel 4.2.3 its test runs it with (WORKSPACE) and for
/// a Bzlmod Bazel; the only gaps are the binary repository, which depends on the machine.
#[test]
fn the_bazel_module_passes_toolcheck() {
    for version in ["4.2.3", "8.4.0"] {
        let r = run(
            &repo_root(),
            &[
                "check",
                "--format",
                "json",
                "--fail-on",
                "info",
                "--no-cache",
                "--bazel-version",
                version,
                "bazel",
            ],
        );
        let v = json(&r);
        assert_eq!(r.code, 0, "Bazel {version}: {}", r.stdout);
        assert_eq!(v["diagnostics"], serde_json::json!([]), "Bazel {version}");
        for reason in v["coverage"]["reasons"].as_array().unwrap() {
            let text = reason["reason"].as_str().unwrap();
            assert!(
                text.contains("toolcheck_bin") || text.contains("`toolcheck_binary`"),
                "Bazel {version}: an unexpected gap: {reason}"
            );
        }
    }
}

/// `toolcheck resolve` under a remote config shows, for the remote execution platform, the
/// image and the absolute paths each chosen toolchain carries, and whether they are bound to
/// the image; `check` reports the unbound one only in that config.
#[test]
fn resolve_shows_the_remote_binding() {
    let dir = scratch_dir("resolve-remote-binding");
    write_files(
        &dir,
        &[
            ("WORKSPACE", "register_toolchains(\"//tc:host_gcc\", \"//tc:image_gcc\")\n"),
            (
                ".bazelrc",
                "build:remote --remote_executor=grpcs://remote.example.com\nbuild:remote --extra_execution_platforms=//plat:rbe\n",
            ),
            ("toolcheck.toml", "bazel_version = \"7.4.1\"\nhost_constraints = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"]\n"),
            (
                "plat/BUILD",
                "constraint_setting(name = \"image\")\n\nconstraint_value(name = \"rbe_image\", constraint_setting = \":image\")\n\n\
platform(\n    name = \"rbe\",\n    constraint_values = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\", \":rbe_image\"],\n    exec_properties = {\"container-image\": \"docker://gcr.io/p/rbe:latest\"},\n)\n",
            ),
            (
                "tc/BUILD",
                "load(\":config.bzl\", \"cc_toolchain_config\")\n\n\
cc_toolchain_config(name = \"host_config\", tool_paths = {\"gcc\": \"/usr/bin/gcc\"})\n\n\
cc_toolchain_config(name = \"image_config\", tool_paths = {\"gcc\": \"/opt/rbe/bin/gcc\"})\n\n\
cc_toolchain(name = \"host_cc\", all_files = \":e\", compiler_files = \":e\", dwp_files = \":e\", linker_files = \":e\", objcopy_files = \":e\", strip_files = \":e\", toolchain_config = \":host_config\")\n\n\
cc_toolchain(name = \"image_cc\", all_files = \":e\", compiler_files = \":e\", dwp_files = \":e\", linker_files = \":e\", objcopy_files = \":e\", strip_files = \":e\", toolchain_config = \":image_config\")\n\n\
filegroup(name = \"e\")\n\ntoolchain_type(name = \"cc_type\")\n\ntoolchain_type(name = \"other_type\")\n\n\
toolchain(name = \"host_gcc\", exec_compatible_with = [\"@platforms//os:linux\"], toolchain = \":host_cc\", toolchain_type = \":cc_type\")\n\n\
toolchain(name = \"image_gcc\", exec_compatible_with = [\"//plat:rbe_image\"], toolchain = \":image_cc\", toolchain_type = \":other_type\")\n",
            ),
            (
                "tc/config.bzl",
                "def _impl(ctx):\n    return []\n\ncc_toolchain_config = rule(implementation = _impl, attrs = {\"tool_paths\": attr.string_dict()})\n",
            ),
        ],
    );
    let args = [
        "resolve",
        "--type",
        "//tc:cc_type",
        "--type",
        "//tc:other_type",
        "--bazel-config",
        "remote",
        "--format",
        "json",
    ];
    let r = run(&dir, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    let res = &v["resolutions"][0];
    assert_eq!(res["exec_platform"], "//plat:rbe", "{v:#}");
    let remote = &res["remote"];
    assert_eq!(remote["image"]["image"], "docker://gcr.io/p/rbe:latest");
    assert_eq!(remote["image"]["pinned"], false);
    let toolchains = remote["toolchains"].as_array().unwrap();
    let by = |name: &str| toolchains.iter().find(|t| t["toolchain"] == name).unwrap();
    assert_eq!(by("//tc:host_gcc")["bound"], false, "{remote:#}");
    assert_eq!(
        by("//tc:host_gcc")["absolute_paths"][0],
        "tool_paths[\"gcc\"] = /usr/bin/gcc"
    );
    assert_eq!(by("//tc:image_gcc")["bound"], true, "{remote:#}");
    assert!(
        by("//tc:image_gcc")["why"]
            .as_str()
            .unwrap()
            .contains("`//plat:rbe_image`, which the host platform lacks"),
        "{remote:#}"
    );
    // Human: the binding follows the explanation.
    let r = run(&dir, &args[..7]);
    assert!(
        r.stdout.contains("Remote execution on //plat:rbe (it has `exec_properties`, image `docker://gcr.io/p/rbe:latest` (NOT pinned by digest)):"),
        "{}",
        r.stdout
    );
    // Without the config there is no remote platform and nothing to bind.
    let r = run(
        &dir,
        &["resolve", "--type", "//tc:cc_type", "--format", "json"],
    );
    assert!(json(&r)["resolutions"][0].get("remote").is_none());
    // `check` finds the unbound toolchain and the unpinned image, the first only in `remote`.
    let r = run(&dir, &["check", "--format", "json", "--fail-on", "never"]);
    let found = toolcheck_tests::json_findings(&json(&r));
    let host = found
        .iter()
        .find(|(c, ..)| c == "host-toolchain-on-remote-platform")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(host.2.contains("(only in config `remote`)"), "{host:?}");
    assert!(
        found.iter().any(|(c, ..)| c == "unpinned-container-image"),
        "{found:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// Bazel's built-in repositories and native rules
// ---------------------------------------------------------------------------------------

/// `resolve --target //:main` succeeds and picks the workspace's registered C++ toolchain
/// (`//tc:cc_impl`) for `@bazel_tools//tools/cpp:toolchain_type`.
fn resolves_main_to_the_registered_cc_toolchain(dir: &Path) -> Run {
    let r = run(dir, &["resolve", "--target", "//:main"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("type @bazel_tools//tools/cpp:toolchain_type -> toolchain //tc:cc_impl"),
        "{}",
        r.stdout
    );
    r
}

/// A workspace with native C++, Java and test targets and a registered C++ toolchain for
/// Linux, checked as on a 64-bit x86 Linux host.
fn native_rules_workspace(name: &str, version: &str, bazelrc: &str) -> PathBuf {
    let dir = scratch_dir(&format!("cli-{name}"));
    write_files(
        &dir,
        &[
            (".bazelversion", version),
            (".bazelrc", bazelrc),
            (
                "toolcheck.toml",
                "host_constraints = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"]\n",
            ),
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nbazel_dep(name = \"platforms\", version = \"0.0.10\")\n\nregister_toolchains(\"//tc:all\")\n",
            ),
            (
                "tc/BUILD.bazel",
                r#"toolchain(
    name = "linux_cc",
    exec_compatible_with = ["@platforms//os:linux"],
    target_compatible_with = ["@platforms//os:linux"],
    toolchain = ":cc_impl",
    toolchain_type = "@bazel_tools//tools/cpp:toolchain_type",
)

toolchain(
    name = "jdk",
    toolchain = ":java_impl",
    toolchain_type = "@bazel_tools//tools/jdk:toolchain_type",
)

filegroup(name = "cc_impl")

filegroup(name = "java_impl")
"#,
            ),
            (
                "BUILD.bazel",
                r#"cc_binary(name = "main", srcs = ["main.cc"])

cc_test(name = "main_test", srcs = ["main_test.cc"])

java_library(name = "lib", srcs = ["A.java"])

java_binary(name = "app", main_class = "A", runtime_deps = [":lib"])
"#,
            ),
        ],
    );
    dir
}

/// From Bazel 7.0 every native `cc_*` rule requests the C++ toolchain type: `resolve` answers
/// with the workspace's toolchain (before the host-bound autodetected one), and on a target
/// platform no registered toolchain fits it does not claim a failure (the request is optional).
#[test]
fn native_cc_rules_resolve_the_cpp_toolchain_from_bazel_7() {
    let dir = native_rules_workspace("native-cc-7", "7.4.1\n", "");
    let r = resolves_main_to_the_registered_cc_toolchain(&dir);
    assert!(
        !r.stderr.contains("does not resolve toolchains"),
        "{}",
        r.stderr
    );
    // Without the workspace's toolchain, Bazel's autodetected one for the host is chosen.
    write_files(
        &dir,
        &[(
            "MODULE.bazel",
            "module(name = \"demo\")\n\nbazel_dep(name = \"platforms\", version = \"0.0.10\")\n",
        )],
    );
    let r = run(&dir, &["resolve", "--target", "//:main"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("@local_config_cc//:cc-compiler-k8"),
        "{}",
        r.stdout
    );
    let check = run(&dir, &["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(
        check.stdout.contains("0 errors, 0 warnings"),
        "{}",
        check.stdout
    );
}

/// Before 7.0 the C++ rules take their toolchain from --crosstool_top: `resolve` says so,
/// unless the workspace's `.bazelrc` turns C++ toolchain resolution on.
#[test]
fn native_cc_rules_before_bazel_7_explain_the_legacy_crosstool() {
    let dir = native_rules_workspace("native-cc-6", "6.5.0\n", "");
    let r = run(&dir, &["resolve", "--target", "//:main"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("--incompatible_enable_cc_toolchain_resolution")
            && r.stderr.contains("--crosstool_top"),
        "{}",
        r.stderr
    );
    let dir = native_rules_workspace(
        "native-cc-6-flag",
        "6.5.0\n",
        // Bazel 6 reads MODULE.bazel (and its registration) only with Bzlmod on.
        "common --enable_bzlmod\nbuild --incompatible_enable_cc_toolchain_resolution\n",
    );
    resolves_main_to_the_registered_cc_toolchain(&dir);
}

/// Java rules request the Java toolchain type (binaries the runtime type too) from 5.0;
/// Bazel's own Java toolchains depend on the machine's JDKs, so what is not decided by the
/// workspace's toolchains stays undecided.
#[test]
fn native_java_rules_request_the_java_types() {
    let dir = native_rules_workspace("native-java", "7.4.1\n", "");
    let r = run(&dir, &["resolve", "--target", "//:lib"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("type @bazel_tools//tools/jdk:toolchain_type -> toolchain //tc:java_impl"),
        "{}",
        r.stdout
    );
    let r = run(&dir, &["resolve", "--target", "//:app"]);
    assert!(
        r.stdout.contains(
            "Cannot decide whether @bazel_tools//tools/jdk:runtime_toolchain_type resolves"
        ),
        "{}",
        r.stdout
    );
    let r = run(
        &dir,
        &["resolve", "--target", "//:lib", "--bazel-version", "4.2.3"],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("--java_toolchain"), "{}", r.stderr);
}

/// Bazel 9.0 to 9.2 give native test rules the implicit `test` exec group too.
#[test]
fn native_test_rules_get_the_test_exec_group_in_bazel_9() {
    let dir = native_rules_workspace("native-test-9", "9.0.0\n", "");
    let r = run(&dir, &["resolve", "--target", "//:main_test"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("@bazel_tools//tools/test:default_test_toolchain_type")
            && r.stdout.contains("@bazel_tools//tools/cpp:toolchain_type"),
        "{}",
        r.stdout
    );
    let r = run(
        &dir,
        &[
            "resolve",
            "--target",
            "//:main_test",
            "--bazel-version",
            "8.4.0",
        ],
    );
    assert!(
        !r.stdout.contains("default_test_toolchain_type"),
        "{}",
        r.stdout
    );
}

/// Bazel's output base is found without `--output-base`: under the output user root Bazel
/// uses in a test (`$TEST_TMPDIR/_bazel_$USER`), named by the MD5 of the workspace path, and
/// where `startup --output_user_root` in `.bazelrc` moves it.
#[test]
fn the_output_base_is_found_where_bazel_puts_it() {
    let dir = scratch_dir("cli-output-base-discovery");
    let ws = dir.join("ws");
    write_files(
        &ws,
        &[
            (".bazelversion", "7.4.1\n"),
            (
                "WORKSPACE",
                "workspace(name = \"demo\")\n\nregister_toolchains(\"@other//:all\")\n",
            ),
            ("BUILD.bazel", "filegroup(name = \"x\")\n"),
        ],
    );
    let canonical = std::fs::canonicalize(&ws).unwrap();
    let md5 = Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(canonical.to_string_lossy().as_bytes())?;
            c.wait_with_output()
        })
        .expect("md5sum runs");
    let hash = String::from_utf8(md5.stdout).unwrap()[..32].to_string();
    let tmp = dir.join("test_tmpdir");
    let external = tmp.join("_bazel_ann").join(&hash).join("external");
    write_files(
        &external.join("dep"),
        &[
            ("WORKSPACE", ""),
            ("BUILD.bazel", "cc_binary(name = \"bin\")\n"),
        ],
    );
    let envs = [("TEST_TMPDIR", tmp.to_str().unwrap()), ("USER", "ann")];
    let r = run_in(&ws, &["resolve", "--target", "@dep//:bin"], &envs);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // The coverage says why what is still unread is unread.
    let r = run_in(&ws, &["check", "--format", "json"], &envs);
    assert!(
        r.stdout.contains("'@other' is not in the output base"),
        "{}",
        r.stdout
    );
    // Not there without the environment that places it.
    let r = run_in(
        &ws,
        &["resolve", "--target", "@dep//:bin"],
        &[
            ("USER", "ann"),
            ("TEST_TMPDIR", dir.join("elsewhere").to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let r = run_in(
        &ws,
        &["check", "--format", "json"],
        &[
            ("USER", "ann"),
            ("TEST_TMPDIR", dir.join("elsewhere").to_str().unwrap()),
        ],
    );
    assert!(
        r.stdout
            .contains("'@other' cannot be read (no output base of Bazel's found for this workspace): run `toolcheck fetch`"),
        "{}",
        r.stdout
    );
    // `startup --output_user_root` moves the root (no `_bazel_$USER` below it).
    let root = dir.join("user_root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::rename(tmp.join("_bazel_ann").join(&hash), root.join(&hash)).unwrap();
    write_files(
        &ws,
        &[(
            ".bazelrc",
            &format!("startup --output_user_root={}\n", root.display()),
        )],
    );
    let r = run_in(&ws, &["resolve", "--target", "@dep//:bin"], &envs);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // The user's `~/.bazelrc` is read after the workspace's: its `startup --output_base`
    // wins, and it alone finds a base no workspace rc names.
    let base = dir.join("my_base");
    std::fs::rename(root.join(&hash), &base).unwrap();
    let home = dir.join("home");
    write_files(
        &home,
        &[(
            ".bazelrc",
            &format!("# mine\nstartup --output_base={}\n", base.display()),
        )],
    );
    let with_home = [
        ("TEST_TMPDIR", tmp.to_str().unwrap()),
        ("USER", "ann"),
        ("HOME", home.to_str().unwrap()),
    ];
    let r = run_in(&ws, &["resolve", "--target", "@dep//:bin"], &with_home);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // Without that HOME the moved base is not found.
    let r = run_in(&ws, &["resolve", "--target", "@dep//:bin"], &envs);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
}

/// A `.tar.gz` of `files` (path, contents) plus a link out of the archive, and its SHA-256.
fn tar_gz(files: &[(&str, &str)]) -> (Vec<u8>, String) {
    use sha2::Digest;
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    builder
        .append_link(&mut link, "dep-1.0/escape", "/etc")
        .unwrap();
    let bytes = builder.into_inner().unwrap().finish().unwrap();
    let hash = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (bytes, hash)
}

/// Puts `bytes` in a repository cache under `hash`, as Bazel stores downloads.
fn cache_put(cache: &Path, hash: &str, bytes: &[u8]) {
    let dir = cache.join("content_addressable/sha256").join(hash);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("file"), bytes).unwrap();
}

/// No directory of toolcheck's cache is left half-written.
fn no_temporaries(repos: &Path) -> bool {
    std::fs::read_dir(repos).map_or(true, |d| {
        d.filter_map(Result::ok)
            .all(|e| !e.file_name().to_string_lossy().starts_with(".tmp-"))
    })
}

/// A WORKSPACE `http_archive` Bazel downloaded once is read from its repository cache
/// (`--repository_cache` in `.bazelrc`), verified and extracted into toolcheck's cache; a
/// wrong hash and a truncated archive are notes, never a half-written repository.
#[test]
fn pinned_archives_are_read_from_the_repository_cache() {
    let dir = scratch_dir("cli-repository-cache");
    let ws = dir.join("ws");
    let cache = dir.join("repo_cache");
    let (bytes, hash) = tar_gz(&[
        ("dep-1.0/WORKSPACE", ""),
        ("dep-1.0/BUILD.bazel", "cc_binary(name = \"bin\")\n"),
        (
            "other/BUILD.bazel",
            "cc_binary(name = \"outside_the_prefix\")\n",
        ),
    ]);
    cache_put(&cache, &hash, &bytes);
    let workspace = |hash: &str| {
        format!(
            "load(\"@bazel_tools//tools/build_defs/repo:http.bzl\", \"http_archive\")\n\nhttp_archive(\n    name = \"dep\",\n    sha256 = \"{hash}\",\n    strip_prefix = \"dep-1.0\",\n    urls = [\"https://example.com/dep-1.0.tar.gz\"],\n)\n"
        )
    };
    write_files(
        &ws,
        &[
            (".bazelversion", "7.4.1\n"),
            (
                ".bazelrc",
                &format!("common --repository_cache={}\n", cache.display()),
            ),
            ("WORKSPACE", &workspace(&hash)),
            ("BUILD.bazel", "filegroup(name = \"x\")\n"),
        ],
    );
    let (xdg, test_tmpdir) = (dir.join("xdg"), dir.join("t"));
    let envs = [
        ("XDG_CACHE_HOME", xdg.to_str().unwrap()),
        ("TEST_TMPDIR", test_tmpdir.to_str().unwrap()),
        ("USER", "ann"),
    ];
    let r = run_in(&ws, &["resolve", "--target", "@dep//:bin"], &envs);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let repos = xdg.join("toolcheck/repos");
    let extracted: Vec<PathBuf> = std::fs::read_dir(&repos)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(extracted.len(), 1, "{extracted:?}");
    assert!(extracted[0].join("BUILD.bazel").is_file());
    assert!(!extracted[0].join("escape").exists(), "links are skipped");
    assert!(!extracted[0].join("other").exists());
    // The second run reuses the extraction.
    let r = run_in(&ws, &["resolve", "--target", "@dep//:bin"], &envs);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);

    // A file under the pinned hash whose contents do not match it.
    let (other, _) = tar_gz(&[("dep-1.0/BUILD.bazel", "cc_binary(name = \"evil\")\n")]);
    let wrong = "ab".repeat(32);
    cache_put(&cache, &wrong, &other);
    write_files(&ws, &[("WORKSPACE", &workspace(&wrong))]);
    let r = run_in(&ws, &["check"], &envs);
    assert!(
        r.stdout.contains("not the") && r.stdout.contains(&wrong),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let r = run_in(&ws, &["resolve", "--target", "@dep//:evil"], &envs);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);

    // A truncated archive (its own hash, so only extraction can tell).
    let truncated = &bytes[..bytes.len() / 2];
    let truncated_hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(truncated)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    cache_put(&cache, &truncated_hash, truncated);
    write_files(&ws, &[("WORKSPACE", &workspace(&truncated_hash))]);
    let r = run_in(&ws, &["check"], &envs);
    assert!(
        r.stdout.contains("cannot extract"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(no_temporaries(&repos));
    assert_eq!(std::fs::read_dir(&repos).unwrap().count(), 1);
}

/// WORKSPACE's own `register_toolchains("@local_config_cc_toolchains//:all")` registers the
/// modelled autodetected toolchains where it stands: no "cannot read repository" note, and
/// the host's C++ toolchain answers for a host target.
#[test]
fn registrations_of_autodetected_repositories_are_modelled() {
    let dir = scratch_dir("cli-autodetected-registration");
    write_files(
        &dir,
        &[
            (".bazelversion", "7.4.1\n"),
            (
                "toolcheck.toml",
                "host_constraints = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"]\n",
            ),
            (
                "WORKSPACE",
                "workspace(name = \"demo\")\n\nregister_toolchains(\"@local_config_cc_toolchains//:all\", \"@local_config_sh//:local_sh_toolchain\")\n",
            ),
            (
                "defs.bzl",
                "def _impl(ctx):\n    return []\n\nmy_rule = rule(implementation = _impl, toolchains = [\"@bazel_tools//tools/cpp:toolchain_type\"])\n",
            ),
            ("BUILD.bazel", "load(\":defs.bzl\", \"my_rule\")\n\nmy_rule(name = \"r\")\n"),
        ],
    );
    let r = run(&dir, &["check"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("0 errors, 0 warnings, 0 infos"),
        "{}",
        r.stdout
    );
    let r = run(&dir, &["resolve", "--target", "//:r"]);
    assert!(
        r.stdout.contains(
            "type @bazel_tools//tools/cpp:toolchain_type -> toolchain @local_config_cc//:cc-compiler-k8"
        ),
        "{}",
        r.stdout
    );
}

/// A module toolcheck cannot read may register toolchains of `@bazel_tools`' types (a C++
/// toolchain for Windows, say): a resolution that reaches its place is undecided. Without it,
/// Bazel's autodetected C++ toolchain (for the host only) leaves a Windows target without one.
#[test]
fn unread_modules_keep_builtin_types_undecided() {
    let dir = scratch_dir("cli-unread-module");
    let module = |extra: &str| {
        format!("module(name = \"demo\")\n\nbazel_dep(name = \"platforms\", version = \"0.0.10\")\n{extra}")
    };
    write_files(
        &dir,
        &[
            (".bazelversion", "7.4.1\n"),
            (
                "toolcheck.toml",
                "host_constraints = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"]\n",
            ),
            (
                "MODULE.bazel",
                &module("bazel_dep(name = \"toolchains_llvm\", version = \"1.0.0\")\n"),
            ),
            (
                "defs.bzl",
                "def _impl(ctx):\n    return []\n\nmy_rule = rule(implementation = _impl, toolchains = [\"@bazel_tools//tools/cpp:toolchain_type\"])\n",
            ),
            (
                "BUILD.bazel",
                "load(\":defs.bzl\", \"my_rule\")\n\nplatform(name = \"win\", constraint_values = [\"@platforms//os:windows\", \"@platforms//cpu:x86_64\"])\n\nmy_rule(name = \"r\")\n",
            ),
        ],
    );
    let r = run(&dir, &["check", "--format", "json"]);
    assert!(
        !r.stdout.contains("no-matching-toolchain")
            && r.stdout
                .contains("@toolchains_llvm//:MODULE.bazel (cpp toolchains)"),
        "{}",
        r.stdout
    );
    write_files(&dir, &[("MODULE.bazel", &module(""))]);
    let r = run(&dir, &["check", "--format", "json"]);
    assert!(r.stdout.contains("no-matching-toolchain"), "{}", r.stdout);
}

/// Bzlmod puts Bazel's `bazel_tools` module after the root's own dependencies and before
/// deeper modules: a catch-all C++ toolchain of a direct dependency wins over the
/// autodetected one, one of a dependency's dependency does not.
#[test]
fn autodetected_toolchains_sit_between_direct_and_deeper_modules() {
    let dir = scratch_dir("cli-builtin-order");
    let catch_all = "toolchain(\n    name = \"any_cc\",\n    toolchain = \":impl\",\n    toolchain_type = \"@bazel_tools//tools/cpp:toolchain_type\",\n)\n\nfilegroup(name = \"impl\")\n";
    write_files(
        &dir,
        &[
            (".bazelversion", "7.4.1\n"),
            (
                "toolcheck.toml",
                "host_constraints = [\"@platforms//os:linux\", \"@platforms//cpu:x86_64\"]\n",
            ),
            (
                "MODULE.bazel",
                "module(name = \"demo\")\n\nbazel_dep(name = \"platforms\", version = \"0.0.10\")\nbazel_dep(name = \"direct\", version = \"1.0\")\nlocal_path_override(module_name = \"direct\", path = \"direct\")\nlocal_path_override(module_name = \"deeper\", path = \"deeper\")\n",
            ),
            (
                "direct/MODULE.bazel",
                "module(name = \"direct\", version = \"1.0\")\n\nbazel_dep(name = \"deeper\", version = \"1.0\")\n",
            ),
            ("direct/BUILD.bazel", ""),
            (
                "deeper/MODULE.bazel",
                "module(name = \"deeper\", version = \"1.0\")\n\nregister_toolchains(\"//:all\")\n",
            ),
            ("deeper/BUILD.bazel", catch_all),
            ("BUILD.bazel", "cc_binary(name = \"main\", srcs = [\"main.cc\"])\n"),
        ],
    );
    let r = run(&dir, &["resolve", "--target", "//:main"]);
    assert!(
        r.stdout
            .contains("toolchain @local_config_cc//:cc-compiler-k8"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    // The same catch-all registered by the direct dependency comes first.
    write_files(
        &dir,
        &[
            (
                "direct/MODULE.bazel",
                "module(name = \"direct\", version = \"1.0\")\n\nbazel_dep(name = \"deeper\", version = \"1.0\")\n\nregister_toolchains(\"//:all\")\n",
            ),
            ("direct/BUILD.bazel", catch_all),
        ],
    );
    let r = run(&dir, &["resolve", "--target", "//:main"]);
    assert!(
        r.stdout.contains("toolchain @direct//:impl"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
}

/// rules_cc's C++ rules, loaded from an unreadable @rules_cc, request the C++ type as Bazel's
/// own do.
#[test]
fn rules_cc_rules_from_an_unreadable_repository_request_the_cpp_type() {
    let dir = native_rules_workspace("rules-cc-unread", "7.4.1\n", "");
    write_files(
        &dir,
        &[(
            "BUILD.bazel",
            "load(\"@rules_cc//cc:cc_binary.bzl\", \"cc_binary\")\n\ncc_binary(name = \"main\", srcs = [\"main.cc\"])\n",
        )],
    );
    resolves_main_to_the_registered_cc_toolchain(&dir);
}

/// `unpinned-container-image` on an execution platform a dependency defines and the main
/// repository registers: reported once, where the user registers it (the platform's file is
/// not theirs to edit), naming the file the image is written in.
#[test]
fn unpinned_image_of_a_registered_dependency_platform() {
    let base = scratch_dir("unpinned-dependency-platform");
    let (ws, dep) = (base.join("ws"), base.join("dep"));
    write_files(
        &dep,
        &[
            ("WORKSPACE", ""),
            (
                "BUILD",
                "platform(\n    name = \"rbe\",\n    constraint_values = [\"@platforms//os:linux\"],\n    exec_properties = {\"container-image\": \"docker://gcr.io/vendor/rbe:latest\"},\n)\n",
            ),
        ],
    );
    write_files(
        &ws,
        &[
            (
                "WORKSPACE",
                "register_execution_platforms(\"@dep//:rbe\")\n",
            ),
            ("BUILD", ""),
            ("toolcheck.toml", "bazel_version = \"7.4.1\"\n"),
        ],
    );
    let dep_arg = format!("dep={}", dep.display());
    let r = run(
        &ws,
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--repo",
            &dep_arg,
        ],
    );
    let found = toolcheck_tests::json_findings(&json(&r));
    let hits: Vec<_> = found
        .iter()
        .filter(|(c, ..)| c == "unpinned-container-image")
        .collect();
    assert_eq!(hits.len(), 1, "{found:#?}");
    assert_eq!(hits[0].1, "WORKSPACE", "{hits:?}");
    assert!(
        hits[0]
            .2
            .contains("platform `@dep//:rbe` runs actions in `docker://gcr.io/vendor/rbe:latest`")
            && hits[0].2.contains("registered here"),
        "{hits:?}"
    );
}
