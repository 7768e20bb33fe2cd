def _impl(ctx):
    return []

plain_rule = rule(implementation = _impl)
