def _impl(ctx):
    return [platform_common.ToolchainInfo(note = ctx.attr.note)]

noted = rule(
    implementation = _impl,
    attrs = {"note": attr.string()},
)
