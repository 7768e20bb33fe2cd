// VS Code client for the toolcheck language server.
//
// It contributes the `starlark` language (see package.json), starts `toolcheck lsp` over
// stdio for Starlark documents, forwards the `toolcheck.*` settings as initialization
// options and configuration changes, implements the "Show toolchain resolution" command on
// top of the custom `toolcheck/resolve` request, and shows the `toolcheck/status`
// notification (what toolcheck could not evaluate) in the status bar, so that a clean
// Problems panel with gaps never reads like a fully checked workspace.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  Executable,
  LanguageClient,
  LanguageClientOptions,
  NotificationType,
  RequestType,
  ServerOptions,
  TextDocumentIdentifier,
  Position,
} from 'vscode-languageclient/node';

/** Parameters of the custom `toolcheck/resolve` request (see server/src/lsp/ext.rs). */
interface ResolveParams {
  textDocument: TextDocumentIdentifier;
  position: Position | null;
}

/** Result of `toolcheck/resolve`: a human-readable explanation in Markdown. */
interface ResolveResult {
  markdown: string;
}

const resolveRequest = new RequestType<ResolveParams, ResolveResult | null, void>('toolcheck/resolve');

/** Parameters of the `toolcheck/status` notification (see server/src/lsp/ext.rs). */
interface StatusParams {
  folder: string | null;
  complete: boolean;
  message: string;
  counts: Record<string, number>;
}

const statusNotification = new NotificationType<StatusParams>('toolcheck/status');

/** The coverage of every workspace folder, shown as one status bar item. */
class CoverageStatus {
  private readonly item: vscode.StatusBarItem;
  private readonly folders = new Map<string, StatusParams>();

  constructor() {
    this.item = vscode.window.createStatusBarItem('toolcheck.coverage', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'toolcheck coverage';
    this.item.command = 'workbench.actions.view.problems';
  }

  update(p: StatusParams): void {
    this.folders.set(p.folder ?? '', p);
    const all = [...this.folders.values()];
    const incomplete = all.filter((s) => !s.complete);
    this.item.text = incomplete.length === 0 ? '$(check) toolcheck' : '$(warning) toolcheck: coverage incomplete';
    const lines = all.map((s) => {
      const where = s.folder ? `${decodeURIComponent(path.basename(s.folder))}: ` : '';
      return `${where}${s.message}`;
    });
    this.item.tooltip = lines.join('\n');
    this.item.show();
  }

  clear(): void {
    this.folders.clear();
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

let coverage: CoverageStatus | undefined;
const RESOLUTION_SCHEME = 'toolcheck-resolution';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

/** The server executable: the setting, then $TOOLCHECK_SERVER_PATH, then `toolcheck` on PATH. */
function serverPath(context: vscode.ExtensionContext, cfg: vscode.WorkspaceConfiguration): string {
  const configured = cfg.get<string>('server.path', '').trim();
  if (configured !== '') {
    return configured.replace(/^~(?=$|\/)/, process.env.HOME ?? '~');
  }
  const fromEnv = process.env.TOOLCHECK_SERVER_PATH;
  if (fromEnv && fromEnv !== '') {
    return fromEnv;
  }
  const bundled = context.asAbsolutePath(path.join('server', 'toolcheck'));
  if (fs.existsSync(bundled)) {
    return bundled;
  }
  return 'toolcheck';
}

/** The settings the server reads, both at initialize and on workspace/didChangeConfiguration. */
function serverSettings(cfg: vscode.WorkspaceConfiguration): Record<string, unknown> {
  return {
    checks: {
      enable: cfg.get<string[]>('checks.enable', []),
      disable: cfg.get<string[]>('checks.disable', []),
    },
    bazelVersion: cfg.get<string>('bazelVersion', ''),
    bazelrc: cfg.get<string[]>('bazelrc', []),
    bazelConfigs: cfg.get<string[]>('bazelConfigs', []),
    outputBase: cfg.get<string>('outputBase', ''),
    repos: cfg.get<Record<string, string>>('repos', {}),
  };
}

function createClient(context: vscode.ExtensionContext): LanguageClient {
  const cfg = vscode.workspace.getConfiguration('toolcheck');
  const run: Executable = {
    command: serverPath(context, cfg),
    // No `transport`: vscode-languageclient would append `--stdio`; stdio is the default.
    args: ['lsp', ...cfg.get<string[]>('server.extraArgs', [])],
    options: { env: { ...process.env, ...cfg.get<Record<string, string>>('server.extraEnv', {}) } },
  };
  const serverOptions: ServerOptions = { run, debug: run };
  output ??= vscode.window.createOutputChannel('toolcheck');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'starlark' },
      { scheme: 'untitled', language: 'starlark' },
    ],
    initializationOptions: serverSettings(cfg),
    outputChannel: output,
    middleware: {
      workspace: {
        // Answer the server's workspace/configuration pulls with the same shape as
        // initializationOptions instead of the raw settings tree.
        configuration: (params, token, next) => {
          const items = params.items.map((item) =>
            item.section === 'toolcheck' ? serverSettings(vscode.workspace.getConfiguration('toolcheck')) : null,
          );
          return items.some((x) => x === null) ? next(params, token) : items;
        },
      },
    },
  };
  const created = new LanguageClient('toolcheck', 'toolcheck', serverOptions, clientOptions);
  created.onNotification(statusNotification, (p) => coverage?.update(p));
  return created;
}

/** Serves the read-only documents that "Show toolchain resolution" opens. */
class ResolutionProvider implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}

async function showResolution(provider: ResolutionProvider): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor || editor.document.languageId !== 'starlark') {
    void vscode.window.showInformationMessage('toolcheck: open a Starlark file to show toolchain resolution.');
    return;
  }
  const doc = editor.document;
  const params: ResolveParams = {
    textDocument: client.code2ProtocolConverter.asTextDocumentIdentifier(doc),
    position: client.code2ProtocolConverter.asPosition(editor.selection.active),
  };
  const result = await client.sendRequest(resolveRequest, params);
  if (!result) {
    void vscode.window.showInformationMessage('toolcheck: nothing to resolve here.');
    return;
  }
  const name = path.basename(doc.uri.path);
  const uri = vscode.Uri.from({ scheme: RESOLUTION_SCHEME, path: `/${name} resolution.md` });
  provider.set(uri, result.markdown);
  const shown = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(shown, 'markdown');
  await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const provider = new ResolutionProvider();
  coverage = new CoverageStatus();
  context.subscriptions.push(
    coverage,
    vscode.workspace.registerTextDocumentContentProvider(RESOLUTION_SCHEME, provider),
    vscode.commands.registerCommand('toolcheck.showResolution', () => showResolution(provider)),
    vscode.commands.registerCommand('toolcheck.restartServer', async () => {
      await client?.stop();
      coverage?.clear();
      client = createClient(context);
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('toolcheck.server') && client) {
        await vscode.commands.executeCommand('toolcheck.restartServer');
      } else if (e.affectsConfiguration('toolcheck') && client) {
        await client.sendNotification('workspace/didChangeConfiguration', {
          settings: { toolcheck: serverSettings(vscode.workspace.getConfiguration('toolcheck')) },
        });
      }
    }),
  );
  client = createClient(context);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
