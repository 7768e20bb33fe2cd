//! toolcheck's protocol extensions (documented in `editors/vscode/README.md`).
//!
//! `toolcheck/resolve` (client → server request): explains toolchain resolution for the
//! target, toolchain or rule at a position (or for the whole file when `position` is null).
//!
//! `toolcheck/status` (server → client notification): after each workspace-wide diagnostics
//! round, per workspace folder, whether toolcheck evaluated everything and, if not, what it
//! could not (the same counts and sentence as `toolcheck check`'s coverage line). Sent when
//! it changes. A status, not a message: `window/showMessage` on every edit would be noise.

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::notification::Notification;
use tower_lsp_server::ls_types::{Position, TextDocumentIdentifier, Uri};

pub(crate) const RESOLVE_METHOD: &str = "toolcheck/resolve";

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResolveParams {
    pub(crate) text_document: TextDocumentIdentifier,
    #[serde(default)]
    pub(crate) position: Option<Position>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResolveResult {
    /// A human-readable explanation in Markdown.
    pub(crate) markdown: String,
}

pub(crate) enum Status {}

impl Notification for Status {
    type Params = StatusParams;
    const METHOD: &'static str = "toolcheck/status";
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusParams {
    /// The workspace folder's root (null for a server started without one).
    pub(crate) folder: Option<Uri>,
    /// Whether toolcheck evaluated everything it looked at.
    pub(crate) complete: bool,
    /// One line for a status bar: `toolcheck: coverage complete`, or `coverage: 3 rules with
    /// unknown toolchain requests, ...`.
    pub(crate) message: String,
    /// Gaps per category (the keys of `toolcheck check --format json`'s `coverage.counts`).
    pub(crate) counts: std::collections::BTreeMap<String, usize>,
}

impl StatusParams {
    pub(crate) fn new(folder: Option<Uri>, coverage: &toolcheck_ide::Coverage) -> StatusParams {
        StatusParams {
            folder,
            complete: coverage.is_complete(),
            message: match coverage.summary() {
                Some(s) => format!("coverage: {s}"),
                None => "coverage complete".to_owned(),
            },
            counts: toolcheck_ide::GapKind::ALL
                .iter()
                .map(|&k| (k.key().to_owned(), coverage.count(k)))
                .collect(),
        }
    }
}
