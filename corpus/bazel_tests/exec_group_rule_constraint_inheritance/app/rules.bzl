def _impl(ctx):
    return []

grouped = rule(
    implementation = _impl,
    exec_groups = {
        "extra": exec_group(
            exec_compatible_with = ["//tc:red"],
            toolchains = ["//tc:kind"],
        ),
    },
    exec_compatible_with = ["//tc:red"],
    toolchains = ["//tc:kind"],
)
