//! The diagnostic model shared by every front end: plain data, byte ranges, no protocol types.

use toolcheck_index::workspace::FileId;
use toolcheck_syntax::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "warning" => Severity::Warning,
            "error" => Severity::Error,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub file: FileId,
    pub range: TextRange,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// The edit keeps the meaning the user intended; it may be applied automatically.
    Safe,
    /// The edit changes behaviour; it needs the user's review.
    Unsafe,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub file: FileId,
    pub range: TextRange,
    pub new_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<TextEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The check's kebab-case name: its only ID.
    pub check: &'static str,
    pub severity: Severity,
    pub file: FileId,
    pub range: TextRange,
    pub message: String,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
    /// The named configs the finding holds in when it does not hold in the default
    /// configuration (`toolcheck check` over the configuration matrix); empty otherwise.
    pub configs: Vec<String>,
    /// The hosts (`macos-aarch64`) the finding holds on when it does not hold on the analysed
    /// host (the host matrix); empty otherwise.
    pub hosts: Vec<String>,
    /// The declaration the finding is about, when the check knows one (a toolchain's
    /// `toolchain()` call): findings of different checks about one subject are one root
    /// cause, wherever each is reported, and are merged into one (see `registry`).
    pub subject: Option<(FileId, TextRange)>,
}

impl Diagnostic {
    pub fn new(
        check: &'static str,
        severity: Severity,
        file: FileId,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            check,
            severity,
            file,
            range,
            message: message.into(),
            related: Vec::new(),
            fixes: Vec::new(),
            configs: Vec::new(),
            hosts: Vec::new(),
            subject: None,
        }
    }

    /// Names the declaration the finding is about (see [`Diagnostic::subject`]).
    pub fn about(mut self, file: FileId, range: TextRange) -> Self {
        self.subject = Some((file, range));
        self
    }
    pub fn with_related(
        mut self,
        file: FileId,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            file,
            range,
            message: message.into(),
        });
        self
    }
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }
}
