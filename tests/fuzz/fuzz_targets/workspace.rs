//! Fuzz target: multi-file workspaces built in memory. Input: files in the fixture format
//! (`#- path/to/FILE` headers, `#- @repo/path` for another repository, `.bazelrc` and
//! `.bazelversion` included); seeds are the corpus fixtures. Runs every check, navigation,
//! resolution and an incremental update.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = common::split_files(&text, "BUILD.bazel");
    common::in_pool(|| common::exercise(common::workspace(&files), data.len() as u64));
});
