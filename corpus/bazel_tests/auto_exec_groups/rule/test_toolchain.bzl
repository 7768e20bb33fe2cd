def _impl(ctx):
    return [platform_common.ToolchainInfo()]

test_toolchain = rule(implementation = _impl)
