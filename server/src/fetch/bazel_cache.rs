//! Bzlmod modules from Bazel's repository cache, without any network: what `check` and the
//! language server use when no output base, `--repo` or `toolcheck fetch` provides a module.
//!
//! MODULE.bazel.lock pins every registry file Bazel read by SHA-256 (`registryFileHashes`),
//! and Bazel keeps files it downloads with a known checksum in its repository cache under
//! `content_addressable/sha256/<hex>/file`. So a module's `source.json` and `MODULE.bazel`
//! are found by their recorded hashes, the archive by the SHA-256 its `source.json` pins, the
//! registry patches by theirs; everything is verified before use and the module is extracted
//! and patched by the very code `toolcheck fetch` uses ([`super::materialize_with`]), into
//! the directory `toolcheck fetch` would make, so either reuses what the other made.
//!
//! The selection is the lockfile's (the modules whose `source.json` it records), used only
//! when it is current for the root's requests, as `toolcheck fetch` does. A module that
//! cannot be made this way gets a reason, which the coverage report shows.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::integrity::{hex, sha256_hex, Algorithm, Integrity};
use super::lockfile::Lockfile;
use super::modfile::{self, Override};
use super::registry::{Registry, SourceJson};
use super::{materialize_with, CachedRepo, Job, Source};

/// The most bytes of a registry file read from the repository cache.
const MAX_REGISTRY_FILE: u64 = 4 * 1024 * 1024;

/// What the repository cache gave: modules made (or found made), and why others were not.
#[derive(Debug, Default)]
pub struct FromBazelCache {
    pub repos: Vec<CachedRepo>,
    /// Module name to why it stays unread.
    pub unread: BTreeMap<String, String>,
}

/// The modules of the workspace at `root` (whose root MODULE.bazel is `module_text`) that
/// Bazel's repository cache `repo_cache` holds, made in toolcheck's cache `cache`. `known`
/// says whether another source already provides a module (by name); those are skipped.
pub fn modules(
    root: &Path,
    module_text: &str,
    repo_cache: Option<&Path>,
    cache: &Path,
    known: impl Fn(&str) -> bool,
) -> FromBazelCache {
    let mut out = FromBazelCache::default();
    let root_file = modfile::parse_module(module_text);
    let overrides: BTreeMap<&str, &Override> = root_file
        .overrides
        .iter()
        .map(|o| (o.module(), o))
        .collect();
    // The root's requests after its overrides; modules with a source override (archive,
    // git, local path) do not come from a registry, so the repository cache is not for them.
    let root_deps: Vec<(String, String)> = root_file
        .deps
        .iter()
        .filter(|d| Some(&d.name) != root_file.name.as_ref())
        .filter(|d| {
            !matches!(
                overrides.get(d.name.as_str()),
                Some(Override::Archive { .. } | Override::Git { .. } | Override::LocalPath { .. })
            )
        })
        .map(|d| {
            let v = match overrides.get(d.name.as_str()) {
                Some(Override::SingleVersion {
                    version: Some(v), ..
                }) => v.clone(),
                _ => d.version.clone(),
            };
            (d.name.clone(), v)
        })
        .collect();
    let unread_all = |why: &str, out: &mut FromBazelCache| {
        for (name, _) in &root_deps {
            if !known(name) {
                out.unread.insert(name.clone(), why.to_string());
            }
        }
    };
    let lock_path = root.join("MODULE.bazel.lock");
    let Ok(text) = fs::read_to_string(&lock_path) else {
        unread_all(
            "there is no MODULE.bazel.lock to say which versions Bazel selected, so Bazel's repository cache is not used",
            &mut out,
        );
        return out;
    };
    let Some(lock) = Lockfile::parse(&text) else {
        unread_all(
            "MODULE.bazel.lock records no registryFileHashes (a format before Bazel 7.2), so Bazel's repository cache is not used",
            &mut out,
        );
        return out;
    };
    let stale: Vec<String> = root_deps
        .iter()
        .filter(|(n, v)| !v.is_empty() && !lock.records(n, v))
        .map(|(n, v)| format!("{n}@{v}"))
        .collect();
    if !stale.is_empty() {
        unread_all(
            &format!(
                "MODULE.bazel.lock is out of date (it records no {}), so its selection is not used",
                stale.join(", ")
            ),
            &mut out,
        );
        return out;
    }
    let Some(repo_cache) = repo_cache else {
        unread_all(
            "Bazel's repository cache was not found (or --repository_cache= disables it)",
            &mut out,
        );
        return out;
    };
    for (registry, name, version) in lock.selected() {
        if known(&name) {
            continue;
        }
        match one(
            &lock, repo_cache, cache, &registry, &name, &version, &overrides,
        ) {
            Ok(repo) => out.repos.push(repo),
            Err(why) => {
                out.unread
                    .insert(name.clone(), format!("{name}@{version}: {why}"));
            }
        }
    }
    out
}

/// A registry file from the repository cache by the hash the lockfile records for `url`,
/// verified.
fn registry_file(lock: &Lockfile, repo_cache: &Path, url: &str) -> Result<String, String> {
    let Some(Some(hash)) = lock.hashes.get(url) else {
        return Err(format!("MODULE.bazel.lock records no hash for {url}"));
    };
    let path = crate::bazel_paths::repository_cache_file(repo_cache, hash);
    let what = url.rsplit('/').next().unwrap_or(url);
    let bytes = match fs::metadata(&path) {
        Ok(m) if m.len() <= MAX_REGISTRY_FILE => fs::read(&path).map_err(|e| e.to_string())?,
        Ok(_) => return Err(format!("{} is too large for a {what}", path.display())),
        Err(_) => {
            return Err(format!(
                "its {what} (sha256 {hash}) is not in Bazel's repository cache"
            ))
        }
    };
    let got = sha256_hex(&bytes);
    if &got != hash {
        return Err(format!(
            "{} has SHA-256 {got}, not the {hash} MODULE.bazel.lock records for {url}",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", path.display()))
}

#[allow(clippy::too_many_arguments)]
fn one(
    lock: &Lockfile,
    repo_cache: &Path,
    cache: &Path,
    registry: &str,
    name: &str,
    version: &str,
    overrides: &BTreeMap<&str, &Override>,
) -> Result<CachedRepo, String> {
    let base = format!("{registry}/modules/{name}/{version}");
    let src: SourceJson = serde_json::from_str(&registry_file(
        lock,
        repo_cache,
        &format!("{base}/source.json"),
    )?)
    .map_err(|e| format!("its source.json cannot be read: {e}"))?;
    match src.kind.as_deref().unwrap_or("archive") {
        "archive" => {}
        other => {
            return Err(format!(
                "source.json type '{other}' is not an archive the repository cache holds"
            ))
        }
    }
    let integrity = Integrity::parse_sri(
        src.integrity
            .as_deref()
            .ok_or("source.json pins no integrity")?,
    )?;
    if integrity.algorithm != Algorithm::Sha256 {
        return Err(format!(
            "source.json pins a {} integrity, and the archive cannot be looked up by it in Bazel's repository cache, which toolcheck reads by SHA-256",
            integrity.algorithm.name()
        ));
    }
    let module_text = registry_file(lock, repo_cache, &format!("{base}/MODULE.bazel"))?;
    let mut patches = Vec::new();
    for (patch, patch_integrity) in &src.patches {
        let want =
            Integrity::parse_sri(patch_integrity).map_err(|e| format!("patch {patch}: {e}"))?;
        if want.algorithm != Algorithm::Sha256 {
            return Err(format!(
                "patch {patch} is pinned by {}, which Bazel's repository cache is not read by",
                want.algorithm.name()
            ));
        }
        let path = crate::bazel_paths::repository_cache_file(repo_cache, &hex(&want.digest));
        let bytes = fs::read(&path)
            .map_err(|_| format!("patch {patch} ({want}) is not in Bazel's repository cache"))?;
        let got = want.of_bytes(&bytes);
        if got != want {
            return Err(format!(
                "patch {patch}: {} has {got}, not {want}",
                path.display()
            ));
        }
        let text = String::from_utf8(bytes).map_err(|_| format!("patch {patch} is not UTF-8"))?;
        patches.push((patch.clone(), text));
    }
    if let Some(Override::SingleVersion { patches: extra, .. }) = overrides.get(name) {
        if !extra.is_empty() {
            return Err(
                "its single_version_override adds patches, which only `toolcheck fetch` applies"
                    .to_string(),
            );
        }
    }
    let urls = Registry::bare(registry).archive_urls(&src);
    let job = Job {
        repo: CachedRepo {
            name: name.to_string(),
            module: Some(name.to_string()),
            version: Some(version.to_string()),
            dir: PathBuf::new(),
        },
        what: format!("{name}@{version}"),
        source: Source::Archive {
            urls,
            integrity: integrity.clone(),
            strip_prefix: src.strip_prefix.clone().unwrap_or_default(),
            archive_type: src.archive_type.clone(),
            patches,
            patch_strip: src.patch_strip.unwrap_or(0).max(0) as usize,
            // As `toolcheck fetch`: the registry's MODULE.bazel, whatever the archive holds.
            overlay: vec![("MODULE.bazel".to_string(), module_text)],
        },
    };
    let archive = crate::bazel_paths::repository_cache_file(repo_cache, &hex(&integrity.digest));
    let (dir, _) = materialize_with(&job, cache, |_, want| {
        if !archive.is_file() {
            anyhow::bail!("its archive ({want}) is not in Bazel's repository cache");
        }
        let got = want.of_file(&archive)?;
        if &got != want {
            anyhow::bail!(
                "{} has {got}, not the {want} its source.json pins",
                archive.display()
            );
        }
        Ok(archive.clone())
    })
    .map_err(|e| format!("{e:#}"))?;
    Ok(CachedRepo { dir, ..job.repo })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "toolcheck-bazel-cache-{name}-{}-{}",
            std::process::id(),
            super::super::registry::unique()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    const ROOT: &str = "module(name = \"app\")\nbazel_dep(name = \"a\", version = \"1.0\")\nbazel_dep(name = \"b\", version = \"2.0\")\n";

    fn lock(entries: &[(&str, &str)]) -> String {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .map(|(k, v)| (format!("https://r/modules/{k}"), (*v).into()))
            .collect();
        serde_json::json!({ "registryFileHashes": map }).to_string()
    }

    #[test]
    fn a_stale_lockfile_is_not_used_and_known_modules_are_skipped() {
        let dir = scratch("stale");
        let h = "ab".repeat(32);
        fs::write(
            dir.join("MODULE.bazel.lock"),
            lock(&[("a/1.0/MODULE.bazel", &h), ("a/1.0/source.json", &h)]),
        )
        .unwrap();
        let got = modules(&dir, ROOT, Some(&dir), &dir, |m| m == "a");
        assert!(got.repos.is_empty());
        assert_eq!(got.unread.keys().collect::<Vec<_>>(), ["b"]);
        assert!(got.unread["b"].contains("out of date (it records no b@2.0)"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_registry_file_must_match_its_recorded_hash() {
        let dir = scratch("mismatch");
        let cache = dir.join("repository_cache");
        let h = "cd".repeat(32);
        let slot = crate::bazel_paths::repository_cache_file(&cache, &h);
        fs::create_dir_all(slot.parent().unwrap()).unwrap();
        fs::write(&slot, "{}").unwrap();
        fs::write(
            dir.join("MODULE.bazel.lock"),
            lock(&[
                ("a/1.0/MODULE.bazel", &h),
                ("a/1.0/source.json", &h),
                ("b/2.0/MODULE.bazel", &h),
            ]),
        )
        .unwrap();
        let got = modules(&dir, ROOT, Some(&cache), &dir, |_| false);
        assert!(got.repos.is_empty());
        assert!(
            got.unread["a"].contains("not the") && got.unread["a"].contains(&h),
            "{:?}",
            got.unread
        );
        // b's source.json is not recorded: Bazel did not take it from a registry, so it is
        // not among the lockfile's selection.
        assert!(!got.unread.contains_key("b"));
        // Without a repository cache, every request says so.
        let got = modules(&dir, ROOT, None, &dir, |_| false);
        assert!(got.unread["a"].contains("repository cache was not found"));
        let _ = fs::remove_dir_all(&dir);
    }
}
