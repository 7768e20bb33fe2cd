def _impl(ctx):
    pass

text_flag = rule(
    implementation = _impl,
    build_setting = config.string(flag = True),
)
