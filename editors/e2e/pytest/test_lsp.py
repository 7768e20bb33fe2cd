"""End-to-end tests of `toolcheck lsp` with pytest-lsp, on the fixture workspace.

The `session` fixture runs each test twice, replaying the recorded capabilities of
Neovim 0.7 and of VS Code; pytest-lsp also checks that the server only sends what those
clients advertised.
"""

import asyncio
import os
import subprocess

from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import SPEC, TIMEOUT, TOOLCHECK, ours


def open_doc(client: LanguageClient, path, language_id="starlark", text=None, version=1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language_id, version=version,
                text=path.read_text() if text is None else text,
            )
        )
    )
    return uri


def edit(client: LanguageClient, uri: str, version: int, line: int, col: int, end_col: int, text: str):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=line, character=col),
                        end=types.Position(line=line, character=end_col),
                    ),
                    text=text,
                )
            ],
        )
    )


def pos(line, col):
    return types.Position(line=line, character=col)


async def test_capabilities(session):
    client, ws, rec, result = session, session.ws, session.rec, session.init_result
    caps = result.capabilities
    assert result.server_info.name == "toolcheck"
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.document_symbol_provider and caps.completion_provider and caps.code_action_provider
    assert caps.workspace_symbol_provider


async def test_diagnostic_hover_and_fix(session):
    client, ws, rec = session, session.ws, session.rec
    uri = open_doc(client, ws / SPEC["file"])
    p = await rec.wait(uri, lambda p: ours(p.diagnostics), "the fixture's diagnostic")
    assert p.version == 1
    (d,) = ours(p.diagnostics)
    assert d.range.start == pos(SPEC["line"], SPEC["col"])
    assert SPEC["message"] in d.message
    assert d.source == "toolcheck"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code_description is not None and d.code_description.href.endswith("#" + SPEC["code"])

    h = SPEC["hover"]
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos(h["line"], h["col"]))
    )
    assert hover is not None and h["expect"] in hover.contents.value

    fix = SPEC["fix"]
    edit(client, uri, 2, fix["line"], fix["col"], fix["col"], fix["text"])
    p = await rec.wait(uri, lambda p: p.version == 2, "diagnostics for version 2")
    assert ours(p.diagnostics) == []


async def test_edits_apply_in_order_and_results_are_never_stale(session):
    client, ws, rec = session, session.ws, session.rec
    uri = open_doc(client, ws / SPEC["file"])
    await rec.wait(uri, lambda p: ours(p.diagnostics), "the fixture's diagnostic")
    fix = SPEC["fix"]
    # 40 incremental edits in a burst: add and remove the fixing character; end fixed.
    version = 1
    for i in range(40):
        version += 1
        if i % 2 == 0:
            edit(client, uri, version, fix["line"], fix["col"], fix["col"], fix["text"])
        else:
            edit(client, uri, version, fix["line"], fix["col"], fix["col"] + len(fix["text"]), "")
    version += 1
    edit(client, uri, version, fix["line"], fix["col"], fix["col"], fix["text"])
    p = await rec.wait(uri, lambda p: p.version == version, f"diagnostics for version {version}")
    assert ours(p.diagnostics) == []
    # Every publication for this document carries a version, and versions never go back.
    versions = [q.version for q in rec.published if q.uri == uri]
    assert None not in versions and versions == sorted(versions)
    # The document text is what the edits say: go to definition now finds the type.
    locs = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri),
                               position=pos(SPEC["line"], SPEC["col"] + 3))
    )
    assert locs and locs[0].range.start.line == 0


async def test_navigation(session):
    client, ws, rec = session, session.ws, session.rec
    uri = open_doc(client, ws / SPEC["file"])
    await rec.wait(uri, lambda p: ours(p.diagnostics), "the fixture's diagnostic")
    doc = types.TextDocumentIdentifier(uri=uri)
    lines = (ws / SPEC["file"]).read_text().splitlines()
    linux_ref = next(i for i, l in enumerate(lines) if 'exec_compatible_with = [":linux"]' in l)
    col = lines[linux_ref].index(":linux")

    defs = await client.text_document_definition_async(types.DefinitionParams(text_document=doc, position=pos(linux_ref, col)))
    assert defs, "definition of :linux"
    decl_line = next(i for i, l in enumerate(lines) if 'name = "linux"' in l)
    assert defs[0].uri == uri and defs[0].range.start.line == decl_line

    refs = await client.text_document_references_async(
        types.ReferenceParams(text_document=doc, position=pos(linux_ref, col),
                              context=types.ReferenceContext(include_declaration=True))
    )
    assert {r.range.start.line for r in refs} == {decl_line, linux_ref, linux_ref + 1}

    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
    names = [s.name for s in symbols]
    assert names == ["cc_toolchain_type", "os", "linux", "linux_cc", "cc_impl"]

    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="linux_cc"))
    assert found, "workspace symbols for linux_cc"
    assert found[0].name.endswith(":linux_cc") and found[0].location.uri == uri
    linux_cc_line = next(i for i, l in enumerate(lines) if 'name = "linux_cc"' in l)
    assert found[0].location.range.start.line == linux_cc_line

    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=pos(linux_ref, col + 1))
    )
    items = completion.items if hasattr(completion, "items") else completion
    labels = {i.label for i in items}
    assert ":linux" in labels and ":cc_toolchain_type" in labels

    report = await client.protocol.send_request_async(
        "toolcheck/resolve", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}
    )
    assert "//toolchains:cc_toolchain_type" in report.markdown


async def test_code_actions(session):
    client, ws, rec = session, session.ws, session.rec
    uri = open_doc(client, ws / SPEC["file"])
    p = await rec.wait(uri, lambda p: ours(p.diagnostics), "the fixture's diagnostic")
    (d,) = ours(p.diagnostics)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=d.range,
            context=types.CodeActionContext(diagnostics=[d]),
        )
    )
    by_title = {a.title: a for a in actions}
    assert SPEC["suppress"] in by_title, list(by_title)
    action = by_title[SPEC["suppress"]]
    assert action.kind == types.CodeActionKind.QuickFix
    (e,) = action.edit.changes[uri]
    assert e.range.start.line == SPEC["line"] and "# toolcheck: disable=" + SPEC["code"] in e.new_text
    # Apply it the way an editor would; the diagnostic goes away.
    edit(client, uri, 2, e.range.start.line, e.range.start.character, e.range.end.character, e.new_text)
    p = await rec.wait(uri, lambda p: p.version == 2, "diagnostics for version 2")
    assert ours(p.diagnostics) == []

    # Now fix the label: the suppression is unused, and that check's own fix removes it.
    fix = SPEC["fix"]
    edit(client, uri, 3, fix["line"], fix["col"], fix["col"], fix["text"])
    p = await rec.wait(uri, lambda p: p.version == 3, "diagnostics for version 3")
    unused = [d for d in p.diagnostics if d.code == "unused-suppression"]
    assert len(unused) == 1, p.diagnostics
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=unused[0].range,
            context=types.CodeActionContext(diagnostics=unused),
        )
    )
    fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "suppress" not in a.title.lower()[:8]]
    assert any(a.edit and a.edit.changes and a.edit.changes.get(uri) for a in fixes), [a.title for a in actions]


async def test_any_language_id_and_close(session):
    client, ws, rec = session, session.ws, session.rec
    path = ws / "extra" / "BUILD"
    path.parent.mkdir()
    text = 'toolchain(\n    name = "x",\n    toolchain = ":y",\n    toolchain_type = "//nope:type",\n)\n'
    uri = open_doc(client, path, language_id="plaintext", text=text)
    p = await rec.wait(uri, lambda p: ours(p.diagnostics), "diagnostic in an unsaved file")
    assert p.version == 1
    # A full-document change (no range) replaces the text.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text.replace("//nope:type", "//nope:other"))],
        )
    )
    p = await rec.wait(uri, lambda p: p.version == 2, "diagnostics for version 2")
    assert any("//nope:other" in d.message for d in ours(p.diagnostics))
    # Closing it: the file does not exist on disk, so its diagnostics go away.
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await rec.wait(uri, lambda p: not ours(p.diagnostics), "diagnostics cleared on close")


async def test_background_index_progress_and_watched_files(session):
    client, ws, rec = session, session.ws, session.rec
    path = ws / SPEC["file"]
    uri = path.as_uri()
    # Not opened: the diagnostic comes from background indexing of the workspace folder.
    p = await rec.wait(uri, lambda p: ours(p.diagnostics), "diagnostic from indexing")
    assert p.version is None
    caps = client.capabilities
    watched = caps.workspace and caps.workspace.did_change_watched_files
    if watched and watched.dynamic_registration:
        assert any(r.method == "workspace/didChangeWatchedFiles" for r in client.registrations)
    if caps.window and caps.window.work_done_progress:
        assert any(
            isinstance(r, types.WorkDoneProgressEnd) for reports in client.progress_reports.values() for r in reports
        ), "indexing reports $/progress"
    # Fix the file on disk and tell the server.
    lines = path.read_text().splitlines(keepends=True)
    fix = SPEC["fix"]
    line = lines[fix["line"]]
    lines[fix["line"]] = line[: fix["col"]] + fix["text"] + line[fix["col"]:]
    path.write_text("".join(lines))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri, type=types.FileChangeType.Changed)])
    )
    await rec.wait(uri, lambda p: not ours(p.diagnostics), "diagnostic cleared after the disk change")


async def test_utf8_positions(utf8_session):
    client, ws, rec, result = utf8_session, utf8_session.ws, utf8_session.rec, utf8_session.init_result
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    path = ws / SPEC["file"]
    text = path.read_text().replace('toolchain_type = "//', 'toolchain_type = "é//', 1)
    uri = open_doc(client, path, text=text)
    p = await rec.wait(uri, lambda p: ours(p.diagnostics), "diagnostic")
    (d,) = ours(p.diagnostics)
    line = text.splitlines()[d.range.start.line]
    # The range ends at the closing quote, counted in UTF-8 bytes ("é" is 2 bytes).
    assert d.range.end.character == len(line.rstrip(",").encode("utf-8"))


def test_exit_without_shutdown_is_status_1():
    def frame(body: str) -> bytes:
        return f"Content-Length: {len(body.encode())}\r\n\r\n{body}".encode()

    proc = subprocess.Popen([TOOLCHECK, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "TOOLCHECK_LOG": ""})
    proc.stdin.write(frame('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'))
    proc.stdin.flush()
    header = proc.stdout.readline()
    assert header.startswith(b"Content-Length: ")
    proc.stdout.readline()
    body = proc.stdout.read(int(header.split(b":")[1]))
    assert b'"capabilities"' in body
    proc.stdin.write(frame('{"jsonrpc":"2.0","method":"initialized","params":{}}'))
    proc.stdin.write(frame('{"jsonrpc":"2.0","method":"exit"}'))
    proc.stdin.close()
    assert proc.wait(timeout=TIMEOUT) == 1
    assert proc.stderr.read() == b"", "the server must be quiet on stderr"


# The dummy-toolchain hazard (SPEC["hazard"]): MODULE.bazel registers exec platforms linux
# then darwin, constrained compilers for both, and an unconstrained catch-all last.

HAZARD = SPEC["hazard"]


def hazards(diags):
    return [d for d in diags if d.code == HAZARD["code"]]


def plain(markdown: str) -> str:
    """Hover text as a reader sees it: without Markdown's code and emphasis marks."""
    # As rendered: no code or emphasis marks, table cells as words separated by one space.
    return " ".join(markdown.replace("`", "").replace("*", "").replace("|", " ").split())


async def test_hazard_diagnostic_hover_and_fix(session):
    client, ws, rec = session, session.ws, session.rec
    uri = open_doc(client, ws / HAZARD["file"])
    p = await rec.wait(uri, lambda p: hazards(p.diagnostics), "the dummy-toolchain diagnostic")
    assert p.version == 1
    (d,) = hazards(p.diagnostics)
    assert d.range.start == pos(HAZARD["line"], HAZARD["col"])
    assert HAZARD["message"] in d.message
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.code_description is not None and d.code_description.href.endswith("#" + HAZARD["code"])
    related = " | ".join(r.message for r in d.related_information or [])
    assert "'//compiler:darwin_compiler' would be selected without the catch-all" in related, related

    # Hover on the toolchain_type declaration, and on a `toolchain_type = ` label.
    h = HAZARD["hover"]
    build = ws / h["file"]
    build_uri = open_doc(client, build)
    for line, col in [(h["line"], h["col"]), _type_label_position(build)]:
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=build_uri), position=pos(line, col))
        )
        assert hover is not None, (line, col)
        text = plain(hover.contents.value)
        for expect in h["expect"]:
            assert expect in text, f"hover at {line}:{col} lacks {expect!r}:\n{text}"
        # The answer first (the picks per target platform), then the toolchains in priority
        # order, the catch-all last.
        assert text.index("//compiler:linux_compiler —") < text.index("//compiler:fallback_compiler —")
        assert text.index("What Bazel picks") < text.index("Registered toolchains")

    # Comment out the catch-all's registration: the hazard is gone.
    fix = HAZARD["fix"]
    edit(client, uri, 2, fix["line"], fix["col"], fix["col"], fix["text"])
    p = await rec.wait(uri, lambda p: p.version == 2, "diagnostics for version 2")
    assert hazards(p.diagnostics) == []
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=build_uri), position=pos(h["line"], h["col"]))
    )
    assert "//platforms:darwin //compiler:darwin_compiler //platforms:darwin" in plain(hover.contents.value)


def _type_label_position(build):
    lines = build.read_text().splitlines()
    line = next(i for i, l in enumerate(lines) if 'toolchain_type = ":' in l)
    return line, lines[line].index('":') + 2


async def test_hazard_fixed_in_the_toolchain_build_file(session):
    """Constraining the catch-all's exec side (in another file) clears the MODULE.bazel finding."""
    client, ws, rec = session, session.ws, session.rec
    module_uri = (ws / HAZARD["file"]).as_uri()
    await rec.wait(module_uri, lambda p: hazards(p.diagnostics), "the dummy-toolchain diagnostic (indexing)")
    build = ws / HAZARD["hover"]["file"]
    uri = open_doc(client, build)
    lines = build.read_text().splitlines()
    name = next(i for i, l in enumerate(lines) if 'name = "fallback_compiler"' in l)
    end = len(lines[name])
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=pos(name, end), end=pos(name, end)),
                    text='\n    exec_compatible_with = ["//platforms:linux_os"],',
                )
            ],
        )
    )
    await rec.wait(module_uri, lambda p: not hazards(p.diagnostics), "the finding cleared in MODULE.bazel")
