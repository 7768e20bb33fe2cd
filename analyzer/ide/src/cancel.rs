//! Cooperative cancellation of analysis work, without unwinding.
//!
//! Every change to an [`AnalysisHost`](crate::AnalysisHost) bumps a revision counter that
//! the host shares with the [`Analysis`] snapshots it hands out; a snapshot taken at an older
//! revision is *cancelled*. A caller may also attach its own flag
//! ([`Analysis::with_cancel_flag`], e.g. set when the client cancels a request). Long-running
//! queries poll [`Analysis::is_cancelled`] between units of work (between checks, between
//! target platforms) and return [`Cancelled`] instead of a result computed on stale inputs.
//! Nothing panics: a cancelled query is an ordinary `Err`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::{Analysis, Diagnostic, FileId, HoverResult, LintConfig};

/// The query was abandoned: the inputs changed, or the caller asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("analysis cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// The result of a query that may be cancelled.
pub type Cancellable<T> = Result<T, Cancelled>;

/// The host's side: the revision counter its snapshots observe.
#[derive(Default)]
pub(crate) struct Revision(Arc<AtomicU64>);

impl Revision {
    /// Cancels every snapshot taken so far.
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// A token for a snapshot taken now.
    pub(crate) fn token(&self) -> Token {
        Token {
            revision: self.0.clone(),
            at: self.0.load(Ordering::SeqCst),
            flag: None,
        }
    }
}

/// A snapshot's side: cancelled once the host moved past `at` or `flag` is set.
#[derive(Clone, Default)]
pub(crate) struct Token {
    revision: Arc<AtomicU64>,
    at: u64,
    flag: Option<Arc<AtomicBool>>,
}

impl Token {
    fn is_cancelled(&self) -> bool {
        self.revision.load(Ordering::SeqCst) != self.at
            || self.flag.as_ref().is_some_and(|f| f.load(Ordering::SeqCst))
    }
}

impl Analysis {
    /// Whether the inputs changed since this snapshot was taken, or its flag was set. Once
    /// true, it stays true.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// `Err(Cancelled)` when [`is_cancelled`](Self::is_cancelled).
    pub fn check_cancelled(&self) -> Cancellable<()> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// This snapshot, also cancelled when `flag` becomes true (a per-request flag).
    pub fn with_cancel_flag(&self, flag: Arc<AtomicBool>) -> Analysis {
        let mut a = self.clone();
        a.cancel.flag = Some(flag);
        a
    }

    /// Every diagnostic in the workspace, like [`diagnostics`](Self::diagnostics), polling for
    /// cancellation between checks.
    pub fn try_diagnostics(&self, config: &LintConfig) -> Cancellable<Vec<Diagnostic>> {
        let cancelled = || self.is_cancelled();
        let ctx = self.lint_context().with_cancel(&cancelled);
        toolcheck_lints::run_checks_until(&ctx, config, &cancelled).ok_or(Cancelled)
    }

    /// [`file_diagnostics`](Self::file_diagnostics), polling for cancellation between checks.
    pub fn try_file_diagnostics(
        &self,
        file: FileId,
        config: &LintConfig,
    ) -> Cancellable<Vec<Diagnostic>> {
        let cancelled = || self.is_cancelled();
        let ctx = self.lint_context().scoped_to(file).with_cancel(&cancelled);
        toolcheck_lints::run_checks_until(&ctx, config, &cancelled).ok_or(Cancelled)
    }

    /// [`hover`](Self::hover), or `Cancelled` if the snapshot was cancelled meanwhile (the
    /// toolchain type description stops early then).
    pub fn try_hover(&self, file: FileId, offset: u32) -> Cancellable<Option<HoverResult>> {
        self.check_cancelled()?;
        let hover = self.hover(file, offset);
        self.check_cancelled()?;
        Ok(hover)
    }

    /// [`resolution_graph`](Self::resolution_graph), or `Cancelled` (its checks stop at the
    /// next one).
    pub fn try_resolution_graph(
        &self,
        lint: &crate::LintConfig,
    ) -> Cancellable<crate::ResolutionGraph> {
        self.check_cancelled()?;
        let graph = self.resolution_graph_with(lint, &|| self.is_cancelled())?;
        self.check_cancelled()?;
        Ok(graph)
    }

    /// [`resolution_report`](Self::resolution_report), or `Cancelled`.
    pub fn try_resolution_report(
        &self,
        file: FileId,
        offset: Option<u32>,
    ) -> Cancellable<Option<String>> {
        self.check_cancelled()?;
        let report = self.resolution_report(file, offset);
        self.check_cancelled()?;
        Ok(report)
    }
}
