//! Safe extraction of the archives registries and `http_archive` point at (`.tar.gz`/`.tgz`,
//! `.tar.xz`/`.txz`, `.tar.zst`/`.tzst`, `.tar`, `.zip`) into a fresh directory. An `.xz` or
//! `.zst` stream is first decoded, bounded by [`Limits::max_bytes`], into a file beside the
//! archive that is removed afterwards (their pure-Rust decoders write or read whole frames).
//!
//! What an archive may not do: name a path with `..` or an absolute path, write through a
//! symbolic link (every parent of an entry must be a real directory it or an earlier entry
//! made), hold a symbolic link whose target leaves the extracted tree (only relative targets,
//! leading `..` no deeper than the link's own directory, then plain names), hard-link to a
//! path outside it, or expand past [`Limits`] (a decompression bomb). Any of these is an error
//! naming the entry; the caller then discards the whole directory.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Bounds on what one archive may expand to.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        // The largest module sources in the central registry expand to a few hundred
        // megabytes and some tens of thousands of files.
        Limits {
            max_bytes: 4 << 30,
            max_entries: 500_000,
        }
    }
}

impl Limits {
    /// The defaults, or `TOOLCHECK_FETCH_MAX_BYTES` / `TOOLCHECK_FETCH_MAX_ENTRIES`.
    pub fn from_env() -> Limits {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let d = Limits::default();
        Limits {
            max_bytes: var("TOOLCHECK_FETCH_MAX_BYTES").unwrap_or(d.max_bytes),
            max_entries: var("TOOLCHECK_FETCH_MAX_ENTRIES").unwrap_or(d.max_entries),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    TarGz,
    TarXz,
    TarZst,
    Tar,
    Zip,
}

/// What the supported formats are, for messages.
const SUPPORTED: &str = ".tar.gz, .tgz, .tar.xz, .txz, .tar.zst, .tzst, .tar, .zip";

/// The archive format, from `archive_type` when given, else from the URL's ending (as Bazel
/// decides it).
pub fn format_of(url: &str, archive_type: Option<&str>) -> Result<Format, String> {
    let name = archive_type.map(str::to_string).unwrap_or_else(|| {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase()
    });
    let name = name.as_str();
    let is = |exts: &[&str]| exts.iter().any(|e| name == &e[1..] || name.ends_with(e));
    if is(&[".tar.gz", ".tgz"]) {
        Ok(Format::TarGz)
    } else if is(&[".tar.xz", ".txz"]) {
        Ok(Format::TarXz)
    } else if is(&[".tar.zst", ".tzst"]) {
        Ok(Format::TarZst)
    } else if name == "tar" || name.ends_with(".tar") {
        Ok(Format::Tar)
    } else if name == "zip" || name.ends_with(".zip") || name.ends_with(".jar") {
        Ok(Format::Zip)
    } else {
        let ext = [".tar.bz2", ".tbz", ".7z", ".deb", ".ar", ".rpm"]
            .into_iter()
            .find(|e| name.ends_with(e) || name == &e[1..]);
        Err(match ext {
            Some(e) => format!(
                "{url}: archives of type '{e}' are not supported by toolcheck fetch (supported: {SUPPORTED})"
            ),
            None => format!(
                "{url}: cannot tell the archive type from the URL (supported: {SUPPORTED})"
            ),
        })
    }
}

/// What to do with an archive's links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Make them when they stay inside the extraction, refuse the archive otherwise (a
    /// download: it must be usable as Bazel would extract it, and a link out is hostile).
    Check,
    /// Leave them out (an archive of Bazel's repository cache, read only for its sources:
    /// one link out of it must not cost the whole repository).
    Skip,
}

/// Extracts `archive` into `dest` (which must exist and be empty), keeping only the entries
/// under `strip_prefix` and removing it from their paths.
pub fn extract(
    archive: &Path,
    format: Format,
    strip_prefix: &str,
    dest: &Path,
    limits: Limits,
    links: Links,
) -> anyhow::Result<()> {
    let mut sink = Sink {
        links,
        dest: dest.to_path_buf(),
        strip: components(strip_prefix)
            .map_err(|e| anyhow::anyhow!("strip_prefix '{strip_prefix}': {e}"))?,
        bytes: 0,
        entries: 0,
        limits,
        under_prefix: false,
    };
    let file = fs::File::open(archive)?;
    match format {
        Format::TarGz => sink.tar(flate2::read::GzDecoder::new(io::BufReader::new(file)))?,
        Format::TarXz | Format::TarZst => {
            let decoded = decoded_path(archive);
            let r = decode(file, format, &decoded, limits)
                .and_then(|()| sink.tar(io::BufReader::new(fs::File::open(&decoded)?)));
            let _ = fs::remove_file(&decoded);
            r?
        }
        Format::Tar => sink.tar(io::BufReader::new(file))?,
        Format::Zip => sink.zip(file)?,
    }
    if !sink.strip.is_empty() && !sink.under_prefix {
        anyhow::bail!("strip_prefix '{strip_prefix}' names no directory of the archive");
    }
    Ok(())
}

/// Where an `.xz`/`.zst` archive's tar is decoded to: beside it, named for this process.
fn decoded_path(archive: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut name = archive.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".decoded-{}-{}.tar",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    archive.with_file_name(name)
}

/// A writer that refuses to grow past `left` bytes (a decompression bomb stops there).
struct Bounded<W> {
    inner: W,
    left: u64,
}

impl<W: Write> Write for Bounded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(io::Error::other("the archive expands past the size limit"));
        }
        self.left -= buf.len() as u64;
        self.inner.write(buf).inspect(|&n| {
            // Give back what the inner writer did not take.
            self.left += (buf.len() - n) as u64;
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decodes an `.xz` or `.zst` stream (every frame of it) into `out`, at most
/// `limits.max_bytes` plus room for the tar headers of `limits.max_entries` entries.
fn decode(file: fs::File, format: Format, out: &Path, limits: Limits) -> anyhow::Result<()> {
    let mut input = io::BufReader::new(file);
    let mut sink = Bounded {
        inner: io::BufWriter::new(fs::File::create(out)?),
        left: limits
            .max_bytes
            .saturating_add(limits.max_entries.saturating_mul(1024)),
    };
    match format {
        Format::TarXz => lzma_rs::xz_decompress(&mut input, &mut sink)
            .map_err(|e| anyhow::anyhow!("not a valid .xz stream: {e}"))?,
        _ => loop {
            use io::BufRead;
            if input.fill_buf()?.is_empty() {
                break;
            }
            let mut frame = ruzstd::decoding::StreamingDecoder::new(&mut input)
                .map_err(|e| anyhow::anyhow!("not a valid .zst stream: {e}"))?;
            io::copy(&mut frame, &mut sink)
                .map_err(|e| anyhow::anyhow!("the .zst stream cannot be decoded: {e}"))?;
        },
    }
    sink.flush()?;
    Ok(())
}

/// The components of an archive path: `.` and empty ones dropped; `..`, an absolute path or
/// a drive prefix refused.
fn components(path: &str) -> Result<Vec<String>, String> {
    if path.starts_with('/') || path.starts_with('\\') {
        return Err("is an absolute path".to_string());
    }
    let mut out = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("contains '..'".to_string()),
            c if out.is_empty() && c.len() == 2 && c.ends_with(':') => {
                return Err("is an absolute path".to_string())
            }
            c => out.push(c.to_string()),
        }
    }
    Ok(out)
}

struct Sink {
    links: Links,
    dest: PathBuf,
    strip: Vec<String>,
    bytes: u64,
    entries: u64,
    limits: Limits,
    under_prefix: bool,
}

enum Kind {
    File { executable: bool },
    Dir,
    Symlink(String),
    Hardlink(String),
    Other,
}

impl Sink {
    fn tar(&mut self, reader: impl Read) -> anyhow::Result<()> {
        let mut archive = tar::Archive::new(reader);
        let entries = archive.entries().map_err(corrupt)?;
        for entry in entries {
            let mut entry = entry.map_err(corrupt)?;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let header = entry.header();
            let kind = match header.entry_type() {
                tar::EntryType::Regular
                | tar::EntryType::Continuous
                | tar::EntryType::GNUSparse => Kind::File {
                    executable: header.mode().map(|m| m & 0o111 != 0).unwrap_or(false),
                },
                tar::EntryType::Directory => Kind::Dir,
                tar::EntryType::Symlink => Kind::Symlink(
                    entry
                        .link_name_bytes()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                ),
                tar::EntryType::Link => Kind::Hardlink(
                    entry
                        .link_name_bytes()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                ),
                // pax and GNU long-name headers are consumed by the tar crate; devices and
                // FIFOs are no source files.
                _ => Kind::Other,
            };
            self.entry(&name, kind, &mut entry)?;
        }
        Ok(())
    }

    fn zip(&mut self, file: fs::File) -> anyhow::Result<()> {
        let mut archive = zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| {
            anyhow::anyhow!("the archive is truncated or not a valid zip file: {e}")
        })?;
        for i in 0..archive.len() {
            let mut f = archive
                .by_index(i)
                .map_err(|e| anyhow::anyhow!("the archive is truncated or corrupt: {e}"))?;
            let name = f.name().to_string();
            let kind = if f.is_symlink() {
                let mut target = String::new();
                (&mut f)
                    .take(4096)
                    .read_to_string(&mut target)
                    .map_err(corrupt)?;
                Kind::Symlink(target)
            } else if f.is_dir() {
                Kind::Dir
            } else {
                Kind::File {
                    executable: f.unix_mode().map(|m| m & 0o111 != 0).unwrap_or(false),
                }
            };
            self.entry(&name, kind, &mut f)?;
        }
        Ok(())
    }

    fn entry(&mut self, name: &str, kind: Kind, data: &mut dyn Read) -> anyhow::Result<()> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            anyhow::bail!(
                "the archive has more than {} entries; refused (a decompression bomb?)",
                self.limits.max_entries
            );
        }
        let comps =
            components(name).map_err(|e| anyhow::anyhow!("archive entry '{name}' {e}; refused"))?;
        if comps.len() < self.strip.len() || comps[..self.strip.len()] != self.strip[..] {
            return Ok(());
        }
        self.under_prefix = true;
        let rel = &comps[self.strip.len()..];
        if rel.is_empty() {
            return Ok(());
        }
        match kind {
            Kind::Dir => {
                self.make_dirs(name, rel)?;
            }
            Kind::File { executable } => {
                let parent = self.make_dirs(name, &rel[..rel.len() - 1])?;
                let path = parent.join(&rel[rel.len() - 1]);
                self.clear(name, &path)?;
                let mut out = fs::File::create(&path)?;
                let budget = self.limits.max_bytes - self.bytes;
                let n = io::copy(&mut data.take(budget + 1), &mut out).map_err(corrupt)?;
                if n > budget {
                    anyhow::bail!(
                        "the archive expands to more than {} bytes; refused (a decompression bomb?)",
                        self.limits.max_bytes
                    );
                }
                self.bytes += n;
                out.flush()?;
                set_executable(&path, executable)?;
            }
            Kind::Symlink(_) | Kind::Hardlink(_) if self.links == Links::Skip => {}
            Kind::Symlink(target) => {
                let depth = rel.len() - 1;
                check_link_target(&target, depth).map_err(|e| {
                    anyhow::anyhow!(
                        "archive entry '{name}' is a symbolic link to '{target}', which {e}; refused"
                    )
                })?;
                let parent = self.make_dirs(name, &rel[..rel.len() - 1])?;
                let path = parent.join(&rel[rel.len() - 1]);
                self.clear(name, &path)?;
                make_symlink(&target, &path)?;
            }
            Kind::Hardlink(target) => {
                // A hard link names another entry of the archive: it must lie inside the
                // extracted part, and is copied (no link to anything the archive did not make).
                let t = components(&target).map_err(|e| {
                    anyhow::anyhow!(
                        "archive entry '{name}' is a hard link to '{target}', which {e}; refused"
                    )
                })?;
                if t.len() <= self.strip.len() || t[..self.strip.len()] != self.strip[..] {
                    anyhow::bail!(
                        "archive entry '{name}' is a hard link to '{target}', outside strip_prefix; refused"
                    );
                }
                let source = self.real_path(name, &t[self.strip.len()..])?;
                let parent = self.make_dirs(name, &rel[..rel.len() - 1])?;
                let path = parent.join(&rel[rel.len() - 1]);
                self.clear(name, &path)?;
                let n = fs::copy(&source, &path).map_err(|e| {
                    anyhow::anyhow!("archive entry '{name}': hard link target '{target}': {e}")
                })?;
                self.bytes += n;
                if self.bytes > self.limits.max_bytes {
                    anyhow::bail!(
                        "the archive expands to more than {} bytes; refused (a decompression bomb?)",
                        self.limits.max_bytes
                    );
                }
            }
            Kind::Other => {}
        }
        Ok(())
    }

    /// Creates `rel` under the destination, every component a real directory.
    fn make_dirs(&self, name: &str, rel: &[String]) -> anyhow::Result<PathBuf> {
        let mut path = self.dest.clone();
        for c in rel {
            path.push(c);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => anyhow::bail!(
                    "archive entry '{name}' would be written through the symbolic link '{}'; refused",
                    c
                ),
                Ok(_) => anyhow::bail!("archive entry '{name}' is inside '{c}', which is a file"),
                Err(_) => fs::create_dir(&path)?,
            }
        }
        Ok(path)
    }

    /// An existing regular file of the extracted tree, reached through real directories.
    fn real_path(&self, name: &str, rel: &[String]) -> anyhow::Result<PathBuf> {
        let mut path = self.dest.clone();
        for c in rel {
            path.push(c);
            let m = fs::symlink_metadata(&path).map_err(|_| {
                anyhow::anyhow!("archive entry '{name}' links to a file the archive does not hold")
            })?;
            if m.file_type().is_symlink() {
                anyhow::bail!("archive entry '{name}' hard-links through a symbolic link; refused");
            }
        }
        Ok(path)
    }

    /// Removes what an earlier entry left at `path`, so that nothing is written through it.
    fn clear(&self, name: &str, path: &Path) -> anyhow::Result<()> {
        match fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => {
                anyhow::bail!("archive entry '{name}' replaces a directory of the archive")
            }
            Ok(_) => fs::remove_file(path)?,
            Err(_) => {}
        }
        Ok(())
    }
}

/// Whether a symbolic link at `depth` directories below the root, pointing at `target`, stays
/// inside the tree: a relative target whose leading `..` components climb at most `depth`
/// levels and whose other components are plain names (so no link, wherever another points,
/// can make a later `..` climb out).
fn check_link_target(target: &str, depth: usize) -> Result<(), String> {
    if target.is_empty() {
        return Err("is empty".to_string());
    }
    if target.starts_with('/') || target.starts_with('\\') || target.get(1..2) == Some(":") {
        return Err("is an absolute path".to_string());
    }
    let mut ups = 0;
    let mut names = false;
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." if names => return Err("climbs with '..' after a name".to_string()),
            ".." => ups += 1,
            _ => names = true,
        }
    }
    if ups > depth {
        return Err("leads outside the archive".to_string());
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &str, path: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

#[cfg(not(unix))]
fn make_symlink(target: &str, path: &Path) -> io::Result<()> {
    // Without symbolic links, a link's content is what Bazel's repository would show a
    // reader that does not follow it: the target path as text.
    fs::write(path, target)
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if executable {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_executable(_: &Path, _: bool) -> io::Result<()> {
    Ok(())
}

fn corrupt(e: io::Error) -> anyhow::Error {
    anyhow::anyhow!("the archive is truncated or corrupt: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_of("https://x/a.tar.gz", None), Ok(Format::TarGz));
        assert_eq!(format_of("https://x/a.tgz?x=1", None), Ok(Format::TarGz));
        assert_eq!(format_of("https://x/a.zip", None), Ok(Format::Zip));
        assert_eq!(format_of("https://x/a", Some("tar")), Ok(Format::Tar));
        assert_eq!(format_of("https://x/a.tar.xz", None), Ok(Format::TarXz));
        assert_eq!(format_of("https://x/a.txz", None), Ok(Format::TarXz));
        assert_eq!(
            format_of("https://x/a", Some("tar.zst")),
            Ok(Format::TarZst)
        );
        assert_eq!(format_of("https://x/a.tzst", None), Ok(Format::TarZst));
        assert!(format_of("https://x/a.tar.bz2", None)
            .unwrap_err()
            .contains("not supported"));
        assert!(format_of("https://x/a", None)
            .unwrap_err()
            .contains("cannot tell"));
    }

    #[test]
    fn paths_and_links() {
        assert_eq!(components("./a//b/").unwrap(), vec!["a", "b"]);
        assert!(components("a/../b").is_err());
        assert!(components("/etc/passwd").is_err());
        assert!(components("C:/x").is_err());
        assert!(check_link_target("../x", 1).is_ok());
        assert!(check_link_target("../x", 0).is_err());
        assert!(check_link_target("a/../../x", 3).is_err());
        assert!(check_link_target("/etc", 3).is_err());
        assert!(check_link_target("sub/file", 0).is_ok());
    }

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            // Written raw: `append_data` itself refuses `..`, and these tests need it.
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            builder.append(&h, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn run(archive: &[u8], strip: &str, limits: Limits) -> (tempdir::Dir, anyhow::Result<()>) {
        let dir = tempdir::Dir::new();
        let file = dir.path().join("a.tar.gz");
        fs::write(&file, archive).unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        let r = extract(&file, Format::TarGz, strip, &out, limits, Links::Check);
        (dir, r)
    }

    mod tempdir {
        use std::path::{Path, PathBuf};
        pub struct Dir(PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let p = std::env::temp_dir().join(format!(
                    "toolcheck-archive-test-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                let _ = std::fs::remove_dir_all(&p);
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    /// `.tar.xz` and `.tar.zst` (two zstd frames, as parallel compressors write) extract like
    /// `.tar.gz`; a corrupt stream and one that expands past the limit are errors, and the
    /// decoded tar never stays beside the archive.
    #[test]
    fn extracts_xz_and_zstd_tarballs() {
        let tar = {
            let mut b = tar::Builder::new(Vec::new());
            for (name, data) in [
                ("p-1/MODULE.bazel", &b"module(name='p')"[..]),
                ("p-1/a/b.txt", b"x"),
            ] {
                let mut h = tar::Header::new_gnu();
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, name, data).unwrap();
            }
            b.into_inner().unwrap()
        };
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &tar[..], &mut xz).unwrap();
        let level = ruzstd::encoding::CompressionLevel::Fastest;
        let (head, tail) = tar.split_at(700);
        let mut zst = ruzstd::encoding::compress_to_vec(head, level);
        zst.extend(ruzstd::encoding::compress_to_vec(tail, level));
        for (name, bytes, format) in [
            ("a.tar.xz", &xz, Format::TarXz),
            ("a.tar.zst", &zst, Format::TarZst),
        ] {
            let dir = tempdir::Dir::new();
            let file = dir.path().join(name);
            fs::write(&file, bytes).unwrap();
            let out = dir.path().join("out");
            fs::create_dir(&out).unwrap();
            extract(&file, format, "p-1", &out, Limits::default(), Links::Check).unwrap();
            assert_eq!(
                fs::read_to_string(out.join("MODULE.bazel")).unwrap(),
                "module(name='p')"
            );
            assert_eq!(fs::read_to_string(out.join("a/b.txt")).unwrap(), "x");
            // Only the archive and the extracted tree: the decoded tar is gone.
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "{name}");
            // A stream cut in half.
            let cut = dir.path().join(format!("cut-{name}"));
            fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
            let out2 = dir.path().join("out2");
            fs::create_dir(&out2).unwrap();
            assert!(
                extract(&cut, format, "p-1", &out2, Limits::default(), Links::Check).is_err(),
                "{name}"
            );
            // A tiny limit: the expansion stops there.
            let out3 = dir.path().join("out3");
            fs::create_dir(&out3).unwrap();
            let tiny = Limits {
                max_bytes: 10,
                max_entries: 0,
            };
            let e = extract(&file, format, "p-1", &out3, tiny, Links::Check).unwrap_err();
            assert!(format!("{e:#}").contains("size limit"), "{name}: {e:#}");
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 5, "{name}");
        }
    }

    #[test]
    fn extracts_with_strip_prefix() {
        let a = tar_gz(&[
            ("p-1/MODULE.bazel", b"module(name='p')"),
            ("p-1/x/BUILD", b""),
        ]);
        let (dir, r) = run(&a, "p-1", Limits::default());
        r.unwrap();
        let out = dir.path().join("out");
        assert!(out.join("MODULE.bazel").is_file());
        assert!(out.join("x/BUILD").is_file());
        let (_, r) = run(&a, "q-1", Limits::default());
        assert!(r.unwrap_err().to_string().contains("names no directory"));
    }

    fn tar_with_link(link: &str, target: &str) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o777);
        h.set_entry_type(tar::EntryType::Symlink);
        builder.append_link(&mut h, link, target).unwrap();
        // A file written through the link, if it were followed.
        let mut f = tar::Header::new_gnu();
        f.set_size(1);
        f.set_mode(0o644);
        f.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut f, format!("{link}/x"), &b"x"[..])
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    #[cfg(unix)]
    fn links_stay_inside() {
        let (_, r) = run(
            &tar_with_link("d/up", "../../outside"),
            "",
            Limits::default(),
        );
        let e = r.unwrap_err().to_string();
        assert!(e.contains("leads outside the archive"), "{e}");
        let (_, r) = run(&tar_with_link("abs", "/etc"), "", Limits::default());
        assert!(r.unwrap_err().to_string().contains("absolute path"));
        // A link inside is kept, but nothing is written through it.
        let (_, r) = run(&tar_with_link("d/same", ".."), "", Limits::default());
        let e = r.unwrap_err().to_string();
        assert!(e.contains("written through the symbolic link"), "{e}");
    }

    #[test]
    fn extracts_zip() {
        let dir = tempdir::Dir::new();
        let file = dir.path().join("a.zip");
        let mut w = zip::ZipWriter::new(fs::File::create(&file).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o755);
        w.start_file("top/BUILD.bazel", opts).unwrap();
        w.write_all(b"toolchain_type(name = 'tt')\n").unwrap();
        w.start_file("other/skipped", opts).unwrap();
        w.finish().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        extract(
            &file,
            Format::Zip,
            "top",
            &out,
            Limits::default(),
            Links::Check,
        )
        .unwrap();
        assert!(out.join("BUILD.bazel").is_file());
        assert!(!out.join("other").exists());
        let broken = dir.path().join("b.zip");
        let bytes = fs::read(&file).unwrap();
        fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
        let out2 = dir.path().join("out2");
        fs::create_dir(&out2).unwrap();
        let e = extract(
            &broken,
            Format::Zip,
            "",
            &out2,
            Limits::default(),
            Links::Check,
        )
        .unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn refuses_escapes_and_bombs() {
        let (dir, r) = run(&tar_gz(&[("../evil", b"x")]), "", Limits::default());
        let e = r.unwrap_err().to_string();
        assert!(e.contains("'../evil' contains '..'"), "{e}");
        assert!(!dir.path().join("evil").exists());
        let (_, r) = run(
            &tar_gz(&[("big", &[0u8; 5000])]),
            "",
            Limits {
                max_bytes: 4096,
                max_entries: 10,
            },
        );
        assert!(r.unwrap_err().to_string().contains("decompression bomb"));
        let (_, r) = run(
            &tar_gz(&[("a", b""), ("b", b""), ("c", b"")]),
            "",
            Limits {
                max_bytes: 4096,
                max_entries: 2,
            },
        );
        assert!(r.unwrap_err().to_string().contains("more than 2 entries"));
        let mut truncated = tar_gz(&[("a", &[7u8; 20000])]);
        truncated.truncate(truncated.len() / 2);
        let (_, r) = run(&truncated, "", Limits::default());
        assert!(r.unwrap_err().to_string().contains("truncated"));
    }
}
