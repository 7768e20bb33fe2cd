def _info_impl(ctx):
    return [platform_common.ToolchainInfo()]

info = rule(implementation = _info_impl)

def _impl(ctx):
    return []

def _optional(t):
    return config_common.toolchain_type(t, mandatory = False)

mandatory = rule(implementation = _impl, toolchains = ["//toolchain:test_toolchain"])

optional = rule(implementation = _impl, toolchains = [_optional("//toolchain:optional_toolchain")])

two_optional = rule(
    implementation = _impl,
    toolchains = [
        _optional("//toolchain:optional_toolchain"),
        _optional("//toolchain:extra_optional_toolchain"),
    ],
)

no_toolchains = rule(implementation = _impl)

with_second = rule(
    implementation = _impl,
    toolchains = ["//toolchain:test_toolchain", "//second:toolchain_type"],
)

with_optional_second = rule(
    implementation = _impl,
    toolchains = ["//toolchain:test_toolchain", _optional("//second:toolchain_type")],
)

through_alias = rule(implementation = _impl, toolchains = ["//alias:toolchain_type"])

missing_type = rule(
    implementation = _impl,
    toolchains = ["//toolchain:test_toolchain", "//fake/toolchain:type_1"],
)

two_missing_types = rule(
    implementation = _impl,
    toolchains = [
        "//toolchain:test_toolchain",
        "//fake/toolchain:type_1",
        "//fake/toolchain:type_2",
    ],
)

not_a_type = rule(implementation = _impl, toolchains = ["//fake/toolchain:not_a_toolchain"])

with_a_and_b = rule(implementation = _impl, toolchains = ["//a:toolchain_type_A", "//b:toolchain_type_B"])
