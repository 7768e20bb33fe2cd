//! The facts cache's entry encoding (`toolcheck_index::cache_codec`) over every file of the
//! corpus: each fixture file of `corpus/lints` and each file of `corpus/example` is cacheable,
//! and decoding its entry gives back exactly the facts lowering produced, through the direct
//! reader and through the parser alike.

use std::path::Path;

use toolcheck_fixture::Fixture;
use toolcheck_ide::cache_codec::{decode_facts, encode_facts};
use toolcheck_ide::FileKind;
use toolcheck_tests::repo_root;

/// `(path for messages, kind, text)` of every corpus file toolcheck reads.
fn corpus_files() -> Vec<(String, FileKind, String)> {
    let mut out = Vec::new();
    let mut stack = vec![repo_root().join("corpus")];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("corpus directory")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let shown = path.display().to_string();
            if path.starts_with(repo_root().join("corpus/lints")) && name.ends_with(".star") {
                // A fixture: one or more files with inline annotations.
                let fixture = Fixture::parse(&text, &name.replace(".star", ".bzl"))
                    .unwrap_or_else(|e| panic!("{shown}: bad fixture: {e:?}"));
                for f in fixture.files {
                    let file_name = Path::new(&f.path).file_name().unwrap().to_string_lossy();
                    if let Some(kind) = FileKind::from_file_name(&file_name) {
                        out.push((format!("{shown}: {}", f.path), kind, f.text));
                    }
                }
            } else if let Some(kind) = FileKind::from_file_name(&name) {
                out.push((shown, kind, text));
            }
        }
    }
    out
}

#[test]
fn every_corpus_file_round_trips_through_the_facts_cache_encoding() {
    let files = corpus_files();
    assert!(files.len() > 100, "only {} corpus files found", files.len());
    let mut kinds = std::collections::BTreeSet::new();
    for (shown, kind, text) in &files {
        kinds.insert(format!("{kind:?}"));
        for facts in [
            toolcheck_ide::lower(*kind, text),
            toolcheck_ide::lower_parsed(*kind, text),
        ] {
            assert!(!facts.parse_timed_out(), "{shown}: parse timed out");
            let bytes = encode_facts(&facts).unwrap_or_else(|| panic!("{shown}: not cacheable"));
            assert_eq!(decode_facts(&bytes).as_ref(), Some(&facts), "{shown}");
        }
    }
    for kind in ["Build", "Bzl", "Module", "Workspace", "Bazelrc"] {
        assert!(kinds.contains(kind), "no {kind} file in the corpus");
    }
}
