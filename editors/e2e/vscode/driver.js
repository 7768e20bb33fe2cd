// Drives real VS Code (code-server) in Debian's headless Chromium with playwright-core.
//
// Expects code-server listening on $CS_URL with the toolcheck .vsix installed and the fixture
// workspace open. Reads the case from $SPEC (the same JSON as the Neovim test) and asserts:
//   1. the status bar's language mode is Starlark,
//   2. a squiggle appears, and the Problems panel lists the check's message and code,
//   3. hovering the word in spec.hover shows the server's hover text,
//   4. the "suppress on this line" code action (Ctrl+.) removes the problem.
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

    // 4. The "Show toolchain resolution" command (custom request toolcheck/resolve) opens a
    //    report beside the editor; the cursor is at the start of the file (a toolchain_type).
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: T });
    await page.keyboard.type('toolcheck: Show toolchain resolution', { delay: 5 });
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: T });
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => [...document.querySelectorAll('.monaco-editor .view-lines')]
        .some((e) => e.innerText.replace(/\u00a0/g, ' ').includes('Toolchain resolution')),
      null,
      { timeout: T },
    );
    result.resolution = await page.evaluate(() => {
      // Monaco renders spaces as U+00A0.
      const texts = [...document.querySelectorAll('.monaco-editor .view-lines')].map((x) => x.innerText.replace(/\u00a0/g, ' '));
      return texts.find((t) => t.includes('Toolchain resolution')) || null;
    });
    step('resolution report', result.resolution.split('\n').slice(0, 4));
    await page.screenshot({ path: path.join(OUT, 'resolution.png') });
    // Back to the BUILD file (the report opened beside it).
    await page.keyboard.press('Control+W');
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
