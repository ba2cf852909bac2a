"""The press figures of a pledge-progress report: press releases issued by topic, their pick-up,
then articles and stories by topic and by outlet type, each figure with its unit.

Every figure is a recount: the coverage lines are the `tally` of the same period, and the
release lines follow the same counting rules (see DESIGN.md, "Counting").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from db.report import CountedArticle, issued_releases, story_coverage
from monitor.config import Config
from monitor.labels import UNKNOWN_KEY, tier_label
from monitor.md_escape import escape_markdown, markdown_url
from monitor.periods import Period
from monitor.tallies import (
    ARTICLES_HEADER,
    OUTLETS_HEADER,
    STORIES_HEADER,
    TOTAL_LABEL,
    Tally,
    add_items_sheet,
    add_table_sheet,
    align_table,
    compute_tally,
    dimension_labels,
    list_counted,
    new_workbook,
)

__all__ = [
    "REPORT_FORMATS",
    "UNITS",
    "CoverageReport",
    "ReleasePickup",
    "TopicCount",
    "build_report",
    "render_report",
    "write_report_xlsx",
]

REPORT_FORMATS = ("table", "md", "json", "xlsx")

# Units as Korean reports write them after a figure ("보도자료 7건", "12개 매체", "사안 5개").
UNITS = {"releases": "건", "articles": "건", "outlets": "개 매체", "stories": "개"}
# Seed 000 writes each release topic as "<subject> 관련(n)"; the catch-all topics stand alone.
_TOPIC_SUFFIX = " 관련"
_BARE_TOPICS = ("other", UNKNOWN_KEY)


@dataclass(frozen=True)
class TopicCount:
    """Press releases of one topic."""

    key: str
    label: str
    releases: int


@dataclass(frozen=True)
class ReleasePickup:
    """One press release and the coverage of its story, whenever published."""

    release: CountedArticle
    articles: int  # distinct (outlet, story) pairs: here, the outlets that ran it
    outlets: int
    tiers: tuple[tuple[str, int], ...]  # (tier key, articles), most first
    items: tuple[CountedArticle, ...]  # the coverage, whenever published

    @property
    def article_ids(self) -> tuple[int, ...]:
        """The ids of the pick-up articles (their describing copies)."""
        return tuple(i.id for i in self.items)

    def outside(self, period: Period) -> int:
        """Pick-up articles published outside `period` (in no tally of it)."""
        first, last = period.start.isoformat(), period.end.isoformat()
        return sum(1 for i in self.items if not first <= i.published_date <= last)

    def to_json(self, topic_label: str, period: Period) -> dict[str, Any]:
        """One release's line of `report --json`."""
        return {
            "id": self.release.id,
            "date": self.release.published_date,
            "title": self.release.title,
            "url": self.release.url,
            "topic": self.release.topic or UNKNOWN_KEY,
            "topic_label": topic_label,
            "story_id": self.release.story,
            "articles": self.articles,
            "outlets": self.outlets,
            "tiers": dict(self.tiers),
            "article_ids": list(self.article_ids),
            "outside_period": self.outside(period),
        }


@dataclass(frozen=True)
class CoverageReport:
    """Everything `monitor report` prints for one period."""

    period: Period
    name: str  # the period as the user wrote it ("2024H2")
    releases: tuple[CountedArticle, ...]
    releases_by_topic: tuple[TopicCount, ...]
    pickups: tuple[ReleasePickup, ...]
    by_topic: Tally
    by_tier: Tally
    items: tuple[CountedArticle, ...]
    topic_labels: dict[str, str]

    @property
    def picked_up(self) -> int:
        """Releases with at least one article."""
        return sum(1 for p in self.pickups if p.articles)

    @property
    def pickup_share(self) -> float:
        """Share of releases with at least one article (0 when none was issued)."""
        return self.picked_up / len(self.releases) if self.releases else 0.0

    @property
    def pickup_items(self) -> tuple[CountedArticle, ...]:
        """The articles that ran one of the period's releases (one per outlet and story)."""
        seen: dict[tuple[str, int], CountedArticle] = {}
        for pickup in self.pickups:
            for item in pickup.items:
                seen.setdefault((item.outlet, item.story), item)
        return tuple(seen.values())

    def release_line(self) -> str:
        """The releases by topic in seed 000's words: "간담회 등 회의 관련(4), ... 관련(3)"."""
        return ", ".join(
            f"{t.label}{'' if _bare(t) else _TOPIC_SUFFIX}({t.releases})"
            for t in self.releases_by_topic
        )

    def to_json(self) -> dict[str, Any]:
        """The `report --json` object: every figure under an English key."""
        pickup_items = self.pickup_items
        return {
            "period": {
                "name": self.name,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "units": dict(UNITS),
            "press_releases": {
                "issued": len(self.releases),
                "by_topic": [
                    {"key": t.key, "label": t.label, "releases": t.releases}
                    for t in self.releases_by_topic
                ],
                "line": self.release_line(),
            },
            "pickup": {
                "releases": len(self.releases),
                "picked_up": self.picked_up,
                "share": round(self.pickup_share, 4),
                "articles": len(pickup_items),
                "outlets": len({i.outlet for i in pickup_items}),
                "per_release": [
                    p.to_json(_topic_label(self.topic_labels, p.release.topic), self.period)
                    for p in self.pickups
                ],
            },
            "coverage": {
                "articles": self.by_topic.total.articles,
                "outlets": self.by_topic.total.outlets,
                "stories": self.by_topic.total.stories,
            },
            "by_topic": _tally_json(self.by_topic),
            "by_tier": _tally_json(self.by_tier),
        }


def _bare(topic: TopicCount) -> bool:
    return topic.key in _BARE_TOPICS or topic.label.endswith(_TOPIC_SUFFIX.strip())


def _topic_label(labels: dict[str, str], key: str | None) -> str:
    key = key or UNKNOWN_KEY
    return labels.get(key, key)


def _tally_json(tally: Tally) -> dict[str, Any]:
    data = tally.to_json()
    return {"rows": data["rows"], "total": data["total"]}


def build_report(
    config: Config, db: sqlite_utils.Database, period: Period, name: str
) -> CoverageReport:
    """Count releases, their pick-up and the period's coverage from the stored rows."""
    releases = tuple(issued_releases(db, period.start.isoformat(), period.end.isoformat()))
    items = tuple(list_counted(db, period))
    # Pick-up is read from story membership (db.report.story_coverage); db.stories is getting
    # a release pick-up function of its own, which should replace this once it has landed.
    coverage = story_coverage(db, sorted({r.story for r in releases}))
    topic_labels = dimension_labels(config, "topic")
    order = {t.id: n for n, t in enumerate(config.topics)}
    counts = Counter(r.topic or UNKNOWN_KEY for r in releases)
    by_topic = tuple(
        TopicCount(key, _topic_label(topic_labels, key), n)
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99), kv[0]))
    )
    return CoverageReport(
        period=period,
        name=name,
        releases=releases,
        releases_by_topic=by_topic,
        pickups=tuple(pickup_of(release, coverage) for release in releases),
        by_topic=compute_tally(config, db, period, "topic"),
        by_tier=compute_tally(config, db, period, "tier"),
        items=items,
        topic_labels=topic_labels,
    )


def pickup_of(release: CountedArticle, coverage: Sequence[CountedArticle]) -> ReleasePickup:
    """A release's pick-up: the counted coverage of its story (syndicated copies are grouped
    with the release they copy; the team's merges and splits apply), one article per outlet."""
    ran = [i for i in coverage if i.story == release.story]
    tiers = Counter(i.tier or UNKNOWN_KEY for i in ran)
    return ReleasePickup(
        release=release,
        articles=len(ran),
        outlets=len({i.outlet for i in ran}),
        tiers=tuple(sorted(tiers.items(), key=lambda kv: (-kv[1], kv[0]))),
        items=tuple(ran),
    )


# --- rendering ---------------------------------------------------------------------------------


def _tier_text(tiers: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{tier_label(k)} {n}{UNITS['articles']}" for k, n in tiers)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _summary_lines(report: CoverageReport) -> list[str]:
    """The report's figures, one sentence each, every number followed by its unit."""
    u = UNITS
    pickup_items = report.pickup_items
    total = report.by_topic.total
    issued = len(report.releases)
    return [
        f"보도자료 배포: {issued}{u['releases']}"
        + (f" — {report.release_line()}" if issued else ""),
        f"보도자료 보도: 보도된 보도자료 {report.picked_up}{u['releases']} / "
        f"{issued}{u['releases']} ({_percent(report.pickup_share)}), "
        f"기사 {len(pickup_items)}{u['articles']}, "
        f"{len({i.outlet for i in pickup_items})}{u['outlets']}",
        f"언론 보도 전체: 기사 {total.articles}{u['articles']}, "
        f"{total.outlets}{u['outlets']}, 사안 {total.stories}{u['stories']}",
    ]


def _count_table(tally: Tally, first: str) -> list[list[str]]:
    rows = [[first, ARTICLES_HEADER, OUTLETS_HEADER, STORIES_HEADER]]
    rows += [[label, str(r.articles), str(r.outlets), str(r.stories)] for _, label, r in tally.rows]
    t = tally.total
    rows.append([TOTAL_LABEL, str(t.articles), str(t.outlets), str(t.stories)])
    return rows


def _pickup_table(report: CoverageReport) -> list[list[str]]:
    rows = [["날짜", "주제", ARTICLES_HEADER, OUTLETS_HEADER, "매체 유형", "제목"]]
    for p in report.pickups:
        rows.append(
            [
                p.release.published_date,
                _topic_label(report.topic_labels, p.release.topic),
                str(p.articles),
                str(p.outlets),
                _tier_text(p.tiers) or "-",
                p.release.title,
            ]
        )
    return rows


def render_report(report: CoverageReport, fmt: str) -> str:
    """The report as a terminal table or as markdown."""
    if fmt == "md":
        return _render_md(report)
    lines = _summary_lines(report)
    head = f"보도 실적 {report.name} ({report.period.start} ~ {report.period.end})"
    out = [head, "", f"1. {lines[0]}", f"2. {lines[1]}"]
    if report.pickups:
        out.append(_indent(align_table(_pickup_table(report), numeric=(2, 3), total_row=False)))
    out += [
        f"3. {lines[2]}",
        "",
        "주제별",
        _indent(align_table(_count_table(report.by_topic, "주제"), numeric=(1, 2, 3))),
        "",
        "매체 유형별",
        _indent(align_table(_count_table(report.by_tier, "매체 유형"), numeric=(1, 2, 3))),
    ]
    return "\n".join(out) + "\n"


def _indent(text: str) -> str:
    return "\n".join("   " + line if line else line for line in text.splitlines())


def _md(text: str) -> str:
    return escape_markdown(text)


def _md_link(text: str, url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return _md(text)
    # The URL cannot close the link or the table cell early: markdown_url percent-encodes.
    return f"[{_md(text)}]({markdown_url(url)})"


def _md_table(rows: list[list[str]], numeric: tuple[int, ...]) -> str:
    head = "| " + " | ".join(rows[0]) + " |"
    rule = "|" + "|".join("---:" if i in numeric else "---" for i in range(len(rows[0]))) + "|"
    body = ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join([head, rule, *body])


def _render_md(report: CoverageReport) -> str:
    lines = _summary_lines(report)
    out = [
        f"# 보도 실적 {_md(report.name)} ({report.period.start} ~ {report.period.end})",
        "",
        f"1. {_md(lines[0])}",
        f"2. {_md(lines[1])}",
        f"3. {_md(lines[2])}",
    ]
    if report.pickups:
        plain = _pickup_table(report)
        rows = [plain[0]] + [
            [*(_md(c) for c in row[:5]), _md_link(row[5], p.release.url)]
            for row, p in zip(plain[1:], report.pickups, strict=True)
        ]
        out += ["", "## 보도자료별 보도", "", _md_table(rows, numeric=(2, 3))]
    for title, tally, first in (
        ("주제별 보도", report.by_topic, "주제"),
        ("매체 유형별 보도", report.by_tier, "매체 유형"),
    ):
        rows = [[_md(c) for c in row] for row in _count_table(tally, first)]
        out += ["", f"## {title}", "", _md_table(rows, numeric=(1, 2, 3))]
    return "\n".join(out) + "\n"


# --- xlsx ---------------------------------------------------------------------------------------


def write_report_xlsx(report: CoverageReport, config: Config, path: Path) -> None:
    """A summary sheet (one figure per row with its unit), the releases with their pick-up, and
    every counted item."""
    u = UNITS
    rows: list[tuple[object, ...]] = []
    rows.append(("보도자료 배포", TOTAL_LABEL, "total", len(report.releases), u["releases"]))
    for t in report.releases_by_topic:
        rows.append(("보도자료 배포", t.label, t.key, t.releases, u["releases"]))
    rows.append(("보도자료 배포", "보고서 문구", "", report.release_line(), ""))
    pickup_items = report.pickup_items
    rows += [
        ("보도자료 보도", "보도된 보도자료", "picked_up", report.picked_up, u["releases"]),
        ("보도자료 보도", "보도 비율", "share", report.pickup_share, "%"),
        ("보도자료 보도", "기사", "articles", len(pickup_items), u["articles"]),
        ("보도자료 보도", "매체", "outlets", len({i.outlet for i in pickup_items}), u["outlets"]),
    ]
    for section, tally in (("주제별", report.by_topic), ("매체 유형별", report.by_tier)):
        for key, label, r in (*tally.rows, ("total", TOTAL_LABEL, tally.total)):
            rows.append((f"{section} 기사", label, key, r.articles, u["articles"]))
            rows.append((f"{section} 매체", label, key, r.outlets, u["outlets"]))
            rows.append((f"{section} 사안", label, key, r.stories, u["stories"]))
    rows.append(())
    rows.append(("기간", report.name, "", f"{report.period.start} ~ {report.period.end}", ""))
    workbook = new_workbook()
    summary = add_table_sheet(workbook, "요약", ("구분", "항목", "코드", "수", "단위"), rows)
    share_row = next(n for n, r in enumerate(rows, 2) if r[2:3] == ("share",))
    summary.cell(row=share_row, column=4).number_format = "0.0%"
    add_table_sheet(
        workbook,
        "보도자료",
        (
            "날짜",
            "제목",
            "URL",
            "주제",
            ARTICLES_HEADER,
            OUTLETS_HEADER,
            "매체 유형",
            "기사 ID",
            "기간 밖 기사(건)",
        ),
        [
            (
                p.release.published_date,
                p.release.title,
                p.release.url,
                _topic_label(report.topic_labels, p.release.topic),
                p.articles,
                p.outlets,
                _tier_text(p.tiers),
                ", ".join(str(i) for i in p.article_ids),
                p.outside(report.period),
            )
            for p in report.pickups
        ],
    )
    add_items_sheet(workbook, "집계 대상 기사", report.items, config)
    workbook.save(path)
