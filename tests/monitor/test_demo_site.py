"""The bundled demo site: real loopback HTTP, feeds parse, config loads, gold is sane."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.config import parse_config
from monitor.demo import DemoSite, load_manifest, serve_demo_site
from monitor.demo.build_site import build_site

SITE_NAMES = {
    "lih": "룩셈부르크 보건연구소",
    "lih-g": "룩셈부르크 고양보건연구소",
    "ncc": "국립암센터",
    "ilsan-techno-valley": "일산테크노밸리",
    "kintex": "킨텍스",
    "bio-cluster": "바이오클러스터",
}


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with serve_demo_site() as running:
        yield running


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_manifest()


def _outlet(manifest: dict[str, Any], key: str) -> dict[str, Any]:
    return next(o for o in manifest["outlets"] if o["key"] == key)


_TITLE_CSS = "h3.heading, h1.headline, .news_title, .view-head h2, h3.subject"
_BODY_CSS = "article, #articleBody, .news_content, #news-contents, .view-content"


def _decode(response: httpx.Response) -> str:
    charset = response.headers["content-type"].split("charset=")[-1]
    return response.content.decode("cp949" if charset == "euc-kr" else charset)


def _own_text(page: str) -> str:
    """The article's own headline and body, without sidebars or related boxes."""
    tree = HTMLParser(page)
    return " ".join(n.text() for n in tree.css(f"{_TITLE_CSS}, {_BODY_CSS}"))


def test_every_manifest_article_is_served(site: DemoSite, manifest: dict[str, Any]) -> None:
    with httpx.Client(timeout=5) as client:
        for article in manifest["articles"]:
            response = client.get(site.url_for(article["outlet"], article["path"]))
            assert response.status_code == 200, article["path"]
            assert article["title"] in _own_text(_decode(response))


def test_unknown_path_is_404_and_robots_allows(site: DemoSite) -> None:
    base = site.bases["goyangtimes"]
    assert httpx.get(base + "/news/articleView.html?idxno=1").status_code == 404
    assert "Allow: /" in httpx.get(base + "/robots.txt").text


def test_outlets_have_distinct_hosts(site: DemoSite) -> None:
    hosts = {httpx.URL(base).host for base in site.bases.values()}
    ports = {httpx.URL(base).port for base in site.bases.values()}
    assert len(hosts) == len(site.bases) or len(ports) == len(site.bases)


def test_euc_kr_outlet_bytes_are_cp949_not_utf8(site: DemoSite, manifest: dict[str, Any]) -> None:
    euc = [o for o in manifest["outlets"] if o["charset"] == "euc-kr"]
    assert euc
    article = next(a for a in manifest["articles"] if a["outlet"] == euc[0]["key"])
    response = httpx.get(site.url_for(article["outlet"], article["path"]))
    assert "charset=euc-kr" in response.headers["content-type"]
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    text = response.content.decode("cp949")
    assert article["title"] in text
    assert "charset=euc-kr" in text


def test_feeds_parse_and_list_manifest_articles(site: DemoSite, manifest: dict[str, Any]) -> None:
    for outlet in manifest["outlets"]:
        if not outlet["feed"]:
            continue
        response = httpx.get(site.bases[outlet["key"]] + outlet["feed"])
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (outlet["key"], parsed.get("bozo_exception"))
        links = {entry.link for entry in parsed.entries}
        titles = {entry.title for entry in parsed.entries}
        expected = [a for a in manifest["articles"] if a["outlet"] == outlet["key"]]
        assert links == {site.url_for(outlet["key"], a["path"]) for a in expected}
        assert titles == {a["title"] for a in expected}
        for entry in parsed.entries:
            assert "+0900" in entry.published


def test_listing_selector_finds_press_releases(site: DemoSite, manifest: dict[str, Any]) -> None:
    board = next(o for o in manifest["outlets"] if o["listing"])
    page = httpx.get(site.bases[board["key"]] + board["listing"]).text
    hrefs = {node.attributes.get("href") for node in HTMLParser(page).css(board["selector"])}
    releases = {a["path"] for a in manifest["articles"] if a["press_release"]}
    assert hrefs == releases


def test_config_text_loads(site: DemoSite, tmp_path: Path, manifest: dict[str, Any]) -> None:
    db_path = str(tmp_path / "demo.db")
    config = parse_config(tomllib.loads(site.config_text(db_path)), tmp_path / "config.toml")
    assert config.database_path == Path(db_path)
    assert config.fetch.per_host_delay_s == 0
    kinds = sorted(s.kind for s in config.sources)
    assert kinds.count("rss") == sum(1 for o in manifest["outlets"] if o["feed"])
    listing = [s for s in config.sources if s.kind == "listing"]
    assert len(listing) == 1 and listing[0].role == "press_release" and listing[0].selector
    entity_ids = {e.id for e in config.entities}
    used = {e for a in manifest["articles"] for e in a["entities"] + a["sidebar_entities"]}
    assert used <= entity_ids
    domains = {o.domain for o in config.outlets}
    assert {httpx.URL(base).host for base in site.bases.values()} == domains


def test_manifest_sanity(manifest: dict[str, Any]) -> None:
    articles = manifest["articles"]
    assert len(articles) >= 20
    assert len([o for o in manifest["outlets"] if o["feed"]]) >= 4
    stories: dict[str, list[dict[str, Any]]] = {}
    for article in articles:
        if article["story"]:
            stories.setdefault(article["story"], []).append(article)
        published = datetime.fromisoformat(article["published"])
        offset = published.utcoffset()
        assert offset is not None and offset.total_seconds() == 9 * 3600
        assert "2024-11-25" <= article["published"][:10] <= "2024-11-28"
    (story,) = stories.values()
    assert sum(a["press_release"] for a in story) == 1
    assert sum(not a["press_release"] for a in story) == 3
    assert len({a["outlet"] for a in story}) == 4
    kinds = {a["near_miss"] for a in articles if a["near_miss"]}
    assert {"ncc-clinical", "goyang-no-bio", "other-city-bio", "luxembourg-no-goyang"} <= kinds
    assert all(not a["relevant"] for a in articles if a["near_miss"])
    assert any(a["relevant"] and a["tone"] == "negative" for a in articles)


def test_sidebar_names_sit_only_in_boilerplate(site: DemoSite, manifest: dict[str, Any]) -> None:
    unrelated_with_sidebar = [
        a for a in manifest["articles"] if not a["relevant"] and a["sidebar_entities"]
    ]
    assert len(unrelated_with_sidebar) >= 2
    checked = 0
    for article in unrelated_with_sidebar:
        page = _decode(httpx.get(site.url_for(article["outlet"], article["path"])))
        for entity in article["sidebar_entities"]:
            name = SITE_NAMES.get(entity)
            if name is None:
                continue
            assert name in page  # the name is on the page...
            assert name not in _own_text(page)  # ...but not in the article text itself
            checked += 1
    assert checked >= 2


def test_entities_named_in_own_text(site: DemoSite, manifest: dict[str, Any]) -> None:
    for article in manifest["articles"]:
        own = _own_text(_decode(httpx.get(site.url_for(article["outlet"], article["path"]))))
        for entity, name in SITE_NAMES.items():
            if entity in article["entities"]:
                assert name in own, (article["path"], entity)
            elif entity != "bio-cluster":  # other cities have bio clusters too
                assert name not in own, (article["path"], entity)


def test_build_site_reproduces_checked_in_files(tmp_path: Path) -> None:
    rebuilt = build_site(tmp_path)
    assert rebuilt == load_manifest()
    shipped = Path(__file__).parents[2] / "monitor" / "demo" / "site"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (shipped / path.relative_to(tmp_path)).read_bytes(), path
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == rebuilt
