def _impl(ctx):
    return []

with_tool = rule(
    implementation = _impl,
    attrs = {"tool": attr.label(cfg = "exec")},
)

shows_platform = rule(implementation = _impl)
