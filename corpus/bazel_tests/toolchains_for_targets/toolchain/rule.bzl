def _impl(ctx):
    return []

my_rule = rule(implementation = _impl, toolchains = ["//toolchain:test_toolchain"])

my_exec_group_rule = rule(
    implementation = _impl,
    exec_groups = {"temp": exec_group(toolchains = ["//toolchain:test_toolchain"])},
)

my_default_and_named_rule = rule(
    implementation = _impl,
    toolchains = ["//extra:extra_toolchain"],
    exec_groups = {"temp": exec_group(toolchains = ["//toolchain:test_toolchain"])},
)

custom_rule = rule(implementation = _impl, toolchains = ["//test/alias:alias_toolchain_type"])
