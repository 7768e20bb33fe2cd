//! Bazel's repository cache, read: archives the workspace pins by SHA-256 (a WORKSPACE
//! `http_archive` with `sha256`/`integrity`) that Bazel already downloaded lie in
//! `<repository cache>/content_addressable/sha256/<hex>/file`. toolcheck verifies such an
//! archive, extracts it once into its own cache (`<toolcheck cache>/repos/<key>`) and reads
//! the result as a repository, so a workspace Bazel fetched once (even with the output base
//! gone) is read without `--output-base`.
//!
//! Extraction is defensive: the SHA-256 of the archive is checked before anything is
//! written; the archive is bounded in size; entries are extracted by `toolcheck fetch`'s own
//! extractor (`fetch::archive`: the same formats, path checks and limits as a download), with
//! links left out rather than checked (one link out of an archive Bazel accepted must not cost
//! the whole repository); everything is written into a fresh temporary directory that is renamed into
//! place only when complete, so a half-written directory is never used.

use std::fs;
use std::path::{Path, PathBuf};

use crate::fetch::integrity::{hex, sha256_hex, Algorithm, Integrity};

/// The largest archive read from the repository cache.
const MAX_ARCHIVE_BYTES: u64 = 512 * 1024 * 1024;

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
    let format = crate::fetch::archive::format_of(&pinned.file_name, None).map_err(Failure::Bad)?;
    fs::create_dir_all(dest_root)
        .map_err(|e| Failure::Bad(format!("cannot create {}: {e}", dest_root.display())))?;
    let tmp = dest_root.join(format!(".tmp-{key}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    // The bytes whose hash was checked are the bytes extracted: a copy of them, not the
    // cache file again (which another process could replace in between).
    let verified = dest_root.join(format!(".tmp-{key}-{}.archive", std::process::id()));
    let result = fs::create_dir_all(&tmp)
        .and_then(|()| fs::write(&verified, &bytes))
        .map_err(|e| e.to_string())
        .and_then(|()| {
            crate::fetch::archive::extract(
                &verified,
                format,
                &pinned.strip_prefix,
                &tmp,
                crate::fetch::archive::Limits::from_env(),
                crate::fetch::archive::Links::Skip,
            )
            .map_err(|e| format!("{e:#}"))
        })
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
    let _ = fs::remove_file(&verified);
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
}
