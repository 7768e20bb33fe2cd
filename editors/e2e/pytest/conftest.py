"""Shared fixtures for the pytest-lsp tests of `toolcheck lsp`.

Environment (set by editors/e2e/run.sh): TOOLCHECK (server binary), E2E_WS (a fresh copy of
the fixture workspace), SPEC (the fixture's case.json).
"""

import asyncio
import json
import os
import pathlib
import shutil
import tempfile
from typing import Callable, Sequence

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

HERE = pathlib.Path(__file__).parent
FIXTURE = HERE.parent / "fixture"
TOOLCHECK = os.environ.get("TOOLCHECK", "toolcheck")
SPEC = json.loads(pathlib.Path(os.environ.get("SPEC", FIXTURE / "case.json")).read_text())
TIMEOUT = float(os.environ.get("LSP_TIMEOUT", "20"))


def fresh_workspace() -> pathlib.Path:
    """A private copy of the fixture workspace (tests edit files on disk)."""
    parent = os.environ.get("E2E_WS")
    if parent:
        os.makedirs(parent, exist_ok=True)
    ws = pathlib.Path(tempfile.mkdtemp(prefix="ws-", dir=parent))
    shutil.copytree(FIXTURE, ws, dirs_exist_ok=True)
    (ws / "case.json").unlink(missing_ok=True)
    return ws


class Recorder:
    """Every publishDiagnostics the server sent, with versions."""

    def __init__(self, client: LanguageClient):
        self.client = client
        self.published: list[types.PublishDiagnosticsParams] = []

        # Wrap pytest-lsp's own handler (a feature can be registered only once).
        features = client.protocol.fm.features
        inner = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def _publish(*args):
            self.published.append(args[-1])
            return inner(*args)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _publish

    def latest(self, uri: str) -> types.PublishDiagnosticsParams | None:
        for p in reversed(self.published):
            if p.uri == uri:
                return p
        return None

    async def wait(
        self, uri: str, pred: Callable[[types.PublishDiagnosticsParams], bool], what: str
    ) -> types.PublishDiagnosticsParams:
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while True:
            p = self.latest(uri)
            if p is not None and pred(p):
                return p
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last: {p}")
            await asyncio.sleep(0.02)


def ours(diags: Sequence[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diags if d.code == SPEC["code"]]


async def start(request, lsp_client: LanguageClient, capabilities: types.ClientCapabilities,
                init_options=None):
    ws = fresh_workspace()
    rec = Recorder(lsp_client)
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=ws.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=ws.as_uri(), name="ws")],
            initialization_options=init_options,
        )
    )
    return ws, rec, result


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[TOOLCHECK, "lsp"]),
    params=["neovim@v0.7.0", "visual-studio-code"],
)
async def session(request, lsp_client: LanguageClient):
    """An initialized session, replaying a real client's capabilities."""
    ws, rec, result = await start(request, lsp_client, client_capabilities(request.param))
    # pytest-lsp hands the client itself to the test; the rest rides along on it.
    lsp_client.ws, lsp_client.rec, lsp_client.init_result = ws, rec, result
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)
    assert lsp_client._server.returncode == 0, "server must exit 0 after shutdown + exit"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[TOOLCHECK, "lsp"]))
async def utf8_session(request, lsp_client: LanguageClient):
    """A session whose client offers UTF-8 positions."""
    caps = client_capabilities("visual-studio-code")
    caps.general = types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
    )
    ws, rec, result = await start(request, lsp_client, caps)
    lsp_client.ws, lsp_client.rec, lsp_client.init_result = ws, rec, result
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)
    assert lsp_client._server.returncode == 0
