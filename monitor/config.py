"""config.toml: read once with tomllib, validated into typed objects, passed down."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from monitor.errors import ConfigError
from nlp import EntitySpec, SiteRules, TopicSpec
from nlp.topics import DEFAULT_TOPICS
from scrapers import FetchSettings, SourceSpec
from scrapers.sources import is_valid_selector

__all__ = [
    "SOURCE_KINDS",
    "TIERS",
    "Config",
    "DigestConfig",
    "OutletSpec",
    "ScheduleConfig",
    "SmtpConfig",
    "WebConfig",
    "load_config",
    "parse_config",
    "resolve_config_path",
    "site_rules_for",
]

SOURCE_KINDS = ("rss", "google_news", "naver_news", "sitemap", "listing")
TIERS = ("national", "economic", "local", "internet", "broadcast", "wire", "trade")
ROLES = ("coverage", "press_release")
_ENTITY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CRON_FIELDS = 5
# One @ with something on both sides and no spaces or angle brackets: enough to catch a typo.
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


@dataclass(frozen=True)
class ScheduleConfig:
    """`[schedule]`: when collection and the digest run."""

    timezone: str = "Asia/Seoul"
    crawl: str = "*/30 * * * *"
    digest: str = "0 8 * * *"


@dataclass(frozen=True)
class OutletSpec:
    """`[[outlets]]`: a domain's outlet name and tier, and selectors for a hard-to-read site."""

    domain: str
    name: str
    tier: str
    naver_oid: str | None = None
    body_selector: str | None = None
    title_selector: str | None = None
    date_selector: str | None = None
    drop_selectors: tuple[str, ...] = ()

    def site_rules(self) -> SiteRules | None:
        """The extraction selectors configured for this outlet, if any."""
        if not (
            self.body_selector or self.title_selector or self.date_selector or self.drop_selectors
        ):
            return None
        return SiteRules(
            domain=self.domain,
            body_selector=self.body_selector,
            title_selector=self.title_selector,
            date_selector=self.date_selector,
            drop_selectors=self.drop_selectors,
        )


def outlet_serving(host: str, outlets: Sequence[OutletSpec]) -> OutletSpec | None:
    """The registered outlet whose domain is `host` or a parent of it (the longest match wins)."""
    best: OutletSpec | None = None
    for spec in outlets:
        domain = spec.domain.lower()
        if (host == domain or host.endswith("." + domain)) and (
            best is None or len(domain) > len(best.domain)
        ):
            best = spec
    return best


def site_rules_for(url: str, outlets: Sequence[OutletSpec]) -> SiteRules | None:
    """Extraction selectors of the outlet whose domain serves url (the longest match wins)."""
    best = outlet_serving((urlsplit(url).hostname or "").lower().rstrip("."), outlets)
    return best.site_rules() if best is not None else None


@dataclass(frozen=True)
class DigestConfig:
    """`[digest]`: where the scheduled job writes the digest, what it mails, and when.

    The SMTP keys here are the older spelling of `[smtp]`, still read when `[smtp]` is absent."""

    recipients: tuple[str, ...] = ()
    sender: str = "press-monitor@localhost"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password_env: str = "MONITOR_SMTP_PASSWORD"
    starttls: bool = True
    send_empty: bool = True
    out_dir: str = "digests"  # where `monitor schedule` writes each digest; see Config.digest_dir
    failing_source_runs: int = 3  # a source failing this many runs in a row is flagged
    alerts: bool = True  # mail new negative coverage after each collection (needs [smtp])
    alert_window_days: int = 2  # only items published this many KST days back (not backfills)


@dataclass(frozen=True)
class SmtpConfig:
    """`[smtp]`: the mail server the digest and the alerts go through (`from` in the file is
    `sender` here); the password comes from the environment variable `password_env`."""

    host: str
    recipients: tuple[str, ...]
    sender: str = "press-monitor@localhost"
    port: int = 587
    starttls: bool = True
    ssl: bool = False  # implicit TLS from the first byte (port 465) instead of STARTTLS
    user: str = ""
    password_env: str = "MONITOR_SMTP_PASSWORD"
    timeout_s: float = 30.0
    ca_file: Path | None = None  # a private CA's certificate, for an internal mail server


@dataclass(frozen=True)
class WebConfig:
    """`[web]`: the team's page on loopback."""

    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path
    database_path: Path
    schedule: ScheduleConfig
    fetch: FetchSettings
    sources: tuple[SourceSpec, ...]
    entities: tuple[EntitySpec, ...]
    outlets: tuple[OutletSpec, ...]
    topics: tuple[TopicSpec, ...] = DEFAULT_TOPICS
    digest: DigestConfig = field(default_factory=DigestConfig)
    web: WebConfig = field(default_factory=WebConfig)
    smtp: SmtpConfig | None = None  # None: nothing is mailed

    @property
    def digest_dir(self) -> Path:
        """`[digest] out_dir` as a path: a relative one resolves against the config's folder."""
        out_dir = Path(self.digest.out_dir).expanduser()
        return out_dir if out_dir.is_absolute() else self.path.parent / out_dir

    def source(self, name: str) -> SourceSpec:
        """The source called `name`, or a ConfigError listing the names there are."""
        for spec in self.sources:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} in {self.path} (sources: {known})")


def resolve_config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path:
    """The config file to use: --config, else $MONITOR_CONFIG, else ./config.toml."""
    chosen = cli_path or environ.get("MONITOR_CONFIG") or "config.toml"
    return Path(chosen).expanduser()


def load_config(path: Path) -> Config:
    """Read and validate config.toml; any problem is one ConfigError naming the file and key."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path) -> Config:
    """Validate parsed TOML into a Config; relative paths resolve against the file's folder."""
    where = _Where(path)
    _check_keys(
        data,
        {
            "database",
            "schedule",
            "fetch",
            "sources",
            "entities",
            "outlets",
            "topics",
            "digest",
            "smtp",
            "web",
        },
        where,
        "",
    )
    database = _table(data, "database", where, required=True)
    _check_keys(database, {"path"}, where, "database")
    db_path = Path(_str(database, "path", where, "database", required=True)).expanduser()
    if not db_path.is_absolute():
        db_path = path.parent / db_path

    schedule = _build(ScheduleConfig, _table(data, "schedule", where), where, "schedule")
    try:
        ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            where.at("schedule.timezone", f"unknown time zone {schedule.timezone!r}")
        ) from None
    for key in ("crawl", "digest"):
        _check_cron(getattr(schedule, key), schedule.timezone, where, f"schedule.{key}")

    fetch = _build(FetchSettings, _table(data, "fetch", where), where, "fetch")
    if fetch.concurrency < 1:
        raise ConfigError(where.at("fetch.concurrency", "must be at least 1"))
    if fetch.max_bytes < 1024:
        raise ConfigError(where.at("fetch.max_bytes", "must be at least 1024"))

    sources = tuple(
        _build(SourceSpec, item, where, f"sources[{i}]")
        for i, item in enumerate(_array(data, "sources", where, required=True))
    )
    _validate_sources(sources, where)
    entities = tuple(
        _entity(item, where, f"entities[{i}]")
        for i, item in enumerate(_array(data, "entities", where, required=True))
    )
    _validate_entities(entities, where)
    outlets = tuple(
        _build(OutletSpec, item, where, f"outlets[{i}]")
        for i, item in enumerate(_array(data, "outlets", where, required=True))
    )
    _validate_outlets(outlets, where)
    topic_items = _array(data, "topics", where)
    topics = (
        tuple(_topic(item, where, f"topics[{i}]") for i, item in enumerate(topic_items))
        if topic_items
        else DEFAULT_TOPICS
    )
    _unique([t.id for t in topics], where, "topics", "id")
    digest = _build(DigestConfig, _table(data, "digest", where), where, "digest")
    if not digest.out_dir.strip():
        raise ConfigError(where.at("digest.out_dir", "expected a folder, got an empty string"))
    if digest.alert_window_days < 1:
        raise ConfigError(where.at("digest.alert_window_days", "must be at least 1"))
    smtp = _smtp(data, digest, path, where)
    return Config(
        path=path,
        database_path=db_path,
        schedule=schedule,
        fetch=fetch,
        sources=sources,
        entities=entities,
        outlets=outlets,
        topics=topics,
        digest=digest,
        web=_build(WebConfig, _table(data, "web", where), where, "web"),
        smtp=smtp,
    )


_SMTP_KEYS = {
    "host",
    "port",
    "starttls",
    "ssl",
    "user",
    "from",
    "recipients",
    "password_env",
    "timeout_s",
    "ca_file",
}
# The older `[digest]` spelling of the `[smtp]` keys.
_LEGACY_SMTP_KEYS = {
    "smtp_host": "host",
    "smtp_port": "port",
    "smtp_user": "user",
    "smtp_password_env": "password_env",
    "starttls": "starttls",
    "sender": "from",
    "recipients": "recipients",
}


def _smtp(
    data: Mapping[str, Any], digest: DigestConfig, path: Path, where: _Where
) -> SmtpConfig | None:
    """`[smtp]`, else the older `[digest] smtp_host ...` keys, else None (nothing is mailed)."""
    table = _table(data, "smtp", where)
    legacy = {
        new: data["digest"][old]
        for old, new in _LEGACY_SMTP_KEYS.items()
        if old in data.get("digest", {})
    }
    if table and digest.smtp_host:
        raise ConfigError(where.at("digest.smtp_host", "give the SMTP settings in [smtp] only"))
    prefix = "smtp"
    if not table:
        if not digest.smtp_host:
            return None
        table, prefix = legacy, "digest"
    _check_keys(table, _SMTP_KEYS, where, prefix)
    defaults = SmtpConfig(host="", recipients=())
    kwargs: dict[str, Any] = {}
    for key in _SMTP_KEYS - {"from", "ca_file"}:
        if key in table:
            kwargs[key] = _coerce(table[key], getattr(defaults, key), f"{prefix}.{key}", where)
    kwargs["host"] = _str(table, "host", where, prefix, required=True).strip()
    if "from" in table:
        kwargs["sender"] = _str(table, "from", where, prefix, required=True).strip()
    if "ca_file" in table:
        ca_file = Path(_str(table, "ca_file", where, prefix, required=True)).expanduser()
        ca_file = ca_file if ca_file.is_absolute() else path.parent / ca_file
        if not ca_file.is_file():
            raise ConfigError(where.at(f"{prefix}.ca_file", f"no such file: {ca_file}"))
        kwargs["ca_file"] = ca_file
    smtp = SmtpConfig(**kwargs) if "recipients" in kwargs else SmtpConfig(recipients=(), **kwargs)
    if not smtp.recipients:
        raise ConfigError(where.at(f"{prefix}.recipients", "list at least one e-mail address"))
    for address in (*smtp.recipients, smtp.sender):
        if not _EMAIL.match(address):
            key = "from" if address == smtp.sender else "recipients"
            raise ConfigError(where.at(f"{prefix}.{key}", f"{address!r} is not an e-mail address"))
    if not 0 < smtp.port < 65536:
        raise ConfigError(where.at(f"{prefix}.port", "must be 1 to 65535"))
    if smtp.ssl and smtp.starttls and "starttls" in table:
        raise ConfigError(where.at(f"{prefix}.ssl", "give ssl = true or starttls = true, not both"))
    if smtp.ssl:
        # Implicit TLS already encrypts: STARTTLS on top of it is not a thing.
        smtp = replace(smtp, starttls=False)
    if not smtp.password_env.strip():
        raise ConfigError(where.at(f"{prefix}.password_env", "expected a variable name"))
    if smtp.timeout_s <= 0:
        raise ConfigError(where.at(f"{prefix}.timeout_s", "must be more than 0"))
    return smtp


def _check_cron(expression: str, timezone: str, where: _Where, name: str) -> None:
    """Reject a cron expression the scheduler would refuse, before anything runs."""
    if len(expression.split()) != _CRON_FIELDS:
        raise ConfigError(where.at(name, f"expected a 5-field cron expression, got {expression!r}"))
    try:
        CronTrigger.from_crontab(expression, timezone=timezone)
    except ValueError as exc:
        raise ConfigError(where.at(name, f"bad cron expression {expression!r}: {exc}")) from None


class _Where:
    """Formats error messages that name the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def at(self, key: str, problem: str) -> str:
        return f"{self.path}: {key}: {problem}"


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: _Where, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            name = f"{prefix}.{key}" if prefix else key
            hint = ", ".join(sorted(allowed))
            raise ConfigError(where.at(name, f"unknown key (known here: {hint})"))


def _table(
    data: Mapping[str, Any], key: str, where: _Where, required: bool = False
) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise ConfigError(where.at(key, "missing table"))
        return {}
    if not isinstance(value, dict):
        raise ConfigError(where.at(key, "expected a table like [" + key + "]"))
    return value


def _array(
    data: Mapping[str, Any], key: str, where: _Where, required: bool = False
) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None:
        if required:
            raise ConfigError(where.at(key, f"missing: add at least one [[{key}]] table"))
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(where.at(key, f"expected an array of tables like [[{key}]]"))
    if required and not value:
        raise ConfigError(where.at(key, f"empty: add at least one [[{key}]] table"))
    return value


def _str(
    table: Mapping[str, Any], key: str, where: _Where, prefix: str, required: bool = False
) -> str:
    value = table.get(key)
    if value is None and required:
        raise ConfigError(where.at(f"{prefix}.{key}", "missing"))
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConfigError(where.at(f"{prefix}.{key}", "expected a non-empty string"))
    return value


_T = TypeVar("_T")


def _coerce(value: Any, default: Any, name: str, where: _Where) -> Any:
    """Check a TOML value against the type of the dataclass default it replaces."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(where.at(name, "expected true or false"))
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(where.at(name, "expected a whole number"))
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(where.at(name, "expected a number"))
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(where.at(name, "expected a list of strings"))
        return tuple(v.strip() for v in value if v.strip())
    if not isinstance(value, str):
        raise ConfigError(where.at(name, "expected a string"))
    return value


def _build(cls: Callable[..., _T], table: Mapping[str, Any], where: _Where, prefix: str) -> _T:
    """Build a dataclass from a TOML table: unknown keys, missing required keys, bad types fail."""
    specs = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    _check_keys(table, set(specs), where, prefix)
    kwargs: dict[str, Any] = {}
    for name, spec in specs.items():
        default: Any = spec.default
        factory = spec.default_factory
        if default is MISSING and callable(factory):
            default = factory()
        if name not in table:
            if default is MISSING:
                raise ConfigError(where.at(f"{prefix}.{name}", "missing"))
            continue
        value = table[name]
        if default is MISSING or default is None:
            # required or optional-string fields
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(where.at(f"{prefix}.{name}", "expected a non-empty string"))
            kwargs[name] = value.strip()
        else:
            kwargs[name] = _coerce(value, default, f"{prefix}.{name}", where)
    return cls(**kwargs)


def _entity(item: Mapping[str, Any], where: _Where, prefix: str) -> EntitySpec:
    spec = _build(EntitySpec, item, where, prefix)
    if not _ENTITY_ID.match(spec.id):
        raise ConfigError(where.at(f"{prefix}.id", "use lower-case letters, digits, - and _"))
    for alias in spec.generic:
        if alias not in spec.names:
            raise ConfigError(where.at(f"{prefix}.generic", f"{alias!r} is not one of the aliases"))
    return spec


def _topic(item: Mapping[str, Any], where: _Where, prefix: str) -> TopicSpec:
    spec = _build(TopicSpec, item, where, prefix)
    if not _ENTITY_ID.match(spec.id):
        raise ConfigError(where.at(f"{prefix}.id", "use lower-case letters, digits, - and _"))
    return spec


def _unique(values: list[str], where: _Where, table: str, key: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ConfigError(where.at(f"{table}[{i}].{key}", f"duplicate {key} {value!r}"))
        seen.add(value)


def _validate_sources(sources: tuple[SourceSpec, ...], where: _Where) -> None:
    _unique([s.name for s in sources], where, "sources", "name")
    for i, spec in enumerate(sources):
        at = f"sources[{i}]"
        if spec.kind not in SOURCE_KINDS:
            raise ConfigError(
                where.at(f"{at}.kind", f"{spec.kind!r} is not one of {', '.join(SOURCE_KINDS)}")
            )
        if spec.role not in ROLES:
            raise ConfigError(
                where.at(f"{at}.role", f"{spec.role!r} is not one of {', '.join(ROLES)}")
            )
        if spec.kind in ("rss", "sitemap", "listing") and not spec.url:
            raise ConfigError(where.at(f"{at}.url", f"a {spec.kind} source needs a url"))
        if spec.kind in ("google_news", "naver_news") and not spec.query:
            raise ConfigError(where.at(f"{at}.query", f"a {spec.kind} source needs a query"))
        if spec.kind == "listing" and not spec.selector:
            raise ConfigError(where.at(f"{at}.selector", "a listing source needs a CSS selector"))
        for key in ("url", "base_url"):
            value = getattr(spec, key)
            if value and not re.match(r"^https?://", value):
                raise ConfigError(where.at(f"{at}.{key}", "only http(s) URLs are fetched"))
        if spec.max_pages < 1:
            raise ConfigError(where.at(f"{at}.max_pages", "must be at least 1"))
        _validate_backfill_keys(spec, where, at)


# Optional source keys that only one kind reads: set on another kind they are a mistake.
_KIND_KEYS = {
    "page_param": "listing",
    "next_selector": "listing",
    "backfill_max_pages": "listing",
    "backfill_window_days": "google_news",
}
_DEFAULT_SPEC = SourceSpec(name="", kind="")


def _validate_backfill_keys(spec: SourceSpec, where: _Where, at: str) -> None:
    """Listing pagination and backfill keys: the right kind, sensible values, valid CSS."""
    for key, kind in _KIND_KEYS.items():
        if getattr(spec, key) != getattr(_DEFAULT_SPEC, key) and spec.kind != kind:
            raise ConfigError(where.at(f"{at}.{key}", f"only {kind} sources read this key"))
    if spec.page_param and spec.next_selector:
        raise ConfigError(where.at(f"{at}.next_selector", "give page_param or next_selector"))
    if spec.next_selector and not is_valid_selector(spec.next_selector):
        raise ConfigError(where.at(f"{at}.next_selector", "not a valid CSS selector"))
    if spec.backfill_max_pages < 1:
        raise ConfigError(where.at(f"{at}.backfill_max_pages", "must be at least 1"))
    if not 1 <= spec.backfill_window_days <= 366:
        raise ConfigError(where.at(f"{at}.backfill_window_days", "must be 1 to 366 days"))


def _validate_entities(entities: tuple[EntitySpec, ...], where: _Where) -> None:
    _unique([e.id for e in entities], where, "entities", "id")
    ids = {e.id for e in entities}
    for i, spec in enumerate(entities):
        if spec.parent is not None and spec.parent not in ids:
            raise ConfigError(
                where.at(f"entities[{i}].parent", f"no entity with id {spec.parent!r}")
            )
        if spec.parent == spec.id:
            raise ConfigError(
                where.at(f"entities[{i}].parent", "an entity cannot be its own parent")
            )
    owner: dict[str, str] = {}
    for i, spec in enumerate(entities):
        for name in spec.names:
            other = owner.setdefault(name, spec.id)
            if other != spec.id:
                raise ConfigError(
                    where.at(f"entities[{i}].aliases", f"{name!r} is also an alias of {other!r}")
                )


def _validate_outlets(outlets: tuple[OutletSpec, ...], where: _Where) -> None:
    _unique([o.domain.lower() for o in outlets], where, "outlets", "domain")
    for i, spec in enumerate(outlets):
        if spec.tier not in TIERS:
            raise ConfigError(
                where.at(f"outlets[{i}].tier", f"{spec.tier!r} is not one of {', '.join(TIERS)}")
            )
        if "/" in spec.domain or " " in spec.domain:
            raise ConfigError(where.at(f"outlets[{i}].domain", "a bare domain like newspim.com"))
        selectors = {
            "body_selector": (spec.body_selector,),
            "title_selector": (spec.title_selector,),
            "date_selector": (spec.date_selector,),
            "drop_selectors": spec.drop_selectors,
        }
        for key, values in selectors.items():
            for value in values:
                if value is not None and not is_valid_selector(value):
                    raise ConfigError(
                        where.at(f"outlets[{i}].{key}", f"{value!r} is not a CSS selector")
                    )
