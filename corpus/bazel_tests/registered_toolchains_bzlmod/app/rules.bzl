def _impl(ctx):
    return []

use = rule(
    implementation = _impl,
    toolchains = ["@toolchain_def//:test_toolchain"],
)
