"""`monitor train`: retrain the classifiers from the shipped labelled set and the team's labels."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path

import sqlite_utils

import db as store
from monitor.analyse import Analyser
from monitor.config import Config
from monitor.errors import UsageError
from nlp.classify import (
    FEATURES_VERSION,
    Classifiers,
    Example,
    ModelError,
    latest_model_path,
    load_classifiers,
    read_examples,
    save_classifiers,
)
from nlp.training import train_classifiers

__all__ = [
    "labelled_set_digest",
    "labelled_set_files",
    "load_current_classifiers",
    "load_examples",
    "models_folder",
    "out_of_date_reason",
    "train_models",
]


def models_folder(config: Config) -> Path:
    """Where model versions live: `models/` beside the database, in the data folder."""
    return config.database_path.parent / "models"


def labelled_set_files() -> list[Path]:
    """The labelled set shipped with the package (`nlp/labelled/*.jsonl`)."""
    folder = Path(str(resources.files("nlp") / "labelled"))
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def labelled_set_digest(files: list[Path] | None = None) -> str:
    """A SHA-256 of the shipped labelled set (file names and bytes), to tell its versions apart."""
    digest = hashlib.sha256()
    for path in labelled_set_files() if files is None else sorted(files):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        digest.update(path.name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def out_of_date_reason(classifiers: Classifiers, digest: str) -> str | None:
    """Why a stored model no longer fits this installation (other features, another labelled set),
    or None when it does. The team's labels are not part of this: they retrain on request."""
    if classifiers.features_version != FEATURES_VERSION:
        return (
            f"it was trained on features v{classifiers.features_version} "
            f"and the analyser makes v{FEATURES_VERSION}"
        )
    if classifiers.labelled_digest != digest:
        return "the shipped labelled set has changed since it was trained"
    return None


def load_examples(db: sqlite_utils.Database, files: list[Path] | None = None) -> list[Example]:
    """The shipped labelled set plus every article the team labelled with `monitor label`."""
    examples: list[Example] = []
    for path in labelled_set_files() if files is None else files:
        try:
            examples += read_examples(path.read_text(encoding="utf-8").splitlines(), path.name)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    for row in store.team_labels(db):
        examples.append(
            Example(
                id=f"team-{row['id']}",
                title=row["title"] or "",
                body=row["body"] or "",
                relevant=None if row["relevant"] is None else bool(row["relevant"]),
                topic=row["topic"],
                tone=row["tone"],
                source="team",
            )
        )
    return examples


def load_current_classifiers(config: Config) -> Classifiers | None:
    """The newest trained model version, or None when none exists (the rules serve)."""
    path = latest_model_path(models_folder(config))
    return None if path is None else load_classifiers(path)


def train_models(
    config: Config,
    db: sqlite_utils.Database,
    analyser: Analyser,
    clock: Callable[[], datetime],
    *,
    files: list[Path] | None = None,
    folds: int = 5,
) -> Classifiers:
    """Train, cross-validate and store a new model version; the previous versions are kept."""
    examples = load_examples(db, files)
    if not examples:
        raise UsageError("no labelled examples: no labelled set is shipped and nothing is labelled")
    folder = models_folder(config)
    previous = latest_model_path(folder)
    version = 1 if previous is None else int(previous.stem.rsplit("v", 1)[1]) + 1

    def features_of(example: Example) -> dict[str, float]:
        mentions = analyser.mentions(example.title, example.body)
        return analyser.features(example.title, example.body, mentions)

    try:
        trained = train_classifiers(
            examples,
            features_of,
            topics=[t.id for t in config.topics],
            version=version,
            trained_at=clock(),
            core_entities=analyser.core_entities,
        )
    except ModelError as exc:
        raise UsageError(str(exc)) from None
    trained = replace(trained, labelled_digest=labelled_set_digest(files))
    return replace(trained, path=save_classifiers(folder, trained))
