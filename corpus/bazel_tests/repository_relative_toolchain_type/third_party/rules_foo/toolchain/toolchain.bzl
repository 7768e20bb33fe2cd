def _impl(ctx):
    return [platform_common.ToolchainInfo(foo_tool = ctx.attr.foo_tool)]

foo_toolchain = rule(
    implementation = _impl,
    attrs = {"foo_tool": attr.label(default = "//foo_tools:foo_tool")},
)
