def _impl(ctx):
    return [platform_common.ToolchainInfo(data = ctx.attr.data)]

test_toolchain = rule(implementation = _impl, attrs = {"data": attr.string()})
