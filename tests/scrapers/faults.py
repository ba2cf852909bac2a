"""Fault-injecting loopback HTTP server for the fetcher, source and benchmark tests."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler


@dataclass(frozen=True)
class Reply:
    """What the fault server answers, and how it misbehaves while answering.

    `fault`: None (a plain answer), "drip" (the body a few bytes every `pause_s`), "hang" (wait
    `pause_s` before answering), "reset" (close the connection with a TCP reset, no answer) or
    "truncate" (announce the whole body's length, send half of it, close).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fault: str | None = None
    pause_s: float = 0.05


@dataclass(frozen=True)
class FaultRequest:
    """One request the fault server received: host (from the Host header), path and query."""

    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class FaultServer:
    """A loopback HTTP server whose routes (by path) answer with a Reply, faults included.
    It also works as an HTTP proxy, so any host name reaches it (www./m. twins, many hosts)."""

    base_url: str
    routes: dict[str, Callable[[FaultRequest], Reply]] = field(default_factory=dict)
    requests: list[FaultRequest] = field(default_factory=list)

    def hits(self, path: str) -> int:
        """How many requests asked for `path`."""
        return sum(1 for r in self.requests if r.path == path)


def answer(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    """Write `reply` to the socket, misbehaving as it asks."""
    if reply.fault == "reset":
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True
        return
    if reply.fault == "hang":
        time.sleep(reply.pause_s)
    handler.send_response(reply.status)
    for key, value in reply.headers.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(reply.body)))
    handler.end_headers()
    if reply.fault == "truncate":
        handler.wfile.write(reply.body[: len(reply.body) // 2])
        handler.wfile.flush()
        handler.close_connection = True
        return
    if reply.fault == "drip":
        for i in range(0, len(reply.body), 16):
            handler.wfile.write(reply.body[i : i + 16])
            handler.wfile.flush()
            time.sleep(reply.pause_s)
        return
    handler.wfile.write(reply.body)
