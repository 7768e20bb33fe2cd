def _foo_impl(ctx):
    return []

# The type is written relative to this repository, whatever name the user gives it.
foo_rule = rule(
    implementation = _foo_impl,
    toolchains = ["//toolchain:foo_toolchain_type"],
)
