"""Bzlmod: the `toolcheck` module extension, which declares `@toolcheck_bin//:toolcheck`.

In the root module's MODULE.bazel:

    bazel_dep(name = "toolcheck_bazel", version = "0.1.0")
    toolcheck = use_extension("@toolcheck_bazel//:extensions.bzl", "toolcheck")
    toolcheck.download(platform = "linux-x86_64", url = "https://...", sha256 = "...")
    # or: toolcheck.local(path = "/abs/path/to/toolcheck")
    # or neither: the TOOLCHECK_BIN environment variable names the binary

Only the root module's tags count: which binary a build uses is the workspace's decision, not
a dependency's.
"""

load(":repositories.bzl", "toolcheck_binaries")

_local = tag_class(attrs = {
    "path": attr.string(mandatory = True, doc = "An absolute path to a toolcheck executable."),
})

_download = tag_class(attrs = {
    "platform": attr.string(mandatory = True, doc = "linux-x86_64, linux-aarch64, macos-x86_64 or macos-aarch64."),
    "url": attr.string(mandatory = True, doc = "A released toolcheck binary, or a .tar.gz/.tgz/.zip holding one."),
    "sha256": attr.string(mandatory = True, doc = "The download's SHA-256."),
    "binary": attr.string(default = "toolcheck", doc = "With an archive: the executable's path inside it."),
})

def _toolcheck_impl(module_ctx):
    path = ""
    binaries = {}
    for mod in module_ctx.modules:
        if not mod.is_root:
            continue
        for tag in mod.tags.local:
            if path:
                fail("toolcheck.local: given twice")
            path = tag.path
        for tag in mod.tags.download:
            if tag.platform in binaries:
                fail("toolcheck.download: platform %s given twice" % tag.platform)
            binaries[tag.platform] = [tag.url, tag.sha256, tag.binary]
    toolcheck_binaries(name = "toolcheck_bin", path = path, binaries = binaries)

toolcheck = module_extension(
    implementation = _toolcheck_impl,
    tag_classes = {
        "download": _download,
        "local": _local,
    },
    doc = "The toolcheck binary toolcheck_test runs: a local file or checked downloads.",
)
