def _impl(ctx):
    return []

use = rule(
    implementation = _impl,
    toolchains = ["//app:kind"],
)
