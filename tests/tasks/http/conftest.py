"""A tiny loopback HTTP server answering GETs from a script of (status, headers, body), each
request recorded with its arrival time, for the shared retry and pacing pieces."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Answer = tuple[int, dict[str, str], str]


class Scripted:
    def __init__(self) -> None:
        self.answers: deque[Answer] = deque()
        self.arrivals: list[tuple[str, float]] = []  # (path, time.monotonic())
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/thing"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.arrivals.append((self.path, time.monotonic()))
                    status, headers, body = (
                        server.answers.popleft() if server.answers else (200, {}, "ok")
                    )
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    server = Scripted()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
