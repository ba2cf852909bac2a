"""`[[outlets]]` selectors for extraction: parsed, validated, and found by a page's URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from testkit import NEWSPIM, entity_block, mini_config, rss_source

from monitor.config import load_config, site_rules_for
from monitor.errors import ConfigError
from nlp import SiteRules

# The selectors each test appends land in the last table: the goyangnews.example.kr outlet.
BASE = mini_config(
    entity_block("lih-g", "룩셈부르크 고양보건연구소"),
    source=rss_source("mygoyang", "https://www.mygoyang.com/rss/allArticle.xml"),
    outlets=(NEWSPIM, ("goyangnews.example.kr", "고양소식", "local")),
)


def test_outlet_selectors_become_site_rules_for_its_pages(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        BASE
        + 'body_selector = "div.cnt"\ntitle_selector = ".hd"\ndate_selector = ".when"\n'
        + 'drop_selectors = [".cnt-extra", "div.ad"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    rules = site_rules_for("https://m.goyangnews.example.kr/news/read.php?no=1", config.outlets)
    assert rules == SiteRules(
        domain="goyangnews.example.kr",
        body_selector="div.cnt",
        title_selector=".hd",
        date_selector=".when",
        drop_selectors=(".cnt-extra", "div.ad"),
    )
    # An outlet without selectors, and a site outside the registry, have no rules.
    assert site_rules_for("https://www.newspim.com/news/view/1", config.outlets) is None
    assert site_rules_for("https://example.org/a", config.outlets) is None


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('body_selector = "div[[["\n', "outlets[1].body_selector"),
        ('drop_selectors = ["div.ok", "p[[["]\n', "outlets[1].drop_selectors"),
        ("body_selector = 3\n", "outlets[1].body_selector"),
    ],
)
def test_a_bad_selector_names_its_key(tmp_path: Path, extra: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)
