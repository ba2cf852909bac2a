"""monitor extract reads a page with the `[[outlets]]` selectors the pipeline uses, fetched or
saved, and without a config the way it always did."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support import serve_pages
from testkit import (
    FEED_SOURCE,
    QUICK_FETCH,
    SITE_NOTE,
    SITE_STORY,
    SITE_TITLE,
    entity_block,
    mini_config,
    site_selector_page,
)

from monitor.cli import main
from monitor.config import load_config
from monitor.pipeline import extract_page

STORY, NOTE, TITLE = SITE_STORY, SITE_NOTE, SITE_TITLE


def _page(canonical: str = "") -> bytes:
    return site_selector_page(canonical).encode()


def _config(folder: Path, domain: str) -> Path:
    """A config whose one outlet, `domain`, has every kind of selector."""
    text = mini_config(
        entity_block("ncc", "국립암센터"),
        source=FEED_SOURCE + QUICK_FETCH,
        outlets=((domain, "고양소식", "local"),),
    )
    text += (
        'body_selector = "div.cnt"\ntitle_selector = ".top .hd"\n'
        'date_selector = ".top .when"\ndrop_selectors = [".cnt-extra"]\n'
    )
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _extract(
    capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], *argv: str
) -> dict[str, Any]:
    code = main([*argv], environ={}, clock=clock)
    out, err = capsys.readouterr()
    assert code == 0, err
    (line,) = out.splitlines()
    return dict(json.loads(line))


def test_a_fetched_page_is_read_by_its_outlets_selectors(
    capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], tmp_path: Path
) -> None:
    config = _config(tmp_path, "127.0.0.1")
    with serve_pages({"/news/1": _page()}) as base:
        url = f"{base}/news/1"
        item = _extract(capsys, clock, "--config", str(config), "extract", "--json", url)
        absent = str(tmp_path / "absent.toml")
        bare = _extract(capsys, clock, "--config", absent, "extract", "--json", url)
    assert item["method"] == "site:127.0.0.1"
    assert item["title"] == TITLE
    assert item["body"] == "\n\n".join(STORY)  # the dropped note is gone
    assert item["published_at"] == "2025-03-03T09:40:00+09:00"
    # The pipeline reads the page the same way (one code path).
    article = extract_page(_page().decode(), item["url"], load_config(config).outlets)
    assert (article.method, article.body) == (item["method"], item["body"])
    # Without a config there are no selectors: the generic scorer, as before.
    assert bare["method"] == "generic"


def test_a_saved_page_is_read_by_the_selectors_of_the_site_it_names(
    capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], tmp_path: Path
) -> None:
    config = _config(tmp_path, "goyangnews.example.kr")
    page = tmp_path / "saved.html"
    page.write_bytes(_page("https://www.goyangnews.example.kr/news/read.php?no=4412"))
    item = _extract(capsys, clock, "--config", str(config), "extract", "--json", str(page))
    assert item["method"] == "site:goyangnews.example.kr"
    assert item["body"] == "\n\n".join(STORY)
    assert item["url"] == page.resolve().as_uri()


def test_a_broken_config_is_named_and_extraction_goes_on(
    capsys: pytest.CaptureFixture[str], clock: Callable[[], datetime], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[database\n", encoding="utf-8")
    page = tmp_path / "saved.html"
    page.write_bytes(_page())
    code = main(["--config", str(config), "extract", "--json", str(page)], environ={}, clock=clock)
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["method"] == "generic"
    assert err.startswith("monitor: warning: ") and "invalid TOML" in err
    assert len(err.splitlines()) == 1
