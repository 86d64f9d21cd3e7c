"""What the reports say, read from the store: theme statistics, evidence, recommendations, contexts.

Every function returns plain JSON-able data (dicts and lists) so the CLI, the web pages and the
risk model can use them unchanged. Statistics count **reports** (inspections with text), only from
narrative sections (summary, recommendations, judgement chapters, LSCB review), by the report's
overall grade, framework and year of fieldwork.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from cscwatch.errors import CscwatchError, StoreNotBuilt
from cscwatch.identity import resolve_la
from cscwatch.store import Store
from cscwatch.text.segment import NARRATIVE_SECTIONS
from cscwatch.text.taxonomy import THEME_IDS, THEMES, theme

__all__ = ["themes_table", "theme_evidence", "la_recommendations", "separation", "themes_page_context",
           "la_themes_panel", "previous_report_theme_features", "GRADES", "wilson_interval",
           "PUBLICATION_LAG_DAYS"]

GRADES = ("outstanding", "good", "requires_improvement", "inadequate")
_GRADE_ALIASES = {"ri": "requires_improvement", "requires improvement": "requires_improvement",
                  "requires-improvement": "requires_improvement"}
#: When a report's publication date is unknown it counts as public this many days after fieldwork
#: started (the longest start-to-publication gap among the development reports is 225 days).
PUBLICATION_LAG_DAYS = 225


class UnknownTheme(CscwatchError):
    """A theme id that is not in the taxonomy."""


def _need(store: Store) -> None:
    if not store.has_table("report_sentence") or not store.scalar("SELECT count(*) FROM text_report"):
        raise StoreNotBuilt("no classified report text yet; run `cscwatch build --reports PATH` "
                            "(or `cscwatch text classify` after ingesting reports)")


def _grade(value: str | None) -> str | None:
    if value is None:
        return None
    g = _GRADE_ALIASES.get(value.strip().lower(), value.strip().lower())
    if g not in GRADES:
        raise CscwatchError(f"unknown grade {value!r}; expected one of {', '.join(GRADES)} (or ri)")
    return g


def _theme(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in THEME_IDS:
        raise UnknownTheme(f"unknown theme {value!r}; expected one of {', '.join(THEME_IDS)}")
    return value


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return None, None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)


def _reports(store: Store, la: str | None = None, grade: str | None = None, framework: str | None = None,
             year: int | None = None) -> list[dict]:
    """Classified reports with LA, framework, dates and overall grade (one row per report file)."""
    sql = ("SELECT t.sha256, si.la_code_old, coalesce(l.la_name, si.la_name) AS la_name, si.framework,"
           " si.start_date, coalesce(i.publication_date, si.publication_date) AS publication_date,"
           " i.inspection_id, j.grade AS overall"
           " FROM text_report t JOIN source_inspection si ON si.source = 'report' AND si.source_ref = t.sha256"
           " LEFT JOIN inspection_source s ON s.source_id = si.source_id"
           " LEFT JOIN inspection i ON i.inspection_id = s.inspection_id"
           " LEFT JOIN judgement j ON j.inspection_id = i.inspection_id AND j.judgement = 'overall'"
           " LEFT JOIN la l ON l.la_code_old = si.la_code_old WHERE 1=1")
    params: list[Any] = []
    if la:
        sql += " AND si.la_code_old = ?"
        params.append(la)
    if grade:
        sql += " AND j.grade = ?"
        params.append(grade)
    if framework:
        sql += " AND si.framework = ?"
        params.append(framework)
    if year:
        sql += " AND year(si.start_date) = ?"
        params.append(year)
    return store.rows(sql + " ORDER BY si.la_code_old, si.start_date", params)


def _report_theme_counts(store: Store, shas: list[str]) -> dict[tuple[str, str], dict[str, int]]:
    """(sha256, theme) -> {'concern': n, 'strength': n, 'neutral': n} over narrative sentences."""
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"concern": 0, "strength": 0, "neutral": 0})
    if not shas:
        return out
    for r in store.rows(
            "SELECT t.sha256, t.theme, s.polarity, count(*) AS n FROM sentence_theme t"
            " JOIN report_sentence s USING (sha256, sentence_no)"
            " WHERE list_contains(?, t.sha256) AND list_contains(?, s.section) GROUP BY ALL",
            [shas, list(NARRATIVE_SECTIONS)]):
        out[(r["sha256"], r["theme"])][r["polarity"]] = int(r["n"])
    return out


def _net_concern(c: dict) -> bool:
    """A report *raises a theme as a concern* when it says more concerns than strengths about it.

    (Almost every long report says at least one critical thing about most themes, so "any concern
    sentence" does not tell reports apart.)"""
    return c.get("concern", 0) > c.get("strength", 0)


def _resolve(store: Store, la: str | None) -> dict | None:
    return resolve_la(store, la) if la else None


def themes_table(store: Store, *, la: str | None = None, grade: str | None = None, theme_id: str | None = None,
                 framework: str | None = None, year: int | None = None, by: str | None = None) -> list[dict]:
    """One row per theme (per group when ``by`` is 'grade', 'framework' or 'year') over the selected reports.

    Columns: theme, title, [group], reports, concern_reports (reports saying more concerns than
    strengths about the theme), strength_reports (more strengths than concerns), concern_rate
    (+ 95% Wilson interval), concern_sentences, strength_sentences.
    """
    _need(store)
    la_row = _resolve(store, la)
    grade, theme_id = _grade(grade), _theme(theme_id)
    if by not in (None, "grade", "framework", "year"):
        raise CscwatchError(f"--by must be grade, framework or year, not {by!r}")
    reps = _reports(store, la_row["la_code_old"] if la_row else None, grade, framework, year)
    counts = _report_theme_counts(store, [r["sha256"] for r in reps])
    groups: dict[Any, list[dict]] = defaultdict(list)
    for r in reps:
        key = None if by is None else (r["overall"] if by == "grade" else r["framework"] if by == "framework"
                                       else (r["start_date"].year if r["start_date"] else None))
        groups[key].append(r)
    rows = []
    for key in sorted(groups, key=lambda k: (k is None, GRADES.index(k) if by == "grade" and k in GRADES else str(k))):
        members = groups[key]
        for t in THEMES:
            if theme_id and t.id != theme_id:
                continue
            per = [counts.get((r["sha256"], t.id), {"concern": 0, "strength": 0}) for r in members]
            n = len(members)
            c_rep = sum(1 for p in per if _net_concern(p))
            lo, hi = wilson_interval(c_rep, n)
            row = {"theme": t.id, "title": t.title}
            if by:
                row[by] = key
            row.update({"reports": n, "concern_reports": c_rep,
                        "strength_reports": sum(1 for p in per if p["strength"] > p["concern"]),
                        "concern_rate": round(c_rep / n, 3) if n else None, "concern_rate_low": lo,
                        "concern_rate_high": hi,
                        "concern_sentences": sum(p["concern"] for p in per),
                        "strength_sentences": sum(p["strength"] for p in per)})
            rows.append(row)
    return rows


def _evidence_row(r: dict) -> dict:
    return {"theme": r["theme"], "polarity": r["polarity"], "text": r["text"], "la_code_old": r["la_code_old"],
            "la_name": r["la_name"], "framework": r["framework"], "overall": r["overall"],
            "start_date": r["start_date"], "inspection_id": r["inspection_id"], "section": r["section"],
            "page": r["page"], "sha256": r["sha256"], "file": r["file"], "score": r["score"]}


def theme_evidence(store: Store, theme_id: str, *, la: str | None = None, grade: str | None = None,
                   polarity: str | None = None, framework: str | None = None, year: int | None = None,
                   limit: int = 50) -> list[dict]:
    """Sentences that carry ``theme_id``, most confident first, each linked to its report page."""
    _need(store)
    theme_id = _theme(theme_id)
    la_row = _resolve(store, la)
    grade = _grade(grade)
    reps = {r["sha256"]: r for r in _reports(store, la_row["la_code_old"] if la_row else None, grade, framework, year)}
    if not reps:
        return []
    sql = ("SELECT t.sha256, t.theme, t.score, s.sentence_no, s.page, s.section, s.text, s.polarity, s.polarity_score,"
           " (SELECT min(f.path) FROM report_file f WHERE f.sha256 = t.sha256) AS file"
           " FROM sentence_theme t JOIN report_sentence s USING (sha256, sentence_no)"
           " WHERE t.theme = ? AND list_contains(?, t.sha256) AND list_contains(?, s.section)")
    params: list[Any] = [theme_id, list(reps), list(NARRATIVE_SECTIONS)]
    if polarity:
        sql += " AND s.polarity = ?"
        params.append(polarity)
    sql += " ORDER BY t.score * s.polarity_score DESC, t.sha256, s.sentence_no LIMIT ?"
    params.append(limit)
    out = []
    for r in store.rows(sql, params):
        r.update({k: reps[r["sha256"]][k] for k in ("la_code_old", "la_name", "framework", "overall",
                                                    "start_date", "inspection_id")})
        out.append(_evidence_row(r))
    return out


def _followups(store: Store, sha: str) -> dict[int, dict]:
    return {r["rec_no"]: r for r in store.rows(
        "SELECT f.rec_no, f.status, f.similarity, f.next_sha256, f.evidence_page, s.text AS evidence"
        " FROM recommendation_followup f LEFT JOIN report_sentence s"
        " ON s.sha256 = f.next_sha256 AND s.sentence_no = f.evidence_sentence_no WHERE f.sha256 = ?", [sha])}


def la_recommendations(store: Store, la: str, *, latest_only: bool = False) -> list[dict]:
    """Every recommendation of the LA's reports (newest report first) with themes and follow-up status.

    ``followup`` is 'resolved', 'still_concern' or 'not_mentioned' in the next report, or
    'awaiting_next_report' when no later report is in the store.
    """
    _need(store)
    la_row = resolve_la(store, la)
    reps = _reports(store, la_row["la_code_old"])
    reps = [r for r in reps if r["framework"] != "LSCB"]
    reps.sort(key=lambda r: r["start_date"] or date.min, reverse=True)
    if latest_only:
        reps = reps[:1]
    out = []
    for rep in reps:
        fu = _followups(store, rep["sha256"])
        next_dates = {r["sha256"]: r["start_date"] for r in _reports(store, la_row["la_code_old"])}
        for r in store.rows("SELECT * FROM recommendation WHERE sha256 = ? ORDER BY rec_no", [rep["sha256"]]):
            f = fu.get(r["rec_no"])
            out.append({
                "la_code_old": la_row["la_code_old"], "la_name": la_row["la_name"],
                "inspection_id": rep["inspection_id"], "framework": rep["framework"],
                "start_date": rep["start_date"], "overall": rep["overall"], "rec_no": r["rec_no"],
                "page": r["page"], "kind": r["kind"], "timescale": r["timescale"], "category": r["category"],
                "text": r["text"], "themes": [t for t in r["themes"].split(";") if t],
                "followup": f["status"] if f else "awaiting_next_report",
                "next_report_date": next_dates.get(f["next_sha256"]) if f else None,
                "evidence": f["evidence"] if f else None, "evidence_page": f["evidence_page"] if f else None,
                "sha256": rep["sha256"],
            })
    return out


def separation(store: Store, *, low: str = "good", high: str = "inadequate") -> list[dict]:
    """Which themes separate ``high``-graded from ``low``-graded reports (good = good or outstanding).

    Per theme: share of reports raising the theme as a concern (more concern than strength
    sentences about it) in each group with 95% Wilson
    intervals, their difference with a Newcombe interval, and the mean share of the report's
    narrative sentences that are concerns on the theme. Sorted by the difference.
    """
    _need(store)
    groups = {"low": ("good", "outstanding") if low == "good" else (low,), "high": (high,)}
    reps = _reports(store)
    by = {k: [r for r in reps if r["overall"] in v] for k, v in groups.items()}
    counts = _report_theme_counts(store, [r["sha256"] for r in reps])
    sizes = {r["sha256"]: r["n"] for r in store.rows(
        "SELECT sha256, count(*) AS n FROM report_sentence WHERE list_contains(?, section) GROUP BY 1",
        [list(NARRATIVE_SECTIONS)])}
    rows = []
    for t in THEMES:
        row: dict[str, Any] = {"theme": t.id, "title": t.title}
        stats = {}
        for k, members in by.items():
            n = len(members)
            c = sum(1 for r in members if _net_concern(counts.get((r["sha256"], t.id), {})))
            share = [counts.get((r["sha256"], t.id), {}).get("concern", 0) / max(sizes.get(r["sha256"], 1), 1)
                     for r in members]
            stats[k] = (c, n)
            lo, hi = wilson_interval(c, n)
            name = high if k == "high" else low
            row.update({f"{name}_reports": n, f"{name}_concern_reports": c,
                        f"{name}_rate": round(c / n, 3) if n else None, f"{name}_rate_low": lo,
                        f"{name}_rate_high": hi,
                        f"{name}_concern_share": round(sum(share) / n, 4) if n else None})
        (c1, n1), (c0, n0) = stats["high"], stats["low"]
        if n1 and n0:
            d = c1 / n1 - c0 / n0
            l1, h1 = wilson_interval(c1, n1)
            l0, h0 = wilson_interval(c0, n0)
            p1, p0 = c1 / n1, c0 / n0
            row["difference"] = round(d, 3)
            row["difference_low"] = round(d - math.sqrt((p1 - l1) ** 2 + (h0 - p0) ** 2), 3)
            row["difference_high"] = round(d + math.sqrt((h1 - p1) ** 2 + (p0 - l0) ** 2), 3)
        rows.append(row)
    return sorted(rows, key=lambda r: -(r.get("difference") or 0))


# -- page contexts (the lead wires these into /themes and the LA page) ---------------------------
def themes_page_context(store: Store, *, grade: str | None = None, framework: str | None = None,
                        year: int | None = None, evidence_per_theme: int = 3) -> dict:
    """The national picture for a ``/themes`` page: see docs/themes.md for the shape."""
    _need(store)
    reps = _reports(store, grade=_grade(grade), framework=framework, year=year)
    return {
        "filters": {"grade": _grade(grade), "framework": framework, "year": year},
        "reports": len(reps), "las": len({r["la_code_old"] for r in reps}),
        "taxonomy": [t.as_dict() for t in THEMES],
        "themes": themes_table(store, grade=grade, framework=framework, year=year),
        "by_grade": themes_table(store, framework=framework, year=year, by="grade"),
        "separation": separation(store),
        "evidence": {t.id: {"concern": theme_evidence(store, t.id, grade=grade, framework=framework, year=year,
                                                      polarity="concern", limit=evidence_per_theme),
                            "strength": theme_evidence(store, t.id, grade=grade, framework=framework, year=year,
                                                       polarity="strength", limit=evidence_per_theme)}
                     for t in THEMES},
    }


def la_themes_panel(store: Store, la: str, *, evidence_per_theme: int = 2) -> dict:
    """The LA page's panel: last report's themes with evidence, its recommendations, and how the
    previous report's recommendations were followed up in it. See docs/themes.md for the shape."""
    _need(store)
    la_row = resolve_la(store, la)
    reps = [r for r in _reports(store, la_row["la_code_old"]) if r["framework"] != "LSCB"]
    base = {"la_code_old": la_row["la_code_old"], "la_name": la_row["la_name"]}
    if not reps:
        return {**base, "report": None, "themes": [], "recommendations": [], "previous_recommendations": []}
    reps.sort(key=lambda r: r["start_date"] or date.min)
    last = reps[-1]
    counts = _report_theme_counts(store, [last["sha256"]])
    themes = []
    for t in THEMES:
        c = counts.get((last["sha256"], t.id))
        if not c or not (c["concern"] or c["strength"]):
            continue
        themes.append({"theme": t.id, "title": t.title, "concern_sentences": c["concern"],
                       "strength_sentences": c["strength"], "measures": list(t.measures),
                       "evidence": [e for e in theme_evidence(store, t.id, la=la_row["la_code_old"], limit=200)
                                    if e["sha256"] == last["sha256"]][:evidence_per_theme]})
    themes.sort(key=lambda x: -(x["concern_sentences"] + x["strength_sentences"]))
    recs = la_recommendations(store, la_row["la_code_old"])
    previous = [r for r in recs if len(reps) > 1 and r["sha256"] == reps[-2]["sha256"]]
    return {**base,
            "report": {k: last[k] for k in ("inspection_id", "framework", "start_date", "publication_date",
                                            "overall", "sha256")},
            "themes": themes,
            "recommendations": [r for r in recs if r["sha256"] == last["sha256"]],
            "previous_recommendations": previous}


# -- early warning -------------------------------------------------------------------------------
def _public_on(rep: dict) -> date | None:
    if rep["publication_date"]:
        return rep["publication_date"]
    return rep["start_date"] + timedelta(days=PUBLICATION_LAG_DAYS) if rep["start_date"] else None


def previous_report_theme_features(store: Store, la_code_old: str, as_of: date, *,
                                   exclude_inspection_id: str | None = None) -> dict[str, float]:
    """Theme features from the LA's latest report that was **public before** ``as_of``.

    Leakage rule: a report counts only if its publication date (reconciled register, else the
    report's own, else fieldwork start + :data:`PUBLICATION_LAG_DAYS`) is strictly before
    ``as_of``, and never the inspection ``exclude_inspection_id`` (the one being predicted). Values:
    ``theme_<id>_concern`` / ``theme_<id>_strength`` (share of the report's narrative sentences that
    are concerns / strengths on the theme), ``theme_concern_share`` (all concerns),
    ``theme_recommendations`` (number of recommendations), ``theme_report_age_days``. Every value is
    NaN when there is no such report. Plain dict, so a backtest can build rows with it per cutoff.
    """
    _need(store)
    nan = float("nan")
    keys = [f"theme_{t}_{p}" for t in THEME_IDS for p in ("concern", "strength")]
    empty = {k: nan for k in keys + ["theme_concern_share", "theme_recommendations", "theme_report_age_days"]}
    cands = [r for r in _reports(store, la_code_old) if r["framework"] != "LSCB"
             and r["inspection_id"] != exclude_inspection_id and (_public_on(r) or date.max) < as_of]
    if not cands:
        return empty
    rep = max(cands, key=_public_on)
    n = store.scalar("SELECT count(*) FROM report_sentence WHERE sha256 = ? AND list_contains(?, section)",
                     [rep["sha256"], list(NARRATIVE_SECTIONS)]) or 1
    counts = _report_theme_counts(store, [rep["sha256"]])
    out = dict(empty)
    for t in THEME_IDS:
        c = counts.get((rep["sha256"], t), {"concern": 0, "strength": 0})
        out[f"theme_{t}_concern"] = c["concern"] / n
        out[f"theme_{t}_strength"] = c["strength"] / n
    out["theme_concern_share"] = (store.scalar(
        "SELECT count(*) FROM report_sentence WHERE sha256 = ? AND polarity = 'concern' AND list_contains(?, section)",
        [rep["sha256"], list(NARRATIVE_SECTIONS)]) or 0) / n
    out["theme_recommendations"] = float(store.scalar("SELECT count(*) FROM recommendation WHERE sha256 = ?",
                                                      [rep["sha256"]]) or 0)
    out["theme_report_age_days"] = float((as_of - _public_on(rep)).days)
    return out
