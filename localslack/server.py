"""Serve a workspace over HTTP on loopback, in a background thread.

    with LocalSlackServer(workspace) as slack:
        client = WebClient(token=workspace.bot_token, base_url=slack.api_url)

The port is picked by the OS (free at bind time) unless given. `ServerThread` does the same
for any ASGI app (tests use it to serve the app under test next to the stand-in).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

from localslack.web import WebUi
from localslack.webapi import create_app, use_workspace
from localslack.workspace import Workspace


class ServerThread:
    """Any ASGI app served by uvicorn on `host`, in a daemon thread."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. "http://127.0.0.1:53122" (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> Self:
        if self._server is not None:
            raise RuntimeError("already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:  # the port is taken: say so, and leave no socket behind
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            # In-flight requests (and their background tasks: an API batch telling its
            # subscribers) finish before the server goes, so no work outlives its database.
            timeout_graceful_shutdown=30,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._before_start()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive():
                self._cleanup()
                raise RuntimeError(f"server on {self.url} failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server on {self.url} did not start within {timeout} s")
            time.sleep(0.005)
        return self

    def _before_start(self) -> None:
        """Hook for subclasses: runs once the port is known, before serving."""

    def stop(self, timeout: float = 40.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._socket = None
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LocalSlackServer(ServerThread):
    """A workspace's Web API (and upload / response URLs) on loopback."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ui: WebUi | None = None,
    ) -> None:
        self._workspace = workspace if workspace is not None else Workspace()
        super().__init__(create_app(self._workspace, ui=ui), host=host, port=port)

    @property
    def api_url(self) -> str:
        """What to give slack_sdk as `base_url` (or kpibot as SLACK_API_URL): ends in "/"."""
        return f"{self.url}/api/"

    @property
    def workspace(self) -> Workspace:
        return self._workspace

    @workspace.setter
    def workspace(self, workspace: Workspace) -> None:
        """Serve another workspace from now on (e.g. a fresh one per test)."""
        self._workspace = workspace
        use_workspace(self.app, workspace)
        if self._server is not None:
            workspace.base_url = self.url

    def _before_start(self) -> None:
        self._workspace.base_url = self.url
