//! Fuzz target: label and target-pattern parsing and resolution (`toolcheck_index::label`).
//! Input: the label text, optionally `|` and a package to resolve it in.
#![no_main]

use libfuzzer_sys::fuzz_target;
use toolcheck_index::label::{Label, LabelContext, RawLabel, RepoMapping, RepoName, TargetPattern};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (label, package) = text.split_once('|').unwrap_or((&text, "pkg/sub"));
    let mut mapping = RepoMapping::default();
    mapping.insert("r", RepoName::new("r+"));
    mapping.insert("", RepoName::main());
    let repo = RepoName::new("r+");
    for ctx in [
        LabelContext::main_root(&mapping),
        LabelContext {
            repo: &repo,
            package,
            mapping: &mapping,
        },
    ] {
        if let Ok(raw) = RawLabel::parse(label) {
            if let Ok(l) = raw.resolve(&ctx) {
                // A resolved label, written with its canonical repository, reads back as
                // itself (or is rejected, when the context's package was not valid).
                let _ = l.to_string();
                let shown = format!("@@{}//{}:{}", l.repo.as_str(), l.package, l.name);
                let back = ctx.resolve(&shown);
                assert!(
                    back.as_ref() == Ok(&l) || back.is_err(),
                    "{label:?} resolved to {l:?}, printed {shown:?}, re-read as {back:?}"
                );
                let _ = l.package_id();
            }
        }
        if let Ok(p) = TargetPattern::parse(label, &ctx) {
            let _ = p.matches_package(&toolcheck_index::label::PackageId::new(
                RepoName::main(),
                package,
            ));
        }
    }
    let _ = Label::parse_main(label);
});
