def _info_impl(ctx):
    return [platform_common.ToolchainInfo()]

info = rule(implementation = _info_impl)

def _consumer_impl(ctx):
    return []

consumer = rule(
    implementation = _consumer_impl,
    exec_compatible_with = ["//plat:v2"],
    toolchains = ["//defs:kind"],
)
