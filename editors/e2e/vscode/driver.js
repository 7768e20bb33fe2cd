// Drives real VS Code (code-server) in Debian's headless Chromium with playwright-core.
//
// Expects code-server listening on $CS_URL with the toolcheck .vsix installed and the fixture
// workspace open. Reads the case from $SPEC (the same JSON as the Neovim test) and asserts:
//   1. the status bar's language mode is Starlark,
//   2. a squiggle appears, and the Problems panel lists the check's message and code,
//   3. hovering the word in spec.hover shows the server's hover text,
//   4. the "suppress on this line" code action (Ctrl+.) removes the problem,
//   5. (SPEC.hazard) the dummy-toolchain finding in MODULE.bazel, the toolchain type's hover
//      (toolchains, constraints, picks per target platform), and a fix that clears it,
//   6. (SPEC.nested) a hover in a nested module shows that module's own registrations.
// $SCENARIO picks another run instead:
//   broken-config   the workspace's toolcheck.toml has a syntax error (SPEC.broken_config): a
//                   notification, a Problems entry on toolcheck.toml at the error, no findings
//                   in the open file, and a hover that sees the real workspace;
//   missing-server  toolcheck.server.path names no executable: a notification that says which
//                   path was tried and how to install or configure it.
// Writes $OUT/result.json plus screenshots; exit 0 = pass, 1 = fail.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CS_URL = process.env.CS_URL;
const OUT = process.env.OUT || path.join(process.cwd(), 'out');
const SPEC = JSON.parse(fs.readFileSync(process.env.SPEC, 'utf8'));
const FILE = process.env.OPEN_FILE;
const T = Number(process.env.STEP_TIMEOUT_MS || 60000);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCENARIO = process.env.SCENARIO || 'main';

const started = Date.now();
function log(...a) {
  console.log(`[vscode-e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
}

async function problemsText(page) {
  return page.evaluate(() => {
    const el = document.querySelector('.markers-panel');
    return el ? el.innerText : '';
  });
}

// Opens a workspace file with Quick Open, like a user, and waits for its editor.
async function openFile(page, file) {
  await page.keyboard.press('Escape');
  // Focus the editor if it can be clicked right now (an overlay may be up: then Escape did it).
  await page.locator('.editor-instance .monaco-editor .view-lines').first()
    .click({ position: { x: 5, y: 5 }, timeout: 2000 }).catch(() => {});
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: T });
  await page.keyboard.type(file, { delay: 10 });
  // Keystrokes typed before the widget had focus are lost: make sure the query is there.
  if ((await input.inputValue()) !== file) await input.fill(file);
  await page.waitForFunction(
    (name) => {
      const row = document.querySelector('.quick-input-list .monaco-list-row');
      return row && (row.getAttribute('aria-label') || row.innerText).includes(name);
    },
    file.split('/').pop(),
    { timeout: T },
  );
  await page.keyboard.press('Enter');
  // The breadcrumbs name the file's folders (tabs alone cannot tell two BUILD.bazel apart).
  await page.waitForFunction(
    (segments) => {
      const crumbs = document.querySelector('.editor-group-container.active .breadcrumbs-control');
      const tab = document.querySelector('.editor-group-container.active .tab.active');
      const text = ((crumbs && crumbs.innerText) || '').replace(/\u00a0/g, ' ');
      let at = 0;
      for (const s of segments) {
        at = text.indexOf(s, at);
        if (at < 0) return !crumbs && tab && tab.innerText.includes(segments[segments.length - 1]);
        at += s.length;
      }
      return true;
    },
    file.split('/'),
    { timeout: T },
  );
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: T });
}

// The texts of the notification toasts (and of the notification center, if open).
async function notificationTexts(page) {
  return page.locator('.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message')
    .allInnerTexts().catch(() => []);
}

// Waits for a notification whose text contains every string of `wants`; returns its text.
// A toast may have hidden itself meanwhile: then the notification center lists it.
async function waitNotification(page, wants) {
  const seen = (ws) => [...document.querySelectorAll('.notification-list-item-message')]
    .some((e) => ws.every((w) => e.innerText.includes(w)));
  try {
    await page.waitForFunction(seen, wants, { timeout: T / 2 });
  } catch (e) {
    await runCommand(page, 'Notifications: Show Notifications');
    await page.waitForFunction(seen, wants, { timeout: T / 2 });
  }
  return (await notificationTexts(page)).find((t) => wants.every((w) => t.includes(w)));
}

// Runs a command from the command palette by its title.
async function runCommand(page, title) {
  await page.keyboard.press('Control+Shift+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: T });
  await page.keyboard.type(title, { delay: 5 });
  await page.waitForFunction(
    (t) => {
      const row = document.querySelector('.quick-input-list .monaco-list-row');
      return row && (row.getAttribute('aria-label') || row.innerText).includes(t);
    },
    title.replace(/^.*?: /, ''),
    { timeout: T },
  );
  await page.keyboard.press('Enter');
}

// Text as rendered, for comparing with the spec's strings: Monaco's spaces are U+00A0, code and
// emphasis marks go, table cells and lines become words separated by single spaces.
function plainText(text) {
  return text.replace(/\u00a0/g, ' ').replace(/[`*]/g, '').replace(/\|/g, ' ').replace(/\s+/g, ' ');
}

// The Markdown preview's rendered document (in a webview frame): its first heading and text.
async function renderedMarkdown(page, needle) {
  for (const frame of page.frames()) {
    const found = await frame.evaluate((n) => {
      const body = document.body;
      if (!body || !document.querySelector('.markdown-body, body.vscode-body')) return null;
      if (!body.innerText.includes(n)) return null;
      const h = document.querySelector('h1');
      // The resolution matrix the report ends with: the first table after its heading.
      const mh = [...document.querySelectorAll('h2')].find((e) => e.innerText.trim() === 'Resolution matrix');
      let matrix = null;
      if (mh) {
        let e = mh.nextElementSibling;
        while (e && e.tagName !== 'TABLE' && e.tagName !== 'H2') e = e.nextElementSibling;
        if (e && e.tagName === 'TABLE') {
          matrix = { rows: e.querySelectorAll('tbody tr').length, text: e.innerText };
          mh.scrollIntoView();
        }
      }
      return { heading: h ? h.innerText : null, text: body.innerText.slice(0, 2000), matrix };
    }, needle).catch(() => null);
    if (found) return found;
  }
  return null;
}

// Moves the cursor with Go to Line (Ctrl+G) and waits until the status bar shows it there.
async function gotoLine(page, line, col) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: T });
  await page.keyboard.type(`${line}:${col}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (w) => { const e = document.querySelector('#status\\.editor\\.selection'); return e && e.innerText.includes(w); },
    `Ln ${line}, Col ${col}`,
    { timeout: T },
  );
}

// Hovers the first token that is exactly `word` in the active editor; returns the hover
// widget's text once it contains `hasText` (falls back to Ctrl+K Ctrl+I).
async function hoverOn(page, word, hasText) {
  const token = page
    .locator('.editor-instance .monaco-editor .view-line span span', { hasText: new RegExp(`^${word}$`) })
    .first();
  const box = await token.boundingBox({ timeout: T });
  if (!box) throw new Error(`no token span for ${word}`);
  const x = box.x + Math.min(box.width / 2, 12);
  const y = box.y + box.height / 2;
  await page.mouse.move(x - 40, y + 80);
  await page.mouse.move(x, y, { steps: 4 });
  const hover = page.locator('.monaco-hover-content, .monaco-hover .hover-contents').filter({ hasText }).first();
  try {
    await hover.waitFor({ state: 'visible', timeout: 10000 });
  } catch (e) {
    await page.mouse.click(x, y);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    await hover.waitFor({ state: 'visible', timeout: T });
  }
  return hover.innerText();
}

// toolcheck.server.path names no executable: the extension says which path it tried and
// how to install or configure the server (instead of "couldn't create connection").
async function missingServer(page, step, result) {
  await openFile(page, FILE);
  const wants = [process.env.SERVER_PATH || '/nonexistent/toolcheck', 'toolcheck.server.path', 'cargo install'];
  result.notification = await waitNotification(page, wants);
  step('missing server notification', result.notification);
  const button = page.locator('.notification-list-item', { hasText: wants[0] })
    .locator('.monaco-button', { hasText: 'Open Settings' });
  await button.first().waitFor({ state: 'visible', timeout: T });
  const all = await notificationTexts(page);
  if (all.some((t) => t.includes("couldn't create connection"))) {
    throw new Error(`the generic connection error is shown too: ${JSON.stringify(all)}`);
  }
  await page.screenshot({ path: path.join(OUT, 'missing-server.png') });
}

// The workspace's toolcheck.toml has a syntax error (SPEC.broken_config): a notification, a
// Problems entry on toolcheck.toml at the error, no findings in the open file (the file's four
// labels resolve in the real workspace), and a hover that sees that workspace.
async function brokenConfig(page, step, result) {
  const bc = SPEC.broken_config;
  await openFile(page, FILE);
  result.notification = await waitNotification(page, [bc.message]);
  step('broken config notification', result.notification);
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: T });
  await page.waitForFunction(
    ([problem, where]) => {
      const el = document.querySelector('.markers-panel');
      return el && el.innerText.includes('toolcheck.toml') && el.innerText.includes(problem) && el.innerText.includes(where);
    },
    [bc.problem, `[Ln ${bc.line + 1},`],
    { timeout: T },
  );
  const text = await hoverOn(page, bc.hover.word, bc.hover.expect[bc.hover.expect.length - 1]);
  result.hover = text;
  step('hover with the broken config', text);
  const plain = plainText(text);
  for (const want of bc.hover.expect) {
    if (!plain.includes(want)) throw new Error(`hover lacks ${JSON.stringify(want)}`);
  }
  await page.keyboard.press('Escape');
  // No findings: a moment later, the Problems panel still has only the configuration error.
  await page.waitForTimeout(1500);
  result.problems = (await problemsText(page)).slice(0, 4000);
  step('problems panel', result.problems.split('\n').slice(0, 8));
  if (result.problems.includes('unresolved-label') || result.problems.includes(FILE.split('/').pop())) {
    throw new Error('findings shown despite the broken toolcheck.toml');
  }
  const squiggles = await page.locator('.editor-instance .monaco-editor .squiggly-error, .editor-instance .monaco-editor .squiggly-warning').count();
  if (squiggles !== 0) throw new Error(`${squiggles} squiggles in ${FILE}`);
  await page.screenshot({ path: path.join(OUT, 'broken-config.png') });
}

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'toolcheck-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || (await browser.newPage());
  const result = { ok: false, steps: [] };
  const step = (name, value) => {
    result.steps.push({ name, t: (Date.now() - started) / 1000, value });
    log(name, value === undefined ? '' : JSON.stringify(value));
  };
  page.on('console', (m) => {
    if (m.type() === 'error') fs.appendFileSync(path.join(OUT, 'browser-console.log'), m.text() + '\n');
  });
  try {
    await page.goto(CS_URL, { waitUntil: 'domcontentloaded', timeout: T });
    await page.waitForSelector('.monaco-workbench', { timeout: T });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: T });
    step('workbench up');
    if (SCENARIO === 'missing-server') {
      await missingServer(page, step, result);
    } else if (SCENARIO === 'broken-config') {
      await brokenConfig(page, step, result);
    } else {

      // Open the file with Quick Open, like a user.
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: T });
      await page.keyboard.type(FILE, { delay: 10 });
      await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: T });
      await page.keyboard.press('Enter');
      await page.waitForSelector('.monaco-editor .view-lines', { timeout: T });
      step('editor open', FILE);

      result.languageMode = await page.locator('#status\\.editor\\.mode').innerText({ timeout: T }).catch(() => null);
      step('language mode', result.languageMode);
      if (!result.languageMode || !result.languageMode.includes('Starlark')) {
        throw new Error(`language mode is ${result.languageMode}, expected Starlark`);
      }

      // 1. Squiggle in the editor.
      const squiggle = '.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error, .monaco-editor .squiggly-info';
      await page.waitForSelector(squiggle, { timeout: T });
      result.squiggles = await page.locator(squiggle).count();
      step('squiggles', result.squiggles);

      // 2. The Problems panel lists the message, with the check name as the code.
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: T });
      await page.waitForFunction(
        ([msg, code]) => {
          const el = document.querySelector('.markers-panel');
          return el && el.innerText.includes(msg) && el.innerText.includes(code);
        },
        [SPEC.message, SPEC.code],
        { timeout: T },
      );
      result.problems = (await problemsText(page)).slice(0, 4000);
      step('problems panel', result.problems.split('\n').slice(0, 8));
      // The coverage status (`toolcheck/status`) is in the status bar.
      const status = page.locator('.statusbar-item', { hasText: 'toolcheck' }).first();
      await status.waitFor({ state: 'visible', timeout: T });
      result.coverageStatus = await status.innerText({ timeout: T });
      step('coverage status', result.coverageStatus);
      const line1 = `[Ln ${SPEC.line + 1},`;
      if (!result.problems.includes(line1)) throw new Error(`Problems panel lacks ${line1}`);
      await page.screenshot({ path: path.join(OUT, 'problems.png') });

      // 3. Hover: the grammar gives each identifier its own token span.
      const word = page
        .locator('.monaco-editor .view-line span span', { hasText: new RegExp(`^${SPEC.hover.word}$`) })
        .first();
      const box = await word.boundingBox({ timeout: T });
      if (!box) throw new Error(`no token span for ${SPEC.hover.word}`);
      const x = box.x + Math.min(box.width / 2, 12);
      const y = box.y + box.height / 2;
      await page.mouse.move(x - 40, y + 80);
      await page.mouse.move(x, y, { steps: 4 });
      const hover = page.locator('.monaco-hover-content, .monaco-hover .hover-contents').filter({ hasText: SPEC.hover.expect }).first();
      try {
        await hover.waitFor({ state: 'visible', timeout: 10000 });
      } catch (e) {
        step('mouse hover did not show; using Ctrl+K Ctrl+I');
        await page.mouse.click(x, y);
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        await hover.waitFor({ state: 'visible', timeout: T });
      }
      result.hover = await hover.innerText();
      step('hover', result.hover);
      await page.screenshot({ path: path.join(OUT, 'hover.png') });
      await page.keyboard.press('Escape');
      await page.mouse.move(5, 5);

      // 4. The "Show toolchain resolution" command (custom request toolcheck/resolve) opens the
      //    report beside the editor, rendered (the Markdown preview, not its source); the cursor
      //    is at the start of the file (a toolchain_type).
      await page.keyboard.press('Control+Home');
      await runCommand(page, 'toolcheck: Show toolchain resolution');
      let rendered = null;
      const until = Date.now() + T;
      while (!rendered && Date.now() < until) {
        rendered = await renderedMarkdown(page, 'Toolchain resolution');
        if (!rendered) await page.waitForTimeout(250);
      }
      if (!rendered) throw new Error('the resolution report did not open as a rendered Markdown preview');
      result.resolution = rendered;
      step('resolution report (rendered)', { heading: rendered.heading, text: rendered.text.split('\n').slice(0, 4) });
      if (!rendered.heading || !rendered.heading.startsWith('Toolchain resolution')) {
        throw new Error(`the report's first heading is ${JSON.stringify(rendered.heading)}`);
      }
      const rawSource = await page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-lines')]
        .some((e) => e.innerText.replace(/\u00a0/g, ' ').includes('# Toolchain resolution')));
      if (rawSource) throw new Error('the report is shown as Markdown source');
      // The workspace's matrix, rendered as a table, with the fixture's catch-all hazard
      // (dummy-toolchain-precedence for target platform darwin) marked in it.
      const m = rendered.matrix;
      step('resolution matrix (rendered)', m && { rows: m.rows, text: m.text.split('\n').slice(0, 6) });
      if (!m || m.rows < 2) throw new Error(`the report has no rendered resolution matrix: ${JSON.stringify(m)}`);
      if (!m.text.includes('⚠') || !m.text.includes('dummy-toolchain-precedence')) {
        throw new Error(`the matrix does not mark the catch-all hazard: ${m.text}`);
      }
      await page.screenshot({ path: path.join(OUT, 'resolution.png') });
      // Back to the BUILD file alone (the report opened in a second editor group).
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
      await runCommand(page, 'View: Close All Editor Groups');
      await page.keyboard.press('Control+P');
      await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: T });
      await page.keyboard.type(FILE, { delay: 10 });
      await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: T });
      await page.keyboard.press('Enter');

      // 5. Quick fix menu: "suppress on this line" removes the problem.
      if (SPEC.suppress) {
        const flagged = page.locator('.monaco-editor .view-line').nth(SPEC.line);
        await flagged.waitFor({ timeout: T });
        await page.locator('.monaco-editor .view-lines').click({ position: { x: 5, y: 5 } });
        // Go to the flagged line with the "Go to Line" command (Ctrl+G).
        await page.keyboard.press('Control+G');
        await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: T });
        await page.keyboard.type(String(SPEC.line + 1) + ':' + String((SPEC.col || 0) + 1));
        await page.keyboard.press('Enter');
        // Wait until the cursor is really there (the status bar says so) before asking.
        const where = `Ln ${SPEC.line + 1}, Col ${(SPEC.col || 0) + 1}`;
        await page.waitForFunction(
          (w) => { const e = document.querySelector('#status\\.editor\\.selection'); return e && e.innerText.includes(w); },
          where,
          { timeout: T },
        );
        const item = page.locator('.action-widget .monaco-list-row, .context-view .monaco-list-row').filter({ hasText: SPEC.suppress }).first();
        for (let attempt = 1; ; attempt++) {
          await page.keyboard.press('Control+.');
          try {
            await item.waitFor({ state: 'visible', timeout: 5000 });
            break;
          } catch (e) {
            if (attempt >= 4) throw e;
            step('code action menu not shown yet; retrying', attempt);
            await page.keyboard.press('Escape');
          }
        }
        await item.waitFor({ state: 'visible', timeout: T });
        result.codeActions = await page.locator('.action-widget .monaco-list-row, .context-view .monaco-list-row').allInnerTexts();
        step('code actions', result.codeActions);
        await page.screenshot({ path: path.join(OUT, 'code-actions.png') });
        // Select it with the keyboard (a pointer-block overlay swallows clicks in the menu).
        for (let i = 0; i < 20; i++) {
          const focused = await page
            .locator('.action-widget .monaco-list-row.focused, .context-view .monaco-list-row.focused')
            .first()
            .getAttribute('aria-label')
            .catch(() => null);
          if (focused && focused.includes(SPEC.suppress)) break;
          await page.keyboard.press('ArrowDown');
        }
        await page.keyboard.press('Enter');
        await page.waitForFunction(
          (code) => {
            const el = document.querySelector('.markers-panel');
            return el && !el.innerText.includes(code);
          },
          SPEC.code,
          { timeout: T },
        );
        step('problem gone after suppress');
        await page.screenshot({ path: path.join(OUT, 'after-suppress.png') });
      }

      // 6. The dummy-toolchain hazard (SPEC.hazard): the finding in MODULE.bazel (squiggle and
      //    Problems entry naming the wrong exec platform choice), the hover on the toolchain type
      //    (toolchains with constraints, what Bazel picks per target platform), and commenting
      //    out the catch-all's registration clears it.
      const HZ = SPEC.hazard;
      if (HZ) {
        await openFile(page, HZ.file);
        await page.waitForSelector(squiggle, { timeout: T });
        await page.waitForFunction(
          ([msg, code]) => {
            const el = document.querySelector('.markers-panel');
            return el && el.innerText.includes(msg) && el.innerText.includes(code);
          },
          [HZ.problem, HZ.code],
          { timeout: T },
        );
        result.hazardProblems = (await problemsText(page)).slice(0, 4000);
        step('hazard in problems panel', result.hazardProblems.split('\n').filter((l) => l.includes(HZ.problem) || l.includes(HZ.code) || l.startsWith('[Ln')));
        if (!result.hazardProblems.includes(`[Ln ${HZ.line + 1}, Col ${HZ.col + 1}]`)) {
          throw new Error(`Problems panel lacks [Ln ${HZ.line + 1}, Col ${HZ.col + 1}]`);
        }
        await page.screenshot({ path: path.join(OUT, 'hazard-problems.png') });

        await openFile(page, HZ.hover.file);
        const text = await hoverOn(page, HZ.hover.word, 'What Bazel picks');
        result.hazardHover = text;
        step('hazard hover', text);
        const plain = plainText(text);
        for (const want of HZ.hover.expect) {
          if (!plain.includes(want)) throw new Error(`hazard hover lacks ${JSON.stringify(want)}`);
        }
        await page.screenshot({ path: path.join(OUT, 'hazard-hover.png') });
        // The widget scrolls: show its "What Bazel picks" part in a second screenshot.
        const widget = await page.locator('.monaco-hover').filter({ hasText: 'What Bazel picks' }).first().boundingBox().catch(() => null);
        if (widget) {
          await page.mouse.move(widget.x + widget.width / 2, widget.y + widget.height / 2, { steps: 4 });
          await page.mouse.wheel(0, 400);
          await page.waitForTimeout(300);
          await page.screenshot({ path: path.join(OUT, 'hazard-hover-picks.png') });
        }
        await page.keyboard.press('Escape');
        await page.mouse.move(5, 5);

        await openFile(page, HZ.file);
        await gotoLine(page, HZ.fix.line + 1, HZ.fix.col + 1);
        await page.keyboard.type(HZ.fix.text);
        await page.waitForFunction(
          (code) => {
            const el = document.querySelector('.markers-panel');
            return el && !el.innerText.includes(code);
          },
          HZ.code,
          { timeout: T },
        );
        step('hazard gone after commenting out the catch-all registration');
        await page.screenshot({ path: path.join(OUT, 'hazard-fixed.png') });
      }

      // 7. A hover in a nested module (tests/nested has its own MODULE.bazel): its files belong
      //    to that workspace, so the hover lists the module's own registrations.
      const NS = SPEC.nested;
      if (NS) {
        await openFile(page, NS.file);
        const text = await hoverOn(page, NS.hover.word, NS.hover.expect[NS.hover.expect.length - 1]);
        result.nestedHover = text;
        step('nested hover', text);
        const plain = plainText(text);
        for (const want of NS.hover.expect) {
          if (!plain.includes(want)) throw new Error(`nested hover lacks ${JSON.stringify(want)}`);
        }
        await page.screenshot({ path: path.join(OUT, 'nested-hover.png') });
        await page.keyboard.press('Escape');
      }
    }
    result.ok = true;
  } catch (e) {
    result.error = String((e && e.stack) || e);
    log('FAILED', result.error);
    result.notifications = await page
      .locator('.notifications-toasts .notification-list-item-message')
      .allInnerTexts()
      .catch(() => []);
    result.problems = result.problems || (await problemsText(page).catch(() => ''));
    await page.screenshot({ path: path.join(OUT, 'failure.png') }).catch(() => {});
  } finally {
    result.seconds = (Date.now() - started) / 1000;
    fs.writeFileSync(path.join(OUT, 'result.json'), JSON.stringify(result, null, 2));
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(result.ok ? 0 : 1);
})();
