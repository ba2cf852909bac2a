"""Linear classifiers for relevance, topic and tone: trained with scikit-learn, kept as JSON.

A model is a TF-IDF weighting and a logistic regression over features of one article (Kiwi
lemmas of title and body, adjacent-lemma pairs, the tracked entities mentioned), beside a few
dense evidence counts (`z:` features: tone cues by where they stand, hedges, topic keywords) that
enter as log(1 + count) x `DENSE_SCALE` without the TF-IDF normalisation, so a handful of them is
not drowned by hundreds of lemmas. Training uses
scikit-learn; the fitted numbers are then written as plain JSON and applied here with numpy, so a
stored model needs no pickle, survives scikit-learn upgrades and can be read by anyone.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from nlp._errors import ModelError
from nlp._records import Judgement, Mention, TopicSpec
from nlp.kiwi import Kiwi
from nlp.relevance import names_city_and_sector
from nlp.text import SENTENCE
from nlp.tone import locate_hedges, locate_tone_cues

__all__ = [
    "DENSE_PREFIX",
    "FEATURES_VERSION",
    "FORMAT_VERSION",
    "Classifiers",
    "Example",
    "LinearModel",
    "ModelError",
    "Scores",
    "article_features",
    "fit_linear_model",
    "latest_model_path",
    "load_classifiers",
    "read_examples",
    "save_classifiers",
]

FORMAT_VERSION = 1
# What `article_features` computes. A model fitted on another version weighs features that are no
# longer made the same way (2: hoped positive tone cues apart, z:+hoped), so it is out of date.
FEATURES_VERSION = 2
MODEL_PREFIX = "classifiers-v"
# Content lemmas: nouns, verbs and adjectives (stems), roots, foreign words and numbers' units.
_CONTENT_TAGS = frozenset({"NNG", "NNP", "VV", "VA", "XR", "SL", "SH", "NNB"})
_PREDICATE_TAGS = frozenset({"VV", "VA"})
# The lead carries what an article is about; a long tail adds cost, not signal.
_MAX_BODY_CHARS = 3000
_REASON_WORDS = 4
# Dense evidence features: named "z:...", scaled after the sparse block is L2-normalised.
DENSE_PREFIX = "z:"
DENSE_SCALE = 0.2


@dataclass(frozen=True)
class Example:
    """One labelled text for training: the labelled set or a team correction."""

    id: str
    title: str
    body: str
    relevant: bool | None
    topic: str | None
    tone: str | None
    source: str  # "labelled" or "team"


@dataclass(frozen=True)
class Scores:
    """Cross-validated precision, recall and F1 of one model (macro over classes when > 2)."""

    examples: int
    precision: float
    recall: float
    f1: float
    folds: int

    def to_json(self) -> dict[str, Any]:
        """The figures for `train --json` and the model file."""
        return {
            "examples": self.examples,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "folds": self.folds,
        }


@dataclass(frozen=True)
class LinearModel:
    """A fitted TF-IDF + logistic regression, as numbers that need no scikit-learn to apply."""

    name: str
    classes: tuple[str, ...]
    vocabulary: Mapping[str, int]
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (1, features + dense) for two classes, else (classes, features + dense)
    intercept: np.ndarray
    dense: tuple[str, ...] = ()  # dense feature names, after the sparse ones in `coef`
    dense_scale: float = DENSE_SCALE

    def vector(self, features: Mapping[str, float]) -> np.ndarray:
        """The model's input for one article: normalised TF-IDF, then the scaled dense counts."""
        vector = np.zeros(len(self.idf))
        for feature, count in features.items():
            index = self.vocabulary.get(feature)
            if index is not None:
                vector[index] = (1.0 + math.log(count)) * self.idf[index]  # sublinear tf
        norm = float(np.linalg.norm(vector))
        if norm:
            vector /= norm
        dense = [math.log1p(features.get(name, 0.0)) * self.dense_scale for name in self.dense]
        return np.concatenate([vector, np.asarray(dense, dtype=float)])

    def probabilities(self, features: Mapping[str, float]) -> np.ndarray:
        """Class probabilities for one article's feature counts (order of `classes`)."""
        scores = self.coef @ self.vector(features) + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - positive, positive])
        shifted = np.exp(scores - scores.max())
        return np.asarray(shifted / shifted.sum())

    def judge(self, features: Mapping[str, float]) -> Judgement:
        """The most probable class, its probability, and the words that pushed toward it."""
        probabilities = self.probabilities(features)
        best = int(np.argmax(probabilities))
        label = self.classes[best]
        row = self.coef[0] if len(self.classes) == 2 else self.coef[best]
        sign = -1.0 if len(self.classes) == 2 and best == 0 else 1.0
        pushes: list[tuple[float, str]] = []
        for feature in features:
            index = self.vocabulary.get(feature)
            if index is not None and sign * row[index] > 0:
                pushes.append((sign * row[index] * self.idf[index], feature))
        words = [_readable(f) for _, f in sorted(pushes, reverse=True)]
        shown = list(dict.fromkeys(w for w in words if w))[:_REASON_WORDS]
        reason = f"model {self.name}: " + (", ".join(shown) if shown else "no decisive word")
        return Judgement(label, round(float(probabilities[best]), 3), reason)

    def to_json(self) -> dict[str, Any]:
        """The model as plain JSON numbers."""
        ordered = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "name": self.name,
            "classes": list(self.classes),
            "features": ordered,
            "idf": [round(float(v), 6) for v in self.idf],
            "coef": [[round(float(v), 6) for v in row] for row in self.coef],
            "intercept": [round(float(v), 6) for v in self.intercept],
            "dense": list(self.dense),
            "dense_scale": self.dense_scale,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        """Read a model written by `to_json`; a ModelError when its shape is wrong."""
        try:
            features = [str(f) for f in data["features"]]
            model = cls(
                name=str(data["name"]),
                classes=tuple(str(c) for c in data["classes"]),
                vocabulary={f: i for i, f in enumerate(features)},
                idf=np.asarray(data["idf"], dtype=float),
                coef=np.asarray(data["coef"], dtype=float),
                intercept=np.asarray(data["intercept"], dtype=float),
                dense=tuple(str(f) for f in data.get("dense", ())),
                dense_scale=float(data.get("dense_scale", DENSE_SCALE)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed model: {exc}") from None
        rows = 1 if len(model.classes) == 2 else len(model.classes)
        width = len(features) + len(model.dense)
        if model.coef.shape != (rows, width) or model.idf.shape != (len(features),):
            raise ModelError(f"model {model.name}: its numbers do not match its features")
        numbers = (model.coef, model.idf, model.intercept)
        if not all(np.isfinite(values).all() for values in numbers):
            # One NaN would make every article the same class, silently.
            raise ModelError(f"model {model.name}: holds numbers that are not finite")
        return model


@dataclass(frozen=True)
class Classifiers:
    """The three trained models of one version, with what they were trained on and scored."""

    version: int
    trained_at: datetime
    relevance: LinearModel
    topic: LinearModel
    tone: LinearModel
    scores: Mapping[str, Scores]
    examples: Mapping[str, int]  # {"labelled": n, "team": m}
    path: Path | None = None
    features_version: int = FEATURES_VERSION
    labelled_digest: str = ""  # of the shipped labelled set it was trained on ("" when unknown)

    def to_json(self) -> dict[str, Any]:
        """The model file's content."""
        return {
            "format": FORMAT_VERSION,
            "features_version": self.features_version,
            "labelled_digest": self.labelled_digest,
            "version": self.version,
            "trained_at": self.trained_at.isoformat(),
            "examples": dict(self.examples),
            "scores": {name: s.to_json() for name, s in self.scores.items()},
            "models": {
                "relevance": self.relevance.to_json(),
                "topic": self.topic.to_json(),
                "tone": self.tone.to_json(),
            },
        }


def _readable(feature: str) -> str:
    """A feature as the word a person reads in a reason (prefixes dropped, pairs spaced)."""
    if feature.startswith("e:"):
        return ""  # entity presence is why the article was analysed, not a reason of its own
    word = feature.split(":", 1)[1] if feature[:2] in ("t:", "p:") else feature
    return word.replace("_", " ")


def _lemmas(kiwi: Kiwi, text: str) -> list[str]:
    """Content lemmas of `text` in order (verbs and adjectives as their dictionary form)."""
    if not text:
        return []
    words: list[str] = []
    for token in kiwi.tokenize(text):
        if token.tag not in _CONTENT_TAGS:
            continue
        form = token.form
        words.append(f"{form}다" if token.tag in _PREDICATE_TAGS else form)
    return words


def _tone_evidence(title: str, body: str, mentions: Sequence[Mention]) -> dict[str, float]:
    """Dense tone counts by where the cues stand: title, lead, sentences naming the subject."""
    evidence: defaultdict[str, float] = defaultdict(float)
    for hit in locate_tone_cues(title):
        if hit.polarity == "+" and hit.hoped:
            evidence["z:+hoped"] += 2.0
        elif hit.polarity != "~":
            evidence[f"z:{hit.polarity}title"] += 2.0
    lead_end = body.find("\n") if "\n" in body else len(body)
    subject = [(m.start, m.end) for m in mentions if m.field == "body"]
    sentences = [
        (s.start(), s.end())
        for s in SENTENCE.finditer(body)
        if any(s.start() <= start < s.end() for start, _ in subject)
    ]
    for hit in locate_tone_cues(body):
        if hit.polarity == "~":
            continue
        if hit.polarity == "+" and hit.hoped:
            # A hope or plan is weighed on its own: the model learns how little it says.
            evidence["z:+hoped"] += 1.0
            continue
        evidence[f"z:{hit.polarity}all"] += 1.0
        if hit.start < lead_end:
            evidence[f"z:{hit.polarity}lead"] += 1.0
        # The tone toward the city or a tracked entity, not toward anything the article names.
        if any(start <= hit.start < end for start, end in sentences):
            evidence[f"z:{hit.polarity}subject"] += 1.0
    evidence["z:hedge-title"] += len(locate_hedges(title))
    for start in locate_hedges(body):
        evidence["z:hedge"] += 1.0
        if start < lead_end:
            evidence["z:hedge-lead"] += 1.0
    return {name: value for name, value in evidence.items() if value}


def _topic_evidence(title: str, body: str, topics: Sequence[TopicSpec]) -> dict[str, float]:
    """Dense counts of each configured topic's keywords in the title and (capped) in the body."""
    evidence: dict[str, float] = {}
    for topic in topics:
        in_title = sum(title.count(keyword) for keyword in topic.keywords)
        in_body = sum(min(body.count(keyword), 3) for keyword in topic.keywords)
        if in_title:
            evidence[f"z:topic:{topic.id}:title"] = float(in_title)
        if in_body:
            evidence[f"z:topic:{topic.id}"] = float(in_body)
    return evidence


def article_features(
    kiwi: Kiwi,
    title: str,
    body: str,
    mentions: Sequence[Mention],
    topics: Sequence[TopicSpec] = (),
) -> dict[str, float]:
    """Feature counts of one article: lemmas, title lemmas, pairs, entities, tone and topic cues."""
    counts: Counter[str] = Counter()
    title_words = _lemmas(kiwi, title)
    body_words = _lemmas(kiwi, body[:_MAX_BODY_CHARS])
    for words, prefix in ((title_words, "t:"), (body_words, "")):
        counts.update(words)
        if prefix:
            counts.update(prefix + w for w in words)
        counts.update(f"p:{a}_{b}" for a, b in pairwise(words))
    for mention in mentions:
        counts[f"e:{mention.entity}"] += 1
        if mention.field == "title":
            counts["e:@title"] += 1
    if mentions:
        counts["e:@any"] += 1
    if names_city_and_sector(title, body):
        counts["e:@city-sector"] += 1
    features = {feature: float(count) for feature, count in counts.items()}
    # The tone lexicon (with its negation handling) as evidence the models weigh, not a verdict.
    features.update(_tone_evidence(title, body, mentions))
    features.update(_topic_evidence(title, body, topics))
    return features


def fit_linear_model(
    name: str,
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[str],
    *,
    min_df: int = 2,
    c: float = 4.0,
    dense: bool = True,
    dense_scale: float = DENSE_SCALE,
    exclude: tuple[str, ...] = (),
) -> LinearModel:
    """Fit TF-IDF (+ dense `z:` counts unless `dense` is off) and a balanced logistic regression.

    Features starting with a prefix in `exclude` are left out; the model then has no weight for
    them, so applying it ignores them too.
    """
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < 2:
        raise ModelError(f"model {name}: needs examples of at least two classes")
    document_frequency: Counter[str] = Counter()
    for row in rows:
        document_frequency.update(f for f in row if not f.startswith(exclude))
    dense_names = tuple(
        sorted(f for f in document_frequency if dense and f.startswith(DENSE_PREFIX))
    )
    kept = [
        {
            f: v
            for f, v in row.items()
            if document_frequency[f] >= min_df
            and not f.startswith(DENSE_PREFIX)
            and not f.startswith(exclude)
        }
        for row in rows
    ]
    vectorizer = DictVectorizer()
    counts = vectorizer.fit_transform(kept)
    tfidf = TfidfTransformer(sublinear_tf=True)
    matrix = tfidf.fit_transform(counts)
    if dense_names:
        values = np.log1p([[row.get(f, 0.0) for f in dense_names] for row in rows]) * dense_scale
        matrix = hstack([matrix, csr_matrix(values)]).tocsr()
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    classifier.fit(matrix, list(labels))
    names = list(vectorizer.get_feature_names_out())
    return LinearModel(
        name=name,
        classes=tuple(str(c) for c in classifier.classes_),
        vocabulary={str(f): i for i, f in enumerate(names)},
        idf=np.asarray(tfidf.idf_, dtype=float),
        coef=np.asarray(classifier.coef_, dtype=float),
        intercept=np.asarray(classifier.intercept_, dtype=float),
        dense=dense_names,
        dense_scale=dense_scale,
    )


def latest_model_path(folder: Path) -> Path | None:
    """The newest `classifiers-vN.json` in `folder`, or None when none was trained yet."""
    if not folder.is_dir():
        return None
    found: list[tuple[int, Path]] = []
    for path in folder.glob(f"{MODEL_PREFIX}*.json"):
        number = path.stem[len(MODEL_PREFIX) :]
        if number.isdigit():
            found.append((int(number), path))
    return max(found)[1] if found else None


def save_classifiers(folder: Path, classifiers: Classifiers) -> Path:
    """Write a model version as `classifiers-vN.json` (written whole, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{MODEL_PREFIX}{classifiers.version}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(classifiers.to_json(), ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return path


def load_classifiers(path: Path) -> Classifiers:
    """Read one model file; a ModelError names the file and what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read model {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise ModelError(f"{path}: not a model file of format {FORMAT_VERSION}; run monitor train")
    try:
        models = data["models"]
        scores = {
            name: Scores(
                examples=int(s["examples"]),
                precision=float(s["precision"]),
                recall=float(s["recall"]),
                f1=float(s["f1"]),
                folds=int(s["folds"]),
            )
            for name, s in data.get("scores", {}).items()
        }
        classifiers = Classifiers(
            version=int(data["version"]),
            trained_at=datetime.fromisoformat(data["trained_at"]),
            relevance=LinearModel.from_json(models["relevance"]),
            topic=LinearModel.from_json(models["topic"]),
            tone=LinearModel.from_json(models["tone"]),
            scores=scores,
            examples={str(k): int(v) for k, v in data.get("examples", {}).items()},
            path=path,
            # Files written before these were recorded are of the first feature set.
            features_version=int(data.get("features_version", 1)),
            labelled_digest=str(data.get("labelled_digest", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: malformed model file ({exc}); run monitor train") from None
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}; run monitor train") from None
    _check_classes(path, classifiers)
    return classifiers


def _check_classes(path: Path, classifiers: Classifiers) -> None:
    """Refuse a file whose relevance or tone classes are not the ones the pipeline stores."""
    expected = {
        "relevance": (classifiers.relevance, {"relevant", "irrelevant"}),
        "tone": (classifiers.tone, {"positive", "neutral", "negative"}),
    }
    for name, (model, allowed) in expected.items():
        if not set(model.classes) <= allowed or len(model.classes) < 2:
            found = ", ".join(model.classes)
            known = ", ".join(sorted(allowed))
            raise ModelError(f"{path}: the {name} model's classes ({found}) must be among {known}")


def read_examples(lines: Iterable[str], source: str) -> list[Example]:
    """Examples from JSON Lines in the labelled-set format (blank lines skipped)."""
    examples: list[Example] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            examples.append(
                Example(
                    id=str(item["id"]),
                    title=str(item["title"]),
                    body=str(item["body"]),
                    relevant=bool(item["relevant"]),
                    topic=item.get("topic"),
                    tone=item.get("tone"),
                    source=source,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{source} line {number}: {exc}") from None
    return examples
