//! Bazel registries (the central one, or any `--registry`): `bazel_registry.json` (mirrors,
//! `module_base_path`), `modules/<name>/<version>/MODULE.bazel`, `source.json`, patches and
//! `modules/<name>/metadata.json` (yanked versions), read over HTTP(S) or from a `file://`
//! directory. Files read over the network are kept in the cache (`registry/<hash of URL>`), so
//! that `--offline` can resolve the same graph again.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::download::{file_url_path, Client, UrlError};
use super::integrity::sha256_hex;

/// One registry, with what its `bazel_registry.json` says.
pub struct Registry {
    pub url: String,
    mirrors: Vec<String>,
    module_base_path: Option<String>,
}

#[derive(Deserialize, Default)]
struct RegistryJson {
    #[serde(default)]
    mirrors: Vec<String>,
    #[serde(default)]
    module_base_path: Option<String>,
}

/// A module version's `source.json`.
#[derive(Deserialize, Debug, Default, Clone)]
pub struct SourceJson {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default)]
    pub mirror_urls: Vec<String>,
    #[serde(default)]
    pub integrity: Option<String>,
    #[serde(default)]
    pub strip_prefix: Option<String>,
    #[serde(default)]
    pub archive_type: Option<String>,
    /// Patch file name (under `patches/`) to its integrity.
    #[serde(default)]
    pub patches: BTreeMap<String, String>,
    #[serde(default)]
    pub patch_strip: Option<i64>,
    /// `local_path`: relative to the registry's `module_base_path`.
    #[serde(default)]
    pub path: Option<String>,
    /// `git_repository` sources.
    #[serde(default)]
    pub remote: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
}

#[derive(Deserialize, Default)]
struct MetadataJson {
    #[serde(default)]
    yanked_versions: BTreeMap<String, String>,
}

/// Reads registry files, through the cache.
pub struct Reader<'a> {
    pub client: &'a Client,
    cache: PathBuf,
    /// MODULE.bazel.lock's `registryFileHashes`: what each file must hash to.
    hashes: BTreeMap<String, Option<String>>,
}

impl<'a> Reader<'a> {
    pub fn new(
        client: &'a Client,
        cache: &Path,
        hashes: BTreeMap<String, Option<String>>,
    ) -> Reader<'a> {
        Reader {
            client,
            cache: cache.join("registry"),
            hashes,
        }
    }

    /// A registry file: `Ok(None)` when the registry does not have it. A file the lockfile
    /// records must have the hash it records.
    pub fn text(&self, url: &str) -> Result<Option<String>, String> {
        let text = self.read(url)?;
        if let (Some(t), Some(Some(want))) = (&text, self.hashes.get(url)) {
            let got = sha256_hex(t.as_bytes());
            if &got != want {
                return Err(format!(
                    "{url} has changed since MODULE.bazel.lock was written (sha256 recorded {want}, now {got}); a registry must not change a published file: check the registry, or update the lockfile with Bazel"
                ));
            }
        }
        Ok(text)
    }

    fn read(&self, url: &str) -> Result<Option<String>, String> {
        if file_url_path(url).is_some() {
            return match self.client.get_text(url) {
                Ok(t) => Ok(Some(t)),
                Err(UrlError::NotFound(_)) => Ok(None),
                Err(UrlError::Other(e)) => Err(e),
            };
        }
        let cached = self.cache.join(sha256_hex(url.as_bytes()));
        let missing = self
            .cache
            .join(format!("{}.missing", sha256_hex(url.as_bytes())));
        if self.client.offline {
            if let Ok(t) = fs::read_to_string(&cached) {
                return Ok(Some(t));
            }
            if missing.is_file() {
                return Ok(None);
            }
            return Err(format!(
                "{url} is not in the cache, and --offline forbids downloading it"
            ));
        }
        match self.client.get_text(url) {
            Ok(t) => {
                // Best effort: a cache that cannot be written only costs `--offline`.
                let _ = write_atomic(&cached, t.as_bytes());
                Ok(Some(t))
            }
            Err(UrlError::NotFound(_)) => {
                let _ = write_atomic(&missing, b"");
                Ok(None)
            }
            Err(UrlError::Other(e)) => Err(e),
        }
    }

    /// Opens a registry: its `bazel_registry.json` is optional.
    pub fn registry(&self, url: &str) -> Result<Registry, String> {
        let url = url.trim_end_matches('/').to_string();
        let json = match self.text(&format!("{url}/bazel_registry.json"))? {
            Some(t) => serde_json::from_str::<RegistryJson>(&t)
                .map_err(|e| format!("{url}/bazel_registry.json: {e}"))?,
            None => RegistryJson::default(),
        };
        Ok(Registry {
            url,
            mirrors: json.mirrors,
            module_base_path: json.module_base_path,
        })
    }

    pub fn module_file(
        &self,
        reg: &Registry,
        name: &str,
        version: &str,
    ) -> Result<Option<String>, String> {
        self.text(&format!(
            "{}/modules/{name}/{version}/MODULE.bazel",
            reg.url
        ))
    }

    pub fn source(&self, reg: &Registry, name: &str, version: &str) -> Result<SourceJson, String> {
        let url = format!("{}/modules/{name}/{version}/source.json", reg.url);
        let text = self
            .text(&url)?
            .ok_or_else(|| format!("{url} does not exist"))?;
        serde_json::from_str(&text).map_err(|e| format!("{url}: {e}"))
    }

    pub fn patch(
        &self,
        reg: &Registry,
        name: &str,
        version: &str,
        patch: &str,
    ) -> Result<String, String> {
        let url = format!("{}/modules/{name}/{version}/patches/{patch}", reg.url);
        self.text(&url)?
            .ok_or_else(|| format!("{url} does not exist"))
    }

    /// The yanked versions of a module and why.
    pub fn yanked(&self, reg: &Registry, name: &str) -> Result<BTreeMap<String, String>, String> {
        let url = format!("{}/modules/{name}/metadata.json", reg.url);
        match self.text(&url)? {
            Some(t) => serde_json::from_str::<MetadataJson>(&t)
                .map(|m| m.yanked_versions)
                .map_err(|e| format!("{url}: {e}")),
            None => Ok(BTreeMap::new()),
        }
    }
}

impl Registry {
    /// A registry known only by its URL (no `bazel_registry.json` read): no mirrors.
    pub fn bare(url: &str) -> Registry {
        Registry {
            url: url.trim_end_matches('/').to_string(),
            mirrors: Vec::new(),
            module_base_path: None,
        }
    }

    /// The URLs to download a source from: each mirror first (as Bazel builds them: the
    /// mirror followed by the URL without its scheme), then the URLs themselves.
    pub fn archive_urls(&self, source: &SourceJson) -> Vec<String> {
        let mut originals: Vec<String> = source.url.iter().cloned().collect();
        originals.extend(source.urls.iter().cloned());
        let mut out = Vec::new();
        for m in &self.mirrors {
            for u in &originals {
                if let Some((_, rest)) = u.split_once("://") {
                    out.push(format!("{}/{}", m.trim_end_matches('/'), rest));
                }
            }
        }
        out.extend(source.mirror_urls.iter().cloned());
        out.extend(originals);
        let mut seen = std::collections::HashSet::new();
        out.retain(|u| seen.insert(u.clone()));
        out
    }

    /// The directory of a `local_path` source: relative to `module_base_path`, itself
    /// relative to a local registry's directory.
    pub fn local_path(&self, path: &str) -> Result<PathBuf, String> {
        let base = self.module_base_path.as_deref().ok_or_else(|| {
            format!(
                "{}: a local_path source needs module_base_path in bazel_registry.json",
                self.url
            )
        })?;
        let base = Path::new(base);
        let base = if base.is_absolute() {
            base.to_path_buf()
        } else {
            let dir = file_url_path(&self.url).ok_or_else(|| {
                format!(
                    "{}: a relative module_base_path needs a local (file://) registry",
                    self.url
                )
            })?;
            dir.join(base)
        };
        Ok(base.join(path))
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp-{}-{}", std::process::id(), unique()));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// A number unique within this process, for temporary names.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_come_first() {
        let reg = Registry {
            url: "https://r".into(),
            mirrors: vec!["https://m/".into()],
            module_base_path: None,
        };
        let s = SourceJson {
            url: Some("https://github.com/a/b.tar.gz".into()),
            ..SourceJson::default()
        };
        assert_eq!(
            reg.archive_urls(&s),
            vec![
                "https://m/github.com/a/b.tar.gz",
                "https://github.com/a/b.tar.gz"
            ]
        );
    }
}
