//! Every label a declaration mentions (`Decl::label_refs`, `RuleDecl::label_refs`) is found
//! by find-references and go-to-definition, and label lists read the same in every place
//! that shows one (`RefList`'s `Display`): hover, the resolution report.

mod common;

use toolcheck_ide::FileKind;

const BUILD: &str = r#"constraint_setting(name = "os", default_constraint_value = ":linux")
constraint_value(name = "linux", constraint_setting = ":os")
platform(name = "base")
platform(name = "p", constraint_values = [":linux"], parents = [":base"])
config_setting(name = "cs", constraint_values = [":linux"])
toolchain_type(name = "t")
toolchain(
    name = "tc",
    toolchain = ":impl",
    toolchain_type = ":t",
    exec_compatible_with = [":linux"],
    target_compatible_with = [":linux"],
    target_settings = [":cs"],
)
toolchain(
    name = "free",
    toolchain = ":impl",
    toolchain_type = ":t",
    exec_compatible_with = select({"//conditions:default": []}),
)
filegroup(name = "impl")
alias(name = "a", actual = ":linux")
"#;

const RULES: &str = r#"def _impl(ctx):
    return []

my_rule = rule(
    implementation = _impl,
    toolchains = ["//c:t"],
    exec_compatible_with = ["//c:linux"],
    exec_groups = {"g": exec_group(exec_compatible_with = ["//c:linux"])},
)
"#;

fn offset_of(text: &str, needle: &str) -> u32 {
    text.find(needle).unwrap_or_else(|| panic!("{needle}")) as u32 + 1
}

#[test]
fn every_attribute_that_names_a_label_is_a_reference() {
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        ("c/BUILD.bazel", FileKind::Build, BUILD),
        ("defs/BUILD.bazel", FileKind::Build, ""),
        ("defs/rules.bzl", FileKind::Bzl, RULES),
    ]);
    let a = host.analysis();
    let build = common::file_at(&a, "c/BUILD.bazel");
    let rules = common::file_at(&a, "defs/rules.bzl");

    // `:linux` is named by the setting's default, the platform, the config setting, the
    // toolchain's exec and target constraints, the alias, the rule and its exec group.
    let at = offset_of(BUILD, "name = \"linux\"") + 7;
    let refs = a.references(build, at, false);
    let in_build = refs.iter().filter(|r| r.file == build).count();
    let in_rules = refs.iter().filter(|r| r.file == rules).count();
    assert_eq!((in_build, in_rules), (6, 2), "{refs:?}");

    // Go to definition from the less common attributes.
    for needle in ["\":base\"", "\":cs\"", "\":impl\"", "\":os\""] {
        let defs = a.goto_definition(build, offset_of(BUILD, needle));
        assert_eq!(defs.len(), 1, "{needle}");
    }
    let defs = a.goto_definition(rules, offset_of(RULES, "\"//c:t\""));
    assert_eq!(defs.len(), 1);
}

#[test]
fn label_lists_read_the_same_everywhere() {
    let mut host = common::host_with(&[
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        ("c/BUILD.bazel", FileKind::Build, BUILD),
    ]);
    let a = host.analysis();
    let build = common::file_at(&a, "c/BUILD.bazel");

    let alias = a
        .hover(build, offset_of(BUILD, "alias("))
        .expect("hover on the alias")
        .markdown;
    assert!(alias.contains("- actual: `:linux`"), "{alias}");
    let cs = a
        .hover(build, offset_of(BUILD, "config_setting("))
        .expect("hover on the config setting")
        .markdown;
    assert!(cs.contains("- constraint_values: `:linux`"), "{cs}");

    // The resolution report and the toolchain hover agree: an empty list is "none", a
    // computed one is "computed (not known statically)".
    let report = a
        .resolution_report(build, Some(offset_of(BUILD, "toolchain_type(")))
        .expect("report");
    assert!(
        report.contains("exec: computed (not known statically); target: none"),
        "{report}"
    );
    assert!(
        report.contains("exec: `:linux`; target: `:linux`"),
        "{report}"
    );
    let free = a
        .hover(build, offset_of(BUILD, "name = \"free\"") + 7)
        .expect("hover on the toolchain")
        .markdown;
    assert!(
        free.contains("- exec_compatible_with: computed (not known statically)"),
        "{free}"
    );
    assert!(free.contains("- target_compatible_with: none"), "{free}");
}
