def _impl(ctx):
    pass

wants_missing = rule(
    implementation = _impl,
    toolchains = ["//app:no_such_type"],
)
