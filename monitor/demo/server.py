"""Serve the bundled demo news site: one loopback HTTP server per outlet, each on its own host."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["SITE_DIR", "DemoSite", "load_manifest", "serve_demo_site"]

SITE_DIR = Path(__file__).with_name("site")
_BASE_MARK = b"{{BASE}}"

_ENTITIES_TOML = """
[[entities]]
id = "lih"
name = "룩셈부르크 보건연구소"
aliases = ["룩셈부르크보건연구소", "LIH", "Luxembourg Institute of Health"]

[[entities]]
id = "lih-g"
name = "룩셈부르크 고양보건연구소"
aliases = ["LIH-G", "LIH 고양", "룩셈부르크고양보건연구소"]
parent = "lih"
core = true

[[entities]]
id = "ncc"
name = "국립암센터"
aliases = ["NCC"]
generic = ["NCC"]
context = ["암", "국립암센터"]

[[entities]]
id = "ilsan-techno-valley"
name = "일산테크노밸리"
aliases = ["일산 테크노밸리", "고양 일산테크노밸리"]
core = true

[[entities]]
id = "seongsa"
name = "성사혁신지구"
aliases = ["성사 혁신지구"]
core = true

[[entities]]
id = "goyang-institute"
name = "고양연구원"

[[entities]]
id = "bio-complex"
name = "고양 바이오컴플렉스"
aliases = ["바이오컴플렉스", "바이오 컴플렉스"]
generic = ["바이오컴플렉스", "바이오 컴플렉스"]
context = ["고양"]
core = true

[[entities]]
id = "bio-cluster"
name = "고양 바이오클러스터"
aliases = ["고양 바이오 클러스터", "바이오클러스터", "바이오 클러스터"]
generic = ["바이오클러스터", "바이오 클러스터"]
context = ["고양"]
core = true

[[entities]]
id = "kintex"
name = "킨텍스"
aliases = ["KINTEX"]

[[entities]]
id = "goyang-fez"
name = "고양 경제자유구역"
aliases = ["고양경제자유구역"]

[[entities]]
id = "bio-special-zone"
name = "바이오 특화단지"
aliases = ["바이오특화단지", "특화단지"]
generic = ["특화단지", "바이오 특화단지", "바이오특화단지"]
context = ["고양"]
"""


def load_manifest() -> dict[str, Any]:
    """The demo site's gold: outlets (with routes) and every article's labels."""
    data: dict[str, Any] = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
    return data


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


@dataclass(frozen=True)
class DemoSite:
    """A running demo site: each outlet key mapped to its base URL."""

    bases: Mapping[str, str]

    def url_for(self, outlet: str, path: str) -> str:
        """The absolute URL of `path` on `outlet`."""
        return self.bases[outlet] + path

    def config_text(self, db_path: str) -> str:
        """A complete config.toml that monitors this demo site into db_path."""
        manifest = load_manifest()
        lines = [
            "[database]",
            f"path = {_toml_str(db_path)}",
            "",
            "[fetch]",
            "per_host_delay_s = 0.0",
            "respect_robots = false",
            "retries = 0",
            "connect_timeout_s = 5.0",
            "read_timeout_s = 5.0",
            "total_timeout_s = 10.0",
            "",
        ]
        for outlet in manifest["outlets"]:
            base = self.bases[outlet["key"]]
            lines.append("[[sources]]")
            lines.append(f"name = {_toml_str('demo-' + outlet['key'])}")
            if outlet["feed"]:
                lines.append('kind = "rss"')
                lines.append(f"url = {_toml_str(base + outlet['feed'])}")
            else:
                lines.append('kind = "listing"')
                lines.append(f"url = {_toml_str(base + outlet['listing'])}")
                lines.append(f"base_url = {_toml_str(base + '/')}")
                lines.append(f"selector = {_toml_str(outlet['selector'])}")
                lines.append('role = "press_release"')
            lines.append(f"outlet = {_toml_str(outlet['name'])}")
            lines.append("")
        lines.append(_ENTITIES_TOML.strip())
        lines.append("")
        seen_hosts: set[str] = set()
        for outlet in manifest["outlets"]:
            host = self.bases[outlet["key"]].split("//", 1)[1].rsplit(":", 1)[0]
            if host in seen_hosts:
                continue  # fallback mode shares 127.0.0.1; the source's `outlet` still names it
            seen_hosts.add(host)
            lines.append("[[outlets]]")
            lines.append(f"domain = {_toml_str(host)}")
            lines.append(f"name = {_toml_str(outlet['name'])}")
            lines.append(f"tier = {_toml_str(outlet['tier'])}")
            lines.append("")
        return "\n".join(lines)


def _make_handler(
    outlet: Mapping[str, Any], base_holder: list[str]
) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving one outlet's routes from its site folder."""
    folder = SITE_DIR / outlet["key"]
    routes: Mapping[str, str] = outlet["routes"]
    charset: str = outlet["charset"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            """Serve a route, robots.txt, or 404."""
            if self.path == "/robots.txt":
                self._send(b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
                return
            name = routes.get(self.path)
            if name is None:
                self._send(b"not found", "text/plain; charset=utf-8", status=404)
                return
            body = (folder / name).read_bytes().replace(_BASE_MARK, base_holder[0].encode("ascii"))
            kind = "application/rss+xml" if name.endswith(".xml") else "text/html"
            self._send(body, f"{kind}; charset={charset}")

        def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: the demo should not spam the terminal."""

    return Handler


def _bind(handler: type[BaseHTTPRequestHandler], host: str, port: int) -> ThreadingHTTPServer:
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError:
        if port == 0:
            raise
        # The fixed port is taken: any free port still serves, only re-runs see new URLs.
        server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    return server


@contextmanager
def serve_demo_site(
    *, host_prefix: str = "127.0.0.", first_octet: int = 11, port: int = 0
) -> Iterator[DemoSite]:
    """Start one server per outlet on 127.0.0.11, .12, ...; yield their bases; stop them on exit.

    `port=0` takes free ports; a fixed port keeps URLs stable across runs (`monitor demo`), so
    collecting into the same database again finds every article already stored.
    """
    manifest = load_manifest()
    servers: list[ThreadingHTTPServer] = []
    bases: dict[str, str] = {}
    try:
        for i, outlet in enumerate(manifest["outlets"]):
            holder: list[str] = [""]
            handler = _make_handler(outlet, holder)
            host = f"{host_prefix}{first_octet + i}"
            try:
                server = _bind(handler, host, port)
            except OSError:
                # Some systems only route 127.0.0.1; distinct ports still separate outlets.
                host = "127.0.0.1"
                server = _bind(handler, host, 0)
            servers.append(server)
            holder[0] = f"http://{host}:{server.server_address[1]}"
            bases[outlet["key"]] = holder[0]
            threading.Thread(target=server.serve_forever, daemon=True).start()
        yield DemoSite(bases=bases)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
