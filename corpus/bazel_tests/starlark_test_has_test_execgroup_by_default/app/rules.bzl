def _impl(ctx):
    return []

checked_test = rule(
    implementation = _impl,
    test = True,
)
