//! Escaping per format, on a picture whose every label is hostile.

use toolcheck_ide::{
    CellOutcome, GraphCell, GraphPlace, GraphPlatform, GraphSetting, GraphToolchain, Mark,
    MarkRole, OtherPick, ResolutionGraph, Severity,
};

const EVIL: &str = "//x:a\"b<c>&d|e`f#g[h]{i}\\j'k\nl";

fn hostile() -> ResolutionGraph {
    let mark = Mark {
        check: "dummy-toolchain-precedence",
        severity: Severity::Warning,
        message: format!("catch-all '{EVIL}' wins"),
        role: MarkRole::Subject,
        path: format!("{EVIL}.bazel"),
        line: 3,
    };
    ResolutionGraph {
        bazel_version: "8.4.0".into(),
        host_platform: EVIL.into(),
        settings: vec![GraphSetting {
            label: EVIL.into(),
            default: Some(EVIL.into()),
            values: vec![EVIL.into()],
        }],
        platforms: vec![GraphPlatform {
            label: EVIL.into(),
            constraint_values: Some(vec![EVIL.into()]),
            parents: vec![EVIL.into()],
            exec_rank: Some(1),
            target: true,
            host: true,
        }],
        toolchain_types: vec![EVIL.into()],
        toolchains: vec![GraphToolchain {
            rank: 1,
            label: Some(EVIL.into()),
            toolchain_type: Some(EVIL.into()),
            implementation: None,
            exec_compatible_with: Some(vec![]),
            target_compatible_with: None,
            registered_by: EVIL.into(),
            registered_at: Some(GraphPlace {
                path: EVIL.into(),
                line: 1,
            }),
            unknown: None,
            marks: vec![mark.clone()],
        }],
        target_platforms: vec![EVIL.into()],
        cells: vec![vec![GraphCell {
            outcome: CellOutcome::Selected {
                exec_platform: EVIL.into(),
                toolchain: EVIL.into(),
            },
            marks: vec![mark.clone()],
            others: vec![OtherPick {
                exec_platform: EVIL.into(),
                toolchain: EVIL.into(),
                marks: vec![mark],
            }],
        }]],
    }
}

#[test]
fn html_has_no_raw_user_markup() {
    let page = super::html::render(&hostile());
    assert!(!page.contains("a\"b"), "raw quote");
    assert!(!page.contains("<c>"), "raw tag");
    assert!(!page.contains("'k"), "raw apostrophe");
    assert!(page.contains("a&quot;b&lt;c&gt;&amp;d"));
    // Self-contained: nothing to fetch.
    for needle in ["http://", "https://", " src=", "<link", "@import"] {
        assert!(!page.contains(needle), "{needle} in the page");
    }
    assert!(page.contains("data-hazards=\"dummy-toolchain-precedence\""));
}

#[test]
fn dot_strings_stay_closed() {
    let dot = super::dot::render(&hostile());
    assert!(dot.contains(r#"a\"b<c>&d|e`f#g[h]{i}\\j'k\nl"#), "{dot}");
    // In the HTML-like matrix label the same text is entities.
    assert!(dot.contains("a&quot;b&lt;c&gt;&amp;d"));
    // Every quoted string closes: outside HTML-like labels the quotes pair up per line.
    for line in dot.lines().filter(|l| !l.contains("label=<")) {
        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
    }
}

#[test]
fn mermaid_labels_hold_no_delimiters() {
    let m = super::mermaid::render(&hostile());
    for line in m.lines().filter(|l| l.contains("[\"")) {
        let inner = &line[line.find("[\"").unwrap() + 2..line.rfind("\"]").unwrap()];
        for c in ['"', '[', ']', '|', '`', '{', '}', '<', '>'] {
            let stripped = inner.replace("<br/>", "");
            assert!(!stripped.contains(c), "{c} in {line}");
        }
    }
    assert!(m.contains("class c0_0 hazard"));
}

#[test]
fn markdown_escapes_every_punctuation() {
    let md = super::markdown::matrix(&hostile());
    let row = md.lines().find(|l| l.starts_with("| \\/")).expect("a row");
    // Three cells: the row's pipes are the table's own.
    assert_eq!(
        row.matches('|').count() - row.matches("\\|").count(),
        3,
        "{row}"
    );
    assert!(md.contains("⚠️"));
    assert!(md.contains("\\<c\\>"));
}
