def _impl(ctx):
    return [platform_common.ToolchainInfo()]

inner_info = rule(implementation = _impl)
