//! End-to-end tests of `toolcheck graph`: the real binary, each format, on `corpus/example`
//! (the catch-all registered first, the real toolchains after it) and on a small workspace
//! where a catch-all takes a target platform (`dummy-toolchain-precedence`) and names hold
//! characters every format must escape. The HTML page is also checked in a real browser by
//! `editors/e2e/run.sh graph`.

use std::path::Path;
use std::process::Command;

use toolcheck_tests::{repo_root, scratch_dir, toolcheck_bin, write_files};

/// Pinned so the picture is the same on every machine: the version, and the host Bazel
/// detects (the host is a row of the matrix and an execution platform).
const PINNED: &[&str] = &["--bazel-version", "8.4.0", "--host", "linux-x86_64"];

fn graph(workspace: &Path, format: &str, extra: &[&str]) -> String {
    let out = Command::new(toolcheck_bin())
        .arg("graph")
        .arg("--workspace")
        .arg(workspace)
        .args(["--format", format])
        .args(PINNED)
        .args(extra)
        .output()
        .expect("the toolcheck binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "toolcheck graph failed: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn example() -> std::path::PathBuf {
    repo_root().join("corpus/example")
}

/// The cell every target platform of the example gets: the `.bazelrc` flag registers the
/// Linux toolchain before the catch-all, and Linux is the first execution platform.
const LINUX_PICK: &str = "//toolchains:frob_linux_x86_64 on //platforms:linux_x86_64";
const ROWS: &[&str] = &[
    "//platforms:linux_x86_64",
    "//platforms:macos_arm64",
    "@platforms//host:host",
];
const TYPE: &str = "@rules_frob//frob:toolchain_type";
/// What the other execution platforms get: the catch-all, flagged (it shadows the macOS
/// toolchain).
const CATCH_ALL_ELSEWHERE: &str = "elsewhere: //toolchains:frob_unavailable on //platforms:macos_arm64, @platforms//host:host (shadowed-toolchain)";

/// The HTML between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {text}"));
    let rest = &text[from..];
    &rest[..rest.find(end).map_or(rest.len(), |i| i + end.len())]
}

#[test]
fn html_on_the_example() {
    let dir = scratch_dir("graph-html");
    let file = dir.join("example.html");
    let stdout = graph(&example(), "html", &["--output", file.to_str().unwrap()]);
    assert!(stdout.is_empty(), "--output writes nothing to stdout");
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    for needle in ["http://", "https://", " src=", "<link", "@import"] {
        assert!(!page.contains(needle), "{needle}: the page fetches nothing");
    }
    let matrix = between(&page, "<table id=\"matrix\"", "</table>");
    assert!(matrix.contains(&format!("<th class=\"label\">{TYPE}</th>")));
    // Every row picks the Linux toolchain on Linux; the catch-all is what the other execution
    // platforms get, which the cell marks with the catch-all's finding.
    for row in ROWS {
        let tr = between(matrix, &format!("scope=\"row\">{row}</th>"), "</tr>");
        assert!(tr.contains(LINUX_PICK), "{row}: {tr}");
        assert!(
            tr.contains("data-state=\"hazard elsewhere\""),
            "{row}: {tr}"
        );
        assert!(
            tr.contains("data-hazards=\"shadowed-toolchain\""),
            "{row}: {tr}"
        );
        assert!(tr.contains(CATCH_ALL_ELSEWHERE), "{row}: {tr}");
    }
    // The catch-all: listed second (after the flag's Linux toolchain), matching any
    // execution platform, and marked: it shadows the macOS toolchain for good.
    let toolchains = between(&page, "<table id=\"toolchains\"", "</table>");
    let catch_all = between(
        toolchains,
        "data-label=\"//toolchains:frob_unavailable\"",
        "</tr>",
    );
    assert!(catch_all.contains("<td>2</td>"), "{catch_all}");
    assert!(catch_all.contains("any (catch-all)"), "{catch_all}");
    assert!(catch_all.contains("MODULE.bazel:18"), "{catch_all}");
    let findings = between(
        toolchains,
        "data-findings-for=\"//toolchains:frob_unavailable\"",
        "</tr>",
    );
    assert!(
        findings.contains("data-check=\"shadowed-toolchain\""),
        "{findings}"
    );
    assert!(findings.contains("(as the cause)"), "{findings}");
    let shadowed = between(
        toolchains,
        "data-findings-for=\"//toolchains:frob_macos_arm64\"",
        "</tr>",
    );
    assert!(shadowed.contains("can never be selected"), "{shadowed}");
    let first = between(toolchains, "<td>1</td>", "</tr>");
    assert!(first.contains("--extra_toolchains=//toolchains:frob_linux_x86_64"));
    assert!(first.contains(".bazelrc:4"), "{first}");
    assert!(page.contains("execution platform #1"));
}

#[test]
fn dot_on_the_example() {
    let dot = graph(&example(), "dot", &[]);
    assert!(dot.starts_with("digraph toolchain_resolution {"));
    assert!(dot.trim_end().ends_with('}'));
    let matrix = between(&dot, "matrix [shape=plaintext", "\n");
    assert_eq!(matrix.matches(LINUX_PICK).count(), ROWS.len(), "{matrix}");
    assert_eq!(
        matrix.matches(CATCH_ALL_ELSEWHERE).count(),
        ROWS.len(),
        "{matrix}"
    );
    assert_eq!(matrix.matches("[hazard elsewhere]").count(), ROWS.len());
    let catch_all = between(&dot, "\"toolchain:2\" [", "\n");
    assert!(catch_all.contains("//toolchains:frob_unavailable"));
    assert!(catch_all.contains("exec: any (catch-all)"));
    assert!(
        catch_all.contains("⚠ shadowed-toolchain (as the cause)"),
        "{catch_all}"
    );
    assert!(catch_all.contains("color=red"));
    assert!(dot.contains("\"toolchain:2\" -> \"type:@rules_frob//frob:toolchain_type\";"));
}

#[test]
fn mermaid_on_the_example() {
    let m = graph(&example(), "mermaid", &[]);
    assert!(m.starts_with("flowchart LR"));
    for (r, row) in ROWS.iter().enumerate() {
        let cell = between(&m, &format!("    c{r}_0[\""), "\n");
        assert!(cell.contains(row), "{cell}");
        assert!(cell.contains(LINUX_PICK), "{cell}");
        assert!(cell.contains(CATCH_ALL_ELSEWHERE), "{cell}");
        assert!(m.contains(&format!("class c{r}_0 elsewhere")));
        assert!(
            m.contains(&format!("c{r}_0 ==> t1")),
            "the cell points at toolchain #1"
        );
    }
    let catch_all = between(&m, "    t2[\"", "\n");
    assert!(
        catch_all.contains("#35;2 //toolchains:frob_unavailable"),
        "{catch_all}"
    );
    assert!(catch_all.contains("exec: any (catch-all)"));
    assert!(m.contains("class t2 hazard"));
}

/// A catch-all that takes a target platform from the real toolchain, undecided cells (a
/// toolchain whose execution constraints are a `select()`), and a type with no toolchain;
/// names carry `&`, `+` and `'` , which every format escapes.
/// `name`: the scratch directory, one per test (tests run in parallel, and each rewrites it).
fn hazard_workspace(name: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    write_files(
        &dir,
        &[
            (
                "MODULE.bazel",
                "module(name = \"app\")\n\nregister_execution_platforms(\"//plat:darwin\", \"//plat:linux\")\n\nregister_toolchains(\"//tc:linux_tc\", \"//tc:dummy&tc\", \"//tc:maybe_tc\")\n",
            ),
            (
                "plat/BUILD.bazel",
                "constraint_setting(name = \"os\")\n\nconstraint_value(name = \"linux_c\", constraint_setting = \":os\")\n\nconstraint_value(name = \"darwin_c\", constraint_setting = \":os\")\n\nplatform(name = \"linux\", constraint_values = [\":linux_c\"])\n\nplatform(name = \"darwin\", constraint_values = [\":darwin_c\"])\n\nplatform(name = \"far+away\", constraint_values = [\":linux_c\"])\n\nconfig_setting(name = \"opt\", values = {\"compilation_mode\": \"opt\"})\n",
            ),
            (
                "tc/BUILD.bazel",
                "toolchain_type(name = \"tool'type\")\n\ntoolchain_type(name = \"orphan\")\n\ntoolchain_type(name = \"maybe\")\n\ntoolchain(\n    name = \"maybe_tc\",\n    exec_compatible_with = select({\"//plat:opt\": [\"//plat:linux_c\"], \"//conditions:default\": []}),\n    toolchain = \":linux_impl\",\n    toolchain_type = \":maybe\",\n)\n\ntoolchain(\n    name = \"linux_tc\",\n    exec_compatible_with = [\"//plat:linux_c\"],\n    target_compatible_with = [\"//plat:linux_c\"],\n    toolchain = \":linux_impl\",\n    toolchain_type = \":tool'type\",\n)\n\ntoolchain(\n    name = \"dummy&tc\",\n    toolchain = \":dummy_impl\",\n    toolchain_type = \":tool'type\",\n)\n\nfilegroup(name = \"linux_impl\")\n\nfilegroup(name = \"dummy_impl\")\n",
            ),
        ],
    );
    dir
}

#[test]
fn hazards_are_marked_in_every_format() {
    let dir = hazard_workspace("graph-hazards");
    let page = graph(&dir, "html", &[]);
    let matrix = between(&page, "<table id=\"matrix\"", "</table>");
    let linux = between(matrix, "scope=\"row\">//plat:linux</th>", "</tr>");
    // The catch-all wins on the first execution platform, darwin, where the real
    // toolchain would run on linux.
    let pick = between(
        linux,
        "data-hazards=\"dummy-toolchain-precedence\"",
        "</td>",
    );
    assert!(
        pick.contains("//tc:dummy&amp;tc on //plat:darwin"),
        "{pick}"
    );
    assert!(pick.contains("where without it Bazel would pick //plat:linux"));
    assert!(!page.contains("dummy&tc"), "escaped everywhere");
    // The type without a toolchain: no match in every row.
    assert!(matrix.contains("//tc:orphan"));
    assert!(matrix.contains("data-state=\"no match\""));
    // A toolchain whose execution constraints are a `select()`: undecided.
    let maybe = between(matrix, "scope=\"row\">//plat:far+away</th>", "</tr>");
    assert!(maybe.contains("data-state=\"undecided\""), "{maybe}");
    assert!(page.contains("//tc:tool&#39;type"));

    let dot = graph(&dir, "dot", &[]);
    let matrix = between(&dot, "matrix [shape=plaintext", "\n");
    assert!(
        matrix.contains("⚠ //tc:dummy&amp;tc on //plat:darwin"),
        "{matrix}"
    );
    assert!(matrix.contains("dummy-toolchain-precedence"));
    assert!(matrix.contains("[no match]"));
    assert!(matrix.contains("[undecided]"));

    let m = graph(&dir, "mermaid", &[]);
    assert!(m.contains("//tc:dummy#amp;tc on //plat:darwin"), "{m}");
    assert!(!m.contains("dummy&tc"));
    assert!(m.contains("dummy-toolchain-precedence: catch-all toolchain"));
}

/// The language server's "Show toolchain resolution" report ends with the same matrix, as a
/// Markdown table with the hazards marked.
#[test]
fn the_language_server_report_carries_the_matrix() {
    use serde_json::json;
    use toolcheck_tests::lsp::{file_uri, LspClient};
    let dir = hazard_workspace("graph-hazards-lsp");
    std::fs::write(dir.join(".bazelversion"), "8.4.0\n").unwrap();
    let build = dir.join("tc/BUILD.bazel");
    let uri = file_uri(&build);
    let mut c = LspClient::spawn(&dir);
    c.initialize(Some(&dir));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "starlark", "version": 1,
               "text": std::fs::read_to_string(&build).unwrap()}}),
    );
    // The whole workspace is read in the background: its first finding in MODULE.bazel says
    // the workspace-wide round ran.
    let module = file_uri(&dir.join("MODULE.bazel"));
    c.wait_for(std::time::Duration::from_secs(60), |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == module.as_str()
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| !d.is_empty())
    })
    .expect("the catch-all's finding in MODULE.bazel");
    let r = c.request(
        "toolcheck/resolve",
        json!({"textDocument": {"uri": uri}, "position": null}),
    );
    let md = r["result"]["markdown"]
        .as_str()
        .unwrap_or_else(|| panic!("no report: {r}"));
    assert!(md.starts_with("# Toolchain resolution"), "{md}");
    let matrix = &md[md.find("## Resolution matrix").expect("the matrix section")..];
    let header = matrix
        .lines()
        .find(|l| l.starts_with("| target platform |"))
        .expect("a table");
    // Columns: the three types, escaped (`'` and `/` are Markdown punctuation).
    assert!(header.contains("\\/\\/tc\\:tool\\'type"), "{header}");
    let linux = matrix
        .lines()
        .find(|l| l.starts_with("| \\/\\/plat\\:linux |"))
        .unwrap_or_else(|| panic!("the linux row: {matrix}"));
    assert!(
        linux.contains(
            "⚠️ \\/\\/tc\\:dummy\\&tc on \\/\\/plat\\:darwin **dummy\\-toolchain\\-precedence**"
        ),
        "{linux}"
    );
    assert!(linux.contains("❓ undecided"), "{linux}");
    assert!(linux.contains("⚠️ no match"), "{linux}");
    assert!(matrix.contains("### Hazards"));
    assert!(matrix.contains("`dummy-toolchain-precedence` catch\\-all toolchain"));
    c.shutdown();
}
