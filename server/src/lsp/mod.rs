//! `toolcheck lsp`: the language server, over stdio.
//!
//! # Framework: tower-lsp-server =0.23.0
//!
//! We use `tower-lsp-server`, the maintained community fork of `tower-lsp` (whose last
//! release, 0.20, is from 2023 and is stuck on lsp-types 0.94 and dashmap 5), pinned to
//! 0.23.0 because 0.24 is still a release candidate that replaces the protocol types crate.
//! The alternatives were `lsp-server` (synchronous; we would write the main loop and the
//! ordering would be ours by construction) and `async-lsp` (older protocol types). We kept
//! the tower-lsp lineage because it gives us cancellation (`$/cancelRequest` aborts the
//! request's future), the initialize/shutdown/exit state machine and a typed client for
//! server→client requests, and because its one known hazard is easy to contain:
//!
//! * **Ordering.** The framework runs handlers concurrently (`buffer_unordered`), so two
//!   notifications may interleave at `.await` points (tower-lsp#284). Every handler that
//!   changes state (`didOpen`, `didChange`, `didClose`, watched files, configuration) applies
//!   its change synchronously before its first `.await`; handlers start in arrival order, so
//!   changes apply in order. Readers work on immutable snapshots.
//!
//! Only this module imports `tower_lsp_server`; the analysis (`toolcheck-ide`) sees plain
//! data, converted in [`to_proto`] and [`from_proto`].
//!
//! # Behaviour
//!
//! * Text in [`ropey`] ropes, full and incremental sync, positions in UTF-16 unless the
//!   client offers UTF-8 (`general.positionEncodings`). Any `languageId` is accepted.
//! * Background indexing with `$/progress` of every workspace folder, each its own Bazel
//!   workspace (`workspace/didChangeWorkspaceFolders` adds and drops them); file watching
//!   through `workspace/didChangeWatchedFiles` (registered dynamically when the client can):
//!   a deleted file (or directory) leaves the index, a created one joins it.
//! * A workspace folder whose `toolcheck.toml` does not load: `window/showMessage` and a
//!   diagnostic on the file at the error; the last good analysis is kept, or on the first
//!   load the workspace is indexed with the default configuration and no findings are
//!   published until the file loads (`server.rs`, `on_config_error`).
//! * Cancellation: any change cancels the diagnostics computation in flight (the analysis
//!   polls between checks); a request whose snapshot an edit outdates answers
//!   `ContentModified`, and `$/cancelRequest` (answered `RequestCancelled` by the framework)
//!   also stops the analysis behind it.
//! * Diagnostics are debounced, computed off the runtime, published with the document
//!   version, and dropped if any input changed meanwhile (never stale); `code` is the check
//!   name, `codeDescription` links to its documentation.
//! * Hover, go to definition, references, document symbols, workspace symbols (every
//!   folder's toolchain model, `workspace/symbol`), label completion, code actions
//!   (the checks' fixes and "suppress on this line"), and the custom `toolcheck/resolve`.
//! * A panic while answering a request becomes an `InternalError` response; the server goes
//!   on. Exit status: 0 after `shutdown` then `exit`, 1 otherwise. Whether `shutdown` came is
//!   recorded when the framework receives it ([`ShutdownSeen`]), not when its handler runs:
//!   `exit` cancels every pending request, and a `shutdown` still pending (sent back to back
//!   with `exit`) would otherwise never count.
//! * Nothing is written to stderr unless `TOOLCHECK_LOG` is set (see [`log`]).

mod config;
mod debug;
mod diagnostics;
mod document;
mod ext;
mod from_proto;
pub(crate) mod log;
mod server;
mod state;
mod to_proto;
mod transport;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{LspService, Server};

use self::server::Backend;
use self::state::State;

/// Runs the language server on stdin/stdout until the client sends `exit` or closes stdin.
pub(crate) fn run() -> anyhow::Result<()> {
    quiet_panics();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let clean_exit = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Do not wait for blocking analysis work still running: the client has gone.
    runtime.shutdown_background();
    if !clean_exit {
        // LSP: exit without a preceding shutdown request ends with status 1.
        std::process::exit(1);
    }
    Ok(())
}

/// Serves one client over `input`/`output` until it sends `exit` or closes `input`; returns
/// whether `shutdown` came first. Also the in-process entry point of the protocol fuzzer
/// (`server/src/fuzz_lsp.rs`).
pub(crate) async fn serve<I, O>(input: I, output: O) -> bool
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let (changed_tx, changed_rx) = tokio::sync::mpsc::unbounded_channel();
    let state = Arc::new(State::new(changed_tx));
    let mut diagnostics_task = None;
    let (service, socket) = LspService::build(|client| {
        diagnostics_task = Some(tokio::spawn(diagnostics::run(
            client.clone(),
            state.clone(),
            changed_rx,
        )));
        Backend::new(client, state.clone())
    })
    .custom_method(ext::RESOLVE_METHOD, Backend::resolve)
    .custom_method(debug::DOCUMENT_TEXT_METHOD, Backend::debug_document_text)
    .finish();
    // The framework sees only well-formed messages; see `transport`.
    let (to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    let (errors_tx, errors_rx) = tokio::sync::mpsc::channel(64);
    let filter = async {
        transport::filter_input(input, to_server, errors_tx).await;
        // End of input: the framework sees it (`to_server` was dropped) and finishes.
        std::future::pending::<()>().await
    };
    let serve = async {
        tokio::join!(
            Server::new(server_in, server_out, socket).serve(ShutdownSeen {
                inner: service,
                state: state.clone(),
            }),
            transport::merge_output(from_server, errors_rx, output),
        )
    };
    tokio::select! {
        _ = serve => {}
        _ = filter => {}
    }
    // The diagnostics task holds the state (and so its own channel's sender): end it, or a
    // process serving several sessions (the protocol fuzzer) would keep every one.
    if let Some(task) = diagnostics_task {
        task.abort();
    }
    state.shutdown_requested.load(Ordering::SeqCst)
}

/// The framework's service, noting a `shutdown` request as it is received. The framework
/// calls services in arrival order, and only a server that finished `initialize` accepts
/// `shutdown` (before, it is answered with an error and does not count).
struct ShutdownSeen<S> {
    inner: S,
    state: Arc<State>,
}

impl<S> tower_service::Service<Request> for ShutdownSeen<S>
where
    S: tower_service::Service<Request, Response = Option<Response>>,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if req.method() == "shutdown"
            && req.id().is_some()
            && self.state.initialized.load(Ordering::SeqCst)
        {
            self.state.shutdown_requested.store(true, Ordering::SeqCst);
        }
        self.inner.call(req)
    }
}

/// Panics are caught per request; keep the default hook from printing them to stderr
/// unless logging was asked for.
fn quiet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if log::enabled(log::Level::Error) {
            default(info);
        }
    }));
}
