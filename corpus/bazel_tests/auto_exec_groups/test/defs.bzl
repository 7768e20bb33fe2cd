def _impl(ctx):
    return []

def _make(attrs, toolchains):
    return rule(
        implementation = _impl,
        attrs = attrs,
        toolchains = toolchains,
    )

ONE = ["//rule:toolchain_type_1"]

attr_false = _make({"_use_auto_exec_groups": attr.bool(default = False)}, ONE)

attr_true = _make({"_use_auto_exec_groups": attr.bool(default = True)}, ONE)

attr_unset = _make({}, ONE)

two_types = _make({}, ["//rule:toolchain_type_1", "//rule:toolchain_type_2"])

with_group = rule(
    implementation = _impl,
    exec_groups = {
        "custom_exec_group": exec_group(toolchains = ["//rule:toolchain_type_2"]),
    },
    toolchains = ["//rule:toolchain_type_2"],
)
