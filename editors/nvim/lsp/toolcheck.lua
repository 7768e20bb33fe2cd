-- Neovim 0.11+ native LSP config (`:h lsp-config`): with this directory on 'runtimepath',
-- `vim.lsp.enable('toolcheck')` is all that is needed.
return {
  cmd = { 'toolcheck', 'lsp' },
  filetypes = { 'bzl', 'starlark' },
  root_markers = { 'MODULE.bazel', 'REPO.bazel', 'WORKSPACE.bazel', 'WORKSPACE' },
  init_options = { checks = { enable = {}, disable = {} }, bazelVersion = '' },
}
