def _info_impl(ctx):
    return [platform_common.ToolchainInfo()]

info = rule(implementation = _info_impl)

def _impl(ctx):
    return []

mandatory = rule(implementation = _impl, toolchains = ["//toolchain:test_toolchain"])

optional = rule(
    implementation = _impl,
    toolchains = [config_common.toolchain_type("//toolchain:test_toolchain", mandatory = False)],
)

no_toolchains = rule(implementation = _impl)
