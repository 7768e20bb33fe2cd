//! Conversions from LSP types to toolcheck's: URIs to paths, positions to byte offsets.

use std::path::PathBuf;

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

use super::document::{offset_of, LineCol, PositionEncoding, TextChange};

pub(crate) fn line_col(pos: Position) -> LineCol {
    LineCol {
        line: pos.line,
        col: pos.character,
    }
}

pub(crate) fn offset(rope: &Rope, pos: Position, enc: PositionEncoding) -> u32 {
    offset_of(rope, line_col(pos), enc)
}

pub(crate) fn byte_range(rope: &Rope, range: Range, enc: PositionEncoding) -> (u32, u32) {
    let start = offset(rope, range.start, enc);
    let end = offset(rope, range.end, enc).max(start);
    (start, end)
}

pub(crate) fn text_change(change: TextDocumentContentChangeEvent) -> TextChange {
    TextChange {
        range: change.range.map(|r| (line_col(r.start), line_col(r.end))),
        text: change.text,
    }
}

/// The local path of a `file:` URI.
pub(crate) fn file_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}
