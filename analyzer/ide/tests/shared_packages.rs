//! A package that two BUILD files declare (a directory with both `BUILD` and `BUILD.bazel`):
//! a name both declare belongs to the earlier file, and an edit that removes it there hands it
//! to the other, in the updated index as in a fresh one.

mod common;

use toolcheck_ide::{Analysis, FileKind};

fn owners(a: &Analysis) -> Vec<(String, String)> {
    let ws = a.workspace();
    let mut v: Vec<(String, String)> = a
        .index()
        .targets
        .values()
        .map(|t| (t.label.to_string(), ws.file(t.file).path.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn names_declared_twice_belong_to_the_earlier_file() {
    let files = [
        ("MODULE.bazel", FileKind::Module, "module(name = \"m\")\n"),
        (
            "p/BUILD",
            FileKind::Build,
            "filegroup(name = \"both\")\nfilegroup(name = \"first_only\")\n",
        ),
        (
            "p/BUILD.bazel",
            FileKind::Build,
            "filegroup(name = \"second_only\")\nfilegroup(name = \"both\")\n",
        ),
    ];
    let mut host = common::host_with(&files);
    let a = host.analysis();
    assert_eq!(
        owners(&a),
        [
            ("//p:both".to_string(), "p/BUILD".to_string()),
            ("//p:first_only".to_string(), "p/BUILD".to_string()),
            ("//p:second_only".to_string(), "p/BUILD.bazel".to_string()),
        ]
    );
    // Removing the name from the earlier file hands it to the later one.
    let first = common::file_at(&a, "p/BUILD");
    host.set_file_text(first, "filegroup(name = \"first_only\")\n".into());
    let updated = owners(&host.analysis());
    assert_eq!(
        updated,
        [
            ("//p:both".to_string(), "p/BUILD.bazel".to_string()),
            ("//p:first_only".to_string(), "p/BUILD".to_string()),
            ("//p:second_only".to_string(), "p/BUILD.bazel".to_string()),
        ]
    );
    let mut edited = files;
    edited[1].2 = "filegroup(name = \"first_only\")\n";
    assert_eq!(owners(&common::host_with(&edited).analysis()), updated);
}
