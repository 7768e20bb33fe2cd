def _impl(ctx):
    return []

writes_file = rule(implementation = _impl)
