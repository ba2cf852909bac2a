"""The JSON linear models: scikit-learn's numbers, stored, read back, used by the analyser."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from testkit import MODEL_LABELS, MODEL_ROWS, MODEL_TONES, tiny_classifiers

from monitor.analyse import Analyser
from nlp import DEFAULT_TOPICS, EntitySpec, ModelError
from nlp.classify import (
    FEATURES_VERSION,
    Example,
    LinearModel,
    article_features,
    fit_linear_model,
    latest_model_path,
    load_classifiers,
    save_classifiers,
)
from nlp.kiwi import Kiwi
from nlp.training import gate_relevance, train_classifiers

KST = ZoneInfo("Asia/Seoul")

ROWS, LABELS, TONES = MODEL_ROWS, MODEL_LABELS, MODEL_TONES


def test_probabilities_equal_scikit_learn_for_two_and_three_classes() -> None:
    for labels in (LABELS, TONES):
        model = fit_linear_model("m", ROWS, labels)
        vectorizer = DictVectorizer()
        tfidf = TfidfTransformer(sublinear_tf=True)
        matrix = tfidf.fit_transform(vectorizer.fit_transform(ROWS))
        reference = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000)
        reference.fit(matrix, labels)
        assert model.classes == tuple(reference.classes_)
        unseen = {"바이오": 1.0, "축제": 2.0, "없는말": 5.0}
        for row in [*ROWS, unseen]:
            expected = reference.predict_proba(tfidf.transform(vectorizer.transform([row])))[0]
            assert np.allclose(model.probabilities(row), expected, atol=1e-9)


def test_judgement_names_the_words_that_decided_it() -> None:
    model = fit_linear_model("tone v1", ROWS, LABELS)
    judged = model.judge({"바이오": 1.0, "협약": 1.0, "e:@any": 1.0})
    assert judged.value == "relevant" and 0.5 < judged.score <= 1.0
    assert judged.reason.startswith("model tone v1: ")
    assert "바이오" in judged.reason and "e:" not in judged.reason
    assert model.judge({"교통": 1.0}).value == "irrelevant"


def test_saved_model_reads_back_with_identical_outputs(tmp_path: Path) -> None:
    assert latest_model_path(tmp_path / "none") is None
    first = save_classifiers(tmp_path, tiny_classifiers(1))
    save_classifiers(tmp_path, tiny_classifiers(10))  # numeric order, not text order
    save_classifiers(tmp_path, tiny_classifiers(2))
    assert first.name == "classifiers-v1.json"
    newest = latest_model_path(tmp_path)
    assert newest is not None and newest.name == "classifiers-v10.json"
    loaded = load_classifiers(newest)
    original = tiny_classifiers(10)
    assert loaded.version == 10 and loaded.trained_at == original.trained_at
    for row in [*ROWS, {"바이오": 3.0}]:
        assert np.allclose(loaded.tone.probabilities(row), original.tone.probabilities(row))
        assert loaded.relevance.judge(row) == original.relevance.judge(row)
    assert not list(tmp_path.glob("*.partial"))


def test_model_files_record_their_feature_set_and_labelled_set(tmp_path: Path) -> None:
    path = save_classifiers(tmp_path, tiny_classifiers(1, labelled_digest="abc123"))
    loaded = load_classifiers(path)
    assert (loaded.features_version, loaded.labelled_digest) == (FEATURES_VERSION, "abc123")
    # A file written before these were recorded is of the first feature set, its set unknown.
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["features_version"], data["labelled_digest"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert (load_classifiers(path).features_version, load_classifiers(path).labelled_digest) == (
        1,
        "",
    )


def test_model_files_with_foreign_classes_or_non_finite_numbers_are_refused(
    tmp_path: Path,
) -> None:
    path = save_classifiers(tmp_path, tiny_classifiers(1))
    data = json.loads(path.read_text(encoding="utf-8"))
    for broken, message in (
        ({"classes": ["angry", "neutral", "positive"]}, "tone model's classes"),
        ({"intercept": [float("nan")] * 3}, "not finite"),
    ):
        edited = json.loads(json.dumps(data))
        edited["models"]["tone"].update(broken)
        path.write_text(json.dumps(edited), encoding="utf-8")
        with pytest.raises(ModelError, match=message) as raised:
            load_classifiers(path)
        assert str(path) in str(raised.value)


def test_damaged_model_files_are_model_errors(tmp_path: Path) -> None:
    path = save_classifiers(tmp_path, tiny_classifiers(1))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["models"]["tone"]["idf"] = data["models"]["tone"]["idf"][:-1]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match="do not match"):
        load_classifiers(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read model"):
        load_classifiers(path)
    path.write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(ModelError, match="run monitor train"):
        load_classifiers(path)


def _example(n: int, relevant: bool, topic: str | None, tone: str) -> Example:
    return Example(f"x{n}", f"제목{n}", "", relevant, topic, tone, "labelled")


def test_training_scores_each_model_and_gates_on_a_tracked_entity() -> None:
    topics = ["agreement", "meeting", "agreement", None, None, None]
    examples = [
        _example(n, label == "relevant", topic, tone)
        for n, (label, topic, tone) in enumerate(
            zip(LABELS * 2, topics * 2, TONES * 2, strict=True)
        )
    ]
    features = {f"x{n}": row for n, row in enumerate(ROWS * 2)}
    trained = train_classifiers(
        examples,
        lambda e: features[e.id],
        topics=["agreement", "meeting"],
        version=3,
        trained_at=datetime(2024, 11, 27, tzinfo=KST),
    )
    assert trained.version == 3 and trained.examples == {"labelled": 12}
    assert set(trained.scores) == {"relevance", "topic", "tone"}
    relevance = trained.scores["relevance"]
    assert relevance.examples == 12 and relevance.folds == 5
    assert relevance.f1 == 1.0  # the toy classes are separable by their words
    assert trained.scores["topic"].examples == 6  # the relevant ones with a known topic
    assert trained.topic.classes == ("agreement", "meeting")
    with pytest.raises(ModelError, match="at least two"):
        train_classifiers(
            examples[:1],
            lambda e: features[e.id],
            topics=["agreement"],
            version=1,
            trained_at=datetime(2024, 11, 27, tzinfo=KST),
        )


ENTITIES = (EntitySpec("ncc", "국립암센터", ("NCC",), core=False),)


def test_analyser_judges_by_model_only_articles_naming_a_tracked_entity(kiwi: Kiwi) -> None:
    trained = tiny_classifiers(4)
    ruled = Analyser(kiwi, ENTITIES, DEFAULT_TOPICS)
    modelled = Analyser(kiwi, ENTITIES, DEFAULT_TOPICS, trained)
    # No tracked name: the rules decide and Kiwi is never asked for features.
    title, body = "고양시 교통 대책 발표", "재건축 단지 교통 혼잡을 줄이는 대책이다."
    assert modelled.analyse(title, body) == ruled.analyse(title, body)
    named = modelled.analyse(
        "국립암센터, 바이오 협약", "국립암센터는 고양시와 바이오 협약을 맺었다."
    )
    assert named.relevance.reason.startswith("model relevance v4")
    assert named.tone.reason.startswith("model tone v4")
    # The city's bio sector in the lead, no tracked body: relevant by rule, tone by the model.
    city = modelled.analyse("억대 포럼 실효성 논란", "고양시가 여는 바이오 포럼에 비판이 나왔다.")
    assert city.relevant and city.relevance.reason.startswith("the city's bio sector")
    assert city.tone.reason.startswith("model tone v4")
    # A topic model trained on categories the config lacks is not used.
    other = Analyser(kiwi, ENTITIES, DEFAULT_TOPICS[:1], trained)
    assert not other.topic_model_usable
    assert not other.analyse("국립암센터 협약", "국립암센터 협약").topic.reason.startswith("model")


def test_linear_model_from_json_rejects_missing_keys() -> None:
    with pytest.raises(ModelError, match="malformed model"):
        LinearModel.from_json({"name": "x"})


DENSE_ROWS = [
    {**row, "z:+title": float(n % 3), "z:-all": float((n + 1) % 2)} for n, row in enumerate(ROWS)
]


def test_dense_evidence_is_scaled_after_normalising_and_matches_scikit_learn() -> None:
    from scipy.sparse import csr_matrix, hstack

    model = fit_linear_model("tone", DENSE_ROWS, TONES)
    assert set(model.dense) == {"z:+title", "z:-all"}
    assert all(f not in model.vocabulary for f in model.dense)
    vectorizer = DictVectorizer()
    tfidf = TfidfTransformer(sublinear_tf=True)
    sparse = [{k: v for k, v in r.items() if not k.startswith("z:")} for r in DENSE_ROWS]
    dense = np.log1p([[r.get(f, 0.0) for f in model.dense] for r in DENSE_ROWS]) * model.dense_scale
    matrix = hstack([tfidf.fit_transform(vectorizer.fit_transform(sparse)), csr_matrix(dense)])
    reference = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000)
    reference.fit(matrix.tocsr(), TONES)
    for row, expected in zip(DENSE_ROWS, reference.predict_proba(matrix.tocsr()), strict=True):
        assert np.allclose(model.probabilities(row), expected, atol=1e-9)
    # Read back from JSON, the dense block keeps its names, order and scale.
    again = LinearModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again.dense == model.dense and again.dense_scale == model.dense_scale
    assert np.allclose(again.probabilities(DENSE_ROWS[2]), model.probabilities(DENSE_ROWS[2]))
    # Switched off (the relevance model), the dense counts are ignored altogether.
    assert fit_linear_model("relevance", DENSE_ROWS, LABELS, dense=False).dense == ()


def test_excluded_features_have_no_weight_and_do_not_change_a_judgement() -> None:
    excluded = ("p:", "z:-")
    rows = [{**row, "p:바이오_협약": float(n % 2)} for n, row in enumerate(DENSE_ROWS)]
    model = fit_linear_model("tone", rows, TONES, exclude=excluded)
    assert model.dense == ("z:+title",)
    assert not any(f.startswith(excluded) for f in model.vocabulary)
    # The same model as one fitted on rows that never had them, and blind to them when applied.
    stripped = [{k: v for k, v in r.items() if not k.startswith(excluded)} for r in rows]
    reference = fit_linear_model("tone", stripped, TONES)
    for row, plain in zip(rows, stripped, strict=True):
        assert np.allclose(model.probabilities(row), reference.probabilities(plain), atol=1e-9)
        assert np.allclose(model.probabilities(row), model.probabilities(plain), atol=1e-9)


def test_tone_evidence_counts_cues_by_where_they_stand(kiwi: Kiwi) -> None:
    mentions = Analyser(kiwi, ENTITIES, DEFAULT_TOPICS).mentions
    title = "바이오 특화단지 지정 무산"
    body = (
        "시의 공모가 탈락했다.\n"
        "국립암센터는 협력을 이어가기로 합의했다. 다만 재원은 아직 정해지지 않았다.\n"
        "지역 축제는 성황을 이뤘다."
    )
    features = article_features(kiwi, title, body, mentions(title, body), DEFAULT_TOPICS)
    assert "z:+title" not in features  # 지정 무산: the designation failed, it is not a win
    assert features["z:-title"] == 2.0  # a title cue weighs double
    assert features["z:-lead"] == 1.0 and "z:+lead" not in features  # 탈락 in the first paragraph
    assert features["z:+subject"] == 1.0  # 합의 in the sentence naming 국립암센터, not 성황
    assert features["z:+all"] == 2.0
    assert features["z:hedge"] >= 3.0 and "z:hedge-lead" not in features
    assert features["z:topic:infrastructure:title"] == 2.0  # 특화단지, 지정


def test_a_core_entity_is_relevant_by_rule_even_where_the_model_says_otherwise(
    kiwi: Kiwi,
) -> None:
    entities = (*ENTITIES, EntitySpec("lih-g", "룩셈부르크 고양보건연구소", ("LIH-G",), core=True))
    modelled = Analyser(kiwi, entities, DEFAULT_TOPICS, tiny_classifiers(5))
    title, body = "LIH-G 앞 교통 혼잡", "LIH-G 앞 도로의 교통 혼잡과 재건축 축제 소식이다."
    features = modelled.features(title, body, modelled.mentions(title, body))
    assert modelled.classifiers is not None
    assert modelled.classifiers.relevance.judge(features).value == "irrelevant"
    judged = modelled.analyse(title, body).relevance
    assert judged.value == "relevant" and judged.reason.startswith("core entity")
    # Cross-validation scores what the pipeline does: the same gate.
    assert gate_relevance(modelled.classifiers.relevance, features, {"lih-g"}) == "relevant"
    assert gate_relevance(modelled.classifiers.relevance, features) == "irrelevant"


def test_cross_validation_gates_the_city_sector_rule_like_the_pipeline(kiwi: Kiwi) -> None:
    modelled = Analyser(kiwi, ENTITIES, DEFAULT_TOPICS, tiny_classifiers(6))
    assert modelled.classifiers is not None
    model = modelled.classifiers.relevance
    for title, body in (
        ("고양시, 바이오산업 조례 개정", "출연기관 설립 근거를 담았다."),
        ("고양 바이오가스화시설 증설", "주민들이 반발했다."),
        ("고양시 교통 대책", "재건축 단지 교통 혼잡을 줄인다."),
    ):
        features = modelled.features(title, body, modelled.mentions(title, body))
        assert gate_relevance(model, features) == modelled.analyse(title, body).relevance.value
