//! Unit tests of every output format, on a hand-built workspace and hand-made diagnostics
//! (independent of what the checks report).

use std::sync::Arc;

use toolcheck_ide::{
    Analysis, AnalysisHost, Applicability, Coverage, CoverageCategory, CoverageReason, Diagnostic,
    FileId, FileKind, Fix, GapKind, HostMachine, MatrixSummary, Place, RepoName, Severity,
    TextEdit, TextRange, Workspace,
};

use super::{render, Format, PathProblem};

const BUILD_A: &str = "load(\"//:defs.bzl\", \"x\")\n# é ü\ntoolchain(name = \"tc\", toolchain_type = \"//:missing\")\n";
const BUILD_Z: &str = "platform(\n    name = \"p\",\n    constraint_values = [\"//c:v\"],\n)\n";

/// A workspace rooted at `/ws` with `z/BUILD` (file 0) and `a/BUILD` (file 1): ids in the
/// opposite of path order, so sorting is visible.
fn analysis() -> (Analysis, FileId, FileId) {
    let mut ws = Workspace::with_main_repo("/ws");
    // A stated version: the inferred-version line has its own test.
    ws.settings.bazel_version = Some("8.4.0".into());
    let z = ws.add_file(
        RepoName::main(),
        "z/BUILD",
        FileKind::Build,
        Arc::from(BUILD_Z),
    );
    let a = ws.add_file(
        RepoName::main(),
        "a/BUILD",
        FileKind::Build,
        Arc::from(BUILD_A),
    );
    (AnalysisHost::new(ws).analysis(), a, z)
}

fn range_of(text: &str, needle: &str) -> TextRange {
    let start = text.find(needle).expect("needle") as u32;
    TextRange {
        start,
        end: start + needle.len() as u32,
    }
}

/// An error in `a/BUILD` after non-ASCII text on its line, with a related span in `z/BUILD`
/// and a fix; a warning spanning three lines of `z/BUILD`; an info with an empty range.
fn diagnostics(a: FileId, z: FileId) -> Vec<Diagnostic> {
    let label = range_of(BUILD_A, "\"//:missing\"");
    let with_unicode = TextRange {
        start: BUILD_A.find("# é").unwrap() as u32 + 2,
        end: label.end,
    };
    vec![
        Diagnostic::new(
            "wrong-target-kind",
            Severity::Warning,
            z,
            range_of(BUILD_Z, "\"p\",\n    constraint_values = [\"//c:v\"],\n)"),
            "a multi-line span",
        ),
        Diagnostic::new(
            "unresolved-label",
            Severity::Error,
            a,
            label,
            "no target '//:missing' (toolchain_type)",
        )
        .with_related(
            z,
            range_of(BUILD_Z, "\"//c:v\""),
            "the nearest, 50% similar, match",
        )
        .with_fix(Fix {
            title: "Replace with '//c:v'".into(),
            applicability: Applicability::Unsafe,
            edits: vec![TextEdit {
                file: a,
                range: label,
                new_text: "\"//c:v\"".into(),
            }],
        }),
        Diagnostic::new(
            "syntax-error",
            Severity::Info,
            a,
            TextRange { start: 0, end: 0 },
            "empty range at the start",
        ),
        Diagnostic::new(
            "syntax-error",
            Severity::Info,
            a,
            with_unicode,
            "from é to the end of the label",
        ),
    ]
}

fn problems() -> Vec<PathProblem> {
    vec![PathProblem {
        path: "b/secret dir".into(),
        message: "directory cannot be read: permission denied".into(),
        severity: Severity::Warning,
        check: "unreadable-file",
    }]
}

/// What `render` writes, as text, with complete coverage.
fn rendered(
    format: Format,
    ws: &Workspace,
    diagnostics: &[Diagnostic],
    problems: &[PathProblem],
    color: bool,
) -> String {
    rendered_with(
        format,
        ws,
        diagnostics,
        problems,
        &Coverage::default(),
        color,
    )
}

/// What `render` writes, as text.
fn rendered_with(
    format: Format,
    ws: &Workspace,
    diagnostics: &[Diagnostic],
    problems: &[PathProblem],
    coverage: &Coverage,
    color: bool,
) -> String {
    let mut out = Vec::new();
    render(
        format,
        ws,
        diagnostics,
        problems,
        super::Evaluated {
            coverage,
            matrix: &MatrixSummary::default(),
        },
        super::Presentation { color, cwd: None },
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

fn output(format: Format, color: bool) -> String {
    let (analysis, a, z) = analysis();
    rendered(
        format,
        analysis.workspace(),
        &diagnostics(a, z),
        &problems(),
        color,
    )
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The JSON `coverage` member of a run that evaluated everything.
/// The JSON `bazel` member of a run whose version was stated, and the `matrix` of a run of
/// one configuration on one host.
const BAZEL: &str = r#""bazel":{"version":"8.4.0","source":"setting","reason":null},"matrix":{"configs":[],"skipped_configs":[],"hosts":[]}"#;

const COMPLETE: &str = r#""coverage":{"complete":true,"summary":null,"counts":{"rules":0,"targets":0,"macros":0,"registrations":0,"repositories":0,"resolutions":0},"reasons":[]}"#;

#[test]
fn json_is_the_exact_contract() {
    let expected = r#"{"tool":"toolcheck","version":"VERSION","diagnostics":[{"check":"syntax-error","severity":"info","path":"a/BUILD","line":1,"column":1,"end_line":1,"end_column":1,"message":"empty range at the start","related":[],"configs":[],"hosts":[]},{"check":"syntax-error","severity":"info","path":"a/BUILD","line":2,"column":3,"end_line":3,"end_column":53,"message":"from é to the end of the label","related":[],"configs":[],"hosts":[]},{"check":"unresolved-label","severity":"error","path":"a/BUILD","line":3,"column":41,"end_line":3,"end_column":53,"message":"no target '//:missing' (toolchain_type)","related":[{"path":"z/BUILD","line":3,"column":26,"message":"the nearest, 50% similar, match"}],"configs":[],"hosts":[]},{"check":"unreadable-file","severity":"warning","path":"b/secret dir","line":1,"column":1,"end_line":1,"end_column":1,"message":"directory cannot be read: permission denied","related":[],"configs":[],"hosts":[]},{"check":"wrong-target-kind","severity":"warning","path":"z/BUILD","line":2,"column":12,"end_line":4,"end_column":2,"message":"a multi-line span","related":[],"configs":[],"hosts":[]}],"coverage":{"complete":true,"summary":null,"counts":{"rules":0,"targets":0,"macros":0,"registrations":0,"repositories":0,"resolutions":0},"reasons":[]},"bazel":{"version":"8.4.0","source":"setting","reason":null},"matrix":{"configs":[],"skipped_configs":[],"hosts":[]}}
"#;
    assert_eq!(
        output(Format::Json, false),
        expected.replace("VERSION", VERSION)
    );
}

#[test]
fn json_columns_count_unicode_scalar_values() {
    // `é` is two bytes and `🦀` four (two UTF-16 units): columns count each as one.
    let text = "x = \"é🦀\" + \"//:bad\"\n";
    let mut ws = Workspace::with_main_repo("/ws");
    // A stated version: the inferred-version line has its own test.
    ws.settings.bazel_version = Some("8.4.0".into());
    let f = ws.add_file(
        RepoName::main(),
        "BUILD.bazel",
        FileKind::Build,
        Arc::from(text),
    );
    let analysis = AnalysisHost::new(ws).analysis();
    let d = Diagnostic::new(
        "unresolved-label",
        Severity::Error,
        f,
        range_of(text, "\"//:bad\""),
        "m",
    );
    let out = rendered(Format::Json, analysis.workspace(), &[d], &[], false);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(12))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(1), Some(20))
    );
}

#[test]
fn json_without_problems() {
    let (analysis, ..) = analysis();
    let out = rendered(Format::Json, analysis.workspace(), &[], &[], false);
    assert_eq!(
        out,
        format!(
            "{{\"tool\":\"toolcheck\",\"version\":\"{VERSION}\",\"diagnostics\":[],{COMPLETE},{BAZEL}}}\n"
        )
    );
}

#[test]
fn ranges_out_of_bounds_or_inside_a_character_are_clamped() {
    let (analysis, a, _) = analysis();
    let inside_e = BUILD_A.find('é').unwrap() as u32 + 1;
    let diags = vec![
        Diagnostic::new(
            "syntax-error",
            Severity::Error,
            a,
            TextRange {
                start: inside_e,
                end: inside_e + 1,
            },
            "inside",
        ),
        Diagnostic::new(
            "syntax-error",
            Severity::Error,
            a,
            TextRange {
                start: 10_000,
                end: 20_000,
            },
            "past the end",
        ),
    ];
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        rendered(format, analysis.workspace(), &diags, &[], false);
    }
    let out = rendered(Format::Json, analysis.workspace(), &diags, &[], false);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pos = |i: usize| {
        let d = &v["diagnostics"][i];
        [&d["line"], &d["column"], &d["end_line"], &d["end_column"]].map(|x| x.as_u64().unwrap())
    };
    assert_eq!(pos(0), [2, 3, 2, 4]);
    assert_eq!(pos(1), [4, 1, 4, 1]);
}

#[test]
fn github_workflow_commands() {
    let expected = "\
::notice file=a/BUILD,line=1,col=1,endLine=1,endColumn=1,title=syntax-error::empty range at the start
::notice file=a/BUILD,line=2,col=3,endLine=3,endColumn=53,title=syntax-error::from é to the end of the label
::error file=a/BUILD,line=3,col=41,endLine=3,endColumn=53,title=unresolved-label::no target '//:missing' (toolchain_type)%0Az/BUILD:3:26: the nearest, 50%25 similar, match%0Ahelp: Replace with '//c:v'
::warning file=b/secret dir,line=1,col=1,title=unreadable-file::directory cannot be read: permission denied
::warning file=z/BUILD,line=2,col=12,endLine=4,endColumn=2,title=wrong-target-kind::a multi-line span
";
    assert_eq!(output(Format::Github, false), expected);
}

#[test]
fn github_escaping() {
    use super::github::{escape_data, escape_property};
    assert_eq!(escape_data("50% a:b, c\r\nd"), "50%25 a:b, c%0D%0Ad");
    assert_eq!(
        escape_property("50% a:b, c\r\nd"),
        "50%25 a%3Ab%2C c%0D%0Ad"
    );
    let problem = PathProblem {
        path: "dir:with,odd%chars".into(),
        message: "line one\nline two".into(),
        severity: Severity::Error,
        check: "unreadable-file",
    };
    let (analysis, ..) = analysis();
    let out = rendered(Format::Github, analysis.workspace(), &[], &[problem], false);
    assert_eq!(
        out,
        "::error file=dir%3Awith%2Codd%25chars,line=1,col=1,title=unreadable-file::line one%0Aline two\n"
    );
}

#[test]
fn human_plain() {
    let expected = r#"info[syntax-error]: empty range at the start
 --> a/BUILD:1:1
  |
1 | load("//:defs.bzl", "x")
  | -
  |

info[syntax-error]: from é to the end of the label
 --> a/BUILD:2:3
  |
2 |   # é ü
  |  ___-
3 | | toolchain(name = "tc", toolchain_type = "//:missing")
  | |____________________________________________________-
  |

error[unresolved-label]: no target '//:missing' (toolchain_type)
 --> a/BUILD:3:41
  |
3 | toolchain(name = "tc", toolchain_type = "//:missing")
  |                                         ^^^^^^^^^^^^
  |
 ::: z/BUILD:3:26
  |
3 |     constraint_values = ["//c:v"],
  |                          ------- note: the nearest, 50% similar, match
  |
  = help: Replace with '//c:v'

warning[unreadable-file]: directory cannot be read: permission denied
 = note: b/secret dir

warning[wrong-target-kind]: a multi-line span
 --> z/BUILD:2:12
  |
2 |       name = "p",
  |  ____________-
3 | |     constraint_values = ["//c:v"],
4 | | )
  | |_-
  |

1 error, 2 warnings, 2 infos
"#;
    assert_eq!(output(Format::Human, false), expected);
}

#[test]
fn human_color_only_when_asked() {
    assert!(!output(Format::Human, false).contains('\x1b'));
    let colored = output(Format::Human, true);
    assert!(colored.contains("\x1b["), "{colored}");
    assert!(colored.contains("1 error, 2 warnings, 2 infos"));
}

#[test]
fn human_same_file_related_and_tabs() {
    let text = "platform(\n\tname = \"p\",\n\tparents = [\":p\"],\n)\n";
    let mut ws = Workspace::with_main_repo("/ws");
    // A stated version: the inferred-version line has its own test.
    ws.settings.bazel_version = Some("8.4.0".into());
    let f = ws.add_file(RepoName::main(), "BUILD", FileKind::Build, Arc::from(text));
    let analysis = AnalysisHost::new(ws).analysis();
    let d = Diagnostic::new(
        "platform-parent-cycle",
        Severity::Error,
        f,
        range_of(text, "\":p\""),
        "'//:p' is its own parent",
    )
    .with_related(f, range_of(text, "\"p\""), "declared here");
    let out = rendered(Format::Human, analysis.workspace(), &[d], &[], false);
    let expected = r#"error[platform-parent-cycle]: '//:p' is its own parent
 --> BUILD:3:13
  |
2 |  name = "p",
  |         --- note: declared here
3 |  parents = [":p"],
  |             ^^^^
  |

1 error, 0 warnings, 0 infos
"#;
    assert_eq!(out, expected);
}

#[test]
fn human_without_problems() {
    let (analysis, ..) = analysis();
    let out = rendered(Format::Human, analysis.workspace(), &[], &[], false);
    assert_eq!(out, "0 errors, 0 warnings, 0 infos\n");
}

#[test]
fn the_matrix_is_named_in_every_format() {
    let (analysis, a, _) = analysis();
    let mut d = Diagnostic::new(
        "unresolved-label",
        Severity::Error,
        a,
        range_of(BUILD_A, "\"//:missing\""),
        "no target (only in config `remote`)",
    );
    d.configs = vec!["remote".into()];
    d.hosts = vec!["macos-aarch64".into()];
    let matrix = MatrixSummary {
        configs: vec![("remote".into(), vec!["--platforms".into()])],
        skipped_configs: vec![("opt".into(), "changes nothing".into())],
        hosts: vec![
            (HostMachine::parse("linux-x86_64").unwrap(), "this".into()),
            (HostMachine::parse("macos-arm64").unwrap(), "rc".into()),
        ],
    };
    let render_as = |format| {
        let mut out = Vec::new();
        render(
            format,
            analysis.workspace(),
            std::slice::from_ref(&d),
            &[],
            super::Evaluated {
                coverage: &Coverage::default(),
                matrix: &matrix,
            },
            super::Presentation::default(),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    };
    let human = render_as(Format::Human);
    assert!(
        human.ends_with("checked: the default configuration and config `remote` (--platforms) on hosts Linux x86_64 (this), macOS arm64 (rc)\n"),
        "{human}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_as(Format::Json)).unwrap();
    assert_eq!(
        json["diagnostics"][0]["configs"],
        serde_json::json!(["remote"])
    );
    assert_eq!(
        json["diagnostics"][0]["hosts"],
        serde_json::json!(["macos-aarch64"])
    );
    assert_eq!(
        json["matrix"],
        serde_json::json!({
            "configs": [{"name": "remote", "changes": ["--platforms"]}],
            "skipped_configs": [{"name": "opt", "reason": "changes nothing"}],
            "hosts": [
                {"host": "linux-x86_64", "name": "Linux x86_64", "why": "this"},
                {"host": "macos-aarch64", "name": "macOS arm64", "why": "rc"}
            ]
        })
    );
    let sarif: serde_json::Value = serde_json::from_str(&render_as(Format::Sarif)).unwrap();
    assert_eq!(sarif["runs"][0]["properties"]["matrix"], json["matrix"]);
    // One configuration on one host: no line.
    let single = rendered(Format::Human, analysis.workspace(), &[], &[], false);
    assert!(!single.contains("checked:"), "{single}");
}

#[test]
fn sarif_structure() {
    let v: serde_json::Value = serde_json::from_str(&output(Format::Sarif, false)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"]
        .as_str()
        .unwrap()
        .contains("sarif-schema-2.1.0"));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///ws/");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "toolcheck");
    assert_eq!(driver["version"], VERSION);
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), toolcheck_ide::ALL_CHECKS.len());
    for (rule, check) in rules.iter().zip(toolcheck_ide::ALL_CHECKS) {
        assert_eq!(rule["id"], check.name);
        assert_eq!(
            rule["helpUri"],
            format!(
                "{}/blob/main/RULES.md#{}",
                env!("CARGO_PKG_REPOSITORY"),
                check.name
            )
        );
        assert_eq!(rule["help"]["markdown"], check.docs);
        assert!(rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with(check.summary));
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        let level = match check.default_severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["note", "note", "error", "warning", "warning"]);

    let error = &results[2];
    assert_eq!(
        error["message"]["text"],
        "no target '//:missing' (toolchain_type)."
    );
    let loc = &error["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"],
        serde_json::json!({"uri": "a/BUILD", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 3, "startColumn": 41, "endLine": 3, "endColumn": 53, "snippet": {"text": "\"//:missing\""}})
    );
    assert_eq!(loc["contextRegion"]["startLine"], 2);
    assert_eq!(loc["contextRegion"]["endLine"], 3);
    let related = &error["relatedLocations"][0];
    assert_eq!(related["id"], 0);
    assert_eq!(
        related["message"]["text"],
        "the nearest, 50% similar, match."
    );
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "z/BUILD"
    );
    assert_eq!(related["physicalLocation"]["region"]["startColumn"], 26);
    let fix = &error["fixes"][0];
    assert_eq!(fix["description"]["text"], "Replace with '//c:v'.");
    assert_eq!(
        fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "\"//c:v\""
    );

    // Non-ASCII text before the start on the same line: columns count code points.
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        3
    );
    // A path problem: the path (percent-encoded) and line 1, column 1.
    let problem = &results[3]["locations"][0]["physicalLocation"];
    assert_eq!(problem["artifactLocation"]["uri"], "b/secret%20dir");
    assert_eq!(
        problem["region"],
        serde_json::json!({"startLine": 1, "startColumn": 1})
    );
}

#[test]
fn sarif_without_problems_has_an_empty_results_array() {
    let (analysis, ..) = analysis();
    let out = rendered(Format::Sarif, analysis.workspace(), &[], &[], false);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_uris() {
    use super::sarif::{artifact_location, file_uri};
    assert_eq!(
        artifact_location("a b/BUILD#1?é")["uri"],
        "a%20b/BUILD%231%3F%C3%A9"
    );
    assert_eq!(artifact_location("x:y/BUILD")["uri"], "x%3Ay/BUILD");
    assert_eq!(
        artifact_location("@repo//pkg/BUILD")["uri"],
        "@repo//pkg/BUILD"
    );
    assert_eq!(
        artifact_location("../other/BUILD")["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(
        artifact_location("/abs/x y/BUILD"),
        serde_json::json!({"uri": "file:///abs/x%20y/BUILD"})
    );
    assert_eq!(
        artifact_location("C:\\src\\BUILD"),
        serde_json::json!({"uri": "file:///C:/src/BUILD"})
    );
    assert_eq!(file_uri("/home/me/ws", true), "file:///home/me/ws/");
    assert_eq!(file_uri("/home/me/ws/", true), "file:///home/me/ws/");
}

#[test]
fn human_folds_infos_that_say_the_same_thing() {
    let (analysis, a, z) = analysis();
    let note = "toolcheck cannot read repository '@ext', so its labels are not checked";
    let info = |file, range| Diagnostic::new("unresolved-label", Severity::Info, file, range, note);
    let mut diags = vec![
        info(z, range_of(BUILD_Z, "\"//c:v\"")),
        info(a, range_of(BUILD_A, "\"//:missing\"")),
        // A different message is its own item; a warning with the same words is never folded.
        Diagnostic::new(
            "unresolved-label",
            Severity::Info,
            a,
            range_of(BUILD_A, "\"x\""),
            "another note",
        ),
        Diagnostic::new(
            "unresolved-label",
            Severity::Warning,
            z,
            range_of(BUILD_Z, "\"p\""),
            note,
        ),
    ];
    // Five more places in z/BUILD: the note names five and counts the rest.
    for i in 0..5 {
        diags.push(info(
            z,
            TextRange {
                start: i,
                end: i + 1,
            },
        ));
    }
    let out = rendered(Format::Human, analysis.workspace(), &diags, &[], false);
    assert_eq!(out.matches(note).count(), 2, "{out}");
    assert!(
        out.contains(
            "= note: the same in 6 more places: z/BUILD:1:1, z/BUILD:1:2, z/BUILD:1:3, z/BUILD:1:4, z/BUILD:1:5, and 1 more"
        ),
        "{out}"
    );
    // The first place (by path) carries the note; the summary counts every item.
    let first = out.find("info[unresolved-label]: toolcheck").unwrap();
    assert!(
        out[first..].starts_with(&format!(
            "info[unresolved-label]: {note}\n --> a/BUILD:3:41"
        )),
        "{out}"
    );
    assert!(out.contains("another note"), "{out}");
    assert!(out.ends_with("0 errors, 1 warning, 8 infos\n"), "{out}");
}

/// Hand-made incomplete coverage over the test workspace: two kinds, one reason with a place
/// in `a/BUILD` and one without a place (a command-line flag).
fn gaps(a: FileId) -> Coverage {
    Coverage {
        categories: vec![
            CoverageCategory {
                kind: GapKind::Rules,
                count: 3,
                reasons: vec![CoverageReason {
                    text: "the rule's requests are unknown".into(),
                    count: 3,
                    example: Some(Place {
                        file: a,
                        range: range_of(BUILD_A, "toolchain("),
                    }),
                }],
            },
            CoverageCategory {
                kind: GapKind::Registrations,
                count: 1,
                reasons: vec![CoverageReason {
                    text: "registers from '@x', which toolcheck cannot read".into(),
                    count: 1,
                    example: None,
                }],
            },
        ],
    }
}

fn output_with_gaps(format: Format) -> String {
    let (analysis, a, _) = analysis();
    rendered_with(format, analysis.workspace(), &[], &[], &gaps(a), false)
}

#[test]
fn human_says_what_was_not_evaluated() {
    assert_eq!(
        output_with_gaps(Format::Human),
        "0 errors, 0 warnings, 0 infos\ncoverage: 3 rules with unknown toolchain requests, 1 registration not expanded (see --format json)\n"
    );
}

#[test]
fn json_coverage_object() {
    let out = output_with_gaps(Format::Json);
    let expected = r#"{"tool":"toolcheck","version":"VERSION","diagnostics":[],"coverage":{"complete":false,"summary":"3 rules with unknown toolchain requests, 1 registration not expanded","counts":{"rules":3,"targets":0,"macros":0,"registrations":1,"repositories":0,"resolutions":0},"reasons":[{"category":"rules","reason":"the rule's requests are unknown","count":3,"path":"a/BUILD","line":3,"column":1},{"category":"registrations","reason":"registers from '@x', which toolcheck cannot read","count":1,"path":null,"line":null,"column":null}]},"bazel":{"version":"8.4.0","source":"setting","reason":null},"matrix":{"configs":[],"skipped_configs":[],"hosts":[]}}
"#;
    assert_eq!(out, expected.replace("VERSION", VERSION));
}

#[test]
fn sarif_run_properties_hold_the_coverage() {
    let v: serde_json::Value = serde_json::from_str(&output_with_gaps(Format::Sarif)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&output_with_gaps(Format::Json)).unwrap();
    assert_eq!(v["runs"][0]["properties"]["coverage"], json["coverage"]);
    let complete: serde_json::Value = serde_json::from_str(&output(Format::Sarif, false)).unwrap();
    assert_eq!(
        complete["runs"][0]["properties"]["coverage"]["complete"],
        true
    );
}

#[test]
fn github_adds_one_notice_when_incomplete() {
    assert_eq!(
        output_with_gaps(Format::Github),
        "::notice title=toolcheck coverage::toolcheck could not evaluate everything: 3 rules with unknown toolchain requests, 1 registration not expanded (see --format json)\n"
    );
    let (analysis, ..) = analysis();
    assert_eq!(
        rendered(Format::Github, analysis.workspace(), &[], &[], false),
        ""
    );
}

#[test]
fn an_inferred_bazel_version_is_said() {
    let mut ws = Workspace::with_main_repo("/ws");
    ws.add_file(
        RepoName::main(),
        "WORKSPACE",
        toolcheck_ide::FileKind::Workspace,
        "".into(),
    );
    let mut host = AnalysisHost::new(ws);
    let analysis = host.analysis();
    let out = rendered(Format::Human, analysis.workspace(), &[], &[], false);
    assert_eq!(
        out,
        "0 errors, 0 warnings, 0 infos\nbazel: simulated 7.6.1 (no .bazelversion; a WORKSPACE without MODULE.bazel, which Bazel 8 no longer reads by default); pin it with .bazelversion or --bazel-version\n"
    );
    let json: serde_json::Value = serde_json::from_str(&rendered(
        Format::Json,
        analysis.workspace(),
        &[],
        &[],
        false,
    ))
    .unwrap();
    assert_eq!(json["bazel"]["version"], "7.6.1");
    assert_eq!(json["bazel"]["source"], "inferred");
}
