//! Conversions from toolcheck's plain analysis data to LSP types.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};

use toolcheck_ide::{Diagnostic, Severity, TextRange};

use super::document::{position_of, PositionEncoding};

use crate::links::CHECK_DOCS_URL;

/// The `source` of every diagnostic.
pub(crate) const SOURCE: &str = "toolcheck";

pub(crate) fn position(rope: &Rope, offset: u32, enc: PositionEncoding) -> Position {
    let lc = position_of(rope, offset, enc);
    Position::new(lc.line, lc.col)
}

pub(crate) fn range(rope: &Rope, range: TextRange, enc: PositionEncoding) -> Range {
    Range::new(
        position(rope, range.start, enc),
        position(rope, range.end, enc),
    )
}

pub(crate) fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

pub(crate) fn code_description(check: &str) -> Option<CodeDescription> {
    let href = format!("{CHECK_DOCS_URL}{check}").parse::<Uri>().ok()?;
    Some(CodeDescription { href })
}

/// Converts one diagnostic. `text_of` gives the text (and URI) of related files.
pub(crate) fn diagnostic(
    d: &Diagnostic,
    rope: &Rope,
    enc: PositionEncoding,
    mut related: impl FnMut(toolcheck_ide::FileId) -> Option<(Uri, Rope)>,
) -> lsp::Diagnostic {
    let related_information: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let (uri, rope) = related(r.file)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range(&rope, r.range, enc)),
                message: r.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(rope, d.range, enc),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.check.to_owned())),
        code_description: code_description(d.check),
        source: Some(SOURCE.to_owned()),
        message: d.message.clone(),
        related_information: (!related_information.is_empty()).then_some(related_information),
        tags: None,
        data: None,
    }
}

pub(crate) fn encoding_kind(enc: PositionEncoding) -> lsp::PositionEncodingKind {
    match enc {
        PositionEncoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        PositionEncoding::Utf8 => lsp::PositionEncodingKind::UTF8,
    }
}

pub(crate) fn symbol_kind(kind: toolcheck_ide::SymbolKind) -> lsp::SymbolKind {
    use toolcheck_ide::SymbolKind as K;
    match kind {
        K::Target => lsp::SymbolKind::OBJECT,
        K::ToolchainType => lsp::SymbolKind::INTERFACE,
        K::Toolchain => lsp::SymbolKind::CLASS,
        K::Platform => lsp::SymbolKind::STRUCT,
        K::ConstraintSetting => lsp::SymbolKind::ENUM,
        K::ConstraintValue => lsp::SymbolKind::ENUM_MEMBER,
        K::Function => lsp::SymbolKind::FUNCTION,
        K::Variable => lsp::SymbolKind::VARIABLE,
        K::Load => lsp::SymbolKind::MODULE,
    }
}

/// Document symbols, nested when the client supports it, else flat with a container name.
pub(crate) fn document_symbols(
    symbols: Vec<toolcheck_ide::Symbol>,
    rope: &Rope,
    enc: PositionEncoding,
    uri: &Uri,
    hierarchical: bool,
) -> lsp::DocumentSymbolResponse {
    if hierarchical {
        #[allow(deprecated)]
        let nested = symbols
            .into_iter()
            .map(|s| lsp::DocumentSymbol {
                name: s.name,
                detail: s.detail,
                kind: symbol_kind(s.kind),
                tags: None,
                deprecated: None,
                range: range(rope, s.range, enc),
                selection_range: range(rope, s.focus_range, enc),
                children: None,
            })
            .collect();
        lsp::DocumentSymbolResponse::Nested(nested)
    } else {
        #[allow(deprecated)]
        let flat = symbols
            .into_iter()
            .map(|s| lsp::SymbolInformation {
                name: s.name,
                kind: symbol_kind(s.kind),
                tags: None,
                deprecated: None,
                location: Location::new(uri.clone(), range(rope, s.focus_range, enc)),
                container_name: s.detail,
            })
            .collect();
        lsp::DocumentSymbolResponse::Flat(flat)
    }
}

pub(crate) fn completion_item(
    c: toolcheck_ide::Completion,
    rope: &Rope,
    enc: PositionEncoding,
) -> lsp::CompletionItem {
    use toolcheck_ide::CompletionKind as K;
    let kind = match c.kind {
        K::Label => lsp::CompletionItemKind::REFERENCE,
        K::Package => lsp::CompletionItemKind::FOLDER,
        K::Repository => lsp::CompletionItemKind::MODULE,
    };
    lsp::CompletionItem {
        label: c.label.clone(),
        kind: Some(kind),
        detail: c.detail,
        filter_text: Some(c.label.clone()),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
            range: range(rope, c.replace, enc),
            new_text: c.label,
        })),
        ..lsp::CompletionItem::default()
    }
}

/// Quick fixes of the diagnostics under the cursor, and "suppress on this line" for each.
pub(crate) fn code_actions(
    snap: &super::state::Snap,
    uri: &Uri,
    rope: &Rope,
    diags: &[Diagnostic],
) -> Vec<lsp::CodeActionOrCommand> {
    let enc = snap.encoding;
    let mut out = Vec::new();
    let mut ropes: std::collections::HashMap<toolcheck_ide::FileId, Rope> = Default::default();
    for d in diags {
        let proto = diagnostic(d, rope, enc, |f| Some((snap.uri(f)?, snap.rope(f))));
        for fix in &d.fixes {
            let mut changes: std::collections::HashMap<Uri, Vec<lsp::TextEdit>> =
                Default::default();
            for e in &fix.edits {
                let Some(target) = snap.uri(e.file) else {
                    continue;
                };
                let r = ropes.entry(e.file).or_insert_with(|| snap.rope(e.file));
                changes.entry(target).or_default().push(lsp::TextEdit {
                    range: range(r, e.range, enc),
                    new_text: e.new_text.clone(),
                });
            }
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: fix.title.clone(),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![proto.clone()]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(changes),
                    ..lsp::WorkspaceEdit::default()
                }),
                is_preferred: Some(
                    d.fixes.len() == 1 && fix.applicability == toolcheck_ide::Applicability::Safe,
                ),
                ..lsp::CodeAction::default()
            }));
        }
    }
    // One suppression per (check, line), after the fixes.
    let mut seen = std::collections::HashSet::new();
    for d in diags {
        let line = rope.byte_to_line((d.range.start as usize).min(rope.len_bytes()));
        if !seen.insert((d.check, line)) {
            continue;
        }
        let Some(edit) = suppress_edit(rope, line, d.check, enc) else {
            continue;
        };
        let proto = diagnostic(d, rope, enc, |_| None);
        let mut changes = std::collections::HashMap::new();
        changes.insert(uri.clone(), vec![edit]);
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: format!("Suppress {} on this line", d.check),
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![proto]),
            edit: Some(lsp::WorkspaceEdit {
                changes: Some(changes),
                ..lsp::WorkspaceEdit::default()
            }),
            ..lsp::CodeAction::default()
        }));
    }
    out
}

/// The edit that adds `check` to the line's `# toolcheck: disable=` comment, or appends one.
pub(crate) fn suppress_edit(
    rope: &Rope,
    line: usize,
    check: &str,
    enc: PositionEncoding,
) -> Option<lsp::TextEdit> {
    const MARKER: &str = "# toolcheck: disable=";
    let line_text: String = rope.get_line(line)?.to_string();
    let content = line_text.trim_end_matches(['\n', '\r']);
    let line_start = rope.line_to_byte(line) as u32;
    let (at, new_text) = match content.find(MARKER) {
        Some(i) => {
            let list_start = i + MARKER.len();
            let list_len = content[list_start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ','))
                .unwrap_or(content.len() - list_start);
            let list = &content[list_start..list_start + list_len];
            if list.split(',').any(|c| c == check) {
                return None;
            }
            (list_start + list_len, format!(",{check}"))
        }
        None => (content.len(), format!("  {MARKER}{check}")),
    };
    let pos = position(rope, line_start + at as u32, enc);
    Some(lsp::TextEdit {
        range: Range::new(pos, pos),
        new_text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edit: &lsp::TextEdit) -> String {
        let rope = Rope::from_str(text);
        let at = super::super::from_proto::offset(&rope, edit.range.start, PositionEncoding::Utf16);
        let mut s = text.to_owned();
        s.insert_str(at as usize, &edit.new_text);
        s
    }

    #[test]
    fn suppress_appends_or_extends_the_comment() {
        let text = "toolchain(\n    toolchain_type = \"//x:y\",\n)\n";
        let rope = Rope::from_str(text);
        let e = suppress_edit(&rope, 1, "unresolved-label", PositionEncoding::Utf16).unwrap();
        let once = apply(text, &e);
        assert_eq!(
            once.lines().nth(1).unwrap(),
            "    toolchain_type = \"//x:y\",  # toolcheck: disable=unresolved-label"
        );
        let rope = Rope::from_str(&once);
        let e = suppress_edit(&rope, 1, "wrong-target-kind", PositionEncoding::Utf16).unwrap();
        assert!(
            apply(&once, &e).contains("# toolcheck: disable=unresolved-label,wrong-target-kind\n")
        );
        // Already suppressed: no action.
        assert!(suppress_edit(&rope, 1, "unresolved-label", PositionEncoding::Utf16).is_none());
    }

    #[test]
    fn diagnostics_carry_check_name_and_docs_link() {
        let text = "x = \"é\" + y\n";
        let rope = Rope::from_str(text);
        let start = text.find('y').unwrap() as u32;
        let d = Diagnostic::new(
            "unresolved-label",
            Severity::Warning,
            toolcheck_ide::FileId(0),
            TextRange::new(start, start + 1),
            "m",
        );
        let p = diagnostic(&d, &rope, PositionEncoding::Utf16, |_| None);
        assert_eq!(
            p.code,
            Some(NumberOrString::String("unresolved-label".into()))
        );
        assert!(p
            .code_description
            .unwrap()
            .href
            .as_str()
            .ends_with("#unresolved-label"));
        assert_eq!(p.range.start, Position::new(0, 10));
        let p8 = diagnostic(&d, &rope, PositionEncoding::Utf8, |_| None);
        assert_eq!(p8.range.start, Position::new(0, 11));
        assert_eq!(p.severity, Some(DiagnosticSeverity::WARNING));
    }
}
