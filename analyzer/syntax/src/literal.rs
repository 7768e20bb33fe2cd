//! Decoding of Starlark string literals (quotes, prefixes, escapes, implicit concatenation).

use tree_sitter::Node;

/// A decoded string literal and whether it was decoded exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringValue {
    pub value: String,
}

/// Decodes a `string` or `concatenated_string` node. Returns `None` for anything else, and for
/// strings with interpolation (f-strings), whose value is not static.
pub fn string_value(node: Node<'_>, text: &str) -> Option<StringValue> {
    match node.kind() {
        "string" => decode_one(node, text).map(|value| StringValue { value }),
        "concatenated_string" => {
            let mut value = String::new();
            for part in crate::named_children(node) {
                value.push_str(&decode_one(part, text)?);
            }
            Some(StringValue { value })
        }
        _ => None,
    }
}

fn decode_one(node: Node<'_>, text: &str) -> Option<String> {
    let raw = text.get(node.start_byte()..node.end_byte())?;
    let prefix_len = raw.find(['"', '\'']).unwrap_or(raw.len());
    let prefix = raw[..prefix_len].to_ascii_lowercase();
    if prefix.contains('f') {
        return None;
    }
    let is_raw = prefix.contains('r');
    let body = &raw[prefix_len..];
    let quote = if body.starts_with("\"\"\"") || body.starts_with("'''") {
        3
    } else {
        1
    };
    // A string the parser recovered from may lack its closing quote (and end inside a
    // multi-byte character): only a literal that ends with its opening quote is decoded.
    if body.len() < 2 * quote || !body.ends_with(&body[..quote]) {
        return None;
    }
    let inner = body.get(quote..body.len() - quote)?;
    if is_raw {
        return Some(inner.to_string());
    }
    Some(unescape(inner))
}

/// The value of a non-raw string literal's body: the escapes Starlark defines are decoded,
/// any other backslash is kept as written.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
