//! The diagnostics task: waits for changes, debounces them, computes diagnostics on a
//! snapshot off the async runtime, and publishes them per file.
//!
//! Edited documents first: a round starts with the documents whose version changed since
//! their last publication, each checked on its own (the checks scoped to that file, which
//! costs what the edit can affect), and publishes those; then it computes the whole
//! workspace and publishes every file whose diagnostics changed.
//!
//! Never stale: a result is published only if no input changed while it was computed (the
//! state's revision is unchanged); otherwise the next round, already queued, replaces it.
//! A change also cancels the computation in flight: the analysis polls for cancellation
//! between checks and the conversion between files, so a superseded round stops early
//! instead of finishing work nobody will see. Open documents' diagnostics carry the document
//! version they were computed for. Every workspace folder's diagnostics are published.
//!
//! A world loaded with the default configuration because its `toolcheck.toml` has an error
//! publishes no findings (`Snap::withheld`): the file could change any of them. The error
//! itself is published on `toolcheck.toml` by the indexing task (`server.rs`).
//!
//! With the workspace-wide round, each folder's coverage (what toolcheck could not evaluate)
//! goes to the client as a `toolcheck/status` notification when it changed, so an editor can
//! show that an empty problems list is not the whole story.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::mpsc;
use tower_lsp_server::ls_types::{self as lsp, Uri};
use tower_lsp_server::Client;

use toolcheck_ide::{Analysis, Cancellable, Cancelled};

use super::ext::{Status, StatusParams};
use super::log::log;
use super::state::{Snap, State};
use super::to_proto;

/// Diagnostics of the documents in `uris` only (each on the snapshot of its world), converted.
fn convert_edited(
    state: &State,
    uris: &[Uri],
    superseded: &Arc<std::sync::atomic::AtomicBool>,
) -> Cancellable<HashMap<Uri, Vec<lsp::Diagnostic>>> {
    let mut out = HashMap::new();
    for uri in uris {
        let Some((snap, file)) = state.snapshot_for(uri) else {
            continue;
        };
        if snap.withheld {
            out.insert(uri.clone(), Vec::new());
            continue;
        }
        let analysis = snap.analysis.with_cancel_flag(superseded.clone());
        let diags = analysis.try_file_diagnostics(file, &snap.lint_config)?;
        let converted = convert_file(&snap, file, diags.iter(), &mut HashMap::new());
        out.insert(uri.clone(), converted);
    }
    Ok(out)
}

/// Converts diagnostics reported in `file` (`ropes` caches other files' texts for related
/// locations).
fn convert_file<'d>(
    snap: &Snap,
    file: toolcheck_ide::FileId,
    diags: impl Iterator<Item = &'d toolcheck_ide::Diagnostic>,
    ropes: &mut HashMap<toolcheck_ide::FileId, ropey::Rope>,
) -> Vec<lsp::Diagnostic> {
    let rope = snap.rope(file);
    diags
        .map(|d| {
            to_proto::diagnostic(d, &rope, snap.encoding, |f| {
                let rope = ropes.entry(f).or_insert_with(|| snap.rope(f)).clone();
                Some((snap.uri(f)?, rope))
            })
        })
        .collect()
}

/// Computes one world's diagnostics (on `analysis`, the snapshot with the round's
/// cancellation flag) and converts them per file into `out`.
fn convert(
    snap: &Snap,
    analysis: &Analysis,
    out: &mut HashMap<Uri, Vec<lsp::Diagnostic>>,
) -> Cancellable<()> {
    if snap.withheld {
        // Its files' lists are cleared: nothing is claimed until the configuration parses.
        return Ok(());
    }
    let diags = analysis.try_diagnostics(&snap.lint_config)?;
    let mut by_file: HashMap<toolcheck_ide::FileId, Vec<_>> = HashMap::new();
    for d in &diags {
        by_file.entry(d.file).or_default().push(d);
    }
    let mut ropes = HashMap::new();
    for (file, diags) in by_file {
        analysis.check_cancelled()?;
        let Some(uri) = snap.uri(file) else { continue };
        let converted = convert_file(snap, file, diags.into_iter(), &mut ropes);
        out.insert(uri, converted);
    }
    Ok(())
}

pub(crate) async fn run(
    client: Client,
    state: Arc<State>,
    mut changed: mpsc::UnboundedReceiver<()>,
) {
    // URIs that currently show diagnostics, to clear them when they have none.
    let mut shown: HashSet<Uri> = HashSet::new();
    // What was last published per URI, with the document version: unchanged lists are not
    // sent again.
    let mut published: HashMap<Uri, (Option<i32>, Vec<lsp::Diagnostic>)> = HashMap::new();
    // A change arrived while a round was computing: the next round starts without waiting.
    let mut pending = false;
    // The last status sent per workspace folder: only changes are sent.
    let mut statuses: HashMap<Option<Uri>, StatusParams> = HashMap::new();
    loop {
        if !pending && changed.recv().await.is_none() {
            return;
        }
        pending = false;
        // Debounce: wait until the inputs have been quiet for a moment.
        loop {
            match tokio::time::timeout(state.config().debounce(), changed.recv()).await {
                Ok(Some(())) => continue,
                Ok(None) => return,
                Err(_elapsed) => break,
            }
        }
        let superseded = state.diagnostics_round();
        let revision = state.revision();
        let versions: HashMap<Uri, i32> = state
            .docs
            .iter()
            .map(|e| (e.key().clone(), e.value().version))
            .collect();
        // Edited documents first.
        let edited: Vec<Uri> = versions
            .iter()
            .filter(|(uri, v)| published.get(*uri).map(|(pv, _)| *pv) != Some(Some(**v)))
            .map(|(uri, _)| uri.clone())
            .collect();
        if !edited.is_empty() {
            let (edit_state, flag) = (state.clone(), superseded.clone());
            let first =
                tokio::task::spawn_blocking(move || convert_edited(&edit_state, &edited, &flag))
                    .await;
            let Ok(Ok(first)) = first else { continue };
            if state.revision() != revision {
                continue;
            }
            for (uri, diags) in first {
                let version = versions.get(&uri).copied();
                if diags.is_empty() {
                    shown.remove(&uri);
                } else {
                    shown.insert(uri.clone());
                }
                publish(&client, &mut published, uri, diags, version).await;
            }
            log!(
                Debug,
                "diagnostics for revision {revision}: edited documents published"
            );
        }
        let snap_state = state.clone();
        let started = std::time::Instant::now();
        log!(Debug, "diagnostics for revision {revision}: computing");
        let mut computing = tokio::task::spawn_blocking(move || {
            // Built off the runtime; if an edit slipped in after `revision` was read, the
            // revision check below drops the result.
            let mut out: HashMap<Uri, Vec<lsp::Diagnostic>> = HashMap::new();
            let mut status = Vec::new();
            for snap in snap_state.snapshots() {
                let analysis = snap.analysis.with_cancel_flag(superseded.clone());
                convert(&snap, &analysis, &mut out)?;
                let folder = snap.root.as_deref().and_then(Uri::from_file_path);
                status.push(StatusParams::new(folder, &analysis.coverage()));
            }
            Ok::<_, Cancelled>((out, status))
        });
        // A change during the computation supersedes it (the change set its flag, so it stops
        // at its next check): go on with the next round instead of waiting for it to notice.
        let computed = tokio::select! {
            biased;
            r = &mut computing => r,
            msg = changed.recv() => {
                if msg.is_none() {
                    return;
                }
                pending = true;
                log!(
                    Debug,
                    "diagnostics for revision {revision} superseded; abandoned after {} ms",
                    started.elapsed().as_millis()
                );
                continue;
            }
        };
        let (computed, status) = match computed {
            Ok(Ok(c)) => c,
            Ok(Err(Cancelled)) => {
                log!(
                    Debug,
                    "diagnostics for revision {revision} superseded; abandoned after {} ms",
                    started.elapsed().as_millis()
                );
                continue;
            }
            Err(e) => {
                log!(Error, "computing diagnostics failed: {e}");
                continue;
            }
        };
        if state.revision() != revision {
            log!(
                Debug,
                "diagnostics for revision {revision} are stale; recomputing"
            );
            continue;
        }
        let mut now_shown = HashSet::new();
        for (uri, diags) in computed {
            let version = versions.get(&uri).copied();
            if !diags.is_empty() {
                now_shown.insert(uri.clone());
            }
            publish(&client, &mut published, uri, diags, version).await;
        }
        for uri in shown.difference(&now_shown) {
            let version = versions.get(uri).copied();
            publish(&client, &mut published, uri.clone(), Vec::new(), version).await;
        }
        // Open documents without diagnostics get an explicit empty list once per version, so
        // that a client waiting for the first publication is not left waiting.
        for (uri, version) in &versions {
            if !now_shown.contains(uri) {
                publish(
                    &client,
                    &mut published,
                    uri.clone(),
                    Vec::new(),
                    Some(*version),
                )
                .await;
            }
        }
        // Closed documents and files without diagnostics need no record.
        published.retain(|uri, (_, diags)| !diags.is_empty() || versions.contains_key(uri));
        shown = now_shown;
        for params in status {
            if statuses.get(&params.folder) != Some(&params) {
                statuses.insert(params.folder.clone(), params.clone());
                client.send_notification::<Status>(params).await;
            }
        }
        log!(
            Debug,
            "diagnostics for revision {revision}: published in {} ms",
            started.elapsed().as_millis()
        );
    }
}

/// Publishes `diags` for `uri` unless exactly this list was last published for this version.
async fn publish(
    client: &Client,
    published: &mut HashMap<Uri, (Option<i32>, Vec<lsp::Diagnostic>)>,
    uri: Uri,
    diags: Vec<lsp::Diagnostic>,
    version: Option<i32>,
) {
    if let Some((v, last)) = published.get(&uri) {
        if *v == version && *last == diags {
            return;
        }
    }
    published.insert(uri.clone(), (version, diags.clone()));
    client.publish_diagnostics(uri, diags, version).await;
}
