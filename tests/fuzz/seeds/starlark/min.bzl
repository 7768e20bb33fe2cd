toolchain_type(name = "t")
