"""Public rules of rules_frob."""

FROB_TOOLCHAIN_TYPE = Label("//frob:toolchain_type")

def _frob_library_impl(ctx):
    frob = ctx.toolchains[FROB_TOOLCHAIN_TYPE].frob
    if not frob.compiler:
        fail("no frobc is available for this execution platform (frob toolchain version %s)" % frob.version)
    outs = []
    for src in ctx.files.srcs:
        out = ctx.actions.declare_file(src.basename[:-len(".frob")] + ".h")
        ctx.actions.run(
            executable = frob.compiler,
            arguments = ["--out", out.path, src.path],
            inputs = [src],
            outputs = [out],
            mnemonic = "Frob",
            progress_message = "Generating %{output}",
        )
        outs.append(out)
    return [DefaultInfo(files = depset(outs))]

frob_library = rule(
    implementation = _frob_library_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".frob"]),
    },
    toolchains = [FROB_TOOLCHAIN_TYPE],
)
