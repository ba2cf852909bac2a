"""New-name discovery over stored articles, and `monitor entities` on a small database."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import sqlite_utils
from testkit import BASE_ARTICLE, entity_block, mini_config

import db as store
from monitor.cli import main
from monitor.suggest import find_names, load_stoplist, strip_particle, suggest_from_database
from nlp import EntitySpec
from nlp.kiwi import Kiwi

CONFIG = mini_config(
    entity_block("ilsan-techno-valley", "일산테크노밸리", "일산 테크노밸리"),
    entity_block("boima", "바이오오픈이노베이션진흥회", "BOIMA"),
)

ENTITIES = (
    EntitySpec("ilsan-techno-valley", "일산테크노밸리", ("일산 테크노밸리",)),
    EntitySpec("boima", "바이오오픈이노베이션진흥회", ("BOIMA",)),
)

BASE = replace(BASE_ARTICLE, method="cms:ndsoft", topic=None, tone=None)

# A new organisation (젠큐릭스) named in three relevant articles beside configured names; a second
# one (메디포스트) in a single article; a third (셀바스헬스) only in articles judged irrelevant.
ARTICLES = (
    (
        "고양시, 젠큐릭스와 정밀의료 협약",
        "고양특례시는 젠큐릭스와 일산테크노밸리 입주 협약을 맺었다고 밝혔다.\n\n"
        "젠큐릭스는 암 진단 기업이다.",
        True,
        "2024-11-20",
    ),
    (
        "일산 테크노밸리에 젠큐릭스 연구소",
        "젠큐릭스가 일산 테크노밸리에 연구소를 연다. BOIMA 관계자도 참석했다.",
        True,
        "2024-11-25",
    ),
    (
        "바이오 기업 유치 속도",
        "시는 메디포스트와 젠큐릭스 등 바이오 기업과 만났다. "
        "바이오오픈이노베이션진흥회도 함께했다.",
        True,
        "2024-11-26",
    ),
    (
        "서울 바이오 기업 동향",
        "셀바스헬스가 서울에서 신제품을 공개했다.",
        False,
        "2024-11-26",
    ),
    (
        "셀바스헬스 실적 발표",
        "셀바스헬스는 3분기 실적을 발표했다.",
        False,
        "2024-11-26",
    ),
    (
        "셀바스헬스 신임 대표",
        "셀바스헬스가 새 대표를 선임했다.",
        False,
        "2024-11-27",
    ),
)


def _store(database: sqlite_utils.Database) -> list[int]:
    ids = []
    for n, (title, body, relevant, day) in enumerate(ARTICLES):
        article_id, _ = store.save_article(
            database,
            replace(
                BASE,
                url=f"https://newspim.com/{n}",
                title=title,
                body=body,
                relevant=relevant,
                published_date=day,
                published_at=f"{day}T10:00:00+09:00",
                outlet="뉴스핌",
            ),
            None,
            None,
        )
        ids.append(article_id)
    return ids


def test_a_repeated_new_organisation_is_suggested_and_configured_names_are_not(
    memory_db: sqlite_utils.Database, kiwi: Kiwi
) -> None:
    ids = _store(memory_db)
    found = suggest_from_database(memory_db, kiwi, ENTITIES, min_articles=3)
    names = {c.name: c for c in found}
    assert "젠큐릭스" in names
    assert names["젠큐릭스"].articles == 3
    assert names["젠큐릭스"].article_ids == tuple(sorted(ids[:3]))
    assert "젠큐릭스" in names["젠큐릭스"].example
    # Configured names and aliases (also spaced variants) are covered; one-article names wait.
    for covered in ("일산테크노밸리", "일산 테크노밸리", "테크노밸리", "BOIMA", "메디포스트"):
        assert covered not in names
    # Only relevant articles count.
    assert "셀바스헬스" not in names


def test_min_articles_and_since_narrow_the_candidates(
    memory_db: sqlite_utils.Database, kiwi: Kiwi
) -> None:
    _store(memory_db)
    names = {c.name for c in suggest_from_database(memory_db, kiwi, ENTITIES, min_articles=1)}
    assert {"젠큐릭스", "메디포스트"} <= names
    later = suggest_from_database(memory_db, kiwi, ENTITIES, since="2024-11-25", min_articles=3)
    assert "젠큐릭스" not in {c.name for c in later}


def test_the_teams_label_decides_which_articles_count(
    memory_db: sqlite_utils.Database, kiwi: Kiwi
) -> None:
    ids = _store(memory_db)
    for article_id in ids[3:]:
        store.set_label(memory_db, article_id, "2024-11-27T12:00:00+09:00", relevant=True)
    store.set_label(memory_db, ids[0], "2024-11-27T12:00:00+09:00", relevant=False)
    names = {c.name for c in suggest_from_database(memory_db, kiwi, ENTITIES, min_articles=3)}
    assert "셀바스헬스" in names
    assert "젠큐릭스" not in names


def test_names_are_joined_and_places_generic_words_and_people_left_out(kiwi: Kiwi) -> None:
    stoplist = load_stoplist()
    text = (
        "이동환 고양특례시장은 파주시, 독일 도르트문트에서 ROKIT Healthcare, LIH-G와 "
        "바이오헬스혁신센터 관계자를 만나 MOU를 맺었다."
    )
    occurrences = {o.name: o for o in find_names(kiwi, text, stoplist)}
    assert "ROKIT Healthcare" in occurrences
    assert "LIH-G" in occurrences
    assert "바이오헬스혁신센터" in occurrences
    for left_out in ("파주시", "MOU", "고양"):
        assert left_out not in occurrences
    assert occurrences["이동환"].person_cue
    assert occurrences["도르트문트"].place_cue
    assert not occurrences["바이오헬스혁신센터"].person_cue


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = store.open_database(tmp_path / "monitor.db")
    ids = _store(database)
    mentions = {
        ids[0]: [store.MentionRecord("ilsan-techno-valley", "body", 15, 22, "일산테크노밸리")],
        ids[1]: [store.MentionRecord("boima", "body", 30, 35, "BOIMA")],
    }
    for article_id, records in mentions.items():
        database["mentions"].insert_all(
            {
                "article_id": article_id,
                "entity": m.entity,
                "field": m.field,
                "start": m.start,
                "end": m.end,
                "text": m.text,
            }
            for m in records
        )
    database.conn.close()
    return tmp_path


def test_cli_suggest_json_and_table(
    workspace: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(workspace / "config.toml")
    assert main(["--config", config, "entities", "--suggest", "--json"], kiwi=kiwi) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in items] == ["젠큐릭스"]
    assert set(items[0]) >= {"name", "articles", "article_ids", "example"}
    assert (
        main(["--config", config, "entities", "--suggest", "--min-articles", "9"], kiwi=kiwi) == 0
    )
    assert "no new names" in capsys.readouterr().out


def test_cli_lists_configured_entities_with_article_counts(
    workspace: Path, kiwi: Kiwi, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(workspace / "config.toml")
    assert main(["--config", config, "entities", "--json"], kiwi=kiwi) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["ilsan-techno-valley"]["articles"] == 1
    assert rows["boima"]["aliases"] == ["BOIMA"]
    assert main(["--config", config, "entities"], kiwi=kiwi) == 0
    assert "일산 테크노밸리" in capsys.readouterr().out
    # Suggestion options without --suggest are a user error.
    assert main(["--config", config, "entities", "--limit", "3"], kiwi=kiwi) == 1


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("본원서", "본원"),
        ("본원에서", "본원"),
        ("젠큐릭스는", "젠큐릭스"),
        ("젠큐릭스가", "젠큐릭스"),
        ("메디젠을", "메디젠"),
        ("바이오센터와", "바이오센터"),
        ("바이오센터로", "바이오센터"),
        ("연구원으로", "연구원"),
        ("연구원의", "연구원"),
        ("셀바스도", "셀바스"),
        ("셀바스만", "셀바스"),
        # Kept: the rest would be one syllable, or the syllable does not take that particle.
        ("본서", "본서"),
        ("케이", "케이"),
        ("메디톡스", "메디톡스"),
        ("에이치엘비", "에이치엘비"),
        ("LIH서", "LIH서"),
    ],
)
def test_trailing_particles_are_cut_from_hangul_names(name: str, stem: str) -> None:
    assert strip_particle(name) == stem


def test_an_unknown_word_is_proposed_without_its_particle(kiwi: Kiwi) -> None:
    stoplist = load_stoplist()
    text = "이사회는 룩셈부르크 본원서 열렸고, 젠큐릭스에서 온 연구진이 참석했다."
    occurrences = {o.name: o for o in find_names(kiwi, text, stoplist)}
    assert "본원서" not in occurrences and "본원" in occurrences
    assert "젠큐릭스" in occurrences
    assert "본원" in occurrences["본원"].sentence
