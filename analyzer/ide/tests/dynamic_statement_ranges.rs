//! Ranges reported for dynamic top-level statements of a BUILD file (comprehensions, loops,
//! other expressions), which have no callee of their own: their first character stands for
//! it. Found by the `starlark` fuzzer: a one-byte range at a statement that starts with a
//! multi-byte character split it.

mod common;

use toolcheck_ide::{FileKind, LintConfig};

#[test]
fn a_statement_starting_with_a_wide_character_gets_whole_characters() {
    let build = "é + [native.filegroup(name = \"f%d\" % i) for i in range(1000000000)]\n\
                 [native.filegroup(name = \"g%d\" % i) for i in range(1000000000)]\n";
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        ("pkg/BUILD.bazel", FileKind::Build, build),
    ]);
    let a = host.analysis();
    let id = common::file_at(&a, "pkg/BUILD.bazel");
    let mut limits = Vec::new();
    for d in a.diagnostics(&LintConfig::default()) {
        if d.file != id {
            continue;
        }
        let (start, end) = (d.range.start as usize, d.range.end as usize);
        assert!(
            end <= build.len() && build.is_char_boundary(start) && build.is_char_boundary(end),
            "{}: {:?} splits a character",
            d.check,
            d.range
        );
        if d.check == "evaluation-limit" {
            limits.push(&build[start..end]);
        }
    }
    assert_eq!(limits, ["é", "["]);
}
