def _impl(ctx):
    pass

toolchain = rule(implementation = _impl)
