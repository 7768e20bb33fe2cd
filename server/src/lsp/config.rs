//! Editor settings: read from `initializationOptions` and `workspace/didChangeConfiguration`
//! (either the bare settings object or one nested under a `toolcheck` key).

use serde_json::Value;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) checks: ChecksConfig,
    /// Empty means `.bazelversion`, else the newest supported.
    pub(crate) bazel_version: String,
    /// Milliseconds of quiet after an edit before diagnostics are recomputed.
    pub(crate) debounce_ms: Option<u64>,
    /// rc files read after the workspace's `.bazelrc` (`--bazelrc`); relative paths are
    /// relative to the workspace root.
    pub(crate) bazelrc: Vec<String>,
    /// Bazel's output base (`--output-base`); empty: found through the convenience symlinks.
    pub(crate) output_base: String,
    /// External repositories' directories, name to directory (`--repo NAME=DIR`).
    pub(crate) repos: Vec<(String, String)>,
    /// Bazel `--config` names to simulate (`--bazel-config NAME`).
    pub(crate) bazel_configs: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChecksConfig {
    pub(crate) enable: Vec<String>,
    pub(crate) disable: Vec<String>,
}

impl Config {
    /// Parses settings leniently, one setting at a time: unknown keys are ignored and a
    /// malformed value keeps that setting's default, so that a typo in an editor's settings
    /// never stops the server or resets the other settings. An empty object stands for an
    /// empty list (Lua clients cannot always tell the two apart).
    pub(crate) fn from_json(value: &Value) -> Config {
        let value = value.get("toolcheck").unwrap_or(value);
        let checks = value.get("checks");
        Config {
            checks: ChecksConfig {
                enable: strings(checks.and_then(|c| c.get("enable"))),
                disable: strings(checks.and_then(|c| c.get("disable"))),
            },
            bazel_version: value
                .get("bazelVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            debounce_ms: value.get("debounceMs").and_then(Value::as_u64),
            bazelrc: strings(value.get("bazelrc")),
            output_base: value
                .get("outputBase")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            repos: match value.get("repos") {
                Some(Value::Object(m)) => m
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect(),
                _ => Vec::new(),
            },
            bazel_configs: strings(value.get("bazelConfigs")),
        }
    }

    pub(crate) fn debounce(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.debounce_ms.unwrap_or(150).min(5_000))
    }
}

/// A list of strings; anything else (or any element that is not a string) is left out.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_bare_settings() {
        let bare = serde_json::json!({"checks": {"disable": ["unresolved-label"]}, "bazelVersion": "8.2.1"});
        let nested = serde_json::json!({"toolcheck": bare.clone()});
        let c = Config::from_json(&bare);
        assert_eq!(c, Config::from_json(&nested));
        assert_eq!(c.checks.disable, ["unresolved-label"]);
        assert_eq!(c.bazel_version, "8.2.1");
        let rc = Config::from_json(&serde_json::json!({"bazelrc": ["ci.bazelrc"]}));
        assert_eq!(rc.bazelrc, ["ci.bazelrc"]);
        let configs = Config::from_json(&serde_json::json!({"bazelConfigs": ["ci", 3, "remote"]}));
        assert_eq!(configs.bazel_configs, ["ci", "remote"]);
        // One malformed setting (or an empty Lua table sent as `{}`) leaves the others.
        let lua = Config::from_json(&serde_json::json!({
            "checks": {"enable": {}, "disable": ["unresolved-label"]},
            "bazelVersion": 7,
            "debounceMs": 40
        }));
        assert_eq!(lua.checks.disable, ["unresolved-label"]);
        assert!(lua.checks.enable.is_empty());
        assert_eq!(lua.bazel_version, "");
        assert_eq!(lua.debounce_ms, Some(40));
        let dirs = Config::from_json(&serde_json::json!({
            "outputBase": "/ob",
            "repos": {"platforms": "third_party/platforms", "bad": 3}
        }));
        assert_eq!(dirs.output_base, "/ob");
        assert_eq!(
            dirs.repos,
            [("platforms".to_string(), "third_party/platforms".to_string())]
        );
        assert_eq!(
            Config::from_json(&serde_json::json!({"checks": 3})),
            Config::default()
        );
    }
}
