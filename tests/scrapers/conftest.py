"""A local threaded HTTP server for fetcher and source tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from faults import FaultRequest, FaultServer, Reply, answer

Route = tuple[int, dict[str, str], bytes]


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, Callable[[], Route]]]]:
    """Serve `routes[path]() -> (status, headers, body)` on 127.0.0.1; yields (base_url, routes)."""
    routes: dict[str, Callable[[], Route]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?")[0])
            status, headers, body = route() if route else (404, {}, b"not found")
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class RecordedRequest:
    """One request the recording server received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class RecordingServer:
    """A loopback server that logs every request and answers via `respond(request)`."""

    base_url: str
    requests: list[RecordedRequest] = field(default_factory=list)
    respond: Callable[[RecordedRequest], Route] = lambda _request: (404, {}, b"not found")


@pytest.fixture
def recording_server() -> Iterator[RecordingServer]:
    """Serve on 127.0.0.1, recording path, query and headers of each request (not robots.txt)."""
    state = RecordingServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = RecordedRequest(
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            if parts.path == "/robots.txt":
                status, headers, body = 404, dict[str, str](), b""
            else:
                state.requests.append(request)
                status, headers, body = state.respond(request)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A FaultServer on 127.0.0.1 (a random port), stopped after the test."""
    state = FaultServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)  # absolute when the client uses us as a proxy
            request = FaultRequest(
                host=(parts.hostname or self.headers.get("Host", "")).split(":")[0],
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            state.requests.append(request)
            route = state.routes.get(request.path)
            reply = route(request) if route else Reply(404, {}, b"not found")
            try:
                answer(self, reply)
            except OSError:
                self.close_connection = True  # the client gave up first: that is the test

        def log_message(self, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
