"""Recommendations ("what needs to improve", SIF recommendations, legacy areas for improvement) and
whether the LA's next report still raises them.

Extraction reads the segmented report's ``recommendations`` section: each bullet or numbered item
is one recommendation (a SIF item's "by:" sub-points stay with it); preambles ("In order to improve
..., the local authority should take the following action") are dropped.

Follow-up (:func:`follow_up`) compares a recommendation with the next report's sentences on the
same theme(s) by TF-IDF cosine similarity over content words:

* a next-report recommendation as similar as ``rec_threshold`` or more -> ``still_concern``;
* otherwise the next report's sentences as similar as ``sentence_threshold`` or more (best three)
  vote by their polarity, weighted by similarity: concerns outweigh strengths -> ``still_concern``,
  else ``resolved``;
* nothing similar enough -> ``not_mentioned``.
The thresholds were chosen on the training LAs of the hand-labelled follow-up sample
(``labels/followup.csv``) and are scored on its held-out LAs (``bench/themes.py``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from cscwatch.text.segment import NARRATIVE_SECTIONS, SegmentedReport

__all__ = ["Recommendation", "extract_recommendations", "FollowUp", "NextSentence", "follow_up",
           "REC_THRESHOLD", "SENTENCE_THRESHOLD", "STATUSES", "followup_vectoriser"]

STATUSES = ("resolved", "still_concern", "not_mentioned")
REC_THRESHOLD = 0.10
SENTENCE_THRESHOLD = 0.08

_PREAMBLE = re.compile(r"^(?:in order to improve|there are no|the local authority (?:should|needs to|must)"
                       r"|the following|to improve the quality)", re.I)
#: Words every recommendation and report uses: they say nothing about *which* issue is meant.
DOMAIN_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS | {
    "ensure", "ensuring", "improve", "improving", "improved", "improvement", "quality", "children", "child",
    "young", "people", "person", "social", "work", "workers", "worker", "practice", "local", "authority",
    "effective", "effectively", "consistently", "consistent", "services", "service", "support", "needs",
    "families", "family", "including", "timely", "good", "impact", "make", "sure", "review", "develop",
    "strengthen", "increase", "range", "level", "levels", "appropriate", "clear", "clearly", "all", "their",
})


@dataclass(frozen=True)
class Recommendation:
    rec_no: int
    page: int
    kind: str                 # what_needs_to_improve | recommendation | area_for_improvement | priority_action
    timescale: str | None
    category: str | None
    text: str


def _kind(layout: str, subheading: str | None) -> str:
    if subheading and subheading.lower().startswith("priority"):
        return "priority_action"
    return {"ilacs": "what_needs_to_improve", "legacy": "area_for_improvement"}.get(layout, "recommendation")


def extract_recommendations(seg: SegmentedReport) -> list[Recommendation]:
    """The report's own recommendations in printed order (an LSCB review's are the board's, not here)."""
    paras = seg.section("recommendations")
    items = [p for p in paras if p.kind in ("bullet", "numbered")] or paras
    out: list[Recommendation] = []
    for p in items:
        text = " ".join(p.text.split())
        if len(text.split()) < 2 or text.endswith(":") or _PREAMBLE.match(text):
            continue
        timescale = p.subheading if p.subheading in ("Immediately", "Within three months", "Within six months") else None
        category = None if timescale else p.subheading
        out.append(Recommendation(len(out) + 1, p.page, _kind(seg.layout, p.subheading), timescale, category, text))
    return out


@dataclass(frozen=True)
class NextSentence:
    sentence_no: int
    page: int
    section: str
    text: str
    themes: tuple[str, ...]
    polarity: str


@dataclass(frozen=True)
class FollowUp:
    status: str
    similarity: float
    evidence: NextSentence | None


def followup_vectoriser(corpus: Sequence[str]) -> TfidfVectorizer:
    """TF-IDF over content words (domain stop words removed), fitted on a corpus of report text."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words=sorted(DOMAIN_STOP_WORDS),
                           min_df=1, lowercase=True).fit(corpus)


def follow_up(rec_text: str, rec_themes: Sequence[str], next_sentences: Sequence[NextSentence],
              vectoriser: TfidfVectorizer, *, rec_threshold: float = REC_THRESHOLD,
              sentence_threshold: float = SENTENCE_THRESHOLD) -> FollowUp:
    """Status of one recommendation in the next report (see the module docstring)."""
    pool = [s for s in next_sentences if s.section in NARRATIVE_SECTIONS]
    if rec_themes:
        themed = [s for s in pool if set(s.themes) & set(rec_themes) or s.section == "recommendations"]
        pool = themed or pool
    if not pool:
        return FollowUp("not_mentioned", 0.0, None)
    mat = vectoriser.transform([rec_text] + [s.text for s in pool])
    sims = (mat[1:] @ mat[0].T).toarray().ravel()
    recs = [(sims[i], s) for i, s in enumerate(pool) if s.section == "recommendations"]
    if recs:
        best_rec = max(recs, key=lambda x: x[0])
        if best_rec[0] >= rec_threshold:
            return FollowUp("still_concern", round(float(best_rec[0]), 3), best_rec[1])
    order = np.argsort(-sims)[:3]
    hits = [(float(sims[i]), pool[i]) for i in order if sims[i] >= sentence_threshold and pool[i].section != "recommendations"]
    best = float(sims[order[0]]) if len(order) else 0.0
    if not hits:
        return FollowUp("not_mentioned", round(best, 3), None)
    concern = sum(w for w, s in hits if s.polarity == "concern")
    strength = sum(w for w, s in hits if s.polarity == "strength")
    status = "still_concern" if concern >= strength and concern > 0 else ("resolved" if strength > 0 else "not_mentioned")
    evidence = max(((w, s) for w, s in hits if (s.polarity == "concern") == (status == "still_concern")),
                   key=lambda x: x[0], default=hits[0])[1]
    return FollowUp(status, round(hits[0][0], 3), evidence)
