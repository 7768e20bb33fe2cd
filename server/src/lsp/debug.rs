//! `toolcheck/debug/documentText` (client → server request, for tests and the protocol
//! fuzzer): the server's copy of an open document and its version, so a test can prove that
//! the server's text is exactly the client's after any sequence of edits. Returns null for a
//! document that is not open.

use serde::{Deserialize, Serialize};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::TextDocumentIdentifier;

use super::server::Backend;

pub(crate) const DOCUMENT_TEXT_METHOD: &str = "toolcheck/debug/documentText";

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DocumentTextParams {
    pub(crate) text_document: TextDocumentIdentifier,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DocumentTextResult {
    pub(crate) version: i32,
    pub(crate) text: String,
}

impl Backend {
    /// `toolcheck/debug/documentText`.
    pub(crate) async fn debug_document_text(
        &self,
        params: DocumentTextParams,
    ) -> Result<Option<DocumentTextResult>> {
        Ok(self
            .state()
            .docs
            .get(&params.text_document.uri)
            .map(|d| DocumentTextResult {
                version: d.version,
                text: d.text(),
            }))
    }
}
