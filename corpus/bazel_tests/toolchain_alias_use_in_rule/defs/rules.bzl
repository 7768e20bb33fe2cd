def _info_impl(ctx):
    return [platform_common.ToolchainInfo(tag = ctx.attr.tag)]

info = rule(
    implementation = _info_impl,
    attrs = {"tag": attr.string()},
)

def _consumer_impl(ctx):
    return []

consumer = rule(
    implementation = _consumer_impl,
    toolchains = ["//defs:kind"],
)
