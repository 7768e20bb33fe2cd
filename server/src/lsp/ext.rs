//! toolcheck's protocol extensions (documented in `editors/vscode/README.md`).
//!
//! `toolcheck/resolve` (client → server request): explains toolchain resolution for the
//! target, toolchain or rule at a position (or for the whole file when `position` is null).

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{Position, TextDocumentIdentifier};

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
