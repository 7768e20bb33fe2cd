//! Labels that reach a rule's toolchain requests from a constant in another `.bzl` file.
//! Found by the `workspace` fuzzer: a relative label in a loaded constant, passed to
//! `config_common.toolchain_type(...)`, was reported in the rule's file at the range it has in
//! the constant's file, which pointed at unrelated text there (or past its end, or inside a
//! character).

mod common;

use toolcheck_ide::{FileKind, LintConfig};

#[test]
fn a_loaded_relative_toolchain_type_is_reported_at_the_request() {
    // The constant sits far into its file, further than the rule's file is long.
    let constants = format!(
        "{}\nLINT = \"lint_type/with/a:very_long_relative_label_that_names_nothing\"\n",
        "# padding\n".repeat(40)
    );
    let rules = "load(\"//tools/private:utils.bzl\", \"LINT\")\n\
                 def _impl(ctx):\n    return []\n\
                 é_rule = rule(\n    implementation = _impl,\n    \
                 toolchains = [config_common.toolchain_type(LINT, mandatory = False)],\n)\n";
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        ("tools/private/utils.bzl", FileKind::Bzl, &constants),
        ("tools/rules.bzl", FileKind::Bzl, rules),
        (
            "tools/BUILD.bazel",
            FileKind::Build,
            "toolchain_type(name = \"lint_type\")\n",
        ),
    ]);
    let analysis = host.analysis();
    let constants_id = common::file_at(&analysis, "tools/private/utils.bzl");
    let rules_id = common::file_at(&analysis, "tools/rules.bzl");
    let mut reported = Vec::new();
    for d in analysis.diagnostics(&LintConfig::default()) {
        let text = if d.file == rules_id {
            rules
        } else if d.file == constants_id {
            constants.as_str()
        } else {
            continue;
        };
        let (start, end) = (d.range.start as usize, d.range.end as usize);
        assert!(
            start <= end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end),
            "{}: {:?} outside or inside a character of its file",
            d.check,
            d.range
        );
        if d.check == "unresolved-label" {
            reported.push((d.file, text[start..end].to_string()));
        }
    }
    assert_eq!(
        reported,
        vec![(
            rules_id,
            "config_common.toolchain_type(LINT, mandatory = False)".to_string()
        )],
    );
}
