//! Open documents: text in a [`ropey::Rope`], the client's version, and conversions between
//! LSP positions (in the negotiated encoding) and byte offsets.
//!
//! Positions follow LSP 3.17: a character offset past the end of a line means the end of that
//! line, and a line past the end of the document means the end of the document.

use ropey::Rope;

/// How the client counts `Position.character`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PositionEncoding {
    /// UTF-16 code units (the LSP default).
    Utf16,
    /// Bytes of UTF-8.
    Utf8,
}

/// A zero-based line and character, in some [`PositionEncoding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LineCol {
    pub(crate) line: u32,
    pub(crate) col: u32,
}

/// One entry of a `didChange` notification, already taken out of the LSP types.
#[derive(Clone, Debug)]
pub(crate) struct TextChange {
    /// `None` replaces the whole document.
    pub(crate) range: Option<(LineCol, LineCol)>,
    pub(crate) text: String,
}

/// An open text document.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    pub(crate) rope: Rope,
    pub(crate) version: i32,
}

impl Document {
    pub(crate) fn new(text: &str, version: i32) -> Document {
        Document {
            rope: Rope::from_str(text),
            version,
        }
    }

    /// Applies the changes of one `didChange`, in order, and records the new version.
    pub(crate) fn apply_changes(
        &mut self,
        changes: &[TextChange],
        version: i32,
        enc: PositionEncoding,
    ) {
        for change in changes {
            match change.range {
                None => self.rope = Rope::from_str(&change.text),
                Some((start, end)) => {
                    let start = char_of(&self.rope, start, enc);
                    let end = char_of(&self.rope, end, enc).max(start);
                    self.rope.remove(start..end);
                    self.rope.insert(start, &change.text);
                }
            }
        }
        self.version = version;
    }

    pub(crate) fn text(&self) -> String {
        self.rope.to_string()
    }
}

/// The char index of a position, clamped to the document and to the line's end.
fn char_of(rope: &Rope, pos: LineCol, enc: PositionEncoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let line_slice = rope.line(line);
    // The line's content without its terminator: positions may not point into "\r\n".
    let mut content_chars = line_slice.len_chars();
    while content_chars > 0 {
        let c = line_slice.char(content_chars - 1);
        if c == '\n' || c == '\r' {
            content_chars -= 1;
        } else {
            break;
        }
    }
    let content = line_slice.slice(..content_chars);
    let col = pos.col as usize;
    let chars = match enc {
        PositionEncoding::Utf16 => {
            if col >= content.len_utf16_cu() {
                content_chars
            } else {
                content.utf16_cu_to_char(col)
            }
        }
        PositionEncoding::Utf8 => {
            if col >= content.len_bytes() {
                content_chars
            } else {
                content.byte_to_char(col)
            }
        }
    };
    line_start + chars
}

/// The byte offset of a position in `rope`.
pub(crate) fn offset_of(rope: &Rope, pos: LineCol, enc: PositionEncoding) -> u32 {
    rope.char_to_byte(char_of(rope, pos, enc)) as u32
}

/// The position of a byte offset in `rope`.
pub(crate) fn position_of(rope: &Rope, offset: u32, enc: PositionEncoding) -> LineCol {
    let byte = (offset as usize).min(rope.len_bytes());
    let char_idx = rope.byte_to_char(byte);
    let line = rope.char_to_line(char_idx);
    let line_start_char = rope.line_to_char(line);
    let col = match enc {
        PositionEncoding::Utf16 => {
            rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start_char)
        }
        PositionEncoding::Utf8 => rope.char_to_byte(char_idx) - rope.line_to_byte(line),
    };
    LineCol {
        line: line as u32,
        col: col as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    fn edit(doc: &mut Document, s: LineCol, e: LineCol, text: &str, enc: PositionEncoding) {
        let v = doc.version + 1;
        let change = TextChange {
            range: Some((s, e)),
            text: text.to_owned(),
        };
        doc.apply_changes(&[change], v, enc);
    }

    #[test]
    fn incremental_edits_in_utf16_and_utf8() {
        // "é" is 2 UTF-8 bytes / 1 UTF-16 unit; "𝄞" is 4 bytes / 2 units.
        let mut doc = Document::new("a = \"é𝄞\"\nb = 1\n", 1);
        edit(&mut doc, lc(0, 8), lc(0, 8), "x", PositionEncoding::Utf16);
        assert_eq!(doc.text(), "a = \"é𝄞x\"\nb = 1\n");
        edit(&mut doc, lc(0, 11), lc(0, 12), "", PositionEncoding::Utf8);
        assert_eq!(doc.text(), "a = \"é𝄞\"\nb = 1\n");
        edit(&mut doc, lc(1, 4), lc(1, 5), "22", PositionEncoding::Utf16);
        assert_eq!(doc.text(), "a = \"é𝄞\"\nb = 22\n");
        assert_eq!(doc.version, 4);
    }

    #[test]
    fn positions_are_clamped() {
        let mut doc = Document::new("ab\r\ncd", 1);
        // Past the end of line 0 means before "\r\n".
        edit(&mut doc, lc(0, 99), lc(0, 99), "!", PositionEncoding::Utf16);
        assert_eq!(doc.text(), "ab!\r\ncd");
        // Past the last line means the end of the document.
        edit(&mut doc, lc(7, 0), lc(9, 3), "?", PositionEncoding::Utf16);
        assert_eq!(doc.text(), "ab!\r\ncd?");
        // A reversed range is treated as empty.
        edit(&mut doc, lc(1, 1), lc(1, 0), "-", PositionEncoding::Utf16);
        assert_eq!(doc.text(), "ab!\r\nc-d?");
    }

    #[test]
    fn full_replacement_then_range() {
        let mut doc = Document::new("old", 1);
        let changes = [
            TextChange {
                range: None,
                text: "new text".into(),
            },
            TextChange {
                range: Some((lc(0, 0), lc(0, 3))),
                text: "old".into(),
            },
        ];
        doc.apply_changes(&changes, 7, PositionEncoding::Utf16);
        assert_eq!(doc.text(), "old text");
        assert_eq!(doc.version, 7);
    }

    #[test]
    fn offsets_and_positions_round_trip() {
        let doc = Document::new("x = \"𝄞\"\ny\n", 1);
        let text = doc.text();
        let y = text.find('y').unwrap() as u32;
        assert_eq!(position_of(&doc.rope, y, PositionEncoding::Utf16), lc(1, 0));
        let quote = text.rfind('"').unwrap() as u32;
        assert_eq!(
            position_of(&doc.rope, quote, PositionEncoding::Utf16),
            lc(0, 7)
        );
        assert_eq!(
            position_of(&doc.rope, quote, PositionEncoding::Utf8),
            lc(0, 9)
        );
        assert_eq!(
            offset_of(&doc.rope, lc(0, 7), PositionEncoding::Utf16),
            quote
        );
        assert_eq!(
            offset_of(&doc.rope, lc(0, 9), PositionEncoding::Utf8),
            quote
        );
        // Past the end clamps to the end.
        assert_eq!(
            position_of(&doc.rope, 1000, PositionEncoding::Utf16),
            lc(2, 0),
            "end of text"
        );
    }
}
