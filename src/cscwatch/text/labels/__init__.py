"""The hand labels shipped with the package (see ``README.md`` beside this file).

* ``sentences_train.csv`` / ``sentences_test.csv``: 661 sentences from the 45 development LAs'
  reports, labelled with themes and polarity against ``docs/themes-guidelines.md``; split by LA (the
  test LAs' reports are never used to choose features, settings or thresholds).
* ``blind_pass_sentences.txt`` / ``blind_pass_key.csv`` / ``blind_pass_labels.csv``: 100 of them
  relabelled from the sentence text alone, in another order and without the first labels, for
  agreement (Cohen's kappa).
* ``followup.csv``: recommendations matched by hand to the LA's next report (resolved / still a
  concern / not mentioned).

Sentence text is Ofsted's (Crown copyright, Open Government Licence v3.0).
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Iterator

__all__ = ["LabelledSentence", "load_sentences", "load_blind_pass", "load_followups", "labels_fingerprint",
           "FollowupLabel"]

_FILES = ("sentences_train.csv", "sentences_test.csv", "blind_pass_labels.csv", "followup.csv")


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    split: str
    la_code_old: str
    la_name: str
    framework: str
    grade: str
    section: str
    sha256: str
    page: int
    text: str
    themes: tuple[str, ...]
    polarity: str


@dataclass(frozen=True)
class FollowupLabel:
    sha256: str
    rec_no: int
    la_code_old: str
    next_sha256: str
    status: str
    text: str
    note: str


def _rows(name: str) -> Iterator[dict[str, str]]:
    path = resources.files(__name__).joinpath(name)
    if not path.is_file():
        return iter(())
    with path.open(encoding="utf-8", newline="") as f:
        return iter(list(csv.DictReader(f)))


def load_sentences(split: str | None = None) -> list[LabelledSentence]:
    """Labelled sentences of ``split`` ('train' or 'test'), or both when ``None``."""
    out = []
    for s in ("train", "test"):
        if split not in (None, s):
            continue
        for r in _rows(f"sentences_{s}.csv"):
            out.append(LabelledSentence(
                id=r["id"], split=s, la_code_old=r["la_code_old"], la_name=r["la_name"], framework=r["framework"],
                grade=r["grade"], section=r["section"], sha256=r["sha256"], page=int(r["page"]), text=r["text"],
                themes=tuple(t for t in r["themes"].split(";") if t), polarity=r["polarity"]))
    return out


def load_blind_pass() -> list[tuple[str, tuple[str, ...], str]]:
    """(sentence id, themes, polarity) of the blind second pass, mapped back through the key."""
    key = {r["blind_id"]: r["id"] for r in _rows("blind_pass_key.csv")}
    return [(key[r["blind_id"]], tuple(t for t in r["themes"].split(";") if t), r["polarity"])
            for r in _rows("blind_pass_labels.csv")]


def load_followups() -> list[FollowupLabel]:
    return [FollowupLabel(r["sha256"], int(r["rec_no"]), r["la_code_old"], r["next_sha256"], r["status"],
                          r["text"], r.get("note", "")) for r in _rows("followup.csv")]


def labels_fingerprint() -> str:
    """SHA-256 over the label files: stored classifications record which labels trained them."""
    h = hashlib.sha256()
    for name in _FILES[:2]:
        path = resources.files(__name__).joinpath(name)
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()
