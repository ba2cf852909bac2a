"""Topic categories and the first topic rule: keyword weights over title and body."""

from __future__ import annotations

from nlp._records import TopicSpec

DEFAULT_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        "agreement",
        "협약·투자유치",
        ("협약", "업무협약", "MOU", "양해각서", "투자유치", "투자 유치", "유치", "체결", "입주 계약"),
    ),
    TopicSpec(
        "meeting",
        "회의·간담회·자문",
        ("회의", "간담회", "자문", "자문위원", "협의회", "위원회", "면담", "방문", "논의"),
    ),
    TopicSpec(
        "event",
        "포럼·행사·교육",
        ("포럼", "행사", "교육", "세미나", "심포지엄", "콘퍼런스", "컨퍼런스", "박람회", "개소식", "설명회"),
    ),
    TopicSpec(
        "overseas",
        "해외협력·벤치마킹",
        ("해외", "벤치마킹", "룩셈부르크", "방문단", "국제", "글로벌", "출장", "유럽"),
    ),
    TopicSpec(
        "infrastructure",
        "조성·착공·지정",
        ("조성", "착공", "지정", "준공", "부지", "건립", "특화단지", "기반시설", "분양", "개발"),
    ),
    TopicSpec(
        "policy",
        "계획·조례·용역·예산",
        ("계획", "조례", "용역", "예산", "전략", "정책", "추진계획", "국비", "공모"),
    ),
    TopicSpec("other", "기타", ()),
)
