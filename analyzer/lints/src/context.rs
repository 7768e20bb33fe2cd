//! What a check sees: the workspace, per-file facts, the merged index, and the configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use toolcheck_index::facts::FileFacts;
use toolcheck_index::index::WorkspaceIndex;
use toolcheck_index::workspace::Workspace;

use crate::diagnostic::Severity;

/// Which checks run and at what severity (from `toolcheck.toml`, the CLI or the editor).
#[derive(Clone, Debug, Default)]
pub struct LintConfig {
    /// When non-empty, only these checks run (`--select`).
    pub select: Vec<String>,
    /// Checks that never run (`--ignore`, `disable` in the config file).
    pub ignore: Vec<String>,
    /// Severity overrides; `None` turns a check off.
    pub severities: BTreeMap<String, Option<Severity>>,
}

impl LintConfig {
    /// The severity a check runs at, or `None` when it is off.
    pub fn severity_of(&self, check: &str, default: Severity) -> Option<Severity> {
        if !self.select.is_empty() && !self.select.iter().any(|s| s == check) {
            return None;
        }
        if self.ignore.iter().any(|s| s == check) {
            return None;
        }
        match self.severities.get(check) {
            Some(s) => *s,
            None => Some(default),
        }
    }
}

pub struct LintContext<'a> {
    pub ws: &'a Workspace,
    pub facts: &'a [Arc<FileFacts>],
    pub index: &'a WorkspaceIndex,
}
