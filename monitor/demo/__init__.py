"""The bundled demo news site: Korean outlets served on loopback, with a gold manifest."""

from monitor.demo.server import DemoSite, load_manifest, serve_demo_site

__all__ = ["DemoSite", "load_manifest", "serve_demo_site"]
