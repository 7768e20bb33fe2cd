//! The persistent facts cache: per-file [`FileFacts`] stored on disk keyed by a 128-bit hash of
//! the file's content and kind, so a re-run over unchanged files costs about reading and
//! hashing them.
//!
//! - **Location**: `--cache-dir DIR`, else `$XDG_CACHE_HOME/toolcheck`, else
//!   `$HOME/.cache/toolcheck`; `--no-cache` turns it off. One file per workspace root
//!   (`facts-<hash of the root>.bin`), so a workspace's cache never grows past its files, and
//!   only the [`MAX_ROOTS`] most recently written roots are kept (see [`prune`]).
//! - **Invalidation**: the header holds toolcheck's version, the executable's size and
//!   modification time (a rebuilt toolcheck is a new toolcheck), the format version and a hash
//!   of the configuration; any difference ignores the whole file.
//! - **Safety**: the file is written to a unique temporary name and renamed into place, so
//!   concurrent runs never see a partial file (the last writer wins). A trailing checksum
//!   covers every byte; a corrupt, truncated or foreign file is ignored and replaced. Facts of
//!   a parse that ran out of its time budget are never stored (that outcome depends on the
//!   machine's load).
//! - **Entries**: each file's facts are encoded by the index crate
//!   ([`toolcheck_ide::cache_codec`]), next to the IR it encodes: every expression and
//!   statement form is stored, and decoding is bounded in depth and allocation and never
//!   panics. An entry that does not decode is a miss. This module owns only the file around
//!   the entries: header, entry table, checksum, location, atomic writes, pruning.
//!
//! This and the result cache (`result_cache.rs`, the last `check` result per workspace root,
//! written with [`write_checksummed`]) are the only places toolcheck writes files. The analysis stays free of I/O: it only
//! gets facts through [`AnalysisHost::with_cached_facts`].

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use toolcheck_ide::cache_codec::{decode_facts, encode_facts};
use toolcheck_ide::facts::FileFacts;
use toolcheck_ide::{AnalysisHost, FileKind, TextRange, Workspace};

const MAGIC: &[u8; 8] = b"TCFACTS\x01";
/// Bump when the encoding changes: the file layout here, or the facts IR (whose serde
/// encoding has no version of its own; a stale entry would decode as garbage or not at all).
/// 5: entries are the index crate's serde encoding (`cache_codec`).
/// 7: `FileFacts::top_level` is optional (boxed when a file has dynamic statements); a
/// load's symbols are `LoadSymbol`s (both names in one string); no statement ranges.
/// 8: expressions are 24 bytes (interned strings, `ThinVec`s, shared operand boxes).
const FORMAT: u32 = 8;

/// The cache flags of `toolcheck check`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CacheArgs {
    /// Where to keep the per-file facts cache (default: $XDG_CACHE_HOME/toolcheck).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the facts cache.
    #[arg(long)]
    pub no_cache: bool,
}

static CONFIGURED: OnceLock<CacheArgs> = OnceLock::new();

/// Sets the cache flags for this process (before the workspace is loaded).
pub fn configure(args: CacheArgs) {
    let _ = CONFIGURED.set(args);
}

/// The cache directory for this process: the flags given to [`configure`], else the default.
pub fn configured_dir() -> Option<PathBuf> {
    let args = CONFIGURED.get().cloned().unwrap_or_default();
    cache_dir(args.cache_dir.as_deref(), args.no_cache)
}

/// Where the cache lives, or `None` when it is off.
pub fn cache_dir(explicit: Option<&Path>, disabled: bool) -> Option<PathBuf> {
    if disabled {
        return None;
    }
    if let Some(d) = explicit {
        return Some(d.to_path_buf());
    }
    crate::bazel_paths::toolcheck_cache_dir()
}

/// What a cache file must match to be used: toolcheck's build and the configuration.
pub(crate) fn header(config_key: &str) -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| fs::metadata(p).ok())
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{}:{mtime}", m.len())
        })
        .unwrap_or_default();
    format!(
        "toolcheck {} format {FORMAT} exe {exe} config {:032x}",
        env!("CARGO_PKG_VERSION"),
        hash128(config_key.as_bytes())
    )
}

/// How many workspace roots keep their cache files: the least recently written beyond that
/// are removed, so that checking many directories (temporary checkouts, CI workspaces) never
/// grows the cache without bound.
const MAX_ROOTS: usize = 32;

/// Removes the cache files of all but the `keep` most recently written roots, and temporary
/// files that a killed run left behind (older than an hour). Best effort: errors are ignored.
pub(crate) fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut roots: HashMap<String, (std::time::SystemTime, Vec<PathBuf>)> = HashMap::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(meta) = e.metadata() else { continue };
        let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
        if name.starts_with('.') && name.ends_with(".tmp") {
            if now
                .duration_since(modified)
                .is_ok_and(|age| age.as_secs() > 3600)
            {
                let _ = fs::remove_file(e.path());
            }
            continue;
        }
        // `facts-<root hash>.bin` and `results-<root hash>.bin` belong to one root.
        let Some(root) = name.strip_suffix(".bin").and_then(|n| {
            n.strip_prefix("facts-")
                .or_else(|| n.strip_prefix("results-"))
        }) else {
            continue;
        };
        let slot = roots
            .entry(root.to_string())
            .or_insert((std::time::UNIX_EPOCH, Vec::new()));
        slot.0 = slot.0.max(modified);
        slot.1.push(e.path());
    }
    if roots.len() <= keep {
        return;
    }
    let mut by_age: Vec<(std::time::SystemTime, Vec<PathBuf>)> = roots.into_values().collect();
    by_age.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, paths) in by_age.into_iter().skip(keep) {
        for p in paths {
            let _ = fs::remove_file(p);
        }
    }
}

/// Statistics of one load, for `--verbose`-style reporting and the benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct CacheStats {
    pub hits: usize,
    pub misses: usize,
    pub written: bool,
}

/// Builds the analysis host for `ws`, reusing cached facts from `dir` and storing the new ones.
/// `root` names the workspace (one cache file per root); `config_key` is everything besides
/// file contents that facts could depend on.
pub fn load_host(
    ws: Workspace,
    dir: Option<&Path>,
    root: &Path,
    config_key: &str,
) -> (AnalysisHost, CacheStats) {
    if dir.is_none() {
        return (AnalysisHost::new(ws), CacheStats::default());
    }
    let hashes = text_hashes(&ws);
    load_host_with(ws, &hashes, dir, root, config_key)
}

/// Every file's content hash, in file order.
pub fn text_hashes(ws: &Workspace) -> Vec<u128> {
    ws.files
        .par_iter()
        .map(|f| hash128(f.text().as_bytes()))
        .collect()
}

/// [`load_host`] with the files' content hashes already computed ([`text_hashes`]).
pub fn load_host_with(
    ws: Workspace,
    hashes: &[u128],
    dir: Option<&Path>,
    root: &Path,
    config_key: &str,
) -> (AnalysisHost, CacheStats) {
    let Some(dir) = dir else {
        return (AnalysisHost::new(ws), CacheStats::default());
    };
    let path = dir.join(format!(
        "facts-{:032x}.bin",
        hash128(root.to_string_lossy().as_bytes())
    ));
    let header = header(config_key);
    let keys: Vec<Key> = ws
        .files
        .iter()
        .zip(hashes)
        .map(|(f, &hash)| Key {
            hash,
            kind: kind_tag(f.kind),
        })
        .collect();
    let old = fs::read(&path).ok();
    let table = old
        .as_deref()
        .and_then(|bytes| CacheFile::parse(bytes, &header));
    let cached: Vec<Option<Arc<FileFacts>>> = match &table {
        Some(t) => keys
            .par_iter()
            .map(|k| t.get(k).and_then(decode_facts).map(Arc::new))
            .collect(),
        None => vec![None; keys.len()],
    };
    let hits = cached.iter().filter(|c| c.is_some()).count();
    let misses = keys.len() - hits;
    let stale = table.as_ref().map(|t| t.entries.len()).unwrap_or(0) > hits;
    let host = AnalysisHost::with_cached_facts(ws, cached);
    let mut stats = CacheStats {
        hits,
        misses,
        written: false,
    };
    if misses > 0 || stale || table.is_none() {
        stats.written = write_cache(&path, &header, &keys, host.file_facts()).is_ok();
        if stats.written {
            prune(dir, MAX_ROOTS);
        }
    }
    (host, stats)
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    hash: u128,
    kind: u8,
}

fn kind_tag(kind: FileKind) -> u8 {
    match kind {
        FileKind::Build => 1,
        FileKind::Bzl => 2,
        FileKind::Module => 3,
        FileKind::Workspace => 4,
        FileKind::Repo => 5,
        FileKind::Bazelrc => 6,
        FileKind::Data => 7,
    }
}

/// A parsed cache file: the entry table over the file's bytes.
struct CacheFile<'a> {
    entries: HashMap<Key, &'a [u8]>,
}

/// The body of a file written by [`write_checksummed`], if its checksum holds.
pub(crate) fn checked_body(bytes: &[u8]) -> Option<&[u8]> {
    let body_len = bytes.len().checked_sub(16)?;
    let (body, sum) = bytes.split_at(body_len);
    (u128::from_le_bytes(sum.try_into().ok()?) == hash128(body)).then_some(body)
}

impl<'a> CacheFile<'a> {
    fn parse(bytes: &'a [u8], header: &str) -> Option<CacheFile<'a>> {
        let body = checked_body(bytes)?;
        let mut r = Reader::new(body);
        if r.take(8)? != MAGIC || r.str()? != header {
            return None;
        }
        let count = r.len()?;
        let mut entries = HashMap::new();
        entries.reserve(count.min(body.len() / 8));
        for _ in 0..count {
            let hash = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
            let kind = r.u8()?;
            let len = r.len()?;
            entries.insert(Key { hash, kind }, r.take(len)?);
        }
        Some(CacheFile { entries })
    }

    fn get(&self, key: &Key) -> Option<&'a [u8]> {
        self.entries.get(key).copied()
    }
}

fn write_cache(
    path: &Path,
    header: &str,
    keys: &[Key],
    facts: &[Arc<FileFacts>],
) -> std::io::Result<()> {
    let encoded: Vec<Option<Vec<u8>>> = keys
        .par_iter()
        .zip(facts.par_iter())
        .map(|(_, f)| encode_facts(f))
        .collect();
    let mut seen = HashSet::new();
    let mut w = Writer::default();
    w.buf.extend_from_slice(MAGIC);
    w.str(header);
    let entries: Vec<(&Key, &Vec<u8>)> = keys
        .iter()
        .zip(&encoded)
        .filter_map(|(k, e)| Some((k, e.as_ref()?)))
        .filter(|(k, _)| seen.insert(**k))
        .collect();
    w.len(entries.len());
    for (k, e) in entries {
        w.buf.extend_from_slice(&k.hash.to_le_bytes());
        w.u8(k.kind);
        w.len(e.len());
        w.buf.extend_from_slice(e);
    }
    write_checksummed(path, w.buf)
}

/// Appends the checksum and writes `bytes` to `path` through a unique temporary file renamed
/// into place (concurrent runs are safe: the last writer wins).
pub(crate) fn write_checksummed(path: &Path, mut bytes: Vec<u8>) -> std::io::Result<()> {
    let sum = hash128(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("facts"),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Hashing.

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
const P3: u64 = 0x5899_65cc_7537_4cc3;

fn fold(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

/// A fast 128-bit non-cryptographic hash (two folded-multiply lanes over 16-byte blocks).
pub fn hash128(bytes: &[u8]) -> u128 {
    let len = bytes.len() as u64;
    let mut h1 = P0 ^ len;
    let mut h2 = P1.wrapping_add(len.rotate_left(32));
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        let a = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
        let b = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
        h1 = fold(a ^ P2 ^ h1, b ^ P3);
        h2 = fold(b ^ P0 ^ h2, a.rotate_left(29) ^ P1).wrapping_add(h1);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 16];
    tail[..rest.len()].copy_from_slice(rest);
    let a = u64::from_le_bytes(tail[..8].try_into().unwrap_or_default());
    let b = u64::from_le_bytes(tail[8..].try_into().unwrap_or_default());
    h1 = fold(a ^ P2 ^ h1, b ^ P3 ^ rest.len() as u64);
    h2 = fold(b ^ P0 ^ h2, a.rotate_left(29) ^ P1).wrapping_add(h1);
    let lo = fold(h1 ^ P3, h2 ^ P0);
    let hi = fold(h2 ^ P2, h1 ^ P1 ^ lo);
    ((hi as u128) << 64) | lo as u128
}

// ---------------------------------------------------------------------------------------------
// The integers, strings and ranges of the cache file's header and entry table, and of the result
// cache (the facts themselves are encoded by `cache_codec`).

#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u64(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(byte);
                return;
            }
            self.buf.push(byte | 0x80);
        }
    }
    pub(crate) fn len(&mut self, v: usize) {
        self.u64(v as u64);
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub(crate) fn range(&mut self, r: TextRange) {
        self.u64(r.start as u64);
        self.u64(r.end as u64);
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding: every read is bounds-checked; `None` means "not usable", never a panic.

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }
    /// A length, which can never exceed the bytes left (every element takes at least one).
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.bytes.len() - self.pos).then_some(n)
    }
    pub(crate) fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_string)
    }
    pub(crate) fn range(&mut self) -> Option<TextRange> {
        Some(TextRange {
            start: self.u32()?,
            end: self.u32()?,
        })
    }
    pub(crate) fn seq<T>(&mut self, mut f: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(f(self)?);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_of(kind: FileKind, text: &str) -> FileFacts {
        toolcheck_ide::lower(kind, text)
    }

    const SAMPLE: &str = r#"load("//a:b.bzl", "x", y = "z")
# toolcheck: disable=unresolved-label
X = [1, -2, "s", None, True, {"k": (1, 2)}, a.b[0], f(*a, **k), 1 + 2, "a" if c else "b"]
Y = not (a and b or (c == d) or (e != f) or (g in h))

def m(name, deps = [], *args):
    v = [d for d in deps]
    if name:
        native.filegroup(name = name)
    elif deps:
        pass
    else:
        return None
    for a, b in deps:
        x.y = 1
        x += [b]
        break
    return [name]

toolchain(name = "t", toolchain_type = ":tt", exec_compatible_with = X)
def broken(:
"#;

    #[test]
    fn round_trips_facts() {
        for kind in [FileKind::Bzl, FileKind::Build, FileKind::Module] {
            let facts = facts_of(kind, SAMPLE);
            let bytes = encode_facts(&facts).expect("every form is cacheable");
            assert_eq!(decode_facts(&bytes).as_ref(), Some(&facts));
        }
    }

    #[test]
    fn corrupt_and_truncated_entries_are_rejected_without_panicking() {
        let facts = facts_of(
            FileKind::Build,
            "toolchain(name = \"t\", toolchain = \":x\")\n",
        );
        let bytes = encode_facts(&facts).expect("encodable");
        for cut in 0..bytes.len() {
            assert!(decode_facts(&bytes[..cut]).is_none());
        }
        for i in 0..bytes.len() {
            for v in [0u8, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = decode_facts(&b);
            }
        }
        // Deep nesting from a hostile file is refused, not a stack overflow:
        // `cache_codec::tests::forged_deep_nesting_is_refused_on_a_small_stack`.
    }

    fn workspace(files: &[(&str, &str)]) -> Workspace {
        let mut ws = Workspace::default();
        for (path, text) in files {
            let name = path.rsplit('/').next().unwrap_or(path);
            let kind = FileKind::from_file_name(name).expect("starlark file");
            ws.add_file(
                toolcheck_ide::RepoName::main(),
                path.to_string(),
                kind,
                Arc::from(*text),
            );
        }
        ws
    }

    #[test]
    fn cache_file_is_reused_invalidated_and_survives_corruption() {
        let dir = std::env::temp_dir().join(format!(
            "toolcheck-cache-test-{}-{}",
            std::process::id(),
            hash128(b"x") as u32
        ));
        let _ = fs::remove_dir_all(&dir);
        let files = [
            ("MODULE.bazel", "module(name = \"m\")\n"),
            (
                "a/BUILD.bazel",
                "toolchain(name = \"t\", toolchain = \":x\")\n",
            ),
        ];
        let root = Path::new("/ws");
        let (host, s) = load_host(workspace(&files), Some(&dir), root, "cfg");
        assert_eq!((s.hits, s.misses, s.written), (0, 2, true));
        let fresh: Vec<FileFacts> = host.file_facts().iter().map(|f| (**f).clone()).collect();

        let (host, s) = load_host(workspace(&files), Some(&dir), root, "cfg");
        assert_eq!((s.hits, s.misses, s.written), (2, 0, false));
        let cached: Vec<FileFacts> = host.file_facts().iter().map(|f| (**f).clone()).collect();
        assert_eq!(fresh, cached);

        // Another configuration ignores the file.
        let (_, s) = load_host(workspace(&files), Some(&dir), root, "other");
        assert_eq!((s.hits, s.misses), (0, 2));

        // A changed file misses; the unchanged one hits.
        let changed = [files[0], ("a/BUILD.bazel", "platform(name = \"p\")\n")];
        let (_, s) = load_host(workspace(&changed), Some(&dir), root, "other");
        assert_eq!((s.hits, s.misses), (1, 1));

        // Corrupt every cache file: ignored and rewritten.
        for e in fs::read_dir(&dir).expect("cache dir").flatten() {
            let mut b = fs::read(e.path()).expect("cache file");
            let mid = b.len() / 2;
            b[mid] ^= 0x55;
            fs::write(e.path(), &b).expect("write");
        }
        let (_, s) = load_host(workspace(&changed), Some(&dir), root, "other");
        assert_eq!((s.hits, s.misses, s.written), (0, 2, true));
        let (_, s) = load_host(workspace(&changed), Some(&dir), root, "other");
        assert_eq!(s.hits, 2);
        let _ = fs::remove_dir_all(&dir);
    }

    /// Uses every expression form lowering keeps for the evaluator: `%` formatting and other
    /// operators, comprehensions, comparisons, slices, lambdas.
    const EXTENDED_BZL: &str = r#"NAMES = ["a", "b", "c"]
LABELS = ["//pkg:%s" % n for n in NAMES if n != "c"]
BY_NAME = {n: i * 2 for i, n in enumerate(NAMES)}
FIRST = NAMES[:1] + NAMES[1:-1] + NAMES[::2]
KEY = lambda t: t.name

def versioned(name, version = "1.2"):
    if version < "2.0" and len(name) >= 1 and name not in NAMES:
        return "%s-%s" % (name, version.replace(".", "_")[0:3])
    return sorted([-x for x in range(3)], key = lambda x: x % 2)
"#;

    #[test]
    fn warm_rerun_hits_every_file_kind() {
        let dir = std::env::temp_dir().join(format!(
            "toolcheck-cache-kinds-{}-{}",
            std::process::id(),
            hash128(b"kinds") as u32
        ));
        let _ = fs::remove_dir_all(&dir);
        let files = [
            (
                "MODULE.bazel",
                "module(name = \"m\")\nbazel_dep(name = \"platforms\", version = \"0.0.10\")\n",
            ),
            ("WORKSPACE", "workspace(name = \"m\")\n"),
            ("REPO.bazel", "repo(default_visibility = [\"//visibility:public\"])\n"),
            (".bazelrc", "build --platforms=//:p\n"),
            ("defs.bzl", EXTENDED_BZL),
            (
                "BUILD.bazel",
                "load(\":defs.bzl\", \"LABELS\")\n[filegroup(name = n) for n in [\"x\", \"y\"]]\nplatform(name = \"p\", constraint_values = [c for c in LABELS if c > \"//\"])\n",
            ),
            ("pkg/BUILD", "filegroup(name = \"a\")\n"),
        ];
        let ws = workspace(&files);
        let kinds: HashSet<u8> = ws.files.iter().map(|f| kind_tag(f.kind)).collect();
        let bzl = ws.files.iter().position(|f| f.path == "defs.bzl");
        assert_eq!(kinds.len(), 6, "every file kind is in the workspace");
        let root = Path::new("/kinds");
        let (cold, s) = load_host(ws, Some(&dir), root, "cfg");
        assert_eq!((s.hits, s.misses, s.written), (0, files.len(), true));
        let (warm, s) = load_host(workspace(&files), Some(&dir), root, "cfg");
        assert_eq!((s.hits, s.misses, s.written), (files.len(), 0, false));
        assert_eq!(cold.file_facts(), warm.file_facts());
        // The `.bzl` file's facts do hold the extended forms (not `Unknown` in their place).
        let bzl = format!("{:?}", warm.file_facts()[bzl.expect("defs.bzl")]);
        for form in ["BinOp", "Comp", "Compare", "Slice", "Lambda"] {
            assert!(bzl.contains(form), "{form} not in the cached facts");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn hash_distinguishes_small_changes() {
        let mut seen = HashSet::new();
        for n in 0..64usize {
            let s = "a".repeat(n);
            assert!(seen.insert(hash128(s.as_bytes())));
            let mut t = s.clone().into_bytes();
            if let Some(b) = t.last_mut() {
                *b = b'b';
                assert!(seen.insert(hash128(&t)));
            }
        }
    }

    #[test]
    fn prune_keeps_the_most_recent_roots_and_removes_stale_temporary_files() {
        let dir = std::env::temp_dir().join(format!("toolcheck-prune-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for i in 0..5u64 {
            for prefix in ["facts", "results"] {
                let p = dir.join(format!("{prefix}-{i:032x}.bin"));
                fs::write(&p, b"x").unwrap();
                let when = old + std::time::Duration::from_secs(i * 60);
                fs::File::options()
                    .write(true)
                    .open(&p)
                    .unwrap()
                    .set_modified(when)
                    .unwrap();
            }
        }
        let tmp = dir.join(".facts-x.bin.1.2.tmp");
        fs::write(&tmp, b"partial").unwrap();
        fs::File::options()
            .write(true)
            .open(&tmp)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let unrelated = dir.join("notes.txt");
        fs::write(&unrelated, b"kept").unwrap();
        prune(&dir, 2);
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                format!("facts-{:032x}.bin", 3),
                format!("facts-{:032x}.bin", 4),
                "notes.txt".to_string(),
                format!("results-{:032x}.bin", 3),
                format!("results-{:032x}.bin", 4),
            ]
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
