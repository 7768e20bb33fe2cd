-- toolcheck plugin entry: file type detection for Starlark files Neovim may not know,
-- and user commands. The server itself starts after require('toolcheck').setup().
if vim.g.loaded_toolcheck then
  return
end
vim.g.loaded_toolcheck = true

local group = vim.api.nvim_create_augroup('toolcheck_ftdetect', { clear = true })
-- Neovim already maps BUILD, *.BUILD, *.bzl, *.bazel and WORKSPACE to `bzl`.
vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group,
  pattern = { 'WORKSPACE.bzlmod', 'WORKSPACE.bazel', 'BUILD.bazel', 'MODULE.bazel', 'REPO.bazel' },
  command = 'setfiletype bzl',
})
vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group,
  pattern = { '*.star', '*.starlark', '*.sky' },
  command = 'setfiletype starlark',
})

vim.api.nvim_create_user_command('ToolcheckResolve', function()
  require('toolcheck').show_resolution()
end, { desc = 'toolcheck: show toolchain resolution for the cursor position' })
vim.api.nvim_create_user_command('ToolcheckStart', function()
  require('toolcheck').start(0)
end, { desc = 'toolcheck: start the language server for this buffer' })
