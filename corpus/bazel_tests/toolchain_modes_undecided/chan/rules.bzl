def _impl(ctx):
    return []

consumer2 = rule(
    implementation = _impl,
    toolchains = ["//chan:kind2"],
)
