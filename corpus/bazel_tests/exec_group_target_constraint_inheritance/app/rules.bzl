def _impl(ctx):
    return []

grouped = rule(
    implementation = _impl,
    exec_groups = {
        "extra": exec_group(toolchains = ["//tc:kind"]),
    },
    toolchains = ["//tc:kind"],
)
