//! The direct reader: [`FileFacts`] for plain BUILD files without a syntax tree.
//!
//! Most BUILD files are a list of `load()`s, rule calls and constant assignments whose values
//! are strings, numbers, names, lists, dicts, calls and `+`. Parsing them with tree-sitter and
//! lowering the tree costs several times what reading them straight into facts does, and in a
//! cold check of a monorepo that is most of the work. This reader accepts exactly that subset
//! and returns `None` (the caller parses with tree-sitter) on anything else: any other
//! statement, operator or literal form, string prefixes, implicit concatenation,
//! keywords used as names, non-ASCII outside strings and comments, control characters (but
//! for `\r\n` line breaks),
//! indentation at the top level, and nesting deeper than lowering keeps.
//!
//! The facts it returns must equal [`crate::facts::lower_file`]'s for the same text, ranges
//! included: one grammar decides what a file means, in the editor and in CI. Tests compare the
//! two on every corpus file and generated workspace, and the `starlark` fuzz target compares
//! them on every input the reader accepts.

use thin_vec::ThinVec;
use toolcheck_syntax::{exact, TextRange};

use crate::expr::{sym, Call, Expr, ExprKind, ExtExpr, Kwarg, MAX_EXPR_DEPTH};
use crate::facts::{lower_load, suppressions_from_comments, Binding, FileFacts, TopCall};

/// Reads a BUILD file's facts, or `None` when the file is outside the subset this reader
/// handles (then [`crate::facts::lower_file`] on a parse gives them).
pub fn read(text: &str) -> Option<FileFacts> {
    let bytes = text.as_bytes();
    // Control characters go to the parser, but for a carriage return that ends a line.
    let control = |(i, &b): (usize, &u8)| {
        ((b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f)
            && !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n'))
    };
    if text.len() >= u32::MAX as usize || bytes.iter().enumerate().any(control) {
        return None;
    }
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        pos: 0,
        nest: 0,
        depth: 0,
        comments: Vec::new(),
        statements: Vec::new(),
    };
    let mut facts = FileFacts::default();
    while r.pos < r.b.len() {
        match r.peek() {
            b'\n' | b'\r' => {
                r.pos += r.newline_len();
                continue;
            }
            b' ' | b'\t' => {
                // Only a line holding nothing but blanks may start with them.
                r.skip_ws();
                if r.pos < r.b.len() && r.newline_len() == 0 {
                    return None;
                }
                continue;
            }
            b'#' => {
                r.comment();
                continue;
            }
            _ => {}
        }
        r.statement(&mut facts)?;
        r.skip_ws();
        if r.peek() == b'#' {
            r.comment();
        }
        if r.pos < r.b.len() {
            match r.newline_len() {
                0 => return None,
                n => r.pos += n,
            }
        }
    }
    if text.contains("toolcheck:") {
        suppressions_from_comments(&r.comments, text, &r.statements, &mut facts);
    }
    facts.loads = exact(facts.loads);
    facts.bindings = exact(facts.bindings);
    facts.calls = exact(facts.calls);
    Some(facts)
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Open brackets: inside them newlines and comments separate tokens.
    nest: u32,
    /// Nested expressions being read, bounded so hostile nesting costs no stack.
    depth: u32,
    comments: Vec<TextRange>,
    /// Ranges of the top-level statements read, for scoping suppression comments.
    statements: Vec<TextRange>,
}

fn range(start: usize, end: usize) -> TextRange {
    TextRange::new(start as u32, end as u32)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Names the grammar treats as (soft) keywords; a file using one as a name goes to the parser.
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "and"
            | "as"
            | "assert"
            | "async"
            | "await"
            | "break"
            | "case"
            | "class"
            | "continue"
            | "def"
            | "del"
            | "elif"
            | "else"
            | "except"
            | "exec"
            | "finally"
            | "for"
            | "from"
            | "global"
            | "if"
            | "import"
            | "in"
            | "is"
            | "lambda"
            | "match"
            | "nonlocal"
            | "not"
            | "or"
            | "pass"
            | "print"
            | "raise"
            | "return"
            | "try"
            | "type"
            | "while"
            | "with"
            | "yield"
            | "True"
            | "False"
            | "None"
    )
}

impl<'a> Reader<'a> {
    /// The byte at the cursor; 0 at the end (NUL bytes are rejected up front).
    fn peek(&self) -> u8 {
        self.b.get(self.pos).copied().unwrap_or(0)
    }

    /// The length of the line break at the cursor (`\n` or `\r\n`), 0 when there is none.
    fn newline_len(&self) -> usize {
        match (self.peek(), self.b.get(self.pos + 1)) {
            (b'\n', _) => 1,
            (b'\r', Some(b'\n')) => 2,
            _ => 0,
        }
    }

    /// Skips what separates tokens: blanks, and inside brackets newlines and comments.
    fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                b' ' | b'\t' => self.pos += 1,
                b'\n' | b'\r' if self.nest > 0 => self.pos += 1,
                b'#' if self.nest > 0 => self.comment(),
                _ => return,
            }
        }
    }

    /// The next byte [`Self::skip_ws`] would stop at, and its offset, without moving (and
    /// without recording comments twice).
    fn next_significant(&self) -> (usize, u8) {
        let mut p = self.pos;
        loop {
            match self.b.get(p).copied().unwrap_or(0) {
                b' ' | b'\t' => p += 1,
                b'\n' | b'\r' if self.nest > 0 => p += 1,
                b'#' if self.nest > 0 => {
                    p = self.b[p..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(self.b.len(), |i| p + i);
                }
                c => return (p, c),
            }
        }
    }

    fn comment(&mut self) {
        let start = self.pos;
        self.pos = self.b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |i| start + i);
        self.comments.push(range(start, self.pos));
    }

    /// Whether the identifier at the cursor is followed by a single `=` (a keyword argument
    /// or an assignment).
    fn assignment_ahead(&self) -> bool {
        let mut p = self.pos;
        while p < self.b.len() && is_ident_char(self.b[p]) {
            p += 1;
        }
        while p < self.b.len() && (self.b[p] == b' ' || self.b[p] == b'\t') {
            p += 1;
        }
        self.b.get(p) == Some(&b'=') && self.b.get(p + 1) != Some(&b'=')
    }

    fn ident(&mut self) -> Option<(&'a str, TextRange)> {
        let start = self.pos;
        if !is_ident_start(self.peek()) {
            return None;
        }
        while is_ident_char(self.peek()) {
            self.pos += 1;
        }
        if self.peek() >= 0x80 {
            return None;
        }
        Some((&self.text[start..self.pos], range(start, self.pos)))
    }

    fn statement(&mut self, facts: &mut FileFacts) -> Option<()> {
        let start = self.pos;
        if is_ident_start(self.peek()) && self.assignment_ahead() {
            let (name, name_range) = self.ident()?;
            if is_keyword(name) {
                return None;
            }
            self.skip_ws();
            self.pos += 1;
            self.skip_ws();
            let value = self.expr()?;
            if too_deep(&value, 0) {
                return None;
            }
            self.statements.push(range(start, value.range.end as usize));
            facts.bindings.push(Binding {
                name: name.to_string(),
                name_range,
                value,
            });
            return Some(());
        }
        let e = self.expr()?;
        if too_deep(&e, 0) {
            return None;
        }
        self.statements.push(e.range);
        match e.kind {
            ExprKind::Call(call) => {
                if call.func.dotted_name().as_deref() == Some("load") {
                    facts.loads.extend(lower_load(&call, e.range));
                } else {
                    facts.calls.push(TopCall {
                        call: *call,
                        range: e.range,
                    });
                }
            }
            ExprKind::Str(_) => {}
            _ => return None,
        }
        Some(())
    }

    /// `operand (+ operand)*`.
    fn expr(&mut self) -> Option<Expr> {
        let mut acc = self.unary()?;
        let mut operands = 1;
        loop {
            let (at, c) = self.next_significant();
            if c != b'+' || self.b.get(at + 1) == Some(&b'=') {
                return Some(acc);
            }
            operands += 1;
            if operands > MAX_EXPR_DEPTH {
                return None;
            }
            self.skip_ws();
            self.pos += 1;
            self.skip_ws();
            let right = self.unary()?;
            let r = TextRange::new(acc.range.start, right.range.end);
            acc = Expr {
                kind: ExprKind::Add(Box::new([acc, right])),
                range: r,
            };
        }
    }

    /// `-primary` or `primary`.
    fn unary(&mut self) -> Option<Expr> {
        if self.peek() != b'-' {
            return self.primary();
        }
        let start = self.pos;
        self.pos += 1;
        self.skip_ws();
        let operand = self.primary()?;
        let r = range(start, operand.range.end as usize);
        Some(Expr {
            kind: ExprKind::Ext(Box::new(ExtExpr::Unary {
                op: "-".to_string(),
                operand,
            })),
            range: r,
        })
    }

    /// An atom followed by attribute accesses and calls.
    fn primary(&mut self) -> Option<Expr> {
        self.depth += 1;
        // Each level of nesting is a level of expression; `too_deep` decides exactly.
        if self.depth > MAX_EXPR_DEPTH + 2 {
            return None;
        }
        let mut e = self.atom()?;
        loop {
            let (_, c) = self.next_significant();
            match c {
                b'.' if !matches!(e.kind, ExprKind::Int(_)) => {
                    self.skip_ws();
                    self.pos += 1;
                    self.skip_ws();
                    let (name, r) = self.ident()?;
                    if is_keyword(name) {
                        return None;
                    }
                    let whole = TextRange::new(e.range.start, r.end);
                    e = Expr {
                        kind: ExprKind::attr(e, sym(name)),
                        range: whole,
                    };
                }
                b'(' => {
                    self.skip_ws();
                    e = self.call(e)?;
                }
                b'.' | b'[' => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(e)
    }

    fn atom(&mut self) -> Option<Expr> {
        let start = self.pos;
        match self.peek() {
            c if is_ident_start(c) => {
                let (name, r) = self.ident()?;
                if matches!(self.peek(), b'"' | b'\'') {
                    // A string prefix (`r"..."`, `b'...'`).
                    return None;
                }
                let kind = match name {
                    "True" => ExprKind::Bool(true),
                    "False" => ExprKind::Bool(false),
                    "None" => ExprKind::None,
                    n if is_keyword(n) => return None,
                    n => ExprKind::Name(sym(n)),
                };
                Some(Expr { kind, range: r })
            }
            b'0'..=b'9' => {
                while self.peek().is_ascii_digit() {
                    self.pos += 1;
                }
                let digits = &self.text[start..self.pos];
                let next = self.peek();
                if is_ident_char(next) || next == b'.' || next >= 0x80 {
                    return None;
                }
                if digits.len() > 1 && digits.starts_with('0') {
                    return None;
                }
                let kind = digits
                    .parse::<i64>()
                    .map(ExprKind::Int)
                    .unwrap_or(ExprKind::Unknown);
                Some(Expr {
                    kind,
                    range: range(start, self.pos),
                })
            }
            b'"' | b'\'' => self.string(),
            b'[' => self.list(),
            b'{' => self.dict(),
            _ => None,
        }
    }

    /// A quoted string without prefix, not followed by another string. Escapes are decoded
    /// by the function lowering uses; a backslash before a line break goes to the parser.
    fn string(&mut self) -> Option<Expr> {
        let start = self.pos;
        let q = self.peek();
        let rest = &self.b[start..];
        let triple = rest.len() >= 3 && rest[1] == q && rest[2] == q;
        let body_start = start + if triple { 3 } else { 1 };
        let mut i = body_start;
        let mut escaped = false;
        let body_end = loop {
            match self.b.get(i).copied()? {
                b'\\' => {
                    if matches!(self.b.get(i + 1).copied(), None | Some(b'\n' | b'\r')) {
                        return None;
                    }
                    escaped = true;
                    i += 2;
                }
                b'\n' | b'\r' if !triple => return None,
                c if c == q && (!triple || self.b[i..].starts_with(&[q, q, q])) => break i,
                _ => i += 1,
            }
        };
        let end = body_end + if triple { 3 } else { 1 };
        let body = &self.text[body_start..body_end];
        let value = if escaped {
            sym(&toolcheck_syntax::unescape(body))
        } else {
            sym(body)
        };
        self.pos = end;
        if matches!(self.next_significant().1, b'"' | b'\'') {
            // Implicit concatenation.
            return None;
        }
        Some(Expr {
            kind: ExprKind::Str(value),
            range: range(start, end),
        })
    }

    /// Reads `item (, item)* ,? close` after an opening bracket, with `item` reading one
    /// element; returns when the closing bracket is consumed.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.pos += 1;
        self.nest += 1;
        loop {
            self.skip_ws();
            match self.peek() {
                c if c == close => break,
                b'*' | b',' => return None,
                _ => {}
            }
            item(self)?;
            self.skip_ws();
            match self.peek() {
                b',' => self.pos += 1,
                c if c == close => break,
                _ => return None,
            }
        }
        self.pos += 1;
        self.nest -= 1;
        Some(())
    }

    fn list(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut items = Vec::new();
        self.items(b']', |r| {
            items.push(r.expr()?);
            Some(())
        })?;
        Some(Expr {
            kind: ExprKind::List(ThinVec::from(items)),
            range: range(start, self.pos),
        })
    }

    fn dict(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut pairs = Vec::new();
        self.items(b'}', |r| {
            let key = r.expr()?;
            r.skip_ws();
            if r.peek() != b':' {
                return None;
            }
            r.pos += 1;
            r.skip_ws();
            let value = r.expr()?;
            pairs.push((key, value));
            Some(())
        })?;
        Some(Expr {
            kind: ExprKind::Dict(ThinVec::from(pairs)),
            range: range(start, self.pos),
        })
    }

    /// The argument list of a call of `func`, at its `(`.
    fn call(&mut self, func: Expr) -> Option<Expr> {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        self.items(b')', |r| {
            if is_ident_start(r.peek()) && r.assignment_ahead() {
                let (name, name_range) = r.ident()?;
                // `type` is a soft keyword (a statement only where a statement starts); rules
                // commonly take a `type` attribute.
                if is_keyword(name) && name != "type" {
                    return None;
                }
                r.skip_ws();
                r.pos += 1;
                r.skip_ws();
                kwargs.push(Kwarg {
                    name: sym(name),
                    name_range,
                    value: r.expr()?,
                });
            } else {
                args.push(r.expr()?);
            }
            Some(())
        })?;
        let whole = range(func.range.start as usize, self.pos);
        Some(Expr {
            kind: ExprKind::Call(Box::new(Call {
                func,
                args: exact(args).into_boxed_slice(),
                kwargs: exact(kwargs).into_boxed_slice(),
                splat: None,
            })),
            range: whole,
        })
    }
}

/// Whether lowering would give up on part of `e` (it keeps [`MAX_EXPR_DEPTH`] levels); the
/// reader then declines rather than imitate that.
fn too_deep(e: &Expr, depth: u32) -> bool {
    if depth > MAX_EXPR_DEPTH {
        return true;
    }
    let d = depth + 1;
    match &e.kind {
        ExprKind::List(items) => items.iter().any(|i| too_deep(i, d)),
        ExprKind::Dict(pairs) => pairs.iter().any(|(k, v)| too_deep(k, d) || too_deep(v, d)),
        ExprKind::Attr(a) => too_deep(&a.0, d),
        ExprKind::Call(c) => {
            too_deep(&c.func, d)
                || c.args.iter().any(|a| too_deep(a, d))
                || c.kwargs.iter().any(|k| too_deep(&k.value, d))
        }
        ExprKind::Add(ops) => ops.iter().any(|o| too_deep(o, d)),
        ExprKind::Ext(x) => match &**x {
            ExtExpr::Unary { operand, .. } => too_deep(operand, d),
            _ => true,
        },
        _ => false,
    }
}
