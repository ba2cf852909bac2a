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
from testkit import FEED_SOURCE, QUICK_FETCH, entity_block, mini_config

from monitor.cli import main
from monitor.config import load_config
from monitor.pipeline import extract_page

STORY = (
    "고양특례시가 일산테크노밸리 바이오 기업 입주를 앞두고 임상 협력 창구를 새로 연다고 "
    "3일 밝혔다.",
    "창구에는 국립암센터와 동국대 일산병원 연구진이 참여해 기업의 임상시험 설계와 "
    "데이터 활용을 돕는다.",
    '시 관계자는 "기업이 병원을 찾아다니지 않아도 되도록 한곳에서 상담을 받게 하겠다"고 말했다.',
)
NOTE = "고양 소식 종이신문은 매주 월요일 아침 시청 민원실과 각 행정복지센터에 비치됩니다."
# A box of long teasers outweighs the story for the generic scorer: only the selectors find it.
TEASERS = "".join(
    f"<p>{text} 이 기사는 다른 사안을 다루며 본문과 관계가 없는 추천 기사 요약문이다, "
    "길게 쓰였다.</p>"
    for text in (
        "킨텍스 제3전시장 착공이 또 늦어져 지역 상권의 불만이 커지고 있다.",
        "고양시의회가 내년 예산안 심사에서 도로 정비 예산을 대폭 깎았다.",
        "일산 호수공원 꽃박람회가 역대 최다 관람객을 기록하며 폐막했다.",
        "덕양구 원도심 재개발 사업이 주민 반대로 다시 표류하고 있다.",
        "고양 도시철도 노선 확정이 미뤄지며 주민 설명회가 연기됐다.",
    )
)
TITLE = "고양시, 바이오 기업 임상 협력 창구 연다"


def _page(canonical: str = "") -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<html lang="ko"><head><meta charset="utf-8">{link}
<title>고양 소식 :: 다른 제목</title></head><body>
<div class="top"><span class="hd">{TITLE}</span><span class="when">2025.03.03 09:40</span></div>
<div class="cnt"><p>{STORY[0]}</p><div class="cnt-extra">{NOTE}</div>
<p>{STORY[1]}</p><p>{STORY[2]}</p></div>
<div class="pick">{TEASERS}</div>
</body></html>""".encode()


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
