def _impl(ctx):
    return []

plain = rule(implementation = _impl)
