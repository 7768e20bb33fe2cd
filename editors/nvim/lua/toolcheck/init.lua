-- toolcheck for Neovim: starts `toolcheck lsp` for Bazel/Starlark buffers.
--
-- Works on Neovim 0.7+:
--   * 0.11+  registers with vim.lsp.config() + vim.lsp.enable();
--   * 0.8+   vim.lsp.start() from a FileType autocmd (one client per root);
--   * 0.7    vim.lsp.start_client() + vim.lsp.buf_attach_client(), reusing clients per root.
--
-- Usage:  require('toolcheck').setup({ --[[ options, see M.defaults ]] })
local M = {}

M.defaults = {
  -- Command that starts the server (stdio).
  cmd = { 'toolcheck', 'lsp' },
  -- File types to attach to (Neovim detects BUILD, *.bzl, *.bazel, WORKSPACE as `bzl`).
  filetypes = { 'bzl', 'starlark' },
  -- Files that mark a Bazel workspace root: the nearest directory above a file that holds one
  -- is its root, as for `bazel` run beside the file, for the server (server/src/vfs.rs) and
  -- in VS Code. No `.git`: a repository is not a Bazel workspace, and a nested module (a test
  -- workspace with its own MODULE.bazel) is one.
  root_markers = { 'MODULE.bazel', 'REPO.bazel', 'WORKSPACE.bazel', 'WORKSPACE' },
  -- Server settings: sent as initializationOptions and on workspace/configuration.
  settings = {
    checks = { enable = {}, disable = {} },
    bazelVersion = '',
    bazelrc = {},                 -- rc files read after .bazelrc (Bazel's --bazelrc)
    bazelConfigs = {},            -- Bazel --config names to simulate (--bazel-config)
    outputBase = '',              -- empty: found through the bazel-out symlink
  },
  -- Passed through to the client.
  on_attach = nil,
  capabilities = nil,
  -- Start automatically for matching buffers.
  autostart = true,
}

M.config = vim.deepcopy(M.defaults)

-- The Bazel workspace root of `path`: the nearest directory at or above it with a root
-- marker (else the file's directory), the rule the server applies to every file.
local function root_of(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      break
    end
    dir = parent
  end
  return vim.fn.fnamemodify(path, ':p:h')
end

local function client_config(root)
  local settings = M.config.settings
  return {
    name = 'toolcheck',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = root and { { uri = vim.uri_from_fname(root), name = root } } or nil,
    init_options = settings,
    settings = { toolcheck = settings },
    on_attach = M.config.on_attach,
    capabilities = M.config.capabilities,
    handlers = {
      -- Answer workspace/configuration pulls for the `toolcheck` section with the settings.
      ['workspace/configuration'] = function(_, params)
        local out = {}
        for i, item in ipairs(params.items or {}) do
          out[i] = (item.section == 'toolcheck' or item.section == nil) and settings or vim.NIL
        end
        return out
      end,
    },
  }
end

-- Neovim 0.7 has no vim.lsp.start(): keep our own root -> client id map.
local clients_by_root = {}

local function attach(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local root = root_of(name)
  if vim.lsp.start then
    vim.lsp.start(client_config(root), { bufnr = bufnr })
    return
  end
  local id = clients_by_root[root]
  if id and not vim.lsp.get_client_by_id(id) then
    id = nil
  end
  if not id then
    local cfg = client_config(root)
    local user_on_exit = cfg.on_exit
    cfg.on_exit = function(...)
      clients_by_root[root] = nil
      if user_on_exit then
        user_on_exit(...)
      end
    end
    id = vim.lsp.start_client(cfg)
    if not id then
      return -- start_client() already reported why (e.g. command not found)
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

--- Returns the toolcheck client attached to `bufnr` (default: current buffer), if any.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ bufnr = bufnr }) -- 0.10+
  else
    clients = vim.lsp.buf_get_clients(bufnr)
  end
  for _, c in pairs(clients) do
    if c.name == 'toolcheck' then
      return c
    end
  end
  return nil
end

--- Sends `toolcheck/resolve` for the cursor position and shows the answer in a scratch split.
function M.show_resolution()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    vim.notify('toolcheck: no language server attached to this buffer', vim.log.levels.WARN)
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  vim.lsp.buf_request(bufnr, 'toolcheck/resolve', params, function(err, result, ctx)
    if ctx and ctx.client_id ~= client.id then
      return
    end
    if err then
      vim.notify('toolcheck/resolve failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if not result or not result.markdown then
      vim.notify('toolcheck: nothing to resolve here', vim.log.levels.INFO)
      return
    end
    vim.cmd('botright new')
    local out = vim.api.nvim_get_current_buf()
    vim.bo[out].buftype = 'nofile'
    vim.bo[out].bufhidden = 'wipe'
    vim.bo[out].swapfile = false
    vim.api.nvim_buf_set_lines(out, 0, -1, false, vim.split(result.markdown, '\n', { plain = true }))
    vim.bo[out].filetype = 'markdown'
    vim.bo[out].modifiable = false
    -- A report to read: long lines wrap at words, and Markdown's markup is concealed where
    -- the markdown syntax marks it (backticks, emphasis).
    local win = vim.api.nvim_get_current_win()
    vim.wo[win].wrap = true
    vim.wo[win].linebreak = true
    vim.wo[win].conceallevel = 2
    vim.wo[win].concealcursor = 'n'
    vim.wo[win].number = false
    vim.wo[win].spell = false
    vim.api.nvim_win_set_cursor(win, { 1, 0 })
    -- One report buffer name per call: a second report must not fail on the name.
    pcall(vim.api.nvim_buf_set_name, out, 'toolcheck://resolution/' .. out)
  end)
end

--- Configures and (unless autostart = false) starts the server for matching buffers.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  if vim.lsp.config and vim.lsp.enable and M.config.use_lsp_config ~= false then
    -- Neovim 0.11+: native config registry; root_markers handles root detection.
    vim.lsp.config('toolcheck', vim.tbl_extend('force', client_config(nil), {
      filetypes = M.config.filetypes,
      root_markers = M.config.root_markers,
      root_dir = nil,
      workspace_folders = nil,
    }))
    if M.config.autostart then
      vim.lsp.enable('toolcheck')
    end
    return
  end
  local group = vim.api.nvim_create_augroup('toolcheck_lsp', { clear = true })
  if not M.config.autostart then
    return
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      attach(args.buf)
    end,
  })
  -- Buffers that were already open when setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
      attach(bufnr)
    end
  end
end

--- Starts (or reuses) a client for `bufnr` by hand, e.g. when autostart = false.
function M.start(bufnr)
  attach((bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr)
end

return M
