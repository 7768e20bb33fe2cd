def _impl(ctx):
    return [platform_common.ToolchainInfo(data = ctx.attr.data)]

test_toolchain = rule(implementation = _impl, attrs = {"data": attr.string()})

def declare_toolchain(name, stage):
    """A toolchain of //:test_toolchain that only targets a platform with `//:on_<stage>`."""
    native.toolchain(
        name = name,
        toolchain_type = Label("//:test_toolchain"),
        target_compatible_with = [Label("//:on_" + stage)],
        toolchain = ":" + name + "_impl",
    )
    test_toolchain(name = name + "_impl", data = "stuff")
