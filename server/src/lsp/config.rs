//! Editor settings: read from `initializationOptions` and `workspace/didChangeConfiguration`
//! (either the bare settings object or one nested under a `toolcheck` key).

use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Config {
    pub(crate) checks: ChecksConfig,
    /// Empty means `.bazelversion`, else the newest supported.
    pub(crate) bazel_version: String,
    /// Milliseconds of quiet after an edit before diagnostics are recomputed.
    pub(crate) debounce_ms: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct ChecksConfig {
    pub(crate) enable: Vec<String>,
    pub(crate) disable: Vec<String>,
}

impl Config {
    /// Parses settings leniently: unknown keys are ignored and a malformed value keeps the
    /// defaults, so that a typo in an editor's settings never stops the server.
    pub(crate) fn from_json(value: &Value) -> Config {
        let value = value.get("toolcheck").unwrap_or(value);
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub(crate) fn debounce(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.debounce_ms.unwrap_or(150).min(5_000))
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
        assert_eq!(
            Config::from_json(&serde_json::json!({"checks": 3})),
            Config::default()
        );
    }
}
