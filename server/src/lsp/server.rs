//! The `LanguageServer` implementation: lifecycle, document sync, background indexing, file
//! watching, and the requests, each answered from a snapshot on a blocking thread.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use futures::FutureExt;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use toolcheck_ide::{Cancellable, Cancelled, FileId};

use super::config::Config;
use super::ext::{ResolveParams, ResolveResult};
use super::log::log;
use super::state::{is_bazel_file, Snap, State};
use super::{from_proto, to_proto};

/// What the client told us it can do, as far as the server cares.
#[derive(Clone, Debug, Default)]
struct ClientCaps {
    work_done_progress: bool,
    watch_files_dynamic: bool,
    configuration_pull: bool,
    markdown_hover: bool,
    hierarchical_symbols: bool,
}

/// Cheap to clone: tasks that talk to the client run detached with their own copy.
#[derive(Clone)]
pub(crate) struct Backend {
    client: Client,
    state: Arc<State>,
    caps: Arc<OnceLock<ClientCaps>>,
}

impl Backend {
    pub(crate) fn new(client: Client, state: Arc<State>) -> Backend {
        Backend {
            client,
            state,
            caps: Arc::new(OnceLock::new()),
        }
    }

    pub(super) fn state(&self) -> &Arc<State> {
        &self.state
    }

    fn caps(&self) -> ClientCaps {
        self.caps.get().cloned().unwrap_or_default()
    }

    /// Runs `f` on the blocking pool, on a snapshot of the world of `doc` and the document's
    /// file in it (`None` when the document is unknown). A panic in the analysis becomes an
    /// `InternalError` response instead of taking the server down.
    ///
    /// Cancellation: an edit to the snapshot's workspace cancels the analysis, answered with
    /// `ContentModified`; `$/cancelRequest` drops this future (the framework answers
    /// `RequestCancelled`) and the guard's flag stops the analysis still running.
    async fn with_file<T, F>(&self, doc: &TextDocumentIdentifier, f: F) -> Result<Option<T>>
    where
        F: FnOnce(&Snap, FileId) -> Cancellable<Option<T>> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.state.clone();
        let uri = doc.uri.clone();
        let flag = Arc::new(AtomicBool::new(false));
        let _cancel_on_drop = CancelOnDrop(flag.clone());
        // Taking the snapshot may build the workspace index: do it off the async runtime.
        let task = tokio::task::spawn_blocking(move || {
            let Some((mut snap, file)) = state.snapshot_for(&uri) else {
                return Ok(None);
            };
            log!(Debug, "request on {}: snapshot taken", uri.as_str());
            snap.analysis = snap.analysis.with_cancel_flag(flag);
            let answer = f(&snap, file);
            if answer.is_err() {
                log!(Debug, "request on {}: analysis cancelled", uri.as_str());
            }
            answer
        });
        blocking_answer(task).await
    }

    /// `workspace/symbol` over every workspace folder's world, on the blocking pool.
    async fn workspace_symbols(&self, query: String) -> Result<Vec<SymbolInformation>> {
        let state = self.state.clone();
        let flag = Arc::new(AtomicBool::new(false));
        let _cancel_on_drop = CancelOnDrop(flag.clone());
        let task = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for mut snap in state.snapshots() {
                snap.analysis = snap.analysis.with_cancel_flag(flag.clone());
                for s in snap.analysis.workspace_symbols(&query, SYMBOL_LIMIT)? {
                    let Some(uri) = snap.uri(s.file) else {
                        continue;
                    };
                    let rope = snap.rope(s.file);
                    #[allow(deprecated)] // `deprecated` is a field the type still requires.
                    out.push(SymbolInformation {
                        name: s.name,
                        kind: to_proto::symbol_kind(s.kind),
                        tags: None,
                        deprecated: None,
                        location: Location::new(
                            uri,
                            to_proto::range(&rope, s.range, snap.encoding),
                        ),
                        container_name: Some(s.detail),
                    });
                }
            }
            out.truncate(SYMBOL_LIMIT);
            Ok(out)
        });
        blocking_answer(task).await
    }

    async fn register_watchers(&self) {
        let watchers = [
            "**/{BUILD,BUILD.bazel,MODULE.bazel,*.MODULE.bazel,REPO.bazel,WORKSPACE,WORKSPACE.bazel,WORKSPACE.bzlmod}",
            "**/*.{bzl,star,BUILD}",
            // Templates and BUILD files repository rules read.
            "**/*.{tpl,tmpl,template}",
            "**/BUILD.*",
            "**/{.bazelrc,*.bazelrc,.bazelversion,.bazelignore,toolcheck.toml}",
        ]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_owned()),
            kind: None,
        })
        .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "toolcheck-watch".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(e) = self.client.register_capability(vec![registration]).await {
            log!(Warn, "could not register file watchers: {e}");
        }
    }

    /// Loads every workspace folder from disk in the background.
    fn spawn_indexing_all(&self) {
        for root in self.state.roots() {
            self.spawn_indexing(root);
        }
    }

    /// Loads one workspace folder from disk in the background, reporting `$/progress`.
    fn spawn_indexing(&self, root: PathBuf) {
        let client = self.client.clone();
        let state = self.state.clone();
        let progress = self.caps().work_done_progress;
        tokio::spawn(async move {
            static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);
            let n = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
            let token = NumberOrString::String(format!("toolcheck/index/{n}"));
            let ongoing = if progress
                && client
                    .create_work_done_progress(token.clone())
                    .await
                    .is_ok()
            {
                Some(
                    client
                        .progress(token, "toolcheck: indexing")
                        .with_message(root.display().to_string())
                        .begin()
                        .await,
                )
            } else {
                None
            };
            let config = state.config();
            let bazel_version = config.bazel_version;
            let bazel_configs = config.bazel_configs.clone();
            // A path that is gone is left out (the command line refuses it instead): the
            // editor keeps working with the rest.
            let bazelrcs: Vec<std::path::PathBuf> = config
                .bazelrc
                .iter()
                .map(|p| root.join(p))
                .filter(|p| p.is_file())
                .collect();
            let output_base = Some(root.join(&config.output_base))
                .filter(|p| !config.output_base.is_empty() && p.is_dir());
            let repos: Vec<String> = config
                .repos
                .iter()
                .filter(|(name, dir)| !name.is_empty() && root.join(dir).is_dir())
                .map(|(name, dir)| format!("{name}={}", root.join(dir).display()))
                .collect();
            let args = crate::WorkspaceArgs {
                bazel_version: (!bazel_version.is_empty()).then_some(bazel_version),
                config: None,
                repos,
                output_base,
                bazelrcs,
                mode: None,
                bazel_configs,
                hosts: Vec::new(),
                default_config: false,
            };
            let loaded = load_blocking(&root, args.clone()).await;
            let message = match loaded {
                Ok(Ok(loaded)) => {
                    let files = loaded.host.workspace().files.len();
                    let toml = loaded.root.join("toolcheck.toml");
                    state.install_workspace(
                        loaded.host,
                        loaded.config.lint_config(),
                        &root,
                        loaded.root,
                        false,
                    );
                    clear_config_problem(&client, &state, &toml).await;
                    log!(Info, "indexed {}: {files} files", root.display());
                    format!("{files} files")
                }
                Ok(Err(e)) => match e.downcast::<crate::config::ConfigError>() {
                    Ok(error) => {
                        log!(Warn, "{} has an error: {error}", root.display());
                        on_config_error(&client, &state, &root, args, &error).await
                    }
                    Err(e) => {
                        log!(Warn, "indexing {} failed: {e:#}", root.display());
                        // Shown, not only logged: the folder's findings are missing.
                        client
                            .show_message(
                                MessageType::WARNING,
                                format!("toolcheck: indexing failed: {e:#}"),
                            )
                            .await;
                        "failed".to_owned()
                    }
                },
                Err(e) => {
                    log!(Error, "indexing panicked: {e}");
                    "failed".to_owned()
                }
            };
            if let Some(p) = ongoing {
                p.finish_with_message(message).await;
            }
        });
    }

    async fn pull_configuration(&self) {
        if !self.caps().configuration_pull {
            return;
        }
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("toolcheck".to_owned()),
        };
        if let Ok(values) = self.client.configuration(vec![item]).await {
            if let Some(v) = values.into_iter().next().filter(|v| !v.is_null()) {
                self.apply_config(Config::from_json(&v));
            }
        }
    }

    fn apply_config(&self, config: Config) {
        if self.state.config() == config {
            return;
        }
        if self.state.set_config(config) {
            self.spawn_indexing_all();
        }
    }
}

/// `crate::load` on the blocking pool.
async fn load_blocking(
    root: &Path,
    args: crate::WorkspaceArgs,
) -> std::result::Result<anyhow::Result<crate::Loaded>, tokio::task::JoinError> {
    let root = root.to_owned();
    tokio::task::spawn_blocking(move || crate::load(&root, &args, Vec::new(), None)).await
}

/// Loading the workspace folder `root` stopped at an error in its `toolcheck.toml`: the error
/// goes to the file as a diagnostic and to the user as a message. The last good analysis is
/// kept; the first time, the workspace is analysed with the default configuration (so that
/// navigation and hover see the real workspace rather than an empty one) but no finding is
/// claimed, since the file could change any of them. Returns the progress message.
async fn on_config_error(
    client: &Client,
    state: &State,
    root: &Path,
    args: crate::WorkspaceArgs,
    error: &crate::config::ConfigError,
) -> String {
    let toml = PathBuf::from(error.path());
    publish_config_problem(client, state, &toml, error).await;
    let kept = state.is_loaded(root);
    let mut fallback = None;
    if !kept {
        let defaults = crate::WorkspaceArgs {
            default_config: true,
            ..args
        };
        if let Ok(Ok(loaded)) = load_blocking(root, defaults).await {
            fallback = Some(loaded.host.workspace().files.len());
            state.install_workspace(loaded.host, Default::default(), root, loaded.root, true);
        }
    }
    let then = if kept {
        "keeping the last analysis until it is fixed"
    } else if fallback.is_some() {
        "no findings are shown until it is fixed"
    } else {
        "the workspace could not be loaded"
    };
    client
        .show_message(
            MessageType::WARNING,
            format!(
                "toolcheck: {} has an error ({}): {then}.",
                display_name(&toml, root),
                error.summary()
            ),
        )
        .await;
    match fallback {
        Some(files) => format!("{files} files; toolcheck.toml has an error"),
        None => "toolcheck.toml has an error".to_owned(),
    }
}

/// `path` relative to the workspace folder `root` when inside it, for messages.
fn display_name(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Publishes a `toolcheck.toml` error as a diagnostic on the file, at the error's position.
async fn publish_config_problem(
    client: &Client,
    state: &State,
    toml: &Path,
    error: &crate::config::ConfigError,
) {
    let Some(uri) = Uri::from_file_path(toml) else {
        return;
    };
    // The position is in the text the loader read: the file on disk.
    let text = crate::vfs::read_text_file(toml).unwrap_or_default();
    let rope = ropey::Rope::from_str(&text);
    let range = match error.span() {
        Some(span) => {
            let clamp = |o: usize| o.min(text.len()) as u32;
            to_proto::range(
                &rope,
                toolcheck_ide::TextRange::new(clamp(span.start), clamp(span.end)),
                state.encoding(),
            )
        }
        None => Range::default(),
    };
    let diagnostic = Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(to_proto::SOURCE.to_owned()),
        message: error.summary(),
        ..Diagnostic::default()
    };
    state
        .config_problems
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(toml.to_owned());
    client
        .publish_diagnostics(uri, vec![diagnostic], None)
        .await;
}

/// Clears the diagnostic of a `toolcheck.toml` error once the file loads.
async fn clear_config_problem(client: &Client, state: &State, toml: &Path) {
    let had = state
        .config_problems
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(toml);
    if let (true, Some(uri)) = (had, Uri::from_file_path(toml)) {
        client.publish_diagnostics(uri, Vec::new(), None).await;
    }
}

/// Sets its flag when dropped: a request future dropped by `$/cancelRequest` stops the
/// analysis it started.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// At most this many `workspace/symbol` results: clients ask again as the query grows.
const SYMBOL_LIMIT: usize = 256;

/// The answer of an analysis run on the blocking pool: a cancelled analysis is
/// `ContentModified`, a panic an `InternalError` (the server goes on).
async fn blocking_answer<T>(task: tokio::task::JoinHandle<Cancellable<T>>) -> Result<T> {
    match task.await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(Cancelled)) => Err(content_modified()),
        Err(e) if e.is_panic() => {
            let msg = panic_message(e.into_panic());
            log!(Error, "request panicked: {msg}");
            Err(internal_error(&msg))
        }
        Err(_) => Err(Error::request_cancelled()),
    }
}

fn content_modified() -> Error {
    Error {
        code: ErrorCode::ContentModified,
        message: "toolcheck: the document changed; the answer would be stale".into(),
        data: None,
    }
}

fn internal_error(msg: &str) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: format!("toolcheck: internal error: {msg}").into(),
        data: None,
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// Runs a request handler, turning a panic into an `InternalError` response.
async fn guarded<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(payload) => {
            let msg = panic_message(payload);
            log!(Error, "request handler panicked: {msg}");
            Err(internal_error(&msg))
        }
    }
}

/// Runs a notification handler, swallowing (and logging) a panic.
async fn guarded_notification(fut: impl Future<Output = ()>) {
    if let Err(payload) = AssertUnwindSafe(fut).catch_unwind().await {
        log!(
            Error,
            "notification handler panicked: {}",
            panic_message(payload)
        );
    }
}

fn negotiate_encoding(params: &InitializeParams) -> super::document::PositionEncoding {
    use super::document::PositionEncoding;
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf16,
    }
}

/// Every workspace folder (else `rootUri`), each its own Bazel workspace.
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| from_proto::file_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if dirs.is_empty() {
        dirs.extend(params.root_uri.as_ref().and_then(from_proto::file_path));
    }
    let mut roots = Vec::new();
    for dir in dirs {
        let root = bazel_root(&dir);
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

/// The Bazel workspace root at or above an editor folder (else the folder itself).
fn bazel_root(dir: &Path) -> PathBuf {
    crate::vfs::find_root(dir).unwrap_or_else(|| dir.to_owned())
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        guarded(async {
            let enc = negotiate_encoding(&params);
            self.state.set_encoding(enc);
            let c = &params.capabilities;
            let caps = ClientCaps {
                work_done_progress: c
                    .window
                    .as_ref()
                    .and_then(|w| w.work_done_progress)
                    .unwrap_or(false),
                watch_files_dynamic: c
                    .workspace
                    .as_ref()
                    .and_then(|w| w.did_change_watched_files.as_ref())
                    .and_then(|w| w.dynamic_registration)
                    .unwrap_or(false),
                configuration_pull: c
                    .workspace
                    .as_ref()
                    .and_then(|w| w.configuration)
                    .unwrap_or(false),
                markdown_hover: c
                    .text_document
                    .as_ref()
                    .and_then(|t| t.hover.as_ref())
                    .and_then(|h| h.content_format.as_ref())
                    .is_none_or(|f| f.contains(&MarkupKind::Markdown)),
                hierarchical_symbols: c
                    .text_document
                    .as_ref()
                    .and_then(|t| t.document_symbol.as_ref())
                    .and_then(|s| s.hierarchical_document_symbol_support)
                    .unwrap_or(false),
            };
            let _ = self.caps.set(caps);
            if let Some(opts) = &params.initialization_options {
                self.state.set_config(Config::from_json(opts));
            }
            self.state.set_roots(workspace_roots(&params));
            log!(
                Info,
                "initialize: encoding {enc:?}, roots {:?}",
                self.state.roots()
            );
            self.state.initialized.store(true, Ordering::SeqCst);
            Ok(InitializeResult {
                capabilities: ServerCapabilities {
                    position_encoding: Some(to_proto::encoding_kind(enc)),
                    text_document_sync: Some(TextDocumentSyncCapability::Options(
                        TextDocumentSyncOptions {
                            open_close: Some(true),
                            change: Some(TextDocumentSyncKind::INCREMENTAL),
                            will_save: None,
                            will_save_wait_until: None,
                            save: None,
                        },
                    )),
                    hover_provider: Some(HoverProviderCapability::Simple(true)),
                    definition_provider: Some(OneOf::Left(true)),
                    references_provider: Some(OneOf::Left(true)),
                    document_symbol_provider: Some(OneOf::Left(true)),
                    workspace_symbol_provider: Some(OneOf::Left(true)),
                    completion_provider: Some(CompletionOptions {
                        trigger_characters: Some(vec![
                            "\"".to_owned(),
                            ":".to_owned(),
                            "/".to_owned(),
                            "@".to_owned(),
                        ]),
                        ..CompletionOptions::default()
                    }),
                    code_action_provider: Some(CodeActionProviderCapability::Options(
                        CodeActionOptions {
                            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                            ..CodeActionOptions::default()
                        },
                    )),
                    workspace: Some(WorkspaceServerCapabilities {
                        workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                            supported: Some(true),
                            change_notifications: Some(OneOf::Left(true)),
                        }),
                        file_operations: None,
                    }),
                    ..ServerCapabilities::default()
                },
                server_info: Some(ServerInfo {
                    name: "toolcheck".to_owned(),
                    version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                }),
                offset_encoding: None,
            })
        })
        .await
    }

    async fn initialized(&self, _: InitializedParams) {
        self.spawn_indexing_all();
        // Requests to the client run detached: a handler that awaited a reply could never
        // finish once `exit` stops the reading loop, and the server would not exit.
        let this = self.clone();
        tokio::spawn(guarded_notification(async move {
            if this.caps().watch_files_dynamic {
                this.register_watchers().await;
            }
            this.pull_configuration().await;
        }));
    }

    async fn shutdown(&self) -> Result<()> {
        // Recorded on arrival (`ShutdownSeen` in mod.rs): an `exit` right behind cancels this.
        Ok(())
    }

    // Document sync: every handler applies its change before its first `.await`.

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        // A document of a workspace nested in a folder gets that workspace's world (indexed
        // in the background), as the editor would root it if the nested directory were open.
        if let Some(root) =
            from_proto::file_path(&d.uri).and_then(|p| self.state.nested_root_for(&p))
        {
            if self.state.add_root(root.clone()) {
                self.spawn_indexing(root);
            }
        }
        self.state.open(d.uri, d.text, d.version, d.language_id);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let changes: Vec<_> = params
            .content_changes
            .into_iter()
            .map(from_proto::text_change)
            .collect();
        let doc = params.text_document;
        self.state.change(&doc.uri, doc.version, &changes);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.state.close(&params.text_document.uri);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // Workspace roots whose configuration changed: re-indexed from disk.
        let mut reload: Vec<PathBuf> = Vec::new();
        for change in params.changes {
            let Some(path) = from_proto::file_path(&change.uri) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if matches!(
                name.as_str(),
                "toolcheck.toml" | ".bazelignore" | ".bazelversion"
            ) || name.ends_with("bazelrc")
                || (change.typ == FileChangeType::CREATED && name == "MODULE.bazel")
            {
                if let Some(root) = self.state.root_of(&path) {
                    if !reload.contains(&root) {
                        reload.push(root);
                    }
                }
            } else if is_bazel_file(&path) || change.typ == FileChangeType::DELETED {
                self.state.disk_changed(&path);
            }
        }
        for root in reload {
            self.spawn_indexing(root);
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        for folder in &params.event.removed {
            if let Some(dir) = from_proto::file_path(&folder.uri) {
                self.state.remove_root(&bazel_root(&dir));
            }
        }
        for folder in &params.event.added {
            if let Some(dir) = from_proto::file_path(&folder.uri) {
                let root = bazel_root(&dir);
                if self.state.add_root(root.clone()) {
                    self.spawn_indexing(root);
                }
            }
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if params.settings.is_null() || params.settings == Value::Object(Default::default()) {
            let this = self.clone();
            tokio::spawn(async move { this.pull_configuration().await });
        } else {
            self.apply_config(Config::from_json(&params.settings));
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        guarded(async {
            let pos = params.text_document_position_params;
            let position = pos.position;
            let markdown = self.caps().markdown_hover;
            self.with_file(&pos.text_document, move |snap, file| {
                let offset = from_proto::offset(&snap.rope(file), position, snap.encoding);
                let Some(hover) = snap.analysis.try_hover(file, offset)? else {
                    return Ok(None);
                };
                let rope = snap.rope(file);
                Ok(Some(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: if markdown {
                            MarkupKind::Markdown
                        } else {
                            MarkupKind::PlainText
                        },
                        value: hover.markdown,
                    }),
                    range: Some(to_proto::range(&rope, hover.range, snap.encoding)),
                }))
            })
            .await
        })
        .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        guarded(async {
            let pos = params.text_document_position_params;
            let position = pos.position;
            self.with_file(&pos.text_document, move |snap, file| {
                let offset = from_proto::offset(&snap.rope(file), position, snap.encoding);
                let targets: Vec<Location> = snap
                    .analysis
                    .goto_definition(file, offset)
                    .into_iter()
                    .filter_map(|t| {
                        let rope = snap.rope(t.file);
                        Some(Location::new(
                            snap.uri(t.file)?,
                            to_proto::range(&rope, t.focus, snap.encoding),
                        ))
                    })
                    .collect();
                Ok((!targets.is_empty()).then_some(GotoDefinitionResponse::Array(targets)))
            })
            .await
        })
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        guarded(async {
            let pos = params.text_document_position;
            let include_decl = params.context.include_declaration;
            let position = pos.position;
            self.with_file(&pos.text_document, move |snap, file| {
                let offset = from_proto::offset(&snap.rope(file), position, snap.encoding);
                let refs: Vec<Location> = snap
                    .analysis
                    .references(file, offset, include_decl)
                    .into_iter()
                    .filter_map(|r| {
                        let rope = snap.rope(r.file);
                        Some(Location::new(
                            snap.uri(r.file)?,
                            to_proto::range(&rope, r.range, snap.encoding),
                        ))
                    })
                    .collect();
                Ok(Some(refs))
            })
            .await
        })
        .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        guarded(async {
            let uri = params.text_document.uri.clone();
            let hierarchical = self.caps().hierarchical_symbols;
            self.with_file(&params.text_document, move |snap, file| {
                let rope = snap.rope(file);
                let symbols = snap.analysis.document_symbols(file);
                Ok(Some(to_proto::document_symbols(
                    symbols,
                    &rope,
                    snap.encoding,
                    &uri,
                    hierarchical,
                )))
            })
            .await
        })
        .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        guarded(async {
            let symbols = self.workspace_symbols(params.query).await?;
            Ok(Some(WorkspaceSymbolResponse::Flat(symbols)))
        })
        .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        guarded(async {
            let pos = params.text_document_position;
            let position = pos.position;
            self.with_file(&pos.text_document, move |snap, file| {
                let offset = from_proto::offset(&snap.rope(file), position, snap.encoding);
                let rope = snap.rope(file);
                let items: Vec<CompletionItem> = snap
                    .analysis
                    .completions(file, offset)
                    .into_iter()
                    .map(|c| to_proto::completion_item(c, &rope, snap.encoding))
                    .collect();
                Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
            })
            .await
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        guarded(async {
            let uri = params.text_document.uri.clone();
            let range = params.range;
            let only = params.context.only;
            if only
                .as_ref()
                .is_some_and(|o| !o.iter().any(|k| k.as_str().starts_with("quickfix")))
            {
                return Ok(None);
            }
            self.with_file(&params.text_document, move |snap, file| {
                let rope = snap.rope(file);
                let (start, end) = from_proto::byte_range(&rope, range, snap.encoding);
                let diags: Vec<_> = snap
                    .analysis
                    .try_diagnostics(&snap.lint_config)?
                    .into_iter()
                    .filter(|d| d.file == file && d.range.start <= end && start <= d.range.end)
                    .collect();
                let actions = to_proto::code_actions(snap, &uri, &rope, &diags);
                Ok((!actions.is_empty()).then_some(actions))
            })
            .await
        })
        .await
    }
}

impl Backend {
    /// `toolcheck/resolve`.
    pub(crate) async fn resolve(&self, params: ResolveParams) -> Result<Option<ResolveResult>> {
        guarded(async {
            let position = params.position;
            self.with_file(&params.text_document, move |snap, file| {
                let offset =
                    position.map(|p| from_proto::offset(&snap.rope(file), p, snap.encoding));
                let Some(mut markdown) = snap.analysis.try_resolution_report(file, offset)? else {
                    return Ok(None);
                };
                // The whole workspace's matrix after the subject's report: the view users
                // open to see what Bazel picks everywhere, with the hazards `check` reports.
                let graph = snap.analysis.try_resolution_graph(&snap.lint_config)?;
                markdown.push_str(&crate::graph::markdown_matrix(&graph));
                Ok(Some(ResolveResult { markdown }))
            })
            .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_internal_error() {
        let r: Result<()> = guarded(async { panic!("boom") }).await;
        let e = r.unwrap_err();
        assert_eq!(e.code, ErrorCode::InternalError);
        assert!(e.message.contains("boom"));
        let ok: Result<u32> = guarded(async { Ok(7) }).await;
        assert_eq!(ok.unwrap(), 7);
    }
}
