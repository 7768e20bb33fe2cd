//! Ranges of the labels in `.bazelrc` flag values (`--platforms`, `--extra_toolchains`, ...):
//! their own when the value is written literally, the whole argument when quotes change its
//! bytes. Found by the `workspace` fuzzer: a quoted value with multi-byte characters got
//! offsets computed from the unquoted text, which split a character.

use toolcheck_ide::{AnalysisHost, FileKind, LintConfig, RepoName, Workspace};

fn diagnostics_in_rc(rc: &str) -> Vec<(String, String)> {
    let mut ws = Workspace::with_main_repo("");
    ws.add_file(
        RepoName::main(),
        "MODULE.bazel",
        FileKind::Module,
        "module(name = \"m\")\n".into(),
    );
    let id = ws.add_file(RepoName::main(), ".bazelrc", FileKind::Bazelrc, rc.into());
    ws.rc_files.push((".bazelrc".to_string(), id));
    let analysis = AnalysisHost::new(ws).analysis();
    let mut out = Vec::new();
    for d in analysis.diagnostics(&LintConfig::default()) {
        if d.file != id {
            continue;
        }
        let (start, end) = (d.range.start as usize, d.range.end as usize);
        assert!(
            start <= end && rc.is_char_boundary(start) && rc.is_char_boundary(end),
            "{}: {:?} in {rc:?}",
            d.check,
            d.range
        );
        out.push((d.check.to_string(), rc[start..end].to_string()));
    }
    out
}

#[test]
fn literal_values_get_one_range_per_label() {
    let diags = diagnostics_in_rc("build --platforms=//p:a,//p:b --extra_toolchains=//t:x\n");
    let texts: Vec<&str> = diags.iter().map(|(_, t)| t.as_str()).collect();
    assert!(texts.contains(&"//p:a"), "{diags:?}");
    assert!(texts.contains(&"//p:b"), "{diags:?}");
    assert!(texts.contains(&"//t:x"), "{diags:?}");
}

#[test]
fn quoted_values_with_wide_characters_get_the_whole_argument() {
    let rc = "build --platforms=\u{fffd}\u{fffd}//p\"@m//platforms/cpu:x86_64\",\n\
              build --extra_toolchains=\"//é:t\",//x:ü\n";
    let diags = diagnostics_in_rc(rc);
    assert!(!diags.is_empty());
    assert!(
        diags
            .iter()
            .any(|(_, t)| t == "--platforms=\u{fffd}\u{fffd}//p\"@m//platforms/cpu:x86_64\","),
        "{diags:?}"
    );
}
