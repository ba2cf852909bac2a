"""Extract the article from a news page: a cascade of named strategies, best first."""

from __future__ import annotations

import functools
import html as html_lib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat

from selectolax.lexbor import LexborDocumentOptions, SelectolaxError
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from nlp._dates import (
    KST,
    has_labelled_day,
    parse_bare_date,
    parse_iso,
    parse_visible_dates,
    reconcile,
)
from nlp._errors import ExtractionError, NoArticleError
from nlp._extract_guard import check_nesting
from nlp._records import Article, SiteRules
from nlp.text import normalize_text

__all__ = ["extract_article", "extract_fragment"]

# Containers of known Korean CMSs and sites, most specific first; the name goes to Article.method.
_CMS_SELECTORS: tuple[tuple[str, str], ...] = (
    ("cms:ndsoft", "#article-view-content-div"),
    ("cms:naver", "#dic_area"),
    ("cms:naver", "#newsct_article"),
    ("cms:daum", ".article_view"),
    ("cms:mk", ".news_cnt_detail_wrap"),
    ("cms:itemprop", "[itemprop=articleBody]"),
    ("cms:common", "#articleBody"),
    ("cms:common", "#article_body"),
    ("cms:common", "#articeBody"),
    ("cms:common", ".article_body"),
    ("cms:common", ".article-body"),
    ("cms:common", "#article-body"),
    ("cms:common", ".article_txt"),
    ("cms:common", "#newsEndContents"),
    ("cms:wordpress", ".entry-content"),
)
_ANY_CMS = ", ".join(selector for _, selector in _CMS_SELECTORS)
# Elements never part of the body text.
_JUNK_TAGS = (
    "script, style, noscript, iframe, form, button, nav, aside, footer, header, figure, "
    "figcaption, svg, select, input, template"
)
_JUNK_TAG_NAMES = frozenset(_JUNK_TAGS.split(", "))
_JUNK_HINT = re.compile(
    r"(^|[\s_-])(ad|ads|advert\w*|banner|related\w*|relation|recommend\w*|share\w*|sharing|sns|"
    r"social|font|"
    r"copyright|reporter|byline|caption|photo_?desc|img_?desc|end_photo\w*|comment\w*|popular|"
    r"ranking|rank|most|"
    r"subscribe|newsletter|tag|tags|keyword|sidebar|sub_?news|more_?news|promotion|sponsor|"
    r"cookies?|consent|gdpr|privacy|cta|promo|trending)([\s_-]|$)",
    re.I,
)
_CONTENT_HINT = re.compile(r"(^|[\s_-])(article|entry|story)([\s_-]|$)", re.I)
# The same tests on lowercase ASCII hints (see _hint_kind): _JUNK_HINT without re.I, the
# beginnings of all its alternatives, and _CONTENT_HINT as whole separator-delimited words.
_JUNK_HINT_LOWER = re.compile(_JUNK_HINT.pattern)
_JUNK_STARTS = (
    "ad",
    "banner",
    "relat",
    "recommend",
    "shar",
    "sns",
    "social",
    "font",
    "copyright",
    "reporter",
    "byline",
    "caption",
    "photo",
    "img",
    "end",
    "comment",
    "popular",
    "rank",
    "most",
    "subscribe",
    "newsletter",
    "tag",
    "keyword",
    "sidebar",
    "sub",
    "more",
    "promo",
    "sponsor",
    "cookie",
    "consent",
    "gdpr",
    "privacy",
    "cta",
    "trending",
)
_CONTENT_WORDS = frozenset(["article", "entry", "story"])
# Junk words that name a toolbar or a text style rather than a role: an element so named is a
# widget only while it is small (see _is_junk).
_WEAK_JUNK_WORDS = frozenset(["font", "sns", "social", "tag", "tags", "keyword"])
_WIDGET_MAX_CHARS = 200
# Inline elements whose text continues the paragraph around them.
_INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
# Same-class pieces merged at most: no story is cut finer, and each check costs time.
_MAX_PARTS = 60
_BLOCK_TAGS = "div, p, table, ul, ol, section, article, blockquote, h1, h2, h3, h4, h5, h6"
_BLOCK_TAG_SET = frozenset(_BLOCK_TAGS.split(", "))
# A <span> or <font> without child elements only ever adds to its block's text: the query
# leaves it out rather than the scorer's loop.
_SCORED_TAGS = "p, div, td, section, article, blockquote, span:has(> *), font:has(> *)"
_CONTAINER_TAGS = frozenset(["article", "body"])
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
# Characters that are neither words, spaces nor the punctuation of running text.
_NOT_PROSE_CHAR = re.compile(r"[^\w\s.,:;!?'\"“”‘’()\[\]·…~%&/-]")
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Elements whose tags start a new line of body text.
_BREAK_TAGS = (
    "br, p, div, li, ul, ol, h1, h2, h3, h4, h5, h6, tr, table, blockquote, section, article"
)
_BREAK_TAG_NAMES = frozenset(_BREAK_TAGS.split(", "))
# Hyphenated (custom) tag names, then those that begin with a line-breaking tag's name; the
# split keeps the page-wide scan to a literal "<" prefix, 3x faster than one re.I pattern.
_CUSTOM_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*-[a-zA-Z0-9-]*)")
_CUSTOM_TAG_BYTES = re.compile(_CUSTOM_TAG.pattern.encode("ascii"))
_CUSTOM_NAME = re.compile(r"[a-z][a-z0-9]*-[a-z0-9-]*")
_CUSTOM_BREAK = re.compile(r"(?:br|p|div|li|ul|ol|h[1-6]|tr|table|blockquote|section|article)-")
# Elements an HTML parser drops when they appear outside their table.
_UNPARENTED_TAGS = frozenset(
    ["td", "th", "tr", "tbody", "thead", "tfoot", "caption", "col", "colgroup"]
)
_KOREAN_ENDING = re.compile(r"(다|요|죠|까|니다|했다|됐다)[.!?\"”’']*\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?$")
_CLOSING_QUOTES = "\"”’'"
# The closing punctuation that _KOREAN_ENDING allows after the verb ending.
_ENDING_PUNCT = ".!?\"”’'"
_ENDING_SYLLABLES = ("다", "요", "죠", "까")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_COPYRIGHT = re.compile(
    r"무단\s*전재|재배포\s*금지|저작권자|ⓒ|©|\(c\)\s*\w|Copyright|All rights reserved", re.I
)
_COPYRIGHT_MARKS = (
    "무단",
    "재배포",
    "저작권자",
    "ⓒ",
    "©",
    "(c)",
    "copyright",
    "all rights reserved",
    "\u017f",  # ſ, which re.I matches to s
    "\u0131",  # dotless ı, which re.I matches to i
    "i\u0307",  # İ lowercased, which re.I matches to i
)
_COPYRIGHT_ASCII_MARKS = tuple(mark for mark in _COPYRIGHT_MARKS if mark.isascii())
_DATE_LINE = re.compile(
    r"^\s*[\[(]?\s*(기사입력|최종수정|입력|수정|승인|등록|업데이트|송고)\s*[:：]?\s*\d{4}"
    # Wire services stamp the time before the label: "2025/03/28 10:02 송고".
    r"|^\s*\d{4}[./-]\d{1,2}[./-]\d{1,2}\.?\s*\d{1,2}:\d{2}\s*(송고|입력|수정|작성)\s*$"
)
_CAPTION = re.compile(
    r"^\s*(▲|△|■\s*사진|\[?사진\s*[=:]|\(사진\s*[=:]|사진\s*제공|/\s*사진|<사진)|(사진|그래픽|영상)\s*[=:]\s*\S+\s*(제공)?\s*$"
    r"|[\[(][^\])]{0,40}(자료\s*사진|사진\s*제공|공동\s*취재|사진)[\])]\s*$"
)
# Every _CAPTION alternative contains one of these; a substring test rules out most lines
# far faster than the regex, whose end-anchored alternatives are retried at every position.
_CAPTION_MARKS = ("▲", "△", "사진", "그래픽", "영상", "공동")
_WIDGET = re.compile(
    r"(URL이?\s*복사|관심\s*있을\s*만한|기사를?\s*추천|이\s*기사를\s*공유)|^(기사\s*공유|글자\s*크기|공유하기|구독|좋아요|댓글|프린트|스크랩|URL\s*복사|가\s*가|관련\s*기사|많이\s*본\s*뉴스|인기\s*뉴스)"
)
_SUBSCRIBE = re.compile(
    r"(구독|뉴스레터|제보|앱\s*설치|카카오톡|네이버\s*채널).{0,30}(하세요|바랍니다|해\s*주세요|클릭)"
)
# Datelines/bylines that open a Korean article:
# "(서울=연합뉴스) 홍길동 기자 =", "[고양=뉴스핌] 최환금 기자 =".
_DATELINE = re.compile(
    r"^\s*[\[(【]\s*[^\]\)】=]{1,12}\s*=\s*[^\]\)】]{1,20}[\]\)】]\s*"
    r"(?:([가-힣]{2,4}(?:\s*[·,]?\s*[가-힣]{2,4})*)\s*(?:기자|특파원|객원기자|선임기자)\s*[=:|]?)?\s*"
)
# One reporter or several ("김하늘·이도현 기자", "김하늘, 이도현 기자").
_NAMES = r"[가-힣]{2,4}(?:\s*[·,]\s*[가-힣]{2,4})*"
_NAME_SPLIT = re.compile(r"\s*[·,]\s*|\s+")
_BYLINE_START = re.compile(
    rf"^\s*(?:[^|=!?\s][^|=!?]{{0,40}}?\s+)?({_NAMES})\s*(?:기자|특파원|선임기자|객원기자)\s*[=|:]\s*"
)
# Endings of Korean outlet names ("고양신문", "경기북부뉴스", "일산타임즈").
_OUTLET_SUFFIX = (
    r"(?:신문|일보|뉴스|타임즈|타임스|방송|저널|투데이|닷컴|미디어|포스트|통신|리포트|TV)"
)
# The outlet's own tag opening a story: "[고양신문] ...".
_OUTLET_TAG = re.compile(rf"^\s*[\[【]\s*[가-힣A-Za-z0-9]{{1,10}}{_OUTLET_SUFFIX}\s*[\]】]\s*")
# A site name before the headline in <title>: "고양일보 :: 기사 제목".
_TITLE_HEAD = re.compile(
    rf"^\s*([가-힣A-Za-z0-9 .]{{1,16}}{_OUTLET_SUFFIX})\s*(?:::|\||ㅣ|｜|-|–|—|>)\s*"
)
_BYLINE_LINE = re.compile(
    rf"^\s*[\[(]?\s*({_NAMES})\s*(?:기자|특파원|선임기자|논설위원|객원기자)\s*[\])]?\s*"
    # A byline often shares its line with the e-mail or the 기사입력 stamp.
    r"(?:[\w.+-]+@[\w.-]+)?\s*(?:[|/]?\s*(?:기사입력|입력|승인|등록|최종수정|수정)\s*[:：]?.*)?$"
)
# Labels before a headline or body; wire versions ("[1보]", "[종합]") are labels too.
_FLAG = re.compile(
    r"^\s*\[(기획|AD|포토|인터뷰|단독|속보|사설|칼럼|광고|르포|영상|\d보|종합\d?보?)\]\s*"
)
# Broadcast transcripts: cue markers ("[앵커]", "◀ 리포트 ▶", "<기자>"), alone or before a
# speaker label ("[인터뷰] 김영우/국립암센터 연구소장"), and bracketed speaker labels.
_CUE = re.compile(
    r"^\s*[\[◀<【〈(]\s*(앵커|리포트|기자|인터뷰|녹취|현장음|브릿지|스탠드업|앵커\s*멘트|기자\s*리포트|"
    r"VCR|CG|자막|싱크|SYNC|INT|Pause)\s*(?:[:：]\s*[^\]▶>】〉)]{0,40})?[\]▶>】〉)]\s*",
    re.I,
)
_SPEAKER = re.compile(r"^\s*\[?\s*[가-힣A-Za-z·\s]{2,20}\s*/\s*[^\]\n]{1,40}\]?\s*$")
# Report intros and sign-offs naming the reporter: "김지원 기자가 보도합니다.",
# "홍길동 기자의 보도입니다.", "MBC뉴스 정수민입니다.", "KBS 뉴스 김지원입니다."
_REPORT_INTRO = re.compile(
    r"^\s*([가-힣]{2,4})\s*(?:기자|특파원)(?:가|의)\s*(?:보도|취재|전|단독\s*보도)[가-힣]*\.?\s*$"
)
_SIGN_OFF = re.compile(
    r"^\s*(?:[A-Z]{2,5}[가-힣A-Za-z]{0,4}|[가-힣A-Za-z]{1,8}(?:뉴스|방송|TV))\s*(?:뉴스|NEWS|News)?"
    r"\s*([가-힣]{2,4})(?:\s*기자)?입니다\.?\s*$"
)
# Production credits closing a broadcast item: "영상취재: 김준형 / 영상편집: 이다은".
_CREDITS = re.compile(
    r"^\s*[(\[]?\s*(?:촬영\s*기자|영상\s*취재|영상\s*편집|촬영|그래픽|CG|VJ|취재\s*지원|화면\s*제공|"
    r"영상\s*제공|자료\s*제공|디자인)\s*[:：]?\s*[가-힣A-Za-z]{2,}"
    r"(?:[^.!?]{0,80})$"
)
# Paid-content disclosures: "※ 이 기사는 해당 업체의 광고비 지원을 받아 작성된 광고성 기사입니다."
_SPONSORED = re.compile(
    r"^\s*[※*]?\s*(?:이|본)\s*(?:기사|글|콘텐츠)는\s.{0,50}"
    r"(?:광고|협찬|후원|지원을\s*받아|유료\s*제휴)"
)
# A closing contact line of a notice or advertorial: "문의 031-900-1234".
_CONTACT = re.compile(
    r"^\s*[▶■※]?\s*(?:문의|연락처|예약\s*문의|상담|전화)\s*[:：]?\s*\(?0\d{1,3}[)\s.-]*\d{3,4}[\s.-]*\d{4}"
)
_TITLE_TAIL = re.compile(r"\s*(?:[-|ㅣ｜:–—]\s*[^-|ㅣ｜:–—]{1,30})$")
_NOT_ARTICLE_MIN_CHARS = 150
# Heading elements inside a body mark their text with this private-use character, so that
# _clean_lines can tell a subheading from a paragraph after the tree is flattened to lines.
_HEADING_MARK = "\ue000"
# Where an element breaks the line; raw newlines in the source are only wrapping.
_BREAK_MARK = "\ue001"
_SUBHEADING_TAGS = frozenset(["h2", "h3", "h4", "h5", "h6"])
_SUBHEADING_MAX_CHARS = 80
# An image box with at most this much text is a photo and its caption.
_PHOTO_BOX_MAX_CHARS = 120
# A wire flash (1보) on a page that declares itself an article: one finished sentence.
_FLASH_MIN_CHARS = 30
_FLASH_MIN_WEIGHT = 3.0
# A story shorter than a flash is still one when a trusted container holds it (see
# _find_trusted_body): one finished sentence of this many characters.
_TRUSTED_MIN_CHARS = 15
# Article URLs of the Korean CMS families and portals: ndsoft "articleView.html?idxno=",
# Naver "/article/001/0012345678", Daum "v.daum.net/v/2024...", WordPress-style "/article/slug".
_ARTICLE_URL = re.compile(
    r"articleView\.(?:html|asp|php)\?(?:[^#]*&)?idxno=\d|/(?:m?news/)?articles?/[\w-]*\d|"
    r"v\.daum\.net/v/\d",
    re.I,
)
# A paywall or login notice where the story would be: "이 기사는 유료 회원 전용 콘텐츠입니다."
_PAYWALL = re.compile(
    r"유료\s*(?:회원|구독|기사|콘텐츠|서비스)|회원\s*전용|로그인\s*(?:후|하시면|하셔야|이\s*필요)|"
    r"구독\s*(?:후|하시면|하셔야|을\s*신청|자\s*전용)|회원\s*가입\s*후"
)
_WIRE_DATELINE = re.compile(
    r"[\[(【]\s*[가-힣]{1,8}\s*=\s*[가-힣A-Za-z0-9]{2,10}\s*[\])】]\s*[가-힣]{2,4}\s*기자"
)


def _clean(text: str) -> str:
    """Normalise text and collapse runs of whitespace."""
    # str.split() splits at exactly what \s matches: this is re.sub(r"\s+", " ", ...).strip().
    return _collapse_spaces(normalize_text(text))


_META_ATTRS = ("property", "name", "itemprop")


def _iter_jsonld(tree: HTMLParser) -> Iterator[dict[str, object]]:
    """Yield every JSON-LD object on the page, unwrapping lists and @graph."""
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text() or "", strict=False)
        except (ValueError, RecursionError):  # hostile nesting overflows the decoder
            continue
        stack: list[object] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                yield item


class _Page:
    """A parsed page and what several steps read from it, each computed at most once.

    Title, strategies, dates and authors all read the meta tags and JSON-LD, and the JSON-LD
    check and the cascade both run the generic scorer; every such read used to walk or parse
    the page again.
    """

    def __init__(self, tree: HTMLParser, html: str, encoded: bytes) -> None:
        self.tree = tree
        self.html = html
        self.encoded = encoded  # html as the parser read it (UTF-8)
        self._metas: list[tuple[dict[str, str | None], str]] | None = None
        self._first_meta: dict[tuple[str, str], str] | None = None
        self._jsonld: list[dict[str, object]] | None = None
        self._generic: tuple[list[str] | None] | None = None
        self._named: list[Node] | None = None

    def metas(self) -> list[tuple[dict[str, str | None], str]]:
        """(attributes, stripped content) of every <meta>, in document order."""
        if self._metas is None:
            self._metas = []
            for node in self.tree.css("meta"):
                attrs = node.attributes
                self._metas.append((attrs, (attrs.get("content") or "").strip()))
        return self._metas

    def meta(self, *keys: str) -> str | None:
        """Return the first non-empty <meta property|name|itemprop=key> content among keys."""
        if self._first_meta is None:
            # Only the first <meta> per (attribute, value) counts, as with css_first before.
            # A <meta> has two or three attributes: reading them all costs less than looking
            # up each of _META_ATTRS.
            first: dict[tuple[str, str], str] = {}
            for attrs, content in self.metas():
                for attr, value in attrs.items():
                    if value is not None and attr in _META_ATTRS:
                        first.setdefault((attr, value), content)
            self._first_meta = first
        for key in keys:
            for attr in _META_ATTRS:
                found = self._first_meta.get((attr, key))
                if found:
                    return found
        return None

    def named(self) -> list[Node]:
        """Elements a CMS container or lead selector names, in document order.

        One query serves both, and every cascade run: each selector still takes only the
        elements that match it exactly (_matches_simple), so the others change nothing.
        """
        if self._named is None:
            # An element two selectors match is listed twice (itemprop=articleBody and a CMS
            # class on the same div): once is enough, and spares measuring its text twice.
            found = self.tree.css(_ANY_NAMED)
            self._named = list({node.mem_id: node for node in found}.values())
        return self._named

    def jsonld(self) -> list[dict[str, object]]:
        """Every JSON-LD object on the page (see _iter_jsonld)."""
        if self._jsonld is None:
            self._jsonld = list(_iter_jsonld(self.tree))
        return self._jsonld

    def generic(self) -> list[str] | None:
        """The generic scorer's body, computed on first use."""
        if self._generic is None:
            self._generic = (_strategy_generic(self.tree),)
        return self._generic[0]


def _is_news(item: dict[str, object]) -> bool:
    """Tell whether a JSON-LD object is an article type."""
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any((isinstance(k, str) and k.endswith("Article")) or k == "Report" for k in kinds)


def _strip_title_tail(title: str, outlet: str | None) -> str:
    """Remove a site name after (' - 매체명', ' | 매체명') or before ('고양일보 :: ') a headline."""
    title = _clean(title)
    if outlet and outlet in title[-len(outlet) - 3 :] and len(title) > len(outlet) + 5:
        title = title[: title.rfind(outlet)].rstrip(" -|ㅣ｜:–—")
        # Outlets often put the section before their name ("-정치ㅣ한국일보").
        title = re.sub(r"\s*[-|ㅣ｜:–—]\s*[^\s|ㅣ｜:–—-]{1,6}$", "", title)
    head = _TITLE_HEAD.match(title)
    if outlet and head is None and title.startswith(outlet):
        # A known site name before the headline: "뉴스핌 | 제목", "Example Daily - Headline".
        head = re.compile(r"\s*(?:::|\||ㅣ|｜|-|–|—|>|:)\s*").match(title, len(outlet))
    if head is not None and len(title) - head.end() >= 10:
        title = title[head.end() :]
    match = _TITLE_TAIL.search(title)
    if (
        match
        and len(title) - len(match.group(0)) >= 10
        and (
            outlet is None
            or "일보" in match.group(0)
            or "뉴스" in match.group(0)
            or "신문" in match.group(0)
        )
    ):
        title = title[: match.start()]
    return title.strip()


def _raw_hint(node: Node) -> str:
    """Class and id of a node, unsplit: the key of the hint caches."""
    # node.attrs.get raises and catches a KeyError inside for every element without a class,
    # most of a page's; the dict of all attributes costs less on those and as much on others.
    attributes = node.attributes
    return f"{attributes.get('class') or ''} {attributes.get('id') or ''}"


@functools.lru_cache(maxsize=4096)
def _hint_kind(raw: str) -> int:
    """2 when a class/id string names junk, 1 when it names content, else 0."""
    # Pages repeat the same few class names on hundreds of elements, and every step asks again.
    hint = raw if raw.islower() else _CAMEL_BOUNDARY.sub(" ", raw)
    if not hint.isascii():
        if _JUNK_HINT.search(hint):
            strength = _junk_strength(_JUNK_HINT.finditer(hint))
            # "article-body font-size17": the content word names the role, "font" a style.
            return 1 if strength == 3 and _CONTENT_HINT.search(hint) else strength
        return 1 if _CONTENT_HINT.search(hint) else 0
    # ASCII only: lowercasing equals re.I. Both hint patterns match only at a word start (the
    # string's, or after a separator), so the words' first letters rule out most strings
    # before the slow case-insensitive alternation runs.
    low = hint.lower()
    # The words between separators ([\s_-]); empty ones start with nothing and name nothing.
    words = low.replace("_", " ").replace("-", " ").split()
    if any(map(str.startswith, words, repeat(_JUNK_STARTS))):
        # One scan both tells and weighs (search, then finditer, scanned twice).
        matches = list(_JUNK_HINT_LOWER.finditer(low))
        if matches:
            strength = _junk_strength(matches)
            # "article-veiw-body font-size17": the content word names the role, "font" a style.
            if strength != 3 or _CONTENT_WORDS.isdisjoint(words):
                return strength
    return 0 if _CONTENT_WORDS.isdisjoint(words) else 1


def _junk_strength(matches: Iterable[re.Match[str]]) -> int:
    """2 when a junk hint names a role (ads, comments ...), 3 when only a toolbar or style."""
    weak = all(match.group(2).lower() in _WEAK_JUNK_WORDS for match in matches)
    return 3 if weak else 2


def _listed_hint(node: Node) -> str:
    """_raw_hint of an element that has a class or an id (one a "[class], [id]" query found)."""
    # Without an id it mostly has a class, which is then read alone (a third of the time the
    # dict of all attributes takes); reading a missing one raises, as when a bare "id" with
    # no value reads as no id; those and the elements with an id take _raw_hint.
    if node.id is None:
        try:
            return f"{node.attrs['class'] or ''} "
        except KeyError:
            pass
    return _raw_hint(node)


def _is_junk(node: Node, raw: str | None = None) -> bool:
    """Tell whether a node's class or id names junk (ads, related news, sharing, comments ...).

    raw: the node's _raw_hint, when the caller has it.
    """
    kind = _hint_kind(_raw_hint(node) if raw is None else raw)
    if kind == 3:
        # "font-size17" or "share-area" on the story's own container styles it; only a small
        # element so named is the widget itself.
        return len(node.text(strip=True)) < _WIDGET_MAX_CHARS
    return kind == 2


def _break_selector(html: str | bytes) -> str:
    """CSS selector of the elements whose tags start a new line, read off a page's source.

    _node_lines reads the same custom elements off the tree instead (_break_elements).
    """
    # Custom elements ("<article-body>") count too: the serialised-HTML rule that this replaces
    # matched the tag name's prefix. A page's UTF-8 bytes scan faster than its text.
    names = (
        [name.decode("ascii") for name in _CUSTOM_TAG_BYTES.findall(html)]
        if isinstance(html, bytes)
        else _CUSTOM_TAG.findall(html)
    )
    custom = sorted({name for name in map(str.lower, names) if _CUSTOM_BREAK.match(name)})
    return ", ".join([_BREAK_TAGS, *custom]) if custom else _BREAK_TAGS


def _break_elements(root: Node) -> list[tuple[Node, str]]:
    """(element, tag) of root and the elements below it whose tags start a new line in
    _node_lines, in document order: those _break_selector names."""
    # Custom elements ("<article-body>") count too, as in _break_selector: a name there is
    # the source's tag name up to its first character outside [a-zA-Z0-9-], and lexbor
    # names an element by its whole tag name, lowercased; so the element names matching
    # the whole pattern are the names both find. The few elements of a node are read far
    # faster than the page's source is scanned, and picked from all of them faster than a
    # query of the seventeen tags (lexbor walks the tree once for each).
    return [
        (element, tag)
        for element in root.css("*")
        if (tag := element.tag or "") in _BREAK_TAG_NAMES
        or ("-" in tag and _CUSTOM_NAME.fullmatch(tag) and _CUSTOM_BREAK.match(tag))
    ]


def _photo_boxes(root: Node) -> list[Node]:
    """Outermost small tables/divs below root holding an image and a short caption only."""
    # Legacy layouts set a photo as a table of the image and its caption; modern ones use
    # <figure>, which is junk anyway. All are chosen before any is removed (decompose frees).
    found: dict[int, Node] = {}
    checked: set[int] = set()  # images often share a box: the story's own container
    for image in root.css("img"):
        box = image.parent
        for _ in range(4):
            if box is None or box.mem_id == root.mem_id:
                break
            if box.tag in ("table", "div", "dl"):
                if box.mem_id not in checked and _is_photo_box(box):
                    found[box.mem_id] = box
                checked.add(box.mem_id)
                break
            box = box.parent
    return [box for box in found.values() if not set(_lineage(box)[1:]) & found.keys()]


def _is_photo_box(box: Node) -> bool:
    """Tell whether a box holds a short caption and no paragraph, line break or table."""
    # The unstripped text is read in C at a time; most boxes are settled by it alone.
    raw = box.text()
    if not raw.strip():
        return False
    if any(n.mem_id != box.mem_id for n in box.css("p, br, table")):
        return False
    return len(raw) < _PHOTO_BOX_MAX_CHARS or len(box.text(strip=True)) < _PHOTO_BOX_MAX_CHARS


def _node_lines(node: Node) -> list[str]:
    """Return the node's text as lines, one per block element, with junk subtrees removed."""
    # A detached copy is cleaned, so the page's tree stays whole for later steps; cloning is
    # several times faster than re-parsing the node's HTML as this did before, and line breaks
    # are inserted as text nodes instead of a regex pass over re-serialised HTML and a 2nd parse.
    copy = node.clone()
    root_id = copy.mem_id
    # A table part is dropped by a parser when it stands alone, as it did in the HTML re-parse
    # this replaces, so its own class never counted.
    root_checked = copy.tag not in _UNPARENTED_TAGS
    # All elements, picked in Python: lexbor would walk the tree once for each junk tag.
    for junk in [element for element in copy.css("*") if element.tag in _JUNK_TAG_NAMES]:
        if junk.mem_id == root_id:
            return []
        junk.decompose()
    for element in copy.css("[class], [id]"):
        if element.parent is None and element.mem_id != root_id:
            # Inside a box removed before: decomposing takes every node below apart.
            continue
        if _is_junk(element, _listed_hint(element)) and element.tag not in ("html", "body"):
            if element.mem_id == root_id:
                if root_checked:
                    return []
                continue
            element.decompose()
    for box in _photo_boxes(copy):
        box.decompose()
    if copy.tag in _CONTAINER_TAGS:
        # Text typed straight into <article> or <body> parts its paragraphs by blank lines.
        for child in list(copy.iter(include_text=True)):
            text = (child.text_content or "") if child.tag == "-text" else ""
            if _BLANK_LINE.search(text):
                child.replace_with(_BLANK_LINE.sub(_BREAK_MARK, text))
    blocks = copy.css("p, li")
    linked = _linked_chars_of(copy, blocks)
    for block in blocks if linked else ():
        # A paragraph that is all links is an in-body "read more" teaser, not prose. One
        # without a link is never one (most are); a block inside one removed before reads
        # as empty, as it did when each block was measured as it came.
        links = linked.get(block.mem_id, 0)
        text_len = len(block.text(strip=True)) if links else 0
        if 0 < text_len < 200 and links / text_len > 0.8:
            if block.mem_id == root_id:
                return []
            block.decompose()
    for element, tag in _break_elements(copy):
        if element.mem_id == root_id:
            continue
        if tag in _SUBHEADING_TAGS:
            element.insert_child(_HEADING_MARK)
        element.insert_before(_BREAK_MARK)
        # <br> is void: one break; a block breaks where it opens and where it closes.
        if not tag.startswith("br"):
            element.insert_after(_BREAK_MARK)
    text = copy.text(separator="")
    # Normalise once for the whole node; most raw lines are blank layout whitespace.
    text = normalize_text(text)
    # Source newlines inside a paragraph are wrapping, not breaks (str.split folds them). Most
    # pieces between marks are blank (two blocks meet); they are dropped before any work.
    return [line for raw in text.split(_BREAK_MARK) if (line := _collapse_spaces(raw))]


def _collapse_spaces(text: str) -> str:
    """Runs of whitespace made one space, none at either end: " ".join(text.split())."""
    # Splitting makes a string of every word; most lines need only their ends stripped.
    # A printable line has no whitespace but the plain space (the others are control,
    # separator or, after normalize_text, none), so without a double one it is done.
    stripped = text.strip()
    if stripped.isprintable() and "  " not in stripped:
        return stripped
    return " ".join(stripped.split())


def _has_korean_ending(text: str) -> bool:
    """_KOREAN_ENDING.search(text), computed from the end of the text only."""
    # The unanchored search tries every position of a long paragraph; the pattern only ever
    # matches a final verb syllable, closing punctuation, then trailing whitespace.
    return text.rstrip().rstrip(_ENDING_PUNCT).endswith(_ENDING_SYLLABLES)


def _is_copyright(line: str) -> bool:
    """_COPYRIGHT.search(line), ruled out first by substring tests on the lowercased line."""
    # The case-insensitive alternation is tried at every position of every short line; each
    # alternative holds one of these strings once lowercased. re.I also lets "ſ" match "s"
    # and "ı"/"İ" match "i", which lower() does not map, so lines with those take the regex.
    low = line.lower()
    # An ASCII line can hold only the ASCII marks (map runs the tests in C).
    marks = _COPYRIGHT_ASCII_MARKS if line.isascii() else _COPYRIGHT_MARKS
    if not any(map(low.__contains__, marks)):
        return False
    return _COPYRIGHT.search(line) is not None


def _is_caption(line: str) -> bool:
    """Tell whether a line is a photo caption or credit."""
    # Every mark is Hangul or a symbol: an ASCII line holds none.
    return (
        not line.isascii()
        and any(map(line.__contains__, _CAPTION_MARKS))
        and _CAPTION.search(line) is not None
    )


@dataclass(frozen=True)
class _Body:
    """Body lines sorted out: paragraphs and what is metadata rather than body."""

    paragraphs: list[str]
    authors: list[str]
    flags: list[str]
    translation: str | None
    subheadings: list[str]


def _clean_lines(lines: list[str]) -> _Body:
    """Drop boilerplate lines; sort out bylines, labels, subheadings and a translation."""
    authors: list[str] = []
    flags: list[str] = []
    kept: list[str] = []
    headings: set[int] = set()  # positions in kept of lines set as headings
    opening = True
    for index, line in enumerate(lines):
        heading = _HEADING_MARK in line
        if heading:
            line = line.replace(_HEADING_MARK, "").strip()
        # Most patterns below need a Hangul syllable; lines without one (English pages, and
        # what cutting a dateline leaves of a line only loses some) skip them.
        hangul = _has_hangul(line)
        if _drop_broadcast_line(line, authors, hangul):
            continue
        # A label opens the article ("[기획] ..."); further down "[인터뷰]" is a speaker cue.
        while not kept and (flag := _FLAG.match(line)) is not None:
            flags.append(flag.group(1))
            line = line[flag.end() :]
        if opening:
            dateline = _DATELINE.match(line) or _OUTLET_TAG.match(line)
            if dateline is not None:
                if dateline.lastindex and dateline.group(1):
                    authors.extend(_NAME_SPLIT.split(dateline.group(1)))
                line = line[dateline.end() :]
            byline = _BYLINE_START.match(line) if hangul else None
            if byline is not None:
                authors.extend(_NAME_SPLIT.split(byline.group(1)))
                line = line[byline.end() :]
            # Datelines open the first paragraph, which may follow a deck of short lines.
            opening = index < 10 and not (len(line) >= 60 or _has_korean_ending(line))
        byline_only = _BYLINE_LINE.match(line) if hangul else None
        if byline_only is not None:
            authors.extend(_NAME_SPLIT.split(byline_only.group(1)))
            continue
        if hangul and len(line) < 120 and _SPONSORED.match(line):
            # The disclosure is metadata: the article is paid coverage.
            flags.append("AD")
            continue
        if hangul and len(line) < 60 and _CONTACT.match(line):
            continue
        # Length limits go first: the searches are unanchored and cost most on long prose lines.
        if not line or (len(line) < 200 and _is_copyright(line)):
            continue
        if (
            (len(line) < 80 and "@" in line and _EMAIL.search(line))
            or (hangul and _DATE_LINE.match(line))
            or _is_caption(line)
        ):
            continue
        # Widget labels are short; prose that merely mentions one is kept.
        if hangul and (
            (len(line) < 60 and _WIDGET.search(line))
            or (len(line) < 120 and _SUBSCRIBE.search(line))
        ):
            continue
        if heading:
            headings.add(len(kept))
        kept.append(line)
    kept, subheadings = _split_subheadings(kept, headings)
    paragraphs, translation = _split_translation(kept)
    return _Body(
        paragraphs,
        list(dict.fromkeys(authors)),
        list(dict.fromkeys(flags)),
        translation,
        subheadings,
    )


def _is_prose(line: str) -> bool:
    """Tell whether a line reads as a paragraph: long, or a finished sentence."""
    return len(line) >= 60 or _has_korean_ending(line) or line.endswith((".", "?", "!"))


def _split_subheadings(kept: list[str], headings: set[int]) -> tuple[list[str], list[str]]:
    """Move mid-body subheadings (소제목) out of the paragraphs.

    A subheading is a heading element after the first paragraph, or, in Korean text, a short
    unfinished line standing between two paragraphs (a styled <div> or <b> line).
    """
    body: list[str] = []
    subheadings: list[str] = []
    seen_prose = False
    for index, line in enumerate(kept):
        following = kept[index + 1] if index + 1 < len(kept) else ""
        # Korean outlets set subheadings apart from the text (and so does the Korean gold);
        # elsewhere a heading is read as part of the body.
        is_heading = (
            seen_prose
            and following
            and len(line) <= _SUBHEADING_MAX_CHARS
            and _HANGUL.search(line) is not None
            and (
                index in headings
                or (not _is_prose(line) and _is_prose(kept[index - 1]) and _is_prose(following))
            )
        )
        if is_heading:
            subheadings.append(line)
            continue
        seen_prose = seen_prose or _is_prose(line)
        body.append(line)
    return body, subheadings


def _drop_broadcast_line(line: str, authors: list[str], hangul: bool = True) -> bool:
    """Tell whether a line is a broadcast cue, speaker label, sign-off or credit (noting names).

    hangul: False when the line holds no Hangul syllable, which intros and sign-offs need.
    """
    if len(line) > 120:
        return False
    cue = _CUE.match(line)
    if cue is not None:
        rest = line[cue.end() :]
        # The cue may share its line with the speaker it introduces, never with a sentence.
        return len(rest) < 40 and not _has_korean_ending(rest)
    if "/" in line and _SPEAKER.match(line) is not None and not _has_korean_ending(line):
        return True
    for pattern in (_REPORT_INTRO, _SIGN_OFF) if hangul else ():
        match = pattern.match(line)
        if match is not None:
            authors.append(match.group(1))
            return True
    return _CREDITS.match(line) is not None


# Below this length the regex scan costs less than encoding the text (see _has_hangul).
_BYTE_SCAN_MIN_CHARS = 200


def _has_hangul(text: str) -> bool:
    """_HANGUL.search(text) is not None, mostly decided by a byte search in its UTF-8."""
    if text.isascii():
        return False
    if len(text) < _BYTE_SCAN_MIN_CHARS:
        return _HANGUL.search(text) is not None
    # Every syllable from U+B000 to U+CFFF starts with byte EB or EC in UTF-8, the others
    # with EA or ED: on a long paragraph with a curly quote or two, encoding it and finding
    # a byte (memchr) is several times faster than the regex scan (surrogates, which EA-ED
    # also start, are written as they are).
    data = text.encode("utf-8", "surrogatepass")
    if data.find(b"\xeb") >= 0 or data.find(b"\xec") >= 0:
        return True
    if data.find(b"\xea") < 0 and data.find(b"\xed") < 0:
        return False
    return _HANGUL.search(text) is not None


def _is_korean(text: str) -> bool:
    """Tell whether more than a fifth of text is Hangul syllables."""
    if not _has_hangul(text):
        return False
    # Summing the lengths of runs allocates a string per word, not one per syllable.
    return sum(map(len, _HANGUL_RUN.findall(text))) > len(text) * 0.2


def _split_translation(kept: list[str]) -> tuple[list[str], str | None]:
    """Move a trailing run of English paragraphs after Korean ones into the translation."""
    # Read from the end: only the trailing run and the Korean paragraph before it matter.
    cut = len(kept)
    while cut > 0 and not _is_korean(kept[cut - 1]):
        cut -= 1
    translation: str | None = None
    tail = kept[cut:]
    if (
        cut > 0
        and tail
        and sum(len(p) for p in tail) > 150
        and sum(len(p) for p in kept[:cut]) > 100
    ):
        translation = "\n\n".join(tail)
        kept = kept[:cut]
    return kept, translation


def _split_deck(paragraphs: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Split off the sub-headline block: short unfinished lines before the first paragraph."""
    count = 0
    for paragraph in paragraphs:
        if len(paragraph) >= 60 or _has_korean_ending(paragraph) or paragraph.endswith("."):
            break
        count += 1
    # Only a block followed by real prose is a deck; otherwise the page is all short lines.
    if count == 0 or count == len(paragraphs) or count > 8:
        return (), paragraphs
    return tuple(paragraphs[:count]), paragraphs[count:]


def _text_paragraphs(text: str) -> list[str]:
    """Split a plain-text article body into paragraphs."""
    # Some CMSs put the body into JSON-LD entity-escaped, even twice ("&amp;quot;", "&lt;p&gt;").
    for _ in range(2):
        if not _ENTITY.search(text):
            break
        text = html_lib.unescape(text)
    if "<" in text and re.search(r"<\s*(p|br|div)\b", text, re.I):
        fragment = HTMLParser(text)
        root = fragment.body or fragment.root
        if root is not None:
            return _node_lines(root)
    return [line for line in (_clean(raw) for raw in re.split(r"\n+", text)) if line]


def _strategy_jsonld(page: _Page) -> list[str] | None:
    """Body from a complete JSON-LD NewsArticle.articleBody."""
    for item in page.jsonld():
        body = item.get("articleBody")
        if _is_news(item) and isinstance(body, str) and len(body.strip()) >= 200:
            lines = _text_paragraphs(body)
            # A body squeezed into one line is kept, but a truncated teaser (ends with …) is not.
            if not body.rstrip().endswith(("…", "...")):
                return lines
    return None


def _check_jsonld_complete(lines: list[str] | None, page: _Page) -> list[str] | None:
    """Reject a JSON-LD body that is a teaser: much shorter than the page's densest prose."""
    if lines is None:
        return None
    dom = page.generic()
    if dom is not None and sum(map(len, dom)) > 2 * sum(map(len, lines)):
        return None
    return lines


_SIMPLE_PART = re.compile(r"([#.]?)([\w-]+)|\[([\w-]+)=[\"']?([^\"'\]]+)[\"']?\]")


@functools.lru_cache(maxsize=256)
def _parse_simple(selector: str) -> tuple[tuple[str, str, str], ...]:
    """(kind, name, value) parts of a compound selector such as h2.summary or [itemprop=x]."""
    parts = []
    for match in _SIMPLE_PART.finditer(selector):
        if match.group(3):
            parts.append(("attr", match.group(3), match.group(4)))
        else:
            parts.append(({"#": "id", ".": "class"}.get(match.group(1), "tag"), match.group(2), ""))
    return tuple(parts)


def _matches_simple(node: Node, selector: str) -> bool:
    """Tell whether the node itself matches a compound selector (css_matches also says yes
    when only a descendant does)."""
    for kind, name, value in _parse_simple(selector):
        if kind == "tag":
            ok = node.tag == name
        elif kind == "id":
            ok = node.id == name
        elif kind == "class":
            ok = name in (node.attrs.get("class") or "").split()
        else:
            ok = node.attrs.get(name) == value
        if not ok:
            return False
    return True


def _best_container(candidates: list[Node], selector: str) -> Node | None:
    """Return the candidate matching selector with the most text."""
    # A site may put the id on <body> itself; that names the page, not the article.
    nodes = [
        node
        for node in candidates
        if node.tag not in ("html", "body") and _matches_simple(node, selector)
    ]
    if len(nodes) < 2:
        return nodes[0] if nodes else None
    return max(nodes, key=lambda n: len(n.text(strip=True)))


def _linked_chars_of(root: Node, blocks: list[Node]) -> dict[int, int]:
    """Characters inside links (what _link_density counts) of each of blocks that has any.

    blocks: elements at or below root; one query finds the links, and each adds its text to
    the blocks above it, instead of walking every block for links it mostly does not hold.
    """
    wanted = {block.mem_id for block in blocks}
    linked: dict[int, int] = {}
    root_id = root.mem_id
    for link in root.css("a") if wanted else ():
        chars = len(link.text(strip=True))
        current: Node | None = link
        while current is not None:
            key = current.mem_id
            if key in wanted:
                linked[key] = linked.get(key, 0) + chars
            if key == root_id:
                break
            current = current.parent
    return linked


def _link_density(node: Node) -> float:
    """Share of a node's text that sits inside links."""
    total = len(node.text(strip=True)) or 1
    linked = sum(len(a.text(strip=True)) for a in node.css("a"))
    return linked / total


def _hint_factor(node: Node) -> float:
    """Down-weight comment, sidebar and related-news containers named so in class or id."""
    own = _hint_kind(_raw_hint(node))
    if own == 3:
        own = 2 if _is_junk(node) else 0
    if own == 2:
        return 0.2
    # A node naming itself the content outranks a layout wrapper's hint ("l-sidebar-fixed").
    if own == 1:
        return 1.0
    current = node.parent
    for _ in range(2):
        if current is None:
            break
        if _is_junk(current):
            return 0.2
        current = current.parent
    return 1.0


def _add_score(
    scores: dict[int, float], nodes: dict[int, Node], target: Node | None, score: float
) -> None:
    """Credit a paragraph's score to its container and half of it to the grandparent."""
    for weight in (1.0, 0.5):
        if target is None or target.tag in ("html", "body"):
            return
        key = target.mem_id
        nodes[key] = target
        scores[key] = scores.get(key, 0.0) + score * weight
        target = target.parent


def _inline_holds_block(child: Node) -> bool:
    """Tell whether an inline element has a block element (_BLOCK_TAGS) below it."""
    # A CSS query costs ~11 us even on a tiny element (selectolax parses the selector on every
    # call), and querying each inline element was half of the generic scorer's time. Most hold
    # one text node; small ones are walked in Python; only big ones still get the query.
    first = child.first_child
    if first is None or (first.tag == "-text" and first.next is None):
        return False
    for seen, node in enumerate(child.traverse(include_text=False)):
        if seen >= 16:
            return child.css_first(_BLOCK_TAGS) is not None
        if node.tag in _BLOCK_TAG_SET:
            return True
    return False


_SKIPPED_CHILDREN = frozenset(["-comment", "script", "style", "noscript", "template"])


def _has_child_block(block: Node) -> bool:
    """The has_block flag of _text_runs, without collecting the text."""
    for child in block.iter(include_text=False):
        tag = child.tag
        if tag in _INLINE_TAGS and not _inline_holds_block(child):
            continue
        if tag not in ("-comment", "script", "style", "noscript", "template", "br"):
            return True
    return False


def _text_runs(block: Node, tag: str | None = None) -> tuple[list[str], bool]:
    """A block's own text runs (split at <br> and child blocks) and whether it has child blocks.

    tag: the block's tag, when the caller has it.
    """
    runs: list[str] = []
    current: list[str] = []
    has_block = False
    container = (block.tag if tag is None else tag) in _CONTAINER_TAGS
    # Layout whitespace between elements is most of a block's text nodes and never part of a
    # run (runs are whitespace-collapsed), so the parser skips it.
    for child in block.iter(include_text=True, skip_empty=True):
        tag = child.tag
        if tag == "-text":
            text = child.text_content or ""
            if container and _BLANK_LINE.search(text):
                # Text typed straight into <article> or <body>: blank lines part paragraphs.
                first, *rest = _BLANK_LINE.split(text)
                current.append(first)
                for piece in rest:
                    runs.append(" ".join(current))
                    current = [piece]
                continue
            current.append(text)
        elif tag in _INLINE_TAGS and not _inline_holds_block(child):
            current.append(child.text() or "")
        elif tag in _SKIPPED_CHILDREN:
            continue
        else:
            if tag != "br":
                has_block = True
            if current:
                runs.append(" ".join(current))
                current = []
    if current:
        runs.append(" ".join(current))
    if not runs:
        # Most blocks are wrappers with no text of their own.
        return runs, has_block
    if len(runs) == 1:
        # The next most common: one paragraph.
        run = _collapse_spaces(runs[0])
        return ([run] if run else []), has_block
    return [run for run in map(_collapse_spaces, runs) if run], has_block


def _reads_as_text(text: str) -> bool:
    """Tell whether text is mostly words and punctuation rather than symbols or binary noise."""
    return len(_NOT_PROSE_CHAR.findall(text)) <= 0.1 * len(text)


def _ends_sentence(text: str) -> bool:
    """_SENTENCE_END.search(text), read off the text's last two characters."""
    # The unanchored search tries every position of a long paragraph; "$" also matches
    # before a final newline, which runs never end with (the regex decides then).
    if not text or text.endswith("\n"):
        return _SENTENCE_END.search(text) is not None
    if text[-1] in _CLOSING_QUOTES:
        text = text[:-1]
    return text.endswith((".", "!", "?"))


def _paragraph_score(text: str) -> float:
    """Prose weight of one paragraph: length, commas, and a finished sentence."""
    score = 1 + min(len(text) / 100, 3) + min(text.count(","), 10) * 0.3
    if _has_korean_ending(text) or _ends_sentence(text):
        score += 2
    return score


def _strategy_generic(tree: HTMLParser, min_total: float = 10.0) -> list[str] | None:
    """Body from the DOM node with the densest prose (paragraph count, endings, few links).

    min_total is the prose weight the best container needs; a page that declares itself an
    article is searched again with a lower one, so a two-sentence wire flash is found.
    """
    scores: dict[int, float] = {}
    nodes: dict[int, Node] = {}
    credits: list[tuple[Node, float, int]] = []
    order: dict[int, int] = {}
    blocks = tree.css(_SCORED_TAGS)
    if tree.body is not None:
        # Text typed straight into <body> (old or hand-made pages) is scored as the body's own.
        blocks.insert(0, tree.body)
    for block in blocks:
        tag = block.tag
        # Most <span>s hold only inline text, which their enclosing block already counts.
        if tag in _INLINE_TAGS and not _has_child_block(block):
            continue
        runs, has_block = _text_runs(block, tag)
        if tag in _INLINE_TAGS and not has_block:
            # Its text already counts in the enclosing block's runs.
            continue
        if not runs:
            continue
        # A leaf block holding one run is a paragraph (a <p>, or a <div> used as one): it
        # credits its container. Old Korean CMSs put the whole body as <br>-separated text
        # runs in one div or td, which then is the container itself.
        # <article> and <body> are containers even when they hold one bare run of text.
        target = (
            block.parent
            if tag == "p" or (not has_block and len(runs) == 1 and tag not in _CONTAINER_TAGS)
            else block
        )
        ranked: tuple[Node, ...] = ()  # target and its parent, once a run credits them
        for text in runs:
            if len(text) < 25:
                continue
            score = _paragraph_score(text)
            if tag == "body":
                # Only the body's own runs credit it; its descendants' paragraphs never do, or
                # it would outscore every container on the page. Loose text there is often
                # not prose at all (a binary file served as HTML).
                if not _reads_as_text(text):
                    continue
                scores[block.mem_id] = scores.get(block.mem_id, 0.0) + score
                nodes[block.mem_id] = block
            else:
                _add_score(scores, nodes, target, score)
            if target is not None:
                credits.append((target, score, len(text)))
                if not ranked:
                    # Document position of the first paragraph, for the container and its
                    # parent.
                    parent = target.parent
                    ranked = (target,) if parent is None else (target, parent)
                    for node in ranked:
                        order.setdefault(node.mem_id, len(order))
    if not scores:
        return None
    # Link density is costly on big nodes, so only the best raw scores are re-weighted by it.
    shortlist = sorted(scores, key=scores.__getitem__, reverse=True)[:8]
    best, best_weight = _best_weighted(shortlist, scores, nodes)
    parts = _split_parts(nodes, scores, order, best, best_weight)
    # Two real paragraphs make an article, even when each sits in its own card; so does one
    # long one (short notices, blog posts).
    part_ids = set(parts)
    # Many credits share a target, and targets share ancestors: each is looked at once.
    in_parts: dict[int, bool] = {}
    inside = []
    for target, score, length in credits:
        if _within(target, part_ids, in_parts):
            inside.append((score, length))
    total = sum(score for score, _ in inside)
    longest = max((length for _, length in inside), default=0)
    if total < min_total and not (longest >= 400 and best_weight >= 6):
        return None
    # A section front: one list of cards, or many same-class cards each under a linked title.
    if any(_is_teaser_list(nodes[key]) for key in parts) or (
        len(parts) >= 4 and sum(_has_title_link(nodes[key]) for key in parts) >= 0.6 * len(parts)
    ):
        return None
    return [line for key in parts for line in _node_lines(nodes[key])]


def _best_weighted(
    shortlist: list[int], scores: dict[int, float], nodes: dict[int, Node]
) -> tuple[int, float]:
    """(key, weight) of the shortlisted node whose score, weighted by its link density and
    hints, is highest; the first such node among equals, as max() picks."""
    best, best_weight = shortlist[0], 0.0
    for rank, key in enumerate(shortlist):
        # Weighting only ever lowers a score, and the shortlist runs from the highest raw
        # score down: once the best weight reaches a raw score, no later node can pass it.
        if rank and best_weight >= scores[key]:
            break
        weight = scores[key] * (1 - _link_density(nodes[key])) * _hint_factor(nodes[key])
        if not rank or weight > best_weight:
            best, best_weight = key, weight
    return best, best_weight


def _has_title_link(card: Node) -> bool:
    """Tell whether a block holds a link that fills its own line (a teaser's headline)."""
    for link in card.css("a"):
        parent = link.parent
        text = link.text(strip=True)
        if not text or parent is None:
            continue
        if parent.text(strip=True) == text:
            return True
        # A link among blocks with no loose text around it also stands on its own line.
        if parent.mem_id == card.mem_id and not any(
            child.tag == "-text" and (child.text_content or "").strip()
            for child in card.iter(include_text=True)
        ):
            return True
    return False


def _is_teaser_list(container: Node) -> bool:
    """Tell whether a container is a section front's list: repeated cards with linked titles."""
    children = [
        (child, tag)
        for child in container.iter()
        if (tag := child.tag or "") not in ("script", "style", "br", "hr", "-comment")
    ]
    candidates = [
        (child, tag) for child, tag in children if tag in ("div", "li", "article", "section")
    ]
    # Cards are among the candidates: too few of them settle it before any link is read.
    if len(candidates) < 4 or len(candidates) < 0.6 * len(children):
        return False
    cards: dict[tuple[str, str], int] = {}
    for child, tag in candidates:
        if _has_title_link(child):
            key = (tag, child.attributes.get("class") or "")
            cards[key] = cards.get(key, 0) + 1
    most = max(cards.values(), default=0)
    return most >= 4 and most >= 0.6 * len(children)


def _within(node: Node, ids: set[int], memo: dict[int, bool]) -> bool:
    """Tell whether node or one of its ancestors has a mem_id in ids, noting the answer in
    memo for every node walked."""
    walked: list[int] = []
    found = False
    current: Node | None = node
    while current is not None:
        key = current.mem_id
        if key in memo:
            found = memo[key]
            break
        walked.append(key)
        if key in ids:
            found = True
            break
        current = current.parent
    for key in walked:
        memo[key] = found
    return found


def _lineage(node: Node) -> list[int]:
    """mem_ids of the node and all its ancestors."""
    ids: list[int] = []
    current: Node | None = node
    while current is not None:
        ids.append(current.mem_id)
        current = current.parent
    return ids


def _in_page_chrome(node: Node) -> bool:
    """Tell whether node sits in the page's footer, header, navigation, aside or a form."""
    current = node.parent
    while current is not None:
        if current.tag in ("footer", "header", "nav", "aside", "form"):
            return True
        current = current.parent
    return False


def _split_parts(
    nodes: dict[int, Node],
    scores: dict[int, float],
    order: dict[int, int],
    best: int,
    best_weight: float,
) -> list[int]:
    """The best node plus the other pieces of a body split across same-class containers."""
    node = nodes[best]
    klass = (node.attributes.get("class") or "").strip()
    if not klass:
        return [best]
    parts = [best]
    # Ids of the kept parts and of their ancestors, so nesting checks stay linear on big pages.
    kept = {best}
    around = set(_lineage(node))
    for key, other in nodes.items():
        # Templates cut long stories into sections (around ads, pull quotes) that share the
        # body's tag and class; teasers sharing it are dropped by score and link density.
        if (
            len(parts) >= _MAX_PARTS
            or key in around
            or other.tag != node.tag
            or (other.attributes.get("class") or "").strip() != klass
            or scores[key] < 0.1 * best_weight
        ):
            continue
        lineage = _lineage(other)
        if kept.intersection(lineage):
            continue
        # A piece inside a comment or sidebar box is a reader post reusing the class, not a part.
        if (
            _hint_factor(other) == 1.0
            and not _in_page_chrome(other)
            and scores[key] * (1 - _link_density(other)) >= 0.1 * best_weight
        ):
            parts.append(key)
            kept.add(key)
            around.update(lineage)
    return sorted(parts, key=lambda key: order.get(key, 0))


def _next_f_text(html: str, encoded: bytes | None = None) -> str:
    """Concatenate the string payloads of self.__next_f.push calls.

    encoded: html as UTF-8, when the caller has it; the first test reads it faster.
    """
    chunks: list[str] = []
    # A substring test is 3x faster than the regex scan on the many pages without a payload.
    # The marker is ASCII: in the text exactly when in its UTF-8 (less the 'ignore'd lone
    # surrogates, which the test on the text below still catches).
    if encoded is not None and b"self.__next_f.push([1," not in encoded:
        return ""
    if "self.__next_f.push([1," not in html:
        return ""
    for match in re.finditer(r"self\.__next_f\.push\(\[1,\s*(\"(?:[^\"\\]|\\.)*\")\]\)", html):
        try:
            chunks.append(json.loads(match.group(1)))
        except json.JSONDecodeError:
            continue
    return "".join(chunks)


def _flight_text_rows(flight: str) -> list[str]:
    """Text rows ("ID:T<hex byte length>,<text>") of a React flight payload."""
    data = flight.encode("utf-8")
    rows: list[str] = []
    for match in re.finditer(rb"(?<![0-9A-Za-z])[0-9a-f]+:T([0-9a-f]+),", data):
        length = int(match.group(1), 16)
        rows.append(data[match.end() : match.end() + length].decode("utf-8", "replace"))
    return rows


def _strategy_nextjs(tree: HTMLParser, html: str, encoded: bytes | None = None) -> list[str] | None:
    """Body from Next.js payloads: __NEXT_DATA__ JSON or self.__next_f flight chunks."""
    candidates: list[str] = []
    data_node = tree.css_first("script#__NEXT_DATA__")
    if data_node is not None:
        try:
            stack: list[object] = [json.loads(data_node.text() or "")]
        except (ValueError, RecursionError):
            stack = []
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str) and len(item) > 300 and _HANGUL.search(item):
                candidates.append(item)
    flight = _next_f_text(html, encoded)
    for row in _flight_text_rows(flight):
        # Some sites (Hankook Ilbo) stream the article body as an HTML text row in the payload.
        if re.search(r"<p[\s>]", row) and _HANGUL.search(row):
            fragment = HTMLParser(row)
            root = fragment.body or fragment.root
            if root is not None:
                candidates.append("\n".join(_node_lines(root)))
    if flight:
        # Flight payloads carry the article as rendered elements; collect their string children.
        texts = re.findall(r'"children":"((?:[^"\\]|\\.){20,})"', flight)
        sentences = []
        for raw in texts:
            try:
                sentences.append(json.loads(f'"{raw}"'))
            except json.JSONDecodeError:
                continue
        prose = [s for s in sentences if _KOREAN_ENDING.search(s.strip()) and len(s) > 30]
        if prose:
            candidates.append("\n".join(dict.fromkeys(prose)))
    if not candidates:
        return None
    return _text_paragraphs(max(candidates, key=len))


_NEXT_AUTHOR_KEYS = ("reporters", "reporter", "writers", "writer", "authors", "author", "byline")
_NEXT_DECK_KEYS = ("subTitle", "subtitle", "sub_title", "subHeadline", "deck", "summary")


def _next_data_article(tree: HTMLParser) -> dict[str, object] | None:
    """The __NEXT_DATA__ object that holds the longest Korean text (the article record)."""
    node = tree.css_first("script#__NEXT_DATA__")
    if node is None:
        return None
    try:
        stack: list[object] = [json.loads(node.text() or "")]
    except (ValueError, RecursionError):
        return None
    best: tuple[int, dict[str, object]] | None = None
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            for value in item.values():
                if (
                    isinstance(value, str)
                    and len(value) > 300
                    and (best is None or len(value) > best[0])
                    and _HANGUL.search(value)
                ):
                    best = (len(value), item)
    return best[1] if best is not None else None


def _next_data_names(record: dict[str, object]) -> list[str]:
    """Reporter names of a Next.js article record ("reporters": [{"name": ...}], ...)."""
    names: list[str] = []
    for key in _NEXT_AUTHOR_KEYS:
        raw = record.get(key)
        for entry in raw if isinstance(raw, list) else [raw]:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str) and 1 < len(name.strip()) <= 30:
                names.extend(_NAME_SPLIT.split(re.sub(r"\s*(기자|특파원)$", "", _clean(name))))
        if names:
            break
    return [name for name in names if name]


def _next_data_deck(record: dict[str, object]) -> tuple[str, ...]:
    """Deck lines of a Next.js article record (its subTitle, split at line breaks)."""
    for key in _NEXT_DECK_KEYS:
        raw = record.get(key)
        if isinstance(raw, str) and 0 < len(raw.strip()) < 400:
            parts = re.split(r"\n|<br\s*/?>", raw, flags=re.I)
            return tuple(line for line in (_clean(part) for part in parts) if line)
    return ()


def _text_without_sidebars(node: Node) -> str:
    """Text of a node with popular-news, related and ranking boxes removed (their dates mislead)."""
    # Cloning the region to cut the boxes out took most of the date look-up; the boxes are
    # found by one query instead, and only the elements holding one are walked, in Python.
    root_id = node.mem_id
    junk: set[int] = set()
    holders: set[int] = set()  # the ancestors of junk below node, each walked into
    for element in node.css("[class], [id]"):
        if element.tag in ("html", "body") or not _is_junk(element, _listed_hint(element)):
            continue
        if element.mem_id == root_id:
            # A lone table part is dropped by a parser; the re-parse never saw its class.
            if node.tag in _UNPARENTED_TAGS:
                continue
            return ""
        junk.add(element.mem_id)
        parent = element.parent
        while parent is not None and parent.mem_id != root_id and parent.mem_id not in holders:
            holders.add(parent.mem_id)
            parent = parent.parent
    if not junk:
        return node.text(separator=" ")
    return " ".join(_pieces_outside(node, junk, holders))


def _pieces_outside(node: Node, junk: set[int], holders: set[int]) -> list[str]:
    """The text of node's text nodes outside the junk subtrees, one piece per whole subtree.

    " ".join of the pieces is node.text(separator=" ") with the junk cut out: a subtree free
    of junk is read in C as one piece; a subtree without text nodes gives none.
    """
    pieces: list[str] = []
    stack = [node.iter(include_text=True)]
    while stack:
        # As in _text_without_sidebars_prefix: along one level until it descends (break).
        for child in stack[-1]:
            tag = child.tag or ""
            if tag == "-text":
                pieces.append(child.text_content or "")
            elif tag.startswith("-") or child.mem_id in junk:
                continue
            elif child.mem_id in holders:
                stack.append(child.iter(include_text=True))
                break
            elif text := child.text(separator=" "):
                pieces.append(text)
        else:
            stack.pop()
    return pieces


def _text_without_sidebars_prefix(node: Node, limit: int) -> str:
    """The start, at least limit characters when there are, of _text_without_sidebars(node)."""
    # Pages without a known container look for dates in the first 5000 characters of the
    # whole <article> or <body>; cloning and cleaning all of it took more than the rest of
    # the extraction. This walks the text in document order, skipping junk subtrees as the
    # clean-up would have removed them, and stops once enough text is collected.
    if node.tag not in ("html", "body") and node.tag not in _UNPARENTED_TAGS and _is_junk(node):
        return ""
    pieces: list[str] = []
    length = -1  # the joining spaces count: text(separator=" ") puts one between text nodes
    stack = [node.iter(include_text=True)]
    while stack:
        # The inner loop runs along one level until it descends (break) or the level ends
        # (else): a for loop over the iterator costs less per node than next() calls.
        for child in stack[-1]:
            tag = child.tag or ""
            if tag == "-text":
                text = child.text_content or ""
                pieces.append(text)
                length += len(text) + 1
                if length >= limit:
                    return " ".join(pieces)
            elif not tag.startswith("-") and (tag in ("html", "body") or not _is_junk(child)):
                stack.append(child.iter(include_text=True))
                break
        else:
            stack.pop()
    return " ".join(pieces)


def _outer_region(region: Node) -> Node:
    """The widest of region and its next two ancestors that _find_dates reads (not <html>)."""
    outer = region
    for _ in range(2):
        parent = outer.parent
        if parent is None or parent.tag == "html":
            break
        outer = parent
    return outer


def _has_labelled_day(region: Node) -> bool:
    """Tell whether region's text holds a labelled date (its day alone is enough)."""
    # A narrower region's text is a run of this text's nodes, so a labelled date there is
    # one here too; its time of day may differ here, where more text follows, so only the
    # day is checked.
    return has_labelled_day(region.text(separator=" "))


def _find_dates(page: _Page, container: Node | None) -> tuple[datetime | None, datetime | None]:
    """Published and updated times from meta, JSON-LD, and visible lines near the article."""
    tree = page.tree
    stamp_pub = parse_iso(
        page.meta("article:published_time", "datePublished", "pubdate", "og:published_time") or ""
    )
    stamp_upd = parse_iso(
        page.meta("article:modified_time", "dateModified", "og:updated_time") or ""
    )
    for item in page.jsonld():
        if not _is_news(item):
            continue
        if stamp_pub is None and isinstance(item.get("datePublished"), str):
            stamp_pub = parse_iso(str(item["datePublished"]))
        if stamp_upd is None and isinstance(item.get("dateModified"), str):
            stamp_upd = parse_iso(str(item["dateModified"]))
    # Visible lines are looked for in the article's own header region, not in sidebars.
    # Widen from the container's parent until a labelled date shows up (at most 3 levels).
    region = container.parent if container is not None else None
    region_text = ""
    visible_pub = visible_upd = None
    if region is not None and not _has_labelled_day(_outer_region(region)):
        # Most pages show no labelled date near the article at all; one look at the widest
        # region the loop below may reach settles that for every narrower one.
        region = None
    for _ in range(3):
        if region is None or region.tag == "html":
            break
        # Cheap check on the raw text first; strip sidebars only where a date appears at all.
        if parse_visible_dates(region.text(separator=" ")) != (None, None):
            region_text = _text_without_sidebars(region)
            visible_pub, visible_upd = parse_visible_dates(region_text)
            if visible_pub is not None:
                break
        region = region.parent
    if container is None and not (
        stamp_pub is not None and tree.body is not None and not _has_labelled_day(tree.body)
    ):
        # Skipped when a stamp decides the day and no labelled line on the page could correct
        # it: the raw text is read in C, far faster than the walk below. (The walk joins the
        # same text nodes minus sidebars; as in the header loop above, a label and its date
        # are taken not to straddle a removed sidebar.)
        # The <article> element may hold the story text only, its stamp sitting above it.
        for head in dict.fromkeys(n for n in (tree.css_first("article"), tree.body) if n):
            region_text = _text_without_sidebars_prefix(head, 5000)[:5000]
            visible_pub, visible_upd = parse_visible_dates(region_text)
            if visible_pub is not None:
                break
    published = reconcile(stamp_pub, visible_pub)
    updated = reconcile(stamp_upd, visible_upd)
    # Report every time in KST so callers compare like with like.
    published = published.astimezone(KST) if published is not None else None
    updated = updated.astimezone(KST) if updated is not None else None
    if published is None:
        time_node = tree.css_first("time[datetime]")
        if time_node is not None:
            published = parse_iso(time_node.attributes.get("datetime") or "")
    if published is None and region_text:
        published = parse_bare_date(region_text)
    return published, updated


_LEAD_SELECTORS = (
    ".sub_title",
    ".subtitle",
    ".sub-title",
    ".mid_title",
    "h2.summary",
    ".article-summary",
    ".editorsay",
    ".midtitle",
    "h4.subheading",
    ".article-sub-title",
)
# The known containers and the leads, for one query (see _Page.named).
_ANY_NAMED = ", ".join([_ANY_CMS, *_LEAD_SELECTORS])


def _find_lead(page: _Page, body: list[str]) -> tuple[str, ...]:
    """Deck / sub-headline block shown above the body."""
    # One query finds every candidate; each selector then takes its first exact match among
    # them, as its own css_first over the whole tree did.
    candidates = page.named()
    for selector in _LEAD_SELECTORS if candidates else ():
        node = next((node for node in candidates if _matches_simple(node, selector)), None)
        if node is not None:
            lines = [
                text
                for line in _node_lines(node)
                if (text := line.replace(_HEADING_MARK, "").strip()) and text not in body
            ]
            if lines and sum(len(line) for line in lines) < 400:
                return tuple(lines)
    return ()


def _find_authors(page: _Page) -> list[str]:
    """Author names from JSON-LD author objects, then author meta tags."""
    names: list[str] = []
    for item in page.jsonld():
        if not _is_news(item):
            continue
        raw = item.get("author")
        for author in raw if isinstance(raw, list) else [raw]:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str) and 1 < len(name.strip()) <= 30:
                names.append(re.sub(r"\s*(기자|특파원)$", "", _clean(name)))
    if names:
        return list(dict.fromkeys(names))
    for key in ("article:author", "author", "dable:author"):
        for attrs, _ in page.metas():
            if attrs.get("property") != key and attrs.get("name") != key:
                continue
            content = attrs.get("content") or ""
            found = re.findall(r"([가-힣]{2,4})\s*(?:기자|특파원)", content)
            if found:
                return list(dict.fromkeys(found))
    return []


def _run_cascade(
    page: _Page, min_chars: int, site: SiteRules | None = None
) -> tuple[list[str], str, Node | None] | None:
    """(lines, method, container) of the first strategy finding min_chars of text, if any."""
    tree = page.tree
    container: Node | None = None
    attempts: list[tuple[str, Callable[[], list[str] | None]]] = [
        ("jsonld", lambda: _check_jsonld_complete(_strategy_jsonld(page), page))
    ]
    # One query over all CMS containers: most pages match none, and on the others each
    # selector picks from these few nodes instead of walking the whole tree again.
    cms_nodes = page.named()
    for name, selector in _CMS_SELECTORS if cms_nodes else ():

        def run_cms(selector: str = selector) -> list[str] | None:
            nonlocal container
            node = _best_container(cms_nodes, selector)
            if node is None or _text_chars(node, min_chars) < min_chars:
                return None
            container = node
            return _node_lines(node)

        attempts.append((name, run_cms))
    if site is not None and site.body_selector:

        def run_site(selector: str = site.body_selector) -> list[str] | None:
            nonlocal container
            nodes = [n for n in tree.css(selector) if n.tag not in ("html", "body")]
            if not nodes:
                return None  # the site changed its layout: the generic scorer takes over
            container = nodes[0]
            # A selector matching several blocks (paragraph divs) reads them in page order.
            return [line for node in nodes for line in _node_lines(node)]

        attempts.append((f"site:{site.domain}", run_site))
    attempts.append(("nextjs", lambda: _strategy_nextjs(tree, page.html, page.encoded)))
    if min_chars >= _NOT_ARTICLE_MIN_CHARS:
        attempts.append(("generic", page.generic))
    else:
        attempts.append(("generic", lambda: _strategy_generic(tree, _FLASH_MIN_WEIGHT)))
    for name, attempt in attempts:
        found = attempt()
        if found and sum(len(line) for line in found) >= min_chars:
            return found, name, container if name.startswith(("cms:", "site:")) else None
    return None


def _text_chars(node: Node, min_chars: int) -> int:
    """Length of a node's text; spaces count when judging short text (a flash's sentence)."""
    if min_chars >= _NOT_ARTICLE_MIN_CHARS:
        return len(node.text(strip=True))
    return len(" ".join(node.text().split()))


def _find_body(page: _Page, url: str, site: SiteRules | None) -> tuple[str, Node | None, _Body]:
    """(method, container, cleaned lines) of the article body; raise when there is none."""
    found = _run_cascade(page, _NOT_ARTICLE_MIN_CHARS, site)
    if found is not None:
        cleaned = _clean_lines(found[0])
        if _prose_chars(cleaned.paragraphs) >= _NOT_ARTICLE_MIN_CHARS:
            return found[1], found[2], cleaned
    # A wire flash (1보) or a short notice is one to a few sentences; it is taken only from a
    # page that says it is an article, so section fronts and login walls stay refused.
    declared = _declares_article(page)
    # A CMS article URL or a 입력/등록 stamp anywhere vouch for the story's own container, not
    # for whatever text the generic scorer finds: a login wall is served at the article's URL.
    vouched = declared or _ARTICLE_URL.search(url) is not None or _has_stamp(page)
    trusted = _find_trusted_body(page) if vouched else None
    if trusted is not None:
        return trusted
    if declared:
        short = _run_cascade(page, _FLASH_MIN_CHARS, site)
        if short is not None:
            cleaned = _clean_lines(short[0])
            if _is_flash(cleaned.paragraphs):
                return short[1], short[2], cleaned
    reason = "no article body found" if found is None else "too little prose"
    raise NoArticleError(f"{reason} on {url}")


def _trusted_container(page: _Page) -> tuple[str, Node] | None:
    """(method, node) of the story's own container: a known CMS one, or the page's one
    semantic <article> outside the page chrome; None when there is none or several."""
    cms_nodes = page.named()
    for name, selector in _CMS_SELECTORS if cms_nodes else ():
        node = _best_container(cms_nodes, selector)
        if node is not None and not _in_page_chrome(node):
            return name, node
    # Several <article> elements are a list of cards (a section front), not one story.
    articles = [node for node in page.tree.css("article") if not _in_page_chrome(node)]
    outermost = [
        node
        for node in articles
        if not any(other.mem_id in _lineage(node)[1:] for other in articles)
    ]
    return ("article", outermost[0]) if len(outermost) == 1 else None


def _find_trusted_body(page: _Page) -> tuple[str, Node | None, _Body] | None:
    """A short story in the story's own container: finished sentences, not a list of links."""
    found = _trusted_container(page)
    if found is None:
        return None
    name, node = found
    if _link_density(node) > 0.5 or _is_teaser_list(node):
        return None
    cleaned = _clean_lines(_node_lines(node))
    paragraphs = cleaned.paragraphs
    finished = [
        p
        for p in paragraphs
        if len(p) >= _TRUSTED_MIN_CHARS
        and (_has_korean_ending(p) or _ends_sentence(p))
        and _PAYWALL.search(p) is None
    ]
    if not finished or len(finished) < len(paragraphs) / 2:
        return None
    return name, node, cleaned


def _prose_chars(paragraphs: list[str]) -> int:
    """Characters in paragraphs long enough to be prose rather than labels."""
    return sum(len(p) for p in paragraphs if len(p) >= 40)


def _declares_article(page: _Page) -> bool:
    """Tell whether the page says it is one article: og:type, JSON-LD, a headline repeating
    the page title, or a dated headline."""
    if (page.meta("og:type") or "").lower().startswith("article"):
        return True
    if any(_is_news(item) for item in page.jsonld()):
        return True
    body = page.tree.body
    if body is None or page.tree.css_first("h1, h2, h3") is None:
        return False
    if _has_title_headline(page):
        return True
    # A labelled stamp ("등록 2024-11-27 오후 1:35") or a wire dateline in the article region.
    head = _text_without_sidebars_prefix(page.tree.css_first("article") or body, 5000)[:5000]
    return parse_visible_dates(head)[0] is not None or _WIRE_DATELINE.search(head) is not None


def _has_stamp(page: _Page) -> bool:
    """Tell whether the page's visible text carries a labelled publication stamp."""
    body = page.tree.body
    if body is None:
        return False
    return parse_visible_dates(_text_without_sidebars_prefix(body, 8000)[:8000])[0] is not None


def _has_title_headline(page: _Page) -> bool:
    """Tell whether an <h1> repeats the page's title (og:title, else <title> without its tail)."""
    title_node = page.tree.css_first("title")
    titles = {
        _clean(text)
        for text in (
            page.meta("og:title"),
            _strip_title_tail(title_node.text(strip=True), None) if title_node else None,
        )
        if text
    }
    # A site name ("바이오헬스리포트") in both the logo h1 and the title is not a headline.
    titles.discard(_clean(page.meta("og:site_name") or ""))
    for heading in page.tree.css("h1"):
        text = _clean(heading.text(separator=" "))
        if len(text) >= 8 and text in titles:
            return True
    return False


def _is_flash(paragraphs: list[str]) -> bool:
    """Tell whether short text is a wire flash: finished sentences, no list of labels."""
    finished = [
        p
        for p in paragraphs
        if len(p) >= _FLASH_MIN_CHARS and _has_korean_ending(p) and _PAYWALL.search(p) is None
    ]
    return bool(finished) and len(finished) >= len(paragraphs) / 2


def _site_text(tree: HTMLParser, selector: str | None) -> str | None:
    """Text of the first element a per-site selector finds, if any."""
    node = tree.css_first(selector) if selector else None
    text = _clean(node.text(separator=" ")) if node is not None else ""
    return text or None


def _site_date(tree: HTMLParser, selector: str | None) -> datetime | None:
    """The date a per-site selector points at: a datetime/content attribute, else its text."""
    node = tree.css_first(selector) if selector else None
    if node is None:
        return None
    for attr in ("datetime", "content"):
        stamp = parse_iso(node.attributes.get(attr) or "")
        if stamp is not None:
            return stamp.astimezone(KST)
    text = node.text(separator=" ")
    return parse_visible_dates(text)[0] or parse_bare_date(text)


# Portals name themselves in og:site_name; the outlet that wrote a copy is in other tags.
_PORTAL_NAMES = frozenset(
    {
        "네이버",
        "네이버뉴스",
        "네이버 뉴스",
        "naver",
        "naver news",
        "다음",
        "다음뉴스",
        "다음 뉴스",
        "daum",
        "daum news",
        "v.daum.net",
    }
)
_PORTAL_SUFFIX = re.compile(
    r"\s*[|:·-]\s*(?:네이버|다음|NAVER|Daum)(?:\s*뉴스)?\s*$", re.IGNORECASE
)


def _is_portal_name(name: str) -> bool:
    """Whether an og:site_name is a portal's own name rather than the writing outlet's."""
    return name.strip().lower() in _PORTAL_NAMES


def _portal_writer(page: _Page) -> str | None:
    """The outlet that wrote a portal copy (Naver: og:article:author "연합뉴스 | 네이버",
    twitter:creator; Daum: article:media_name), or None when the page does not say."""
    for key in ("article:media_name", "og:article:author", "twitter:creator"):
        value = page.meta(key)
        if not value or value.startswith(("@", "http")):
            continue
        name = _PORTAL_SUFFIX.sub("", value).strip()
        if name and not _is_portal_name(name):
            return name
    return None


def extract_article(html: str, url: str, site: SiteRules | None = None) -> Article:
    """Return the article on the page, choosing the best strategy; raise if there is none.

    site: the selectors configured for this page's outlet, if any.
    """
    # The parser reads UTF-8 and encodes text itself, dropping what cannot be encoded; done
    # here the same way, the bytes serve the nesting guard and the break scan as well.
    encoded = html.encode("utf-8", "ignore")
    check_nesting(html, encoded=encoded)
    try:
        # Without mutation events: lexbor skips its DOM callbacks while building the tree,
        # ~7% of the parse, and they only mirror <option>s into <selectedcontent>.
        tree = HTMLParser(encoded, options=LexborDocumentOptions.WO_EVENTS)
    except (ValueError, TypeError) as error:
        raise ExtractionError(f"unparseable html: {error}") from error
    if site is not None:
        try:
            for selector in site.drop_selectors:
                for node in tree.css(selector):
                    node.decompose()
        except SelectolaxError as error:
            raise ExtractionError(f"bad drop selector for {site.domain}: {error}") from error
    page = _Page(tree, html, encoded)
    outlet = page.meta("og:site_name")
    headline: str | None = None
    for item in page.jsonld():
        if _is_news(item):
            if headline is None and isinstance(item.get("headline"), str):
                headline = str(item["headline"])
            publisher = item.get("publisher")
            if (
                outlet is None
                and isinstance(publisher, dict)
                and isinstance(publisher.get("name"), str)
            ):
                outlet = str(publisher["name"])
    if outlet is not None and _is_portal_name(outlet):
        outlet = _portal_writer(page) or outlet
    raw_title = page.meta("og:title") or headline
    if not raw_title:
        # Looked up only when needed: each query walks the page.
        h1 = tree.css_first("h1")
        title_node = tree.css_first("title")
        raw_title = (h1.text(strip=True) if h1 is not None else None) or (
            title_node.text(strip=True) if title_node is not None else ""
        )
    title = _strip_title_tail(raw_title or "", _clean(outlet) if outlet else None)

    try:
        method, container, body = _find_body(page, url, site)
        site_title = _site_text(tree, site.title_selector) if site is not None else None
        site_date = _site_date(tree, site.date_selector) if site is not None else None
    except SelectolaxError as error:
        raise ExtractionError(f"bad selector for {url}: {error}") from error
    if site_title:
        title = _strip_title_tail(site_title, _clean(outlet) if outlet else None)
    authors, flags = body.authors, body.flags
    deck, paragraphs = _split_deck(body.paragraphs)
    while (title_flag := _FLAG.match(title)) is not None:
        flags = list(dict.fromkeys([*flags, title_flag.group(1)]))
        title = title[title_flag.end() :]
    if title and paragraphs and _clean(paragraphs[0]) == title:
        paragraphs = paragraphs[1:]
    published, updated = _find_dates(page, container)
    published = site_date or published
    lead = deck or _find_lead(page, paragraphs)
    if method == "nextjs" and (record := _next_data_article(tree)) is not None:
        # Script-rendered pages carry byline and deck only in the embedded data.
        authors = authors or _next_data_names(record)
        lead = lead or _next_data_deck(record)
    canonical_node = tree.css_first('link[rel="canonical"]')
    canonical = (
        canonical_node.attributes.get("href") if canonical_node is not None else None
    ) or page.meta("og:url")
    html_node = tree.css_first("html")
    language = html_node.attributes.get("lang") if html_node is not None else None
    if not language:
        body_text = " ".join(paragraphs)
        language = "ko" if _is_korean(body_text) else None
    if not authors:
        authors = _find_authors(page)
    return Article(
        url=url,
        title=title,
        paragraphs=tuple(paragraphs),
        method=method,
        canonical_url=canonical or None,
        lead=lead,
        subheadings=tuple(body.subheadings),
        published_at=published,
        updated_at=updated,
        authors=tuple(authors),
        outlet=_clean(outlet) if outlet else None,
        language=(language or "").split("-")[0].lower() or None,
        flags=tuple(flags),
        translation=body.translation,
    )


def extract_fragment(fragment_html: str, url: str, title: str) -> Article:
    """The article in an HTML fragment known to be its body (a feed's `content:encoded`)."""
    check_nesting(fragment_html)
    try:
        tree = HTMLParser(f"<html><body>{fragment_html}</body></html>")
    except (ValueError, TypeError) as error:
        raise ExtractionError(f"unparseable html: {error}") from error
    root = tree.body or tree.root
    if root is None:
        raise NoArticleError(f"empty feed content for {url}")
    # No length threshold: the feed says this is the article, however short.
    body = _clean_lines(_node_lines(root))
    deck, paragraphs = _split_deck(body.paragraphs)
    if not paragraphs:
        raise NoArticleError(f"feed content for {url} holds no text")
    clean_title = _clean(title)
    body_text = " ".join(paragraphs)
    return Article(
        url=url,
        title=clean_title,
        paragraphs=tuple(paragraphs),
        method="feed",
        lead=deck,
        subheadings=tuple(body.subheadings),
        authors=tuple(body.authors),
        flags=tuple(body.flags),
        translation=body.translation,
        language="ko" if _is_korean(body_text) else None,
    )
