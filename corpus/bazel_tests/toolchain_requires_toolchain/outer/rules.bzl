def _impl(ctx):
    return [platform_common.ToolchainInfo()]

outer_info = rule(
    implementation = _impl,
    toolchains = ["//inner:type"],
)

def _user_impl(ctx):
    return []

outer_user = rule(
    implementation = _user_impl,
    toolchains = ["//outer:type"],
)
