-- Headless Neovim end-to-end test of `toolcheck lsp` through the editors/nvim plugin.
--
-- Run (run.sh does this):
--   TOOLCHECK=/path/to/toolcheck PLUGIN=editors/nvim TARGET=<ws>/toolchains/BUILD.bazel \
--   SPEC=<case.json> OUT=result.json nvim --headless --clean -c 'luafile e2e.lua'
-- SPEC (JSON): { "code": check name, "message": substring, "line": 0-based line of the
--   diagnostic, "hover": {"line", "col", "expect"}, "fix": {"line", "col", "text"},
--   "hazard": the same for a second case in other files (hover.expect is a list) }.
--   "nested": a hover in a workspace nested in the fixture (its own MODULE.bazel);
--   "broken_config": what BROKEN_TARGET's workspace (whose toolcheck.toml has a syntax
--   error) must show: the message, the diagnostic on toolcheck.toml, no findings, a hover }.
-- BROKEN_TARGET: a file in a copy of the fixture with the broken toolcheck.toml (optional).
-- Exit status: 0 = all assertions held; 1 = an assertion failed; 2 = error or timeout.
-- It runs from `-c luafile` rather than `-u` so that filetype detection is already on.
local function env(k, d)
  local v = os.getenv(k)
  if v == nil or v == '' then
    return d
  end
  return v
end

local function read_json(path)
  local f = assert(io.open(path, 'r'))
  local s = f:read('*a')
  f:close()
  return vim.fn.json_decode(s)
end

local spec = read_json(env('SPEC', 'case.json'))
local target = env('TARGET', '')
local out = env('OUT', 'result.json')
local wait_ms = tonumber(env('WAIT_MS', '20000'))
local t0 = vim.loop.hrtime()
local result = { nvim = ('%d.%d.%d'):format(vim.version().major, vim.version().minor, vim.version().patch), steps = {} }
local server_exit = nil
local finished = false

local function log(msg)
  io.stderr:write(('[nvim-e2e %.2fs] %s\n'):format((vim.loop.hrtime() - t0) / 1e9, msg))
end

local function step(name, value)
  result.steps[#result.steps + 1] = { name = name, t = (vim.loop.hrtime() - t0) / 1e9, value = value }
  log(name .. (value ~= nil and (': ' .. vim.inspect(value, { newline = ' ', indent = '' })) or ''))
end

-- window/showMessage: Neovim 0.7 writes it to the message area; record it too.
result.messages = {}
local orig_show_message = vim.lsp.handlers['window/showMessage']
vim.lsp.handlers['window/showMessage'] = function(err, res, ctx, config)
  table.insert(result.messages, res and res.message or '')
  log('showMessage: ' .. tostring(res and res.message))
  return orig_show_message(err, res, ctx, config)
end

result.notifications = {}
vim.notify = function(msg, level)
  table.insert(result.notifications, { level = level, msg = msg })
  log('notify(' .. tostring(level) .. '): ' .. tostring(msg))
end

local function finish(code, why)
  if finished then
    return
  end
  finished = true
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local active = get()
  for _, c in pairs(active) do
    vim.lsp.stop_client(c.id)
  end
  if next(active) then
    vim.wait(5000, function()
      return server_exit ~= nil
    end, 20)
  end
  result.server_exit = server_exit
  if code == 0 and not (server_exit and server_exit.code == 0 and server_exit.signal == 0) then
    code, why = 1, 'server did not exit cleanly after shutdown/exit: ' .. vim.inspect(server_exit)
  end
  result.status = code == 0 and 'ok' or 'fail'
  result.reason = why
  result.seconds = (vim.loop.hrtime() - t0) / 1e9
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  log(('finish %d %s'):format(code, why or ''))
  vim.cmd(code == 0 and 'qall!' or ('cquit ' .. code))
end

vim.defer_fn(function()
  finish(2, 'watchdog timeout')
end, wait_ms * 4)

-- The plugin under test.
vim.opt.runtimepath:prepend(env('PLUGIN', '.'))
vim.cmd('runtime! plugin/toolcheck.lua')
require('toolcheck').setup({
  cmd = { env('TOOLCHECK', 'toolcheck'), 'lsp' },
  on_attach = function(client)
    step('attached', client.name)
  end,
})
-- Record the server's exit status (0.7 calls on_exit with (code, signal, client_id)).
local orig_start_client = vim.lsp.start_client
vim.lsp.start_client = function(cfg)
  local user_on_exit = cfg.on_exit
  cfg.on_exit = function(code, signal, id)
    server_exit = { code = code, signal = signal }
    if user_on_exit then
      user_on_exit(code, signal, id)
    end
  end
  return orig_start_client(cfg)
end

local ok, err = pcall(vim.cmd, 'edit ' .. vim.fn.fnameescape(target))
if not ok then
  return finish(2, 'edit failed: ' .. tostring(err))
end
local bufnr = vim.api.nvim_get_current_buf()
result.filetype = vim.bo[bufnr].filetype
step('filetype', result.filetype)
if result.filetype ~= 'bzl' then
  return finish(1, 'filetype is ' .. result.filetype)
end

local function our_diagnostics()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if code == spec.code then
      table.insert(found, d)
    end
  end
  return found
end

-- 1. The diagnostic arrives, on the right line, with the check name as its code.
local got = vim.wait(wait_ms, function()
  return #our_diagnostics() > 0
end, 20)
result.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(result.diagnostics, {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity,
    message = d.message, source = d.source,
    code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
  })
end
if not got then
  return finish(1, 'no ' .. spec.code .. ' diagnostic within ' .. wait_ms .. ' ms')
end
local d = our_diagnostics()[1]
step('diagnostic', { lnum = d.lnum, col = d.col, message = d.message })
if d.lnum ~= spec.line then
  return finish(1, ('diagnostic on line %d, expected %d'):format(d.lnum, spec.line))
end
if not string.find(d.message, spec.message, 1, true) then
  return finish(1, 'diagnostic message lacks ' .. spec.message)
end
if d.source ~= 'toolcheck' then
  return finish(1, 'diagnostic source is ' .. tostring(d.source))
end

-- 2. Hover: synchronous request, then the real UI path (floating window).
vim.api.nvim_win_set_cursor(0, { spec.hover.line + 1, spec.hover.col })
local params = vim.lsp.util.make_position_params()
local responses, herr = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, wait_ms)
if not responses then
  return finish(1, 'hover failed: ' .. tostring(herr))
end
for _, r in pairs(responses) do
  if r.error then
    return finish(1, 'hover error: ' .. vim.inspect(r.error))
  end
  if r.result and r.result.contents then
    result.hover = table.concat(vim.lsp.util.convert_input_to_markdown_lines(r.result.contents), '\n')
  end
end
step('hover', result.hover)
if not result.hover or not string.find(result.hover, spec.hover.expect, 1, true) then
  return finish(1, 'hover does not contain ' .. spec.hover.expect)
end
vim.lsp.buf.hover()
local function float_text()
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      return table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
    end
  end
  return nil
end
vim.wait(wait_ms, function()
  return float_text() ~= nil
end, 20)
result.hover_float = float_text()
step('hover float', result.hover_float and #result.hover_float or nil)
if not result.hover_float or not string.find(result.hover_float, spec.hover.expect, 1, true) then
  return finish(1, 'hover float does not show ' .. spec.hover.expect)
end
for _, w in ipairs(vim.api.nvim_list_wins()) do
  if vim.api.nvim_win_get_config(w).relative ~= '' then
    vim.api.nvim_win_close(w, true)
  end
end

-- Workspace symbols: the toolchain found by name, in this buffer's file.
local sresp, serr = vim.lsp.buf_request_sync(bufnr, 'workspace/symbol', { query = 'linux_cc' }, wait_ms)
if not sresp then
  return finish(1, 'workspace/symbol failed: ' .. tostring(serr))
end
for _, r in pairs(sresp) do
  if r.error then
    return finish(1, 'workspace/symbol error: ' .. vim.inspect(r.error))
  end
  local first = r.result and r.result[1]
  result.workspace_symbol = first and first.name
  if not first or first.location.uri ~= vim.uri_from_bufnr(bufnr) then
    return finish(1, 'workspace/symbol did not find linux_cc in this file: ' .. vim.inspect(r.result))
  end
end
step('workspace symbol', result.workspace_symbol)
if not result.workspace_symbol or not string.find(result.workspace_symbol, ':linux_cc', 1, true) then
  return finish(1, 'workspace/symbol found ' .. tostring(result.workspace_symbol))
end

-- 3. An edit that fixes the problem (sent as an incremental didChange) clears the diagnostic.
local fix = spec.fix
vim.api.nvim_buf_set_text(bufnr, fix.line, fix.col, fix.line, fix.col, vim.split(fix.text, '\n', { plain = true }))
result.cleared_after_fix = vim.wait(wait_ms, function()
  return #our_diagnostics() == 0
end, 20)
step('cleared after fix', result.cleared_after_fix)
if not result.cleared_after_fix then
  return finish(1, 'diagnostic not cleared after the fix')
end

-- 4. Undo the fix: the diagnostic comes back (edits are applied in order, nothing stale).
vim.cmd('silent undo')
result.back_after_undo = vim.wait(wait_ms, function()
  return #our_diagnostics() > 0
end, 20)
step('back after undo', result.back_after_undo)
if not result.back_after_undo then
  return finish(1, 'diagnostic did not come back after undo')
end

local root = target:sub(1, #target - #spec.file)
local function plain(s)
  -- As rendered: no Markdown code or emphasis marks, table cells as words.
  return ((s or ''):gsub('[`*]', ''):gsub('|', ' '):gsub('%s+', ' '))
end

-- 5. The dummy-toolchain hazard (spec.hazard): MODULE.bazel registers a catch-all toolchain
--    after the constrained ones. The finding names Bazel's wrong exec platform choice; the
--    hover on the toolchain type lists the toolchains with their constraints and what Bazel
--    picks per target platform; commenting out the catch-all's registration clears it.
local hz = spec.hazard
if hz then
  local function buf_diags(buf, code)
    local found = {}
    for _, dd in ipairs(vim.diagnostic.get(buf)) do
      local c = dd.code or (dd.user_data and dd.user_data.lsp and dd.user_data.lsp.code)
      if c == code then
        table.insert(found, dd)
      end
    end
    return found
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. hz.file))
  local mbuf = vim.api.nvim_get_current_buf()
  if not vim.wait(wait_ms, function()
    return #buf_diags(mbuf, hz.code) > 0
  end, 20) then
    return finish(1, 'no ' .. hz.code .. ' diagnostic in ' .. hz.file)
  end
  local hd = buf_diags(mbuf, hz.code)[1]
  result.hazard = { lnum = hd.lnum, col = hd.col, message = hd.message }
  step('hazard diagnostic', result.hazard)
  if hd.lnum ~= hz.line or hd.col ~= hz.col then
    return finish(1, ('hazard at %d:%d, expected %d:%d'):format(hd.lnum, hd.col, hz.line, hz.col))
  end
  if not string.find(hd.message, hz.message, 1, true) then
    return finish(1, 'hazard message lacks ' .. hz.message)
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(root .. hz.hover.file))
  local tbuf = vim.api.nvim_get_current_buf()
  vim.wait(wait_ms, function()
    return next(vim.lsp.buf_get_clients(tbuf)) ~= nil
  end, 20)
  vim.api.nvim_win_set_cursor(0, { hz.hover.line + 1, hz.hover.col })
  local hresp = vim.lsp.buf_request_sync(tbuf, 'textDocument/hover', vim.lsp.util.make_position_params(), wait_ms)
  for _, r in pairs(hresp or {}) do
    if r.result and r.result.contents then
      result.hazard_hover = table.concat(vim.lsp.util.convert_input_to_markdown_lines(r.result.contents), '\n')
    end
  end
  step('hazard hover', result.hazard_hover)
  for _, want in ipairs(hz.hover.expect) do
    if not string.find(plain(result.hazard_hover), want, 1, true) then
      return finish(1, 'hazard hover lacks ' .. want)
    end
  end
  vim.lsp.buf.hover()
  vim.wait(wait_ms, function()
    return float_text() ~= nil
  end, 20)
  result.hazard_float = float_text()
  step('hazard hover float', result.hazard_float and #result.hazard_float or nil)
  for _, want in ipairs(hz.hover.expect) do
    if not string.find(plain(result.hazard_float), want, 1, true) then
      return finish(1, 'hazard hover float lacks ' .. want)
    end
  end
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      vim.api.nvim_win_close(w, true)
    end
  end

  vim.cmd('buffer ' .. mbuf)
  vim.api.nvim_buf_set_text(mbuf, hz.fix.line, hz.fix.col, hz.fix.line, hz.fix.col, { hz.fix.text })
  result.hazard_cleared = vim.wait(wait_ms, function()
    return #buf_diags(mbuf, hz.code) == 0
  end, 20)
  step('hazard cleared after fix', result.hazard_cleared)
  if not result.hazard_cleared then
    return finish(1, 'hazard not cleared after commenting out the catch-all registration')
  end
end
-- Hovers until the text (as rendered) has every string of `expect`; the workspace may still
-- be indexing in the background. Returns the last hover text and what it lacks.
local function hover_until(buf, line, col, expect)
  local text, missing
  vim.wait(wait_ms, function()
    vim.api.nvim_win_set_cursor(0, { line + 1, col })
    local resp = vim.lsp.buf_request_sync(buf, 'textDocument/hover', vim.lsp.util.make_position_params(), wait_ms)
    text = nil
    for _, r in pairs(resp or {}) do
      if r.result and r.result.contents then
        text = table.concat(vim.lsp.util.convert_input_to_markdown_lines(r.result.contents), '\n')
      end
    end
    missing = nil
    for _, want in ipairs(expect) do
      if not string.find(plain(text), want, 1, true) then
        missing = want
        return false
      end
    end
    return true
  end, 200)
  return text, missing
end

-- 6. The resolution report (:ToolcheckResolve) opens as a readable Markdown buffer.
if hz then
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. hz.hover.file))
  vim.api.nvim_win_set_cursor(0, { hz.hover.line + 1, hz.hover.col })
  local src_win = vim.api.nvim_get_current_win()
  vim.cmd('ToolcheckResolve')
  local report_win
  vim.wait(wait_ms, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      local b = vim.api.nvim_win_get_buf(w)
      if w ~= src_win and vim.bo[b].filetype == 'markdown' then
        report_win = w
        return true
      end
    end
    return false
  end, 20)
  if not report_win then
    return finish(1, 'ToolcheckResolve opened no markdown buffer')
  end
  local rbuf = vim.api.nvim_win_get_buf(report_win)
  local lines = vim.api.nvim_buf_get_lines(rbuf, 0, -1, false)
  result.report = {
    first = lines[1], filetype = vim.bo[rbuf].filetype, buftype = vim.bo[rbuf].buftype,
    modifiable = vim.bo[rbuf].modifiable, wrap = vim.wo[report_win].wrap,
    conceallevel = vim.wo[report_win].conceallevel,
  }
  step('resolution report', result.report)
  if not (lines[1] or ''):find('Toolchain resolution', 1, true) or vim.bo[rbuf].buftype ~= 'nofile'
    or vim.bo[rbuf].modifiable or not vim.wo[report_win].wrap or vim.wo[report_win].conceallevel ~= 2 then
    return finish(1, 'the resolution report is not a readable markdown buffer: ' .. vim.inspect(result.report))
  end
  vim.api.nvim_win_close(report_win, true)
end

-- 7. A hover in a nested module (its own MODULE.bazel under the fixture): the client is
--    rooted there, as the server roots the module's files, and the hover shows that
--    module's own registrations.
local nested = spec.nested
if nested then
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. nested.file))
  local nbuf = vim.api.nvim_get_current_buf()
  vim.wait(wait_ms, function()
    return next(vim.lsp.buf_get_clients(nbuf)) ~= nil
  end, 20)
  for _, c in pairs(vim.lsp.buf_get_clients(nbuf)) do
    result.nested_root = c.config.root_dir
  end
  step('nested client root', result.nested_root)
  local want_root = vim.fn.fnamemodify(root .. nested.file, ':h')
  if result.nested_root ~= want_root then
    return finish(1, ('nested module rooted at %s, expected %s'):format(tostring(result.nested_root), want_root))
  end
  local text, missing = hover_until(nbuf, nested.hover.line, nested.hover.col, nested.hover.expect)
  result.nested_hover = text
  step('nested hover', text)
  if missing then
    return finish(1, 'nested hover lacks ' .. missing)
  end
end

-- 8. A toolcheck.toml with a syntax error (BROKEN_TARGET's workspace): a message, a
--    diagnostic on toolcheck.toml at the error, no (false) findings in the open file, and the
--    real workspace behind hover.
local bc = spec.broken_config
local broken_target = env('BROKEN_TARGET', '')
if bc and broken_target ~= '' then
  local broot = broken_target:sub(1, #broken_target - #bc.file)
  vim.cmd('edit ' .. vim.fn.fnameescape(broken_target))
  local bbuf = vim.api.nvim_get_current_buf()
  local function message()
    for _, m in ipairs(result.messages) do
      if string.find(m, bc.message, 1, true) then
        return m
      end
    end
  end
  if not vim.wait(wait_ms, function()
    return message() ~= nil
  end, 20) then
    return finish(1, 'no window/showMessage containing ' .. bc.message .. ': ' .. vim.inspect(result.messages))
  end
  result.broken_message = message()
  step('broken config message', result.broken_message)
  local tbuf = vim.uri_to_bufnr(vim.uri_from_fname(broot .. 'toolcheck.toml'))
  if not vim.wait(wait_ms, function()
    return #vim.diagnostic.get(tbuf) > 0
  end, 20) then
    return finish(1, 'no diagnostic on toolcheck.toml')
  end
  local td = vim.diagnostic.get(tbuf)[1]
  result.broken_diagnostic = { lnum = td.lnum, col = td.col, message = td.message }
  step('toolcheck.toml diagnostic', result.broken_diagnostic)
  if td.lnum ~= bc.line or not string.find(td.message, bc.problem, 1, true) then
    return finish(1, 'toolcheck.toml diagnostic is ' .. vim.inspect(result.broken_diagnostic))
  end
  local text, missing = hover_until(bbuf, bc.hover.line, bc.hover.col, bc.hover.expect)
  result.broken_hover = text
  step('hover with the broken config', text and #text)
  if missing then
    return finish(1, 'hover with the broken config lacks ' .. missing)
  end
  -- No findings: none shown now, and none arriving a moment later.
  vim.wait(1500, function()
    return false
  end, 50)
  result.broken_file_diagnostics = #vim.diagnostic.get(bbuf)
  step('findings in ' .. bc.file, result.broken_file_diagnostics)
  if result.broken_file_diagnostics ~= 0 then
    return finish(1, 'findings shown despite the broken toolcheck.toml: ' .. vim.inspect(vim.diagnostic.get(bbuf)))
  end
end
finish(0)
