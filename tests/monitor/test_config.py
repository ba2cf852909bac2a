"""The shipped config.toml loads and carries the cluster; bad files fail with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import (
    TIERS,
    Config,
    DigestConfig,
    ScheduleConfig,
    WebConfig,
    load_config,
    resolve_config_path,
)
from monitor.errors import ConfigError
from nlp.entities import build_tagger, tag_entities
from nlp.kiwi import Kiwi
from nlp.topics import DEFAULT_TOPICS
from scrapers import FetchSettings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config.toml"

ENTITY_IDS = (
    "lih-g",
    "lih",
    "ncc",
    "ilsan-techno-valley",
    "seongsa",
    "goyang-institute",
    "rokit",
    "ingenia",
    "dongguk-bmc",
    "boima",
    "kdra",
    "bio-complex",
    "bio-special-zone",
    "goyang-fez",
    "kintex",
    "nhis-ilsan",
    "bio-cluster",
)

MINIMAL = """
[database]
path = "data/monitor.db"

[[sources]]
name = "mygoyang"
kind = "rss"
url = "https://www.mygoyang.com/rss/allArticle.xml"

[[entities]]
id = "lih-g"
name = "룩셈부르크 고양보건연구소"
aliases = ["LIH-G"]

[[outlets]]
domain = "newspim.com"
name = "뉴스핌"
tier = "internet"
"""


@pytest.fixture(scope="module")
def shipped() -> Config:
    """The default config.toml at the repository root."""
    return load_config(SHIPPED)


def write_config(folder: Path, text: str) -> Path:
    """Write `text` as config.toml in `folder` and return its path."""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(folder: Path, text: str) -> str:
    """The ConfigError message loading `text` gives."""
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(folder, text))
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the shipped file ---------------------------------------------------------------------


def test_shipped_config_has_every_seed_entity(shipped: Config) -> None:
    ids = {e.id for e in shipped.entities}
    missing = [i for i in ENTITY_IDS if i not in ids]
    assert not missing


def test_shipped_aliases_include_misspellings_and_renames(shipped: Config) -> None:
    names = {e.id: set(e.names) for e in shipped.entities}
    assert "일산테크노벨리" in names["ilsan-techno-valley"]
    assert "바이오콤플렉스" in names["bio-complex"]
    assert "고양시정연구원" in names["goyang-institute"]
    assert {"LIH-G", "Luxembourg Goyang Health Research Institute"} <= names["lih-g"]
    assert {"LIH", "Luxembourg Institute of Health"} <= names["lih"]
    assert {"NCC", "National Cancer Center", "국립 암센터"} <= names["ncc"]
    assert "BOIMA" in names["boima"]
    assert "인제니아테라퓨틱스" in names["ingenia"]


def test_shipped_parent_and_context(shipped: Config) -> None:
    by_id = {e.id: e for e in shipped.entities}
    assert by_id["lih-g"].parent == "lih"
    assert by_id["lih"].parent is None
    assert by_id["lih"].context, "LIH is a 3-letter acronym: it needs context terms"
    assert by_id["ncc"].context
    assert "경제자유구역" in by_id["goyang-fez"].generic
    assert "고양" in by_id["goyang-fez"].context
    assert "로킷" in by_id["rokit"].generic
    for core in ("lih-g", "ilsan-techno-valley", "bio-complex", "bio-cluster"):
        assert by_id[core].core, core


def test_shipped_generic_aliases_have_context(shipped: Config) -> None:
    # A generic alias with no context terms could only ever match through the full name.
    for entity in shipped.entities:
        if entity.generic:
            assert entity.context, entity.id


def test_shipped_outlets(shipped: Config) -> None:
    assert len(shipped.outlets) >= 30
    assert all(o.tier in TIERS for o in shipped.outlets)
    by_domain = {o.domain: o for o in shipped.outlets}
    assert by_domain["yna.co.kr"].naver_oid == "001"
    assert by_domain["newspim.com"].tier == "internet"
    assert by_domain["mygoyang.com"].tier == "local"
    oids = [o.naver_oid for o in shipped.outlets if o.naver_oid]
    assert len(oids) == len(set(oids))
    assert all(oid.isdigit() and len(oid) == 3 for oid in oids)


def test_shipped_sources(shipped: Config) -> None:
    kinds = {s.kind for s in shipped.sources}
    assert {"rss", "google_news", "naver_news", "listing"} <= kinds
    releases = [s for s in shipped.sources if s.role == "press_release"]
    assert releases and all(s.kind == "listing" and s.selector for s in releases)
    assert any("goyang.go.kr" in (s.url or "") for s in releases)
    for spec in shipped.sources:
        if spec.kind == "naver_news":
            assert spec.client_id_env == "NAVER_CLIENT_ID"
            assert spec.client_secret_env == "NAVER_CLIENT_SECRET"
    assert shipped.source("mygoyang").url == "https://www.mygoyang.com/rss/allArticle.xml"


def test_shipped_rss_outlets_are_registered(shipped: Config) -> None:
    names = {o.name for o in shipped.outlets}
    for spec in shipped.sources:
        if spec.outlet:
            assert spec.outlet in names, spec.name


def test_shipped_defaults_and_database(shipped: Config) -> None:
    assert shipped.database_path == REPO / "data" / "monitor.db"
    assert shipped.schedule == ScheduleConfig()
    assert shipped.fetch == FetchSettings()
    assert shipped.digest == DigestConfig()
    assert shipped.web == WebConfig()
    assert shipped.topics == DEFAULT_TOPICS


# --- defaults and selection ---------------------------------------------------------------


def test_minimal_file_gets_defaults(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, MINIMAL))
    assert config.database_path == tmp_path / "data" / "monitor.db"
    assert config.schedule.timezone == "Asia/Seoul"
    assert config.fetch.respect_robots is True
    assert config.web.port == 8080
    assert config.topics == DEFAULT_TOPICS
    assert config.sources[0].role == "coverage"
    assert config.entities[0].names == ("룩셈부르크 고양보건연구소", "LIH-G")


def test_relative_database_path_resolves_against_file_folder(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    config = load_config(write_config(folder, MINIMAL.replace("data/monitor.db", "x/m.db")))
    assert config.database_path == folder / "x" / "m.db"
    absolute = tmp_path / "abs.db"
    config = load_config(write_config(folder, MINIMAL.replace("data/monitor.db", str(absolute))))
    assert config.database_path == absolute


def test_resolve_config_path_order() -> None:
    env = {"MONITOR_CONFIG": "/etc/monitor/env.toml"}
    assert resolve_config_path("cli.toml", env) == Path("cli.toml")
    assert resolve_config_path(None, env) == Path("/etc/monitor/env.toml")
    assert resolve_config_path(None, {}) == Path("config.toml")


# --- errors -------------------------------------------------------------------------------


def test_unknown_key_is_named(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + "\n[web]\nportt = 1\n")
    assert "web.portt" in message and "unknown key" in message


def test_unknown_key_in_source_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace('kind = "rss"', 'kind = "rss"\nselectr = "a"')
    assert "sources[0].selectr" in load_error(tmp_path, text)


def test_missing_required_key(tmp_path: Path) -> None:
    assert "entities[0].name" in load_error(
        tmp_path, MINIMAL.replace('name = "룩셈부르크 고양보건연구소"\n', "")
    )
    assert "database" in load_error(tmp_path, MINIMAL.replace("[database]", "[web]"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_bad_toml(tmp_path: Path) -> None:
    assert "invalid TOML" in load_error(tmp_path, MINIMAL + "\n[web\n")


def test_bad_tier(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL.replace('tier = "internet"', 'tier = "tabloid"'))
    assert "outlets[0].tier" in message and "tabloid" in message


def test_duplicate_alias(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + '\n[[entities]]\nid = "lih"\nname = "룩셈부르크 국립보건원"\naliases = ["LIH-G"]\n'
    )
    message = load_error(tmp_path, text)
    assert "entities[1].aliases" in message and "LIH-G" in message


def test_unknown_parent(tmp_path: Path) -> None:
    text = MINIMAL.replace('aliases = ["LIH-G"]', 'aliases = ["LIH-G"]\nparent = "lih"')
    assert "entities[0].parent" in load_error(tmp_path, text)


@pytest.mark.parametrize("cron", ["every day", "99 * * * *", "0 25 * * *", "0 8 * * funday"])
def test_bad_cron(tmp_path: Path, cron: str) -> None:
    message = load_error(tmp_path, MINIMAL + f'\n[schedule]\ndigest = "{cron}"\n')
    assert "schedule.digest" in message


def test_bad_timezone(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + '\n[schedule]\ntimezone = "Mars/Olympus"\n')
    assert "schedule.timezone" in message


def test_wrong_type(tmp_path: Path) -> None:
    assert "web.port" in load_error(tmp_path, MINIMAL + '\n[web]\nport = "80"\n')


def test_listing_needs_selector(tmp_path: Path) -> None:
    text = MINIMAL.replace('kind = "rss"', 'kind = "listing"\nrole = "press_release"')
    assert "sources[0].selector" in load_error(tmp_path, text)


def test_search_source_needs_query(tmp_path: Path) -> None:
    text = MINIMAL.replace('kind = "rss"', 'kind = "google_news"')
    assert "sources[0].query" in load_error(tmp_path, text)


def test_generic_alias_must_be_an_alias(tmp_path: Path) -> None:
    text = MINIMAL.replace('aliases = ["LIH-G"]', 'aliases = ["LIH-G"]\ngeneric = ["LIH"]')
    assert "entities[0].generic" in load_error(tmp_path, text)


SEEDS = REPO.parent / "shared" / "seeds"


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (
            "001_*.txt",
            {"lih-g", "lih", "ncc", "ilsan-techno-valley", "seongsa", "rokit", "ingenia"},
        ),
        ("004_*.txt", {"bio-special-zone", "ilsan-techno-valley", "goyang-fez", "boima"}),
        ("000_*.txt", {"bio-complex", "kdra", "boima", "dongguk-bmc", "goyang-institute"}),
    ],
)
def test_shipped_entities_tag_the_seeds(
    shipped: Config, kiwi: Kiwi, seed: str, expected: set[str]
) -> None:
    paths = sorted(SEEDS.glob(seed))
    if not paths:
        pytest.skip(f"{SEEDS} has no {seed}")
    tagger = build_tagger(kiwi, shipped.entities)
    found = {m.entity for m in tag_entities(tagger, "", paths[0].read_text(encoding="utf-8"))}
    assert expected <= found


def test_digest_out_dir_resolves_against_file_folder(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, MINIMAL))
    assert config.digest.out_dir == "digests"
    assert config.digest_dir == tmp_path / "digests"
    text = MINIMAL + '\n[digest]\nout_dir = "reports/daily"\n'
    assert load_config(write_config(tmp_path, text)).digest_dir == tmp_path / "reports" / "daily"
    absolute = tmp_path / "elsewhere"
    text = MINIMAL + f'\n[digest]\nout_dir = "{absolute}"\n'
    assert load_config(write_config(tmp_path, text)).digest_dir == absolute


@pytest.mark.parametrize("value", ['""', '"  "', "3"])
def test_bad_digest_out_dir(tmp_path: Path, value: str) -> None:
    assert "digest.out_dir" in load_error(tmp_path, MINIMAL + f"\n[digest]\nout_dir = {value}\n")
