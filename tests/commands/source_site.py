"""A local HTTP server with canned JSON and CSV answers, for the source tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Site:
    """A local HTTP server with canned answers: path -> (status, content type, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.seen_headers: list[dict[str, str]] = []
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.seen_headers.append(dict(self.headers))
                if self.path == "/slow":
                    site.release.wait(10)
                status, kind, body = site.pages.get(self.path, (404, "text/plain", b"no"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def json(self, path: str, document: object, status: int = 200) -> None:
        self.pages[path] = (status, "application/json", json.dumps(document).encode())

    def csv(self, path: str, body: str) -> None:
        self.pages[path] = (200, "text/csv", body.encode())

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
