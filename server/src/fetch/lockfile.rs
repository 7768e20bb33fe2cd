//! What `toolcheck fetch` takes from `MODULE.bazel.lock`: `registryFileHashes`, the SHA-256 of
//! every registry file Bazel read when it resolved the graph (`"not found"` for those it
//! looked for in vain). Bazel 7.2+ records no resolved graph, but the `source.json` files it
//! read are exactly those of the modules it selected from registries, so a lockfile that
//! records a `MODULE.bazel` for every version the root requests is current: its selection is
//! used, and every registry file read is checked against its recorded hash.

use std::collections::BTreeMap;

/// The parts of a lockfile toolcheck uses.
#[derive(Debug, Default)]
pub struct Lockfile {
    /// Registry file URL to its SHA-256 (hex), `None` when Bazel found no such file.
    pub hashes: BTreeMap<String, Option<String>>,
}

impl Lockfile {
    /// Parses a lockfile's text; `None` when it has no `registryFileHashes` (an old format, or
    /// not a lockfile).
    pub fn parse(text: &str) -> Option<Lockfile> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let map = v.get("registryFileHashes")?.as_object()?;
        let hashes = map
            .iter()
            .map(|(k, v)| {
                let h = v
                    .as_str()
                    .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(str::to_ascii_lowercase);
                (k.clone(), h)
            })
            .collect();
        Some(Lockfile { hashes })
    }

    /// Whether the lockfile records `name@version`'s MODULE.bazel in some registry: Bazel read
    /// it, so the request was part of the graph it resolved.
    pub fn records(&self, name: &str, version: &str) -> bool {
        let suffix = format!("/modules/{name}/{version}/MODULE.bazel");
        self.hashes
            .iter()
            .any(|(k, v)| v.is_some() && k.ends_with(&suffix))
    }

    /// The modules Bazel selected from registries: (registry URL, name, version) for every
    /// recorded `source.json`.
    pub fn selected(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (url, hash) in &self.hashes {
            if hash.is_none() {
                continue;
            }
            let Some(rest) = url.strip_suffix("/source.json") else {
                continue;
            };
            let Some((registry, module)) = rest.rsplit_once("/modules/") else {
                continue;
            };
            let Some((name, version)) = module.split_once('/') else {
                continue;
            };
            if name.is_empty() || version.is_empty() || version.contains('/') {
                continue;
            }
            out.push((registry.to_string(), name.to_string(), version.to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_selection_and_hashes() {
        let h = "ab".repeat(32);
        let text = format!(
            r#"{{"lockFileVersion": 24, "registryFileHashes": {{
                "https://r/bazel_registry.json": "{h}",
                "https://r/modules/a/1.0/MODULE.bazel": "{h}",
                "https://r/modules/a/1.1/MODULE.bazel": "{h}",
                "https://r/modules/a/1.1/source.json": "{h}",
                "https://r/modules/b/2/MODULE.bazel": "not found"
            }}}}"#
        );
        let l = Lockfile::parse(&text).unwrap();
        assert!(l.records("a", "1.0"));
        assert!(!l.records("b", "2"));
        assert_eq!(
            l.selected(),
            vec![("https://r".to_string(), "a".to_string(), "1.1".to_string())]
        );
        assert!(Lockfile::parse("{}").is_none());
        assert!(Lockfile::parse("not json").is_none());
    }
}
