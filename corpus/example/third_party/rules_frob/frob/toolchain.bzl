"""The frob toolchain: the `frobc` compiler that turns .frob schemas into C headers."""

FrobInfo = provider(
    doc = "A frob compiler.",
    fields = {
        "compiler": "File: the frobc executable, or None when no compiler is available.",
        "version": "string: the compiler version.",
    },
)

def _frob_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(
        frob = FrobInfo(
            compiler = ctx.executable.compiler,
            version = ctx.attr.version,
        ),
    )]

frob_toolchain = rule(
    implementation = _frob_toolchain_impl,
    attrs = {
        "compiler": attr.label(
            allow_single_file = True,
            cfg = "exec",
            executable = True,
        ),
        "version": attr.string(mandatory = True),
    },
)
