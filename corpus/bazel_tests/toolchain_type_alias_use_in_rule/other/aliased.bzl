def _impl(ctx):
    return []

aliased_consumer = rule(
    implementation = _impl,
    toolchains = ["//other:kind_alias"],
)
