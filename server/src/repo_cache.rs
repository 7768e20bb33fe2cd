//! Bazel's repository cache, read: archives the workspace pins by SHA-256 (a WORKSPACE
//! `http_archive` with `sha256`/`integrity`) that Bazel already downloaded lie in
//! `<repository cache>/content_addressable/sha256/<hex>/file`. toolcheck verifies such an
//! archive, extracts it once into its own cache (`<toolcheck cache>/repos/<key>`) and reads
//! the result as a repository, so a workspace Bazel fetched once (even with the output base
//! gone) is read without `--output-base`.
//!
//! Extraction is defensive: the SHA-256 of the archive is checked before anything is
//! written; only regular files and directories are written, under relative paths made of
//! plain components (no `..`, no absolute path, no drive prefix), and links are skipped, so
//! nothing escapes the destination; the archive, each file and the whole extraction are
//! bounded in size and entries; everything is written into a fresh temporary directory that
//! is renamed into place only when complete, so a half-written directory is never used.
//! Only `.tar.gz`/`.tgz` and `.tar` archives are read.

use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::fetch::integrity::{hex, sha256_hex, Algorithm, Integrity};

/// The largest archive read from the repository cache.
const MAX_ARCHIVE_BYTES: u64 = 512 * 1024 * 1024;
/// The most bytes one extraction writes.
const MAX_EXTRACTED_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The most entries one extraction writes.
const MAX_ENTRIES: usize = 500_000;

/// An archive the workspace pins by hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The repository name (`http_archive(name = ...)`).
    pub name: String,
    /// The SHA-256, lowercase hex.
    pub sha256: String,
    pub strip_prefix: String,
    /// The archive's file name (from its URL), which says its format.
    pub file_name: String,
}

/// The SHA-256 an `http_archive` pins, from `sha256 = "<hex>"` or `integrity =
/// "sha256-<base64>"`, as lowercase hex (the repository cache's key).
pub fn pinned_sha256(sha256: Option<&str>, integrity: Option<&str>) -> Option<String> {
    let pinned = sha256
        .and_then(|h| Integrity::parse_sha256_hex(h).ok())
        .or_else(|| Integrity::parse_sri(integrity?).ok())
        .filter(|i| i.algorithm == Algorithm::Sha256)?;
    Some(hex(&pinned.digest))
}

/// Why an archive could not be used.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// Not in the repository cache (Bazel never downloaded it here).
    NotCached,
    /// Present but unusable: the message says why.
    Bad(String),
}

/// The directory holding `pinned`'s files, extracted from the repository cache `cache` into
/// `dest_root` (reused when an earlier run extracted it).
pub fn materialize(cache: &Path, pinned: &Pinned, dest_root: &Path) -> Result<PathBuf, Failure> {
    let key = format!(
        "{}-{}",
        pinned.sha256,
        crate::bazel_paths::md5_hex(pinned.strip_prefix.as_bytes())
    );
    let dest = dest_root.join(&key);
    if dest.join(".complete").is_file() {
        return Ok(dest);
    }
    let archive = crate::bazel_paths::repository_cache_file(cache, &pinned.sha256);
    let meta = fs::metadata(&archive).map_err(|_| Failure::NotCached)?;
    if meta.len() > MAX_ARCHIVE_BYTES {
        return Err(Failure::Bad(format!(
            "{} is larger than {MAX_ARCHIVE_BYTES} bytes",
            archive.display()
        )));
    }
    let bytes =
        fs::read(&archive).map_err(|e| Failure::Bad(format!("{}: {e}", archive.display())))?;
    let actual = sha256_hex(&bytes);
    if actual != pinned.sha256 {
        return Err(Failure::Bad(format!(
            "{} has SHA-256 {actual}, not the {} the workspace pins",
            archive.display(),
            pinned.sha256
        )));
    }
    let name = pinned.file_name.to_ascii_lowercase();
    let gz = name.ends_with(".tar.gz") || name.ends_with(".tgz");
    if !gz && !name.ends_with(".tar") {
        return Err(Failure::Bad(format!(
            "'{}' is not a .tar.gz, .tgz or .tar archive, which is all toolcheck extracts",
            pinned.file_name
        )));
    }
    fs::create_dir_all(dest_root)
        .map_err(|e| Failure::Bad(format!("cannot create {}: {e}", dest_root.display())))?;
    let tmp = dest_root.join(format!(".tmp-{key}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let result = if gz {
        extract_tar(
            flate2::read::GzDecoder::new(&bytes[..]),
            &pinned.strip_prefix,
            &tmp,
        )
    } else {
        extract_tar(&bytes[..], &pinned.strip_prefix, &tmp)
    }
    .and_then(|()| {
        fs::write(tmp.join(".complete"), b"").map_err(|e| e.to_string())?;
        match fs::rename(&tmp, &dest) {
            Ok(()) => Ok(()),
            // Another run finished first: use its copy.
            Err(_) if dest.join(".complete").is_file() => {
                let _ = fs::remove_dir_all(&tmp);
                Ok(())
            }
            Err(e) => Err(format!("cannot move the extraction into place: {e}")),
        }
    });
    match result {
        Ok(()) => Ok(dest),
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(Failure::Bad(format!(
                "cannot extract {} (for '@{}'): {e}",
                archive.display(),
                pinned.name
            )))
        }
    }
}

/// The relative path an archive entry is written to: `strip_prefix` removed, plain
/// components only. `None` for entries to skip (outside the prefix, the prefix itself);
/// `Err` for a path that tries to leave the destination.
fn entry_path(raw: &Path, strip_prefix: &str) -> Result<Option<PathBuf>, String> {
    let mut parts = Vec::new();
    for c in raw.components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(format!("entry '{}' leaves the archive", raw.display()))
            }
        }
    }
    let prefix: Vec<&str> = strip_prefix.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() <= prefix.len()
        || parts
            .iter()
            .zip(&prefix)
            .any(|(a, b)| *a != std::ffi::OsStr::new(b))
    {
        return Ok(None);
    }
    Ok(Some(parts[prefix.len()..].iter().collect()))
}

fn extract_tar(reader: impl Read, strip_prefix: &str, dest: &Path) -> Result<(), String> {
    fs::create_dir_all(dest).map_err(|e| e.to_string())?;
    let mut archive = tar::Archive::new(reader);
    let (mut written, mut entries) = (0u64, 0usize);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        entries += 1;
        if entries > MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        let raw = entry.path().map_err(|e| e.to_string())?.into_owned();
        let Some(rel) = entry_path(&raw, strip_prefix)? else {
            continue;
        };
        let target = dest.join(&rel);
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = entry.header().size().map_err(|e| e.to_string())?;
                written = written.saturating_add(size);
                if written > MAX_EXTRACTED_BYTES {
                    return Err(format!("more than {MAX_EXTRACTED_BYTES} bytes"));
                }
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                // `create_new`: an entry never overwrites one written before (a second entry
                // of the same name would otherwise be a way to swap files after checks).
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)
                    .map_err(|e| format!("{}: {e}", rel.display()))?;
                let copied = std::io::copy(&mut (&mut entry).take(size), &mut out)
                    .map_err(|e| e.to_string())?;
                if copied != size {
                    return Err(format!("'{}' is truncated", raw.display()));
                }
                out.flush().map_err(|e| e.to_string())?;
            }
            // Links (which could lead out of the destination), devices, FIFOs: skipped.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_and_hex_pins_give_the_same_hash() {
        let hex_pin = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(
            pinned_sha256(
                None,
                Some("sha256-n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")
            )
            .as_deref(),
            Some(hex_pin)
        );
        assert_eq!(
            pinned_sha256(Some(&hex_pin.to_uppercase()), None).as_deref(),
            Some(hex_pin)
        );
        assert_eq!(pinned_sha256(Some("abc"), Some("sha512-xx")), None);
    }

    #[test]
    fn entry_paths_stay_inside_and_lose_the_prefix() {
        let p = |s: &str, prefix: &str| entry_path(Path::new(s), prefix);
        assert_eq!(
            p("dep-1.0/BUILD", "dep-1.0"),
            Ok(Some(PathBuf::from("BUILD")))
        );
        assert_eq!(
            p("./dep-1.0/a/b", "dep-1.0/"),
            Ok(Some(PathBuf::from("a/b")))
        );
        assert_eq!(p("other/BUILD", "dep-1.0"), Ok(None));
        assert_eq!(p("dep-1.0", "dep-1.0"), Ok(None));
        assert!(p("dep-1.0/../../etc/passwd", "dep-1.0").is_err());
        assert!(p("/etc/passwd", "").is_err());
    }
}
