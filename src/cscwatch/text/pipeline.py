"""Store side: segment and classify every ingested report, extract recommendations, follow them up.

:func:`classify_reports` is idempotent: a report is redone only when it is new or when the
classifier fingerprint (labels, model settings, taxonomy, segmenter version, grade-statement rule) changed; reports no
longer in the register lose their rows. Follow-up is recomputed for every LA after each run, since a
newly ingested report is the "next report" of an older one. Each step writes in one transaction.
"""
from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

import pandas as pd

from cscwatch.store import Store
from cscwatch.text.labels import labels_fingerprint
from cscwatch.text.rules import GRADE_STATEMENT
from cscwatch.text.model import CHOSEN, production_classifier
from cscwatch.text.recommendations import (NextSentence, extract_recommendations, follow_up,
                                           followup_vectoriser)
from cscwatch.text.segment import layout_for, segment_pages
from cscwatch.text.taxonomy import POLARITIES, TAXONOMY_VERSION, THEME_IDS

__all__ = ["classify_reports", "ClassifySummary", "classifier_fingerprint", "FOLLOWUP_FRAMEWORKS",
           "SEGMENTER_VERSION"]

SEGMENTER_VERSION = "2"
#: Inspections whose recommendations are followed up in the LA's next report of the same kinds.
FOLLOWUP_FRAMEWORKS = ("legacy", "SIF", "ILACS", "ILACS-2023", "ILACS-2026")
Progress = Callable[[str], None]


@dataclass
class ClassifySummary:
    classified: int = 0
    unchanged: int = 0
    removed: int = 0
    sentences: int = 0
    recommendations: int = 0
    followups: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def classifier_fingerprint() -> str:
    h = hashlib.sha256()
    for part in (labels_fingerprint(), repr(CHOSEN), TAXONOMY_VERSION, SEGMENTER_VERSION, GRADE_STATEMENT.pattern):
        h.update(part.encode())
    return h.hexdigest()[:16]


def _reports(store: Store) -> list[dict]:
    return store.rows(
        "SELECT f.sha256, any_value(si.framework) AS framework, any_value(f.doc_type) AS doc_type"
        " FROM report_file f LEFT JOIN source_inspection si ON si.source = 'report' AND si.source_ref = f.sha256"
        " WHERE f.status IN ('parsed', 'no_judgements') GROUP BY f.sha256")


def pending(store: Store) -> bool:
    """Whether some stored report is not classified by the current classifier (or was removed)."""
    if not store.has_table("text_report"):
        return False
    fp = classifier_fingerprint()
    have = {r["sha256"] for r in _reports(store)}
    done = {r["sha256"]: r["classifier"] for r in store.rows("SELECT sha256, classifier FROM text_report")}
    return any(done.get(h) != fp for h in have) or bool(set(done) - have)


def classify_reports(store: Store, *, force: bool = False, progress: Progress | None = None) -> ClassifySummary:
    """Segment, classify and extract recommendations for every report not yet done; then follow up."""
    started = time.perf_counter()
    say = progress or (lambda _m: None)
    summary = ClassifySummary()
    fp = classifier_fingerprint()
    reports = _reports(store)
    done = {r["sha256"]: r["classifier"] for r in store.rows("SELECT sha256, classifier FROM text_report")}
    todo = [r for r in reports if force or done.get(r["sha256"]) != fp]
    summary.unchanged = len(reports) - len(todo)
    stale = sorted(set(done) - {r["sha256"] for r in reports})
    if todo:
        say(f"text: classifying {len(todo)} reports")
        sentences, recs, ledger = _segment_and_classify(store, todo, fp, summary)
        with store.transaction() as con:
            for table in ("sentence_theme", "report_sentence", "recommendation", "text_report"):
                con.execute(f"DELETE FROM {table} WHERE list_contains(?, sha256)", [[r["sha256"] for r in todo]])
            _insert(con, "report_sentence", sentences[0])
            _insert(con, "sentence_theme", sentences[1])
            _insert(con, "recommendation", recs)
            _insert(con, "text_report", ledger)
    if stale:
        with store.transaction() as con:
            for table in ("sentence_theme", "report_sentence", "recommendation", "text_report"):
                con.execute(f"DELETE FROM {table} WHERE list_contains(?, sha256)", [stale])
        summary.removed = len(stale)
    if todo or stale or force or not store.scalar("SELECT count(*) FROM recommendation_followup"):
        summary.followups = _follow_up_all(store)
    summary.seconds = time.perf_counter() - started
    return summary


def _insert(con, table: str, df: pd.DataFrame) -> None:
    if df.empty:
        return
    con.register("_text_rows", df)
    try:
        cols = ", ".join(df.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _text_rows")
    finally:
        con.unregister("_text_rows")


def _segment_and_classify(store: Store, todo: list[dict], fp: str, summary: ClassifySummary):
    pages: dict[str, list[str]] = defaultdict(list)
    wanted = [r["sha256"] for r in todo]
    for row in store.rows("SELECT sha256, text FROM report_page WHERE list_contains(?, sha256) ORDER BY sha256, page",
                          [wanted]):
        pages[row["sha256"]].append(row["text"])
    sent_rows, rec_rows, ledger = [], [], []
    for rep in todo:
        layout = layout_for(rep["framework"], rep["doc_type"])
        try:
            seg = segment_pages(pages.get(rep["sha256"], []), layout)
        except Exception as exc:  # one odd report must not stop the batch
            summary.errors.append(f"{rep['sha256'][:12]}: {exc}")
            continue
        items = extract_recommendations(seg) if layout != "lscb" else []
        for s in seg.sentences:
            sent_rows.append((rep["sha256"], s.sentence_no, s.paragraph_no, s.page, s.section, s.text))
        for r in items:
            rec_rows.append((rep["sha256"], r.rec_no, r.page, r.kind, r.timescale, r.category, r.text))
        ledger.append({"sha256": rep["sha256"], "layout": layout, "n_sentences": len(seg.sentences),
                       "n_recommendations": len(items), "classifier": fp, "classified_at": datetime.now()})
    model = production_classifier()
    texts = [r[5] for r in sent_rows] + [r[6] for r in rec_rows]
    theme_s, pol_s = model.scores(texts) if texts else (None, None)
    cut = [CHOSEN.threshold(t) for t in THEME_IDS]
    sentences, themes = [], []
    for i, (sha, no, para, page, section, text) in enumerate(sent_rows):
        k = int(pol_s[i].argmax())
        sentences.append((sha, no, para, page, section, text, POLARITIES[k], round(float(pol_s[i][k]), 4)))
        for j, t in enumerate(THEME_IDS):
            if theme_s[i][j] >= cut[j]:
                themes.append((sha, no, t, round(float(theme_s[i][j]), 4)))
    recs = []
    for n, (sha, no, page, kind, timescale, category, text) in enumerate(rec_rows):
        row = theme_s[len(sent_rows) + n]
        ids = [t for j, t in enumerate(THEME_IDS) if row[j] >= cut[j]]
        recs.append((sha, no, page, kind, timescale, category, text, ";".join(ids)))
    summary.classified = len(ledger)
    summary.sentences = len(sentences)
    summary.recommendations = len(recs)
    cols_s = ["sha256", "sentence_no", "paragraph_no", "page", "section", "text", "polarity", "polarity_score"]
    cols_t = ["sha256", "sentence_no", "theme", "score"]
    cols_r = ["sha256", "rec_no", "page", "kind", "timescale", "category", "text", "themes"]
    return ((pd.DataFrame(sentences, columns=cols_s), pd.DataFrame(themes, columns=cols_t)),
            pd.DataFrame(recs, columns=cols_r), pd.DataFrame(ledger))


def report_sequence(store: Store) -> dict[str, list[dict]]:
    """Per LA, its reports with text, in inspection order (frameworks in :data:`FOLLOWUP_FRAMEWORKS`)."""
    rows = store.rows(
        "SELECT si.la_code_old, si.source_ref AS sha256, si.framework, coalesce(si.start_date, si.publication_date) AS d"
        " FROM source_inspection si JOIN text_report t ON t.sha256 = si.source_ref"
        " WHERE si.source = 'report' AND list_contains(?, si.framework) ORDER BY si.la_code_old, d",
        [list(FOLLOWUP_FRAMEWORKS)])
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["la_code_old"]].append(r)
    return out


def _next_sentences(store: Store, sha256: str) -> list[NextSentence]:
    rows = store.rows(
        "SELECT s.sentence_no, s.page, s.section, s.text, s.polarity, string_agg(t.theme, ';') AS themes"
        " FROM report_sentence s LEFT JOIN sentence_theme t USING (sha256, sentence_no)"
        " WHERE s.sha256 = ? GROUP BY ALL ORDER BY s.sentence_no", [sha256])
    out = [NextSentence(r["sentence_no"], r["page"], r["section"], r["text"],
                        tuple((r["themes"] or "").split(";")) if r["themes"] else (), r["polarity"]) for r in rows]
    recs = store.rows("SELECT rec_no, page, text, themes FROM recommendation WHERE sha256 = ? ORDER BY rec_no", [sha256])
    # a next report's recommendations take part as concerns, numbered after its sentences
    base = len(out)
    out += [NextSentence(-(r["rec_no"]), r["page"], "recommendations", r["text"],
                         tuple(t for t in r["themes"].split(";") if t), "concern") for r in recs]
    return out if base or recs else []


def _follow_up_all(store: Store) -> int:
    pairs = []
    for reports in report_sequence(store).values():
        for a, b in zip(reports, reports[1:]):
            pairs.append((a["sha256"], b["sha256"]))
    recs_by = defaultdict(list)
    for r in store.rows("SELECT sha256, rec_no, text, themes FROM recommendation"):
        recs_by[r["sha256"]].append(r)
    corpus = [r["text"] for rs in recs_by.values() for r in rs]
    corpus += [r["text"] for r in store.rows("SELECT text FROM report_sentence WHERE section = 'recommendations' "
                                             "OR sentence_no % 3 = 0")]
    rows = []
    if pairs and corpus:
        vec = followup_vectoriser(corpus)
        for a, b in pairs:
            nxt = _next_sentences(store, b)
            for r in recs_by.get(a, []):
                themes = [t for t in r["themes"].split(";") if t]
                fu = follow_up(r["text"], themes, nxt, vec)
                ev = fu.evidence
                rows.append((a, r["rec_no"], b, fu.status, fu.similarity,
                             None if ev is None or ev.sentence_no < 0 else ev.sentence_no,
                             None if ev is None else ev.page))
    df = pd.DataFrame(rows, columns=["sha256", "rec_no", "next_sha256", "status", "similarity",
                                     "evidence_sentence_no", "evidence_page"])
    with store.transaction() as con:
        con.execute("DELETE FROM recommendation_followup")
        _insert(con, "recommendation_followup", df)
    return len(df)
