// VS Code client for the toolcheck language server.
//
// It contributes the `starlark` language (see package.json), starts `toolcheck lsp` over
// stdio for Starlark documents, forwards the `toolcheck.*` settings as initialization
// options and configuration changes, implements the "Show toolchain resolution" command on
// top of the custom `toolcheck/resolve` request (opened as a rendered Markdown preview), says
// which executable it tried and how to install or configure it when the server is missing,
// and shows the `toolcheck/status`
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

/** The server executable and where that choice came from (for messages when it is missing). */
interface ServerCommand {
  command: string;
  source: string;
}

/** The server executable: the setting, then $TOOLCHECK_SERVER_PATH, then the bundled binary, then `toolcheck` on PATH. */
function serverCommand(context: vscode.ExtensionContext, cfg: vscode.WorkspaceConfiguration): ServerCommand {
  const configured = cfg.get<string>('server.path', '').trim();
  if (configured !== '') {
    return { command: configured.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'), source: 'the setting toolcheck.server.path' };
  }
  const fromEnv = process.env.TOOLCHECK_SERVER_PATH;
  if (fromEnv && fromEnv !== '') {
    return { command: fromEnv, source: 'the environment variable TOOLCHECK_SERVER_PATH' };
  }
  // A platform package (package-platform.sh) carries the server; Windows needs its `.exe`.
  const bundled = context.asAbsolutePath(path.join('server', process.platform === 'win32' ? 'toolcheck.exe' : 'toolcheck'));
  if (fs.existsSync(bundled)) {
    return { command: bundled, source: 'the binary bundled with the extension' };
  }
  return { command: 'toolcheck', source: 'the PATH, as toolcheck.server.path is not set' };
}

/** Whether `file` is a file this process may execute. */
function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The executable `command` names, or undefined: a path is checked as it is (relative to the
 * first workspace folder, as the server is started there), a bare name is looked up on PATH.
 */
function findExecutable(command: string): string | undefined {
  if (command.includes('/') || command.includes(path.sep)) {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const full = path.resolve(base, command);
    return isExecutable(full) ? full : undefined;
  }
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const ext of exts) {
      const full = path.join(dir, command + ext);
      if (dir !== '' && isExecutable(full)) {
        return full;
      }
    }
  }
  return undefined;
}

/**
 * Tells the user that the server could not be started, which executable was tried and why,
 * and how to install or configure it, with a button to the setting.
 */
async function reportServerProblem(server: ServerCommand, problem: string): Promise<void> {
  const message =
    // Plain text: notifications do not render Markdown.
    `toolcheck: ${problem}: tried "${server.command}" (from ${server.source}). ` +
    'Install it ("cargo install --path server" in the toolcheck repository puts toolcheck on PATH) ' +
    'or set the setting toolcheck.server.path to the toolcheck executable.';
  output?.appendLine(message);
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'toolcheck.server.path');
  }
}

/** Creates and starts the client, unless the server executable is missing (then says so). */
async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const server = serverCommand(context, vscode.workspace.getConfiguration('toolcheck'));
  output ??= vscode.window.createOutputChannel('toolcheck');
  // vscode-languageclient only says "couldn't create connection to server" when the spawn
  // fails: look first, to say which path was tried and what to do.
  if (findExecutable(server.command) === undefined) {
    client = undefined;
    void reportServerProblem(server, 'the language server executable was not found');
    return;
  }
  // Which server runs, and why that one: the first thing to check when it is not the expected.
  output.appendLine(`starting ${server.command} (from ${server.source})`);
  client = createClient(context, server.command);
  try {
    await client.start();
  } catch (e) {
    void reportServerProblem(server, `the language server did not start (${e instanceof Error ? e.message : String(e)})`);
  }
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

function createClient(context: vscode.ExtensionContext, command: string): LanguageClient {
  const cfg = vscode.workspace.getConfiguration('toolcheck');
  const run: Executable = {
    command,
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
  // The report is read, not edited: open it rendered (the built-in Markdown preview), and
  // fall back to the Markdown source where that extension is missing or disabled.
  try {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  } catch {
    await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
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
      await startClient(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      // A changed server path restarts even when no client runs: it may fix a missing binary.
      if (e.affectsConfiguration('toolcheck.server')) {
        await vscode.commands.executeCommand('toolcheck.restartServer');
      } else if (e.affectsConfiguration('toolcheck') && client) {
        await client.sendNotification('workspace/didChangeConfiguration', {
          settings: { toolcheck: serverSettings(vscode.workspace.getConfiguration('toolcheck')) },
        });
      }
    }),
  );
  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
