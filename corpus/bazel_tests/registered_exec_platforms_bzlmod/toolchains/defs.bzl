def _impl(ctx):
    return [platform_common.ToolchainInfo()]

impl = rule(implementation = _impl)
