//! File texts as the workspace keeps them, and the one way to read them.
//!
//! After lowering, almost nothing reads a BUILD file's text again: the index, the simulation
//! and the checks work on [`FileFacts`](crate::facts::FileFacts), and the text is needed only
//! to render a finding (line numbers, snippets), build a fix or answer an editor. At 100,000
//! packages the BUILD texts are about 90 MB, alive for the whole run. So a [`FileText`] is
//! either plain (an `Arc<str>`: `.bzl` files, MODULE.bazel, WORKSPACE, rc files, files open in
//! an editor or edited since loading) or *packed*: BUILD files are grouped, in file order, into
//! chunks of about [`CHUNK_BYTES`] whose concatenated text is LZ4-compressed once, right after
//! their facts are lowered ([`map_then_pack`]). Chunks rather than single files because a
//! BUILD file alone (about 850 bytes) has little to repeat: files of one chunk share their
//! `load()`s, rule and attribute names, and compress 5-6x together against 1.5x apart.
//!
//! Every reader goes through [`FileText::read`] (or [`SourceFile::text`]), which hands out a
//! [`Text`]: plain text shared by reference count, or the decompressed chunk with the file's
//! range in it. Each thread remembers the last chunk it decompressed, so readers that walk
//! files in id order (renderers, a scan of every BUILD file) decompress each chunk once.
//! Keeping the compressed bytes in memory, rather than dropping texts and reading the files
//! again, keeps the analyzer free of I/O and its answers free of "the file changed on disk
//! since": what is read back is byte for byte what was lowered.
//!
//! [`SourceFile::text`]: crate::workspace::SourceFile::text

use std::cell::RefCell;
use std::fmt;
use std::ops::{Deref, Range};
use std::sync::{Arc, Weak};

use rayon::prelude::*;
use toolcheck_syntax::FileKind;

use crate::workspace::SourceFile;

/// How much raw text a chunk gathers before it is compressed. Larger chunks compress better
/// (16 KiB 4.7x, 32 KiB 5.6x, 64 KiB 6.2x on generated BUILD files) but every read of one
/// file decompresses its whole chunk (32 KiB: about 15 µs).
pub const CHUNK_BYTES: usize = 32 * 1024;

/// A file's contents as stored in the workspace. Cheap to clone (reference counted).
#[derive(Clone)]
pub struct FileText(Repr);

#[derive(Clone)]
enum Repr {
    Plain(Arc<str>),
    /// `len` bytes at `start` of `chunk`'s decompressed text.
    Packed {
        chunk: Arc<Chunk>,
        start: u32,
        len: u32,
    },
}

/// The LZ4 block of the concatenated texts of consecutive packed files.
struct Chunk {
    compressed: Box<[u8]>,
    /// The length of the decompressed text.
    raw_len: usize,
}

/// A file's text, borrowed for reading: derefs to `str`. Holding it keeps a packed file's
/// decompressed chunk alive, so take it once per file, not once per line.
#[derive(Clone)]
pub struct Text {
    buf: Arc<str>,
    start: usize,
    end: usize,
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        // Both ends are file boundaries in the chunk, so character boundaries.
        &self.buf[self.start..self.end]
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        **self == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

impl Default for FileText {
    fn default() -> Self {
        FileText(Repr::Plain(Arc::from("")))
    }
}

impl From<Arc<str>> for FileText {
    fn from(text: Arc<str>) -> Self {
        FileText(Repr::Plain(text))
    }
}

impl From<&str> for FileText {
    fn from(text: &str) -> Self {
        FileText(Repr::Plain(Arc::from(text)))
    }
}

impl From<String> for FileText {
    fn from(text: String) -> Self {
        FileText(Repr::Plain(Arc::from(text)))
    }
}

impl fmt::Debug for FileText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Plain(t) => fmt::Debug::fmt(t, f),
            Repr::Packed { len, .. } => write!(f, "<packed text, {len} bytes>"),
        }
    }
}

impl FileText {
    /// The text, decompressed when packed.
    pub fn read(&self) -> Text {
        match &self.0 {
            Repr::Plain(t) => Text {
                buf: t.clone(),
                start: 0,
                end: t.len(),
            },
            Repr::Packed { chunk, start, len } => Text {
                buf: unpack(chunk),
                start: *start as usize,
                end: (*start + *len) as usize,
            },
        }
    }

    /// The length in bytes, without decompressing.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Plain(t) => t.len(),
            Repr::Packed { len, .. } => *len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The memory the text takes: its length when plain, its share of its chunk's
    /// compressed bytes when packed (summed over a chunk's files, about the chunk's size).
    pub fn stored_len(&self) -> usize {
        match &self.0 {
            Repr::Plain(t) => t.len(),
            Repr::Packed { chunk, len, .. } => {
                (chunk.compressed.len() as u64 * u64::from(*len) / chunk.raw_len.max(1) as u64)
                    as usize
            }
        }
    }

    /// Whether the text is kept compressed.
    pub fn is_packed(&self) -> bool {
        matches!(self.0, Repr::Packed { .. })
    }

    /// The text as one shared string: the same allocation when plain, a copy when packed.
    pub fn to_shared(&self) -> Arc<str> {
        match &self.0 {
            Repr::Plain(t) => t.clone(),
            Repr::Packed { .. } => Arc::from(&*self.read()),
        }
    }

    /// The same text, stored plain (a file opened in an editor is read at every request).
    pub fn unpacked(&self) -> FileText {
        match &self.0 {
            Repr::Plain(_) => self.clone(),
            Repr::Packed { .. } => FileText(Repr::Plain(self.to_shared())),
        }
    }

    /// Whether the contents equal `text` (a packed text is compared only when the lengths
    /// agree).
    pub fn same_as(&self, text: &str) -> bool {
        match &self.0 {
            Repr::Plain(t) => **t == *text,
            Repr::Packed { len, .. } => *len as usize == text.len() && *self.read() == *text,
        }
    }
}

/// Whether files of this kind are packed after lowering: BUILD files are the volume (about
/// 95% of the text of a large workspace) and, once lowered, are read only to show findings.
/// `.bzl` files, rc files, MODULE.bazel and WORKSPACE stay plain: they are few, and the
/// checks of rule implementations and flags read them.
fn packable(kind: FileKind) -> bool {
    kind == FileKind::Build
}

/// Runs `f` on every file in parallel, then packs the BUILD files' texts into compressed
/// chunks; returns `f`'s results in file order. `f` sees the plain text. Each chunk is packed
/// right after its files are mapped, while their texts are still in the cache, and the plain
/// texts are freed as it goes.
pub fn map_then_pack<T: Send>(
    files: &mut [SourceFile],
    f: impl Fn(usize, &SourceFile) -> T + Sync,
) -> Vec<T> {
    let mut runs: Vec<(usize, &mut [SourceFile])> = Vec::new();
    let mut rest = files;
    let mut offset = 0;
    while !rest.is_empty() {
        let n = run_len(rest);
        let (run, tail) = rest.split_at_mut(n);
        runs.push((offset, run));
        offset += n;
        rest = tail;
    }
    let mapped: Vec<Vec<T>> = runs
        .into_par_iter()
        .map(|(offset, run)| {
            let out = run
                .iter()
                .enumerate()
                .map(|(i, file)| f(offset + i, file))
                .collect();
            pack(run);
            out
        })
        .collect();
    mapped.into_iter().flatten().collect()
}

/// How much text of any kind one run maps, so that a workspace of few BUILD files (a
/// ruleset of `.bzl` files) is still lowered in parallel.
const MAX_RUN_BYTES: usize = 4 * CHUNK_BYTES;

/// How many files from the start of `files` make one run (and one chunk): at least one, and
/// as many as keep the packable text under [`CHUNK_BYTES`] and all text under
/// [`MAX_RUN_BYTES`].
fn run_len(files: &[SourceFile]) -> usize {
    let (mut packed, mut all) = (0, 0);
    for (i, f) in files.iter().enumerate() {
        let len = f.stored_text().len();
        let pack = packable(f.kind);
        let chunk_full = pack && packed > 0 && packed + len > CHUNK_BYTES;
        if i > 0 && (chunk_full || all + len > MAX_RUN_BYTES) {
            return i;
        }
        all += len;
        if pack {
            packed += len;
        }
    }
    files.len()
}

/// Packs the plain packable texts of `files` into one chunk. Left plain when there is
/// nothing to gain (no such text, or text LZ4 cannot shrink by a tenth).
fn pack(files: &mut [SourceFile]) {
    let mut raw = String::new();
    let mut members: Vec<(usize, Range<usize>)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let text = f.stored_text();
        if !packable(f.kind) || text.is_packed() || text.is_empty() {
            continue;
        }
        let start = raw.len();
        raw.push_str(&text.read());
        members.push((i, start..raw.len()));
    }
    // Ranges are `u32`s, like every text offset in toolcheck.
    if members.is_empty() || u32::try_from(raw.len()).is_err() {
        return;
    }
    let compressed = lz4_flex::block::compress(raw.as_bytes());
    if compressed.len() > raw.len() / 10 * 9 {
        return;
    }
    let chunk = Arc::new(Chunk {
        compressed: compressed.into_boxed_slice(),
        raw_len: raw.len(),
    });
    for (i, range) in members {
        files[i].set_stored_text(FileText(Repr::Packed {
            chunk: chunk.clone(),
            start: range.start as u32,
            len: range.len() as u32,
        }));
    }
}

thread_local! {
    /// The last chunk this thread decompressed, with its text. A `Weak` keeps the chunk's
    /// allocation (not its bytes) alive, so its address cannot be reused by another chunk
    /// while it is remembered here.
    static LAST_CHUNK: RefCell<Option<(Weak<Chunk>, Arc<str>)>> = const { RefCell::new(None) };
}

/// The decompressed text of `chunk`.
fn unpack(chunk: &Arc<Chunk>) -> Arc<str> {
    LAST_CHUNK.with(|last| {
        if let Some((c, text)) = &*last.borrow() {
            if std::ptr::eq(c.as_ptr(), Arc::as_ptr(chunk)) {
                return text.clone();
            }
        }
        let mut raw = vec![0u8; chunk.raw_len];
        // The chunk was compressed from valid UTF-8 of exactly `raw_len` bytes by `pack`;
        // nothing from outside ever reaches it, so failing here is a bug in this module.
        let n = lz4_flex::block::decompress_into(&chunk.compressed, &mut raw)
            .expect("a packed chunk decompresses");
        assert_eq!(
            n, chunk.raw_len,
            "a packed chunk decompresses to its length"
        );
        let text: Arc<str> = Arc::from(String::from_utf8(raw).expect("a packed chunk is UTF-8"));
        *last.borrow_mut() = Some((Arc::downgrade(chunk), text.clone()));
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::RepoName;
    use crate::workspace::Workspace;

    fn build_file(i: usize) -> String {
        format!(
            "load(\"//tools:defs.bzl\", \"my_rule\")\n\nmy_rule(\n    name = \"t{i}\",\n    srcs = [\"a{i}.cc\", \"é{i}.h\"],\n    deps = [\"//lib/p{}:lib\"],\n)\n",
            i * 7
        )
    }

    fn workspace(n: usize) -> Workspace {
        let mut ws = Workspace::with_main_repo("/ws");
        for i in 0..n {
            ws.add_file(
                RepoName::main(),
                format!("p{i}/BUILD.bazel"),
                FileKind::Build,
                Arc::from(build_file(i)),
            );
            if i % 5 == 0 {
                ws.add_file(
                    RepoName::main(),
                    format!("p{i}/defs.bzl"),
                    FileKind::Bzl,
                    Arc::from(format!("X{i} = 1\n")),
                );
            }
        }
        ws
    }

    #[test]
    fn packed_texts_read_back_byte_for_byte() {
        let mut ws = workspace(400);
        let before: Vec<String> = ws.files.iter().map(|f| f.text().to_string()).collect();
        let raw: usize = before.iter().map(String::len).sum();
        let lens = map_then_pack(ws.files_mut(), |i, f| (i, f.text().len()));
        assert_eq!(lens.len(), before.len());
        for (i, (j, len)) in lens.into_iter().enumerate() {
            assert_eq!((i, len), (j, before[i].len()), "results stay in file order");
        }
        let mut chunks = std::collections::HashSet::new();
        for (f, text) in ws.files.iter().zip(&before) {
            // BUILD files are packed, the rest stays plain.
            assert_eq!(f.stored_text().is_packed(), f.kind == FileKind::Build);
            assert_eq!(f.text_len(), text.len());
            assert_eq!(&*f.text(), text.as_str());
            assert!(f.stored_text().same_as(text));
            assert!(!f.stored_text().same_as(&text[1..]));
            if let Repr::Packed { chunk, .. } = &f.stored_text().0 {
                chunks.insert(Arc::as_ptr(chunk));
            }
        }
        // Many files share a chunk, and together they are much smaller than the text.
        assert!(
            chunks.len() > 1 && chunks.len() < 20,
            "{} chunks",
            chunks.len()
        );
        let compressed: usize = ws
            .files
            .iter()
            .filter_map(|f| match &f.stored_text().0 {
                Repr::Packed {
                    chunk, start: 0, ..
                } => Some(chunk.compressed.len()),
                _ => None,
            })
            .sum();
        assert!(compressed * 3 < raw, "{compressed} of {raw} bytes");
        let stored: usize = ws.files.iter().map(|f| f.stored_text().stored_len()).sum();
        let plain: usize = ws
            .files
            .iter()
            .filter(|f| f.kind != FileKind::Build)
            .map(SourceFile::text_len)
            .sum();
        // Each file's share, rounded down: at most one byte short per file.
        assert!(stored <= compressed + plain && stored + ws.files.len() >= compressed + plain);
        // Reading files out of order, from several threads, gives the same texts.
        let ids: Vec<usize> = (0..before.len()).rev().step_by(3).collect();
        ids.par_iter().for_each(|&i| {
            assert_eq!(&*ws.files[i].text(), before[i].as_str());
        });
    }

    #[test]
    fn an_edited_or_opened_file_is_plain_and_others_stay_packed() {
        let mut ws = workspace(50);
        map_then_pack(ws.files_mut(), |_, _| ());
        let id = crate::workspace::FileId(3);
        assert!(ws.file(id).stored_text().is_packed());
        let old = ws.file(id).text().to_string();
        let unpacked = ws.file(id).stored_text().unpacked();
        assert!(!unpacked.is_packed());
        assert_eq!(&*unpacked.read(), old.as_str());
        ws.files_mut()[3].set_stored_text(FileText::from("x = 1\n"));
        assert_eq!(&*ws.file(id).text(), "x = 1\n");
        assert!(ws
            .file(crate::workspace::FileId(0))
            .stored_text()
            .is_packed());
        assert_eq!(&*ws.file(crate::workspace::FileId(0)).text(), build_file(0));
        // Packing again leaves the packed texts as they are and packs nothing twice.
        map_then_pack(ws.files_mut(), |_, _| ());
        assert_eq!(&*ws.file(id).text(), "x = 1\n");
        assert_eq!(&*ws.file(crate::workspace::FileId(0)).text(), build_file(0));
    }

    #[test]
    fn text_that_does_not_compress_stays_plain() {
        let mut ws = Workspace::with_main_repo("/ws");
        // A deterministic byte soup LZ4 cannot shrink, as printable ASCII.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let soup: String = (0..4000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'!' + (x % 90) as u8)
            })
            .collect();
        ws.add_file(
            RepoName::main(),
            "BUILD",
            FileKind::Build,
            Arc::from(soup.as_str()),
        );
        ws.add_file(RepoName::main(), "e/BUILD", FileKind::Build, Arc::from(""));
        map_then_pack(ws.files_mut(), |_, _| ());
        assert!(ws.files.iter().all(|f| !f.stored_text().is_packed()));
        assert_eq!(&*ws.files[0].text(), soup.as_str());
    }

    #[test]
    fn runs_are_bounded_whatever_the_kinds() {
        let mut ws = Workspace::with_main_repo("/ws");
        for i in 0..200 {
            ws.add_file(
                RepoName::main(),
                format!("r{i}.bzl"),
                FileKind::Bzl,
                Arc::from("x".repeat(CHUNK_BYTES / 8)),
            );
        }
        // `.bzl` files are not packed, but a run still holds at most `MAX_RUN_BYTES` of them.
        assert_eq!(run_len(&ws.files), 32);
        let results = map_then_pack(ws.files_mut(), |i, f| (i, f.text_len()));
        assert_eq!(results.len(), 200);
        assert!(results
            .iter()
            .enumerate()
            .all(|(i, r)| *r == (i, CHUNK_BYTES / 8)));
    }

    #[test]
    fn a_file_larger_than_a_chunk_is_a_chunk_of_its_own() {
        let mut ws = workspace(3);
        let big: String = (0..3 * CHUNK_BYTES / 40).map(build_file).collect();
        ws.add_file(
            RepoName::main(),
            "big/BUILD",
            FileKind::Build,
            Arc::from(big.as_str()),
        );
        ws.add_file(
            RepoName::main(),
            "after/BUILD",
            FileKind::Build,
            Arc::from(build_file(9)),
        );
        map_then_pack(ws.files_mut(), |_, _| ());
        let n = ws.files.len();
        assert_eq!(&*ws.files[n - 2].text(), big.as_str());
        assert_eq!(&*ws.files[n - 1].text(), build_file(9));
        assert!(ws.files[n - 2].stored_text().is_packed());
    }
}
