//! `AnalysisHost` changes seen through snapshots: removing files (their package, targets and
//! registrations leave the index; every other file keeps its id, and the removed path gets
//! its id back when added again) and cancellation of snapshots taken before a change.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use toolcheck_ide::{AnalysisHost, Cancelled, FileId, FileKind, LintConfig, RepoName, Workspace};

const TYPE_BUILD: &str = "toolchain_type(name = \"t\")\n";
const TC_BUILD: &str = "toolchain(\n    name = \"tc\",\n    toolchain = \":impl\",\n    toolchain_type = \"//pkg:t\",\n)\n\nfilegroup(name = \"impl\")\n";
const MODULE: &str = "module(name = \"m\")\n\nregister_toolchains(\"//other:tc\")\n";

fn host() -> (AnalysisHost, FileId, FileId, FileId) {
    let ws = Workspace::with_main_repo("");
    let mut host = AnalysisHost::new(ws);
    let module = host.add_file(
        RepoName::main(),
        "MODULE.bazel".into(),
        FileKind::Module,
        MODULE.into(),
    );
    let ty = host.add_file(
        RepoName::main(),
        "pkg/BUILD.bazel".into(),
        FileKind::Build,
        TYPE_BUILD.into(),
    );
    let tc = host.add_file(
        RepoName::main(),
        "other/BUILD.bazel".into(),
        FileKind::Build,
        TC_BUILD.into(),
    );
    (host, module, ty, tc)
}

fn codes(host: &mut AnalysisHost) -> Vec<(String, &'static str)> {
    let a = host.analysis();
    a.diagnostics(&LintConfig::default())
        .into_iter()
        .map(|d| (a.workspace().file(d.file).path.clone(), d.check))
        .collect()
}

#[test]
fn a_removed_file_leaves_the_index() {
    let (mut host, module, ty, tc) = host();
    let a = host.analysis();
    assert!(a.index().targets.keys().any(|l| l.to_string() == "//pkg:t"));
    assert_eq!(a.index().registrations.len(), 1);
    assert!(!codes(&mut host)
        .iter()
        .any(|(_, c)| *c == "unresolved-label"));

    // The type's package goes: the toolchain now names a missing package.
    host.remove_file(ty);
    let a = host.analysis();
    assert_eq!(a.workspace().live_file_count(), 2);
    assert!(a.workspace().is_removed(ty));
    assert!(!a.index().targets.keys().any(|l| l.to_string() == "//pkg:t"));
    assert!(!a
        .index()
        .packages()
        .any(|(p, _)| format!("{p:?}").contains("pkg")));
    // Every other file keeps its id; the removed one's is a tombstone.
    assert_eq!(a.workspace().file(tc).path, "other/BUILD.bazel");
    assert_eq!(
        host.file_id(&RepoName::main(), "other/BUILD.bazel"),
        Some(tc)
    );
    assert_eq!(
        host.file_id(&RepoName::main(), "MODULE.bazel"),
        Some(module)
    );
    assert_eq!(host.file_id(&RepoName::main(), "pkg/BUILD.bazel"), None);
    assert!(a
        .diagnostics(&LintConfig::default())
        .iter()
        .any(|d| d.file == tc && d.check == "unresolved-label"));
    let found = codes(&mut host);
    assert!(
        found.contains(&("other/BUILD.bazel".to_string(), "unresolved-label")),
        "{found:?}"
    );

    // The registrations go with MODULE.bazel.
    host.remove_file(module);
    assert!(host.analysis().index().registrations.is_empty());

    // Created again: everything is back, under the old ids.
    let again = host.add_file(
        RepoName::main(),
        "pkg/BUILD.bazel".into(),
        FileKind::Build,
        TYPE_BUILD.into(),
    );
    assert_eq!(again, ty);
    let again = host.add_file(
        RepoName::main(),
        "MODULE.bazel".into(),
        FileKind::Module,
        MODULE.into(),
    );
    assert_eq!(again, module);
    let a = host.analysis();
    assert_eq!(a.workspace().files.len(), 3);
    assert!(a.index().targets.keys().any(|l| l.to_string() == "//pkg:t"));
    assert_eq!(a.index().registrations.len(), 1);
    assert!(!codes(&mut host)
        .iter()
        .any(|(_, c)| *c == "unresolved-label"));
}

#[test]
fn removing_an_unknown_file_is_a_no_op() {
    let (mut host, _, ty, _) = host();
    let before = host.analysis();
    host.remove_file(FileId(99));
    assert_eq!(host.analysis().workspace().files.len(), 3);
    assert!(!before.is_cancelled());
    // Removing a file twice: the second time there is nothing left to remove.
    host.remove_file(ty);
    let after = host.analysis();
    host.remove_file(ty);
    assert!(!after.is_cancelled());
    // A tombstone takes no text (and cancels nothing).
    host.set_file_text(ty, TYPE_BUILD.into());
    assert!(!after.is_cancelled());
    assert_eq!(host.analysis().workspace().file(ty).text().as_ref(), "");
}

#[test]
fn a_new_path_never_takes_a_removed_files_id() {
    let (mut host, _, ty, tc) = host();
    host.remove_file(ty);
    let new = host.add_file(
        RepoName::main(),
        "new/BUILD.bazel".into(),
        FileKind::Build,
        TYPE_BUILD.into(),
    );
    assert_eq!(new, FileId(3));
    let a = host.analysis();
    assert!(a.workspace().is_removed(ty));
    assert_eq!(a.workspace().file(ty).path, "pkg/BUILD.bazel");
    assert_eq!(a.workspace().file_ids().collect::<Vec<_>>().len(), 3);
    // The new package is indexed under its own id; the tombstone declares nothing.
    let t = a
        .index()
        .targets
        .values()
        .find(|t| t.label.to_string() == "//new:t")
        .expect("//new:t");
    assert_eq!(t.file, new);
    assert!(a.index().targets.values().all(|t| t.file != ty));
    assert_eq!(a.workspace().file(tc).path, "other/BUILD.bazel");
}

#[test]
fn a_change_cancels_older_snapshots() {
    let (mut host, _, ty, _) = host();
    let old = host.analysis();
    assert!(!old.is_cancelled());
    assert!(old.try_diagnostics(&LintConfig::default()).is_ok());
    // The same state hands out the same (uncancelled) snapshot.
    assert!(!host.analysis().is_cancelled());

    host.set_file_text(ty, "toolchain_type(name = \"u\")\n".into());
    assert!(old.is_cancelled());
    assert_eq!(old.try_diagnostics(&LintConfig::default()), Err(Cancelled));
    assert_eq!(old.try_hover(ty, 3), Err(Cancelled));
    assert_eq!(
        old.try_resolution_report(ty, Some(3)).map(|_| ()),
        Err(Cancelled)
    );
    // The plain queries still answer, about the old state (for the CLI, which never cancels).
    assert!(!old
        .diagnostics(&LintConfig::default())
        .iter()
        .any(|d| d.check == "unresolved-label"));

    let new = host.analysis();
    assert!(!new.is_cancelled());
    let found = new.try_diagnostics(&LintConfig::default()).unwrap();
    assert!(found.iter().any(|d| d.check == "unresolved-label"));

    host.request_cancellation();
    assert!(new.is_cancelled());
    let (mut host2, ..) = self::host();
    let a = host2.analysis();
    host2.remove_file(FileId(0));
    assert!(a.is_cancelled());
}

#[test]
fn a_request_flag_cancels_one_view_only() {
    let (mut host, _, ty, _) = host();
    let a = host.analysis();
    let flag = Arc::new(AtomicBool::new(false));
    let req = a.with_cancel_flag(flag.clone());
    let hover = req
        .try_hover(ty, 3)
        .unwrap()
        .expect("hover on toolchain_type");
    assert!(hover.markdown.contains("//pkg:t"));
    flag.store(true, Ordering::SeqCst);
    assert!(req.is_cancelled());
    assert_eq!(req.try_hover(ty, 3), Err(Cancelled));
    assert!(req.try_diagnostics(&LintConfig::default()).is_err());
    assert!(!a.is_cancelled(), "the snapshot itself is not cancelled");
}

#[test]
fn hover_on_a_type_shows_the_comment_above_it() {
    let (mut host, _, ty, _) = host();
    host.set_file_text(
        ty,
        "# The compiler.\n# Second line.\ntoolchain_type(name = \"t\")\n".into(),
    );
    let hover = host.analysis().hover(ty, 33).expect("hover");
    assert!(
        hover.markdown.contains("The compiler.\nSecond line."),
        "{}",
        hover.markdown
    );
}

#[test]
fn setting_the_same_text_cancels_nothing() {
    let (mut host, _, ty, _) = host();
    let a = host.analysis();
    host.set_file_text(ty, TYPE_BUILD.into());
    assert!(!a.is_cancelled());
    host.set_file_text(ty, "toolchain_type(name = \"u\")\n".into());
    assert!(a.is_cancelled());
}

/// A host built from a loaded workspace packs its BUILD files' texts after lowering
/// (`toolcheck_index::text`); every answer is the same as from plain texts, and an edit
/// leaves the edited file plain.
#[test]
fn packed_build_texts_answer_like_plain_ones() {
    let files = [
        (
            "MODULE.bazel",
            FileKind::Module,
            format!("{MODULE}register_toolchains(\"//bad:bad\")\n"),
        ),
        ("pkg/BUILD.bazel", FileKind::Build, TYPE_BUILD.to_string()),
        ("other/BUILD.bazel", FileKind::Build, TC_BUILD.to_string()),
        // Enough BUILD files for more than one chunk, one with a finding.
        (
            "bad/BUILD.bazel",
            FileKind::Build,
            "toolchain(\n    name = \"bad\",\n    toolchain = \":impl\",\n    toolchain_type = \"//gone:t\",\n)\n\nfilegroup(name = \"impl\")\n".to_string(),
        ),
    ]
    .into_iter()
    .chain((0..300).map(|i| {
        (
            Box::leak(format!("p{i}/BUILD.bazel").into_boxed_str()) as &str,
            FileKind::Build,
            format!("filegroup(name = \"f{i}\", srcs = [\"a{i}.txt\"])  # é\n"),
        )
    }));
    let mut ws = Workspace::with_main_repo("");
    let mut plain = AnalysisHost::new(Workspace::with_main_repo(""));
    for (path, kind, text) in files {
        ws.add_file(RepoName::main(), path, kind, text.as_str().into());
        plain.add_file(RepoName::main(), path.into(), kind, text.as_str().into());
    }
    let mut packed = AnalysisHost::new(ws);
    let a = packed.analysis();
    let ws = a.workspace();
    let build = |id: FileId| ws.file(id).kind == FileKind::Build;
    assert!(ws
        .file_ids()
        .all(|id| ws.file(id).stored_text().is_packed() == build(id)));
    for id in ws.file_ids() {
        assert_eq!(&*a.file_text(id), &*plain.analysis().file_text(id));
    }
    assert_eq!(codes(&mut packed), codes(&mut plain));
    let found = codes(&mut packed);
    assert!(
        found.contains(&("bad/BUILD.bazel".to_string(), "unresolved-label")),
        "{found:?}"
    );
    // Editing a packed file: it is plain from then on, the others stay packed.
    let bad = FileId(3);
    let fixed: Arc<str> = TC_BUILD.replace("\"tc\"", "\"bad\"").into();
    packed.set_file_text(bad, fixed.clone());
    plain.set_file_text(bad, fixed.clone());
    let a = packed.analysis();
    assert!(!a.workspace().file(bad).stored_text().is_packed());
    assert!(a.workspace().file(FileId(4)).stored_text().is_packed());
    assert_eq!(&*a.file_text(bad), &*fixed);
    assert_eq!(codes(&mut packed), codes(&mut plain));
    // Setting the same text again changes nothing (no snapshot is cancelled).
    let before = packed.analysis();
    let same = packed.analysis().file_text(FileId(4)).to_string();
    packed.set_file_text(FileId(4), same.into());
    assert!(!before.is_cancelled());
}
