//! Conversion between byte offsets and line/column positions (UTF-8 bytes, Unicode scalar
//! values and UTF-16 code units), built once per file text.

/// A 0-based line and a 0-based column in the unit the caller asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Line starts of one text, for offset/position conversion.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex {
            line_starts,
            len: text.len() as u32,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: u32) -> u32 {
        let offset = offset.min(self.len);
        (self.line_starts.partition_point(|&s| s <= offset) - 1) as u32
    }

    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(self.len)
    }

    /// The byte range of a line, without its line terminator.
    pub fn line_range(&self, line: u32, text: &str) -> (u32, u32) {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end as usize - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        (start, end)
    }

    /// Line and column counted in Unicode scalar values.
    pub fn line_col_chars(&self, text: &str, offset: u32) -> LineCol {
        self.line_col_with(text, offset, |s| s.chars().count())
    }

    /// Line and column counted in UTF-16 code units.
    pub fn line_col_utf16(&self, text: &str, offset: u32) -> LineCol {
        self.line_col_with(text, offset, |s| s.encode_utf16().count())
    }

    /// Line and column counted in UTF-8 bytes.
    pub fn line_col_utf8(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        LineCol {
            line,
            col: offset - self.line_start(line),
        }
    }

    fn line_col_with(&self, text: &str, offset: u32, count: impl Fn(&str) -> usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(self.len) as usize);
        let line = self.line_of(offset as u32);
        let start = self.line_start(line) as usize;
        LineCol {
            line,
            col: count(&text[start..offset]) as u32,
        }
    }

    /// The byte offset of a position given in UTF-16 code units; columns past the end of the
    /// line clamp to the line end and lines past the end clamp to the text end.
    pub fn offset_utf16(&self, text: &str, pos: LineCol) -> u32 {
        self.offset_with(text, pos, |c| c.len_utf16())
    }

    /// The byte offset of a position given in UTF-8 bytes (clamped like [`Self::offset_utf16`]).
    pub fn offset_utf8(&self, text: &str, pos: LineCol) -> u32 {
        self.offset_with(text, pos, |c| c.len_utf8())
    }

    /// The byte offset of a position given in Unicode scalar values.
    pub fn offset_chars(&self, text: &str, pos: LineCol) -> u32 {
        self.offset_with(text, pos, |_| 1)
    }

    fn offset_with(&self, text: &str, pos: LineCol, width: impl Fn(char) -> usize) -> u32 {
        if pos.line as usize >= self.line_starts.len() {
            return self.len;
        }
        let (start, end) = self.line_range(pos.line, text);
        let mut remaining = pos.col as usize;
        let mut offset = start as usize;
        for c in text[start as usize..end as usize].chars() {
            if remaining == 0 {
                break;
            }
            let w = width(c);
            if w > remaining {
                break;
            }
            remaining -= w;
            offset += c.len_utf8();
        }
        offset as u32
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let text = "ab\né𝄞x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.line_col_chars(text, x), LineCol { line: 1, col: 2 });
        assert_eq!(idx.line_col_utf16(text, x), LineCol { line: 1, col: 3 });
        assert_eq!(idx.line_col_utf8(x), LineCol { line: 1, col: 6 });
        assert_eq!(idx.offset_utf16(text, LineCol { line: 1, col: 3 }), x);
        assert_eq!(idx.offset_utf16(text, LineCol { line: 1, col: 99 }), x + 1);
        assert_eq!(
            idx.offset_utf16(text, LineCol { line: 9, col: 0 }),
            text.len() as u32
        );
    }
}
