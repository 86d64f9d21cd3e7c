"""``cscwatch changes``: what changed in a window, as plain items for tables, JSON, feeds and digests.

An item is one thing a reader would want to be told about, dated by when it became public:

==============  ==========================================================  =======================
kind            what                                                        dated by
==============  ==========================================================  =======================
``inspection``  a graded inspection in the register, with its grades and    publication date (else
                the LA's previous overall grade                             end, else start date)
``visit``       a focused or monitoring visit                               publication (else visit)
``publication`` a fetched JTAI letter, or a fetched file the parser could   the date Ofsted lists it
                not read (so nothing fetched is silently lost)              under
``statistics``  a new EES data set version loaded into the warehouse        its EES publication time
``band``        a new figure of a key measure that put an LA in another     the figure's release date
                quartile band (A-D) than its previous period did            (``release.published``)
``flag``        a new figure of a key measure raising the adverse-move      the figure's release date
                flag (the LA moved the wrong way by more than its
                neighbours' spread)
``score``       an early-warning probability that moved by                  the end of the window
                ``min_score_move`` (0.05) or more between the start and
                the end of the window (each as of its own date)
==============  ==========================================================  =======================

Key measures are ``warehouse.sources.KEY_MEASURES`` (the ones the early warning uses); pass
``measures=None`` for every banded measure. On the real store a quarter's releases move thousands of
LA-measure bands across all ~300 banded measures (measured: 11,493 band moves for March-May 2025),
which no reader wants; the key measures keep it to the figures that matter for the warning. Score
moves below 0.05 (a band boundary crossed by 0.01) are noise and are left out.

Bands and flags come from :func:`cscwatch.warehouse.benchmark.measure_table` (one benchmark path;
statistical neighbours of the ``comparator`` model), comparing each new period with the period
before it. Scores come through :func:`early_warning_scores`, the watch package's single call into
the risk model: the model is being rewritten, and that function is the one place to repoint.
Items with no LA (``statistics``) are kept whatever LAs are asked for: a release concerns everyone.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from cscwatch.errors import CscwatchError
from cscwatch.grades import JUDGEMENT_TITLES, Grade
from cscwatch.store import Store
from cscwatch.warehouse.sources import KEY_MEASURES

KINDS = ("inspection", "visit", "publication", "statistics", "band", "flag", "score")
DEFAULT_DAYS = 7
MIN_SCORE_MOVE = 0.05
SHORT_JUDGEMENT = {"overall": "overall", "leadership": "leaders", "help_and_protection": "help and protection",
                   "children_in_care": "children in care", "care_leavers": "care leavers", "adoption": "adoption",
                   "lscb": "LSCB"}
VISIT_WORDS = {"focused": "Focused visit", "monitoring": "Monitoring visit"}


# -- the risk model, through one adapter --------------------------------------------------------
def early_warning_scores(store: Store, as_of: date) -> dict[str, dict[str, Any]]:
    """Every current LA's early-warning score as of ``as_of``: ``{la_code_old: {probability, band,
    rank, la_name, model}}``. The only place the watch package calls the risk model: repoint it here
    when ``cscwatch.risk`` changes."""
    from cscwatch.risk.scores import score

    return {r["la_code_old"]: {"probability": r["probability"], "band": r["band"], "rank": r["rank"],
                               "la_name": r["la_name"], "model": r.get("model")}
            for r in score(store, as_of=as_of)}


# -- helpers -----------------------------------------------------------------------------------
def _grade_word(grade: str | None) -> str:
    if not grade:
        return "not graded"
    try:
        return Grade(grade).label.lower()
    except ValueError:
        return grade.replace("_", " ")


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def _in(scope: set[str] | None, code: str | None) -> bool:
    return scope is None or code is None or code in scope


def _split(values: Iterable[str] | str | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def resolve_scope(store: Store, las: Iterable[str] | str | None = None,
                  peers: Iterable[str] | str | None = None) -> set[str] | None:
    """The LA codes a query is about: ``las`` plus ``peers`` (names or codes, or ``sn2025`` /
    ``sn2021`` for the statistical neighbours of ``las``); None means every LA."""
    from cscwatch.identity import resolve_la

    las_l, peers_l = _split(las), _split(peers)
    if not las_l and not peers_l:
        return None
    codes = {resolve_la(store, x)["la_code_old"] for x in las_l}
    for p in peers_l:
        model = p.lower().removeprefix("sn")
        if p.lower().startswith("sn") and model in ("2021", "2025"):
            if not codes:
                raise CscwatchError(f"--peers {p}: statistical neighbours of which LA? give --la too")
            rows = store.rows(f"SELECT neighbour FROM stat_neighbour WHERE model = ? AND la_code_old IN "
                              f"({', '.join('?' for _ in codes)})", [model, *sorted(codes)])
            codes |= {r["neighbour"] for r in rows}
        else:
            codes.add(resolve_la(store, p)["la_code_old"])
    return codes


def _names(store: Store) -> dict[str, str]:
    if not store.has_table("la"):
        return {}
    return {r["la_code_old"]: r["la_name"] for r in store.rows("SELECT la_code_old, la_name FROM la")}


def _item(kind: str, when: date | datetime | None, la: str | None, la_name: str | None, title: str, source: str,
          ident: str, **detail: Any) -> dict[str, Any]:
    day = when.date() if isinstance(when, datetime) else when
    return {"id": f"{kind}:{ident}", "kind": kind, "date": day, "la_code_old": la, "la_name": la_name,
            "title": title, "source": source, "detail": detail}


# -- each kind of change -------------------------------------------------------------------------
def _inspections(store: Store, since: date, until: date, scope: set[str] | None) -> list[dict[str, Any]]:
    if not store.has_table("inspection"):
        return []
    rows = store.rows("""
        SELECT i.*, coalesce(i.publication_date, i.end_date, i.start_date) AS d FROM inspection i
        WHERE coalesce(i.publication_date, i.end_date, i.start_date) BETWEEN ? AND ? ORDER BY d""", [since, until])
    out = []
    for r in (r for r in rows if _in(scope, r["la_code_old"])):
        grades = {g["judgement"]: g["grade"] for g in store.rows(
            "SELECT judgement, grade FROM judgement WHERE inspection_id = ?", [r["inspection_id"]])}
        previous = store.scalar("""
            SELECT j.grade FROM inspection p JOIN judgement j ON j.inspection_id = p.inspection_id
            WHERE j.judgement = 'overall' AND p.la_code_old = ?
              AND coalesce(p.publication_date, p.end_date, p.start_date) < ?
            ORDER BY coalesce(p.publication_date, p.end_date, p.start_date) DESC LIMIT 1""",
                                [r["la_code_old"], r["d"]])
        what = " ".join(x for x in (r["framework"], r["inspection_type"], "inspection") if x)
        if "overall" in grades:
            graded = f"overall {_grade_word(grades['overall'])}"
            if previous:
                graded += f" (was {_grade_word(previous)})"
        elif grades:
            graded = "; ".join(f"{SHORT_JUDGEMENT.get(k, k)} {_grade_word(v)}" for k, v in grades.items())
        else:
            graded = "no grades recorded"
        published = "published" if r["publication_date"] else "dated"
        out.append(_item("inspection", r["d"], r["la_code_old"], r["la_name"],
                         f"{r['la_name']}: {what} {published} {r['d']}: {graded}", r["sources"], r["inspection_id"],
                         framework=r["framework"], inspection_type=r["inspection_type"], start_date=r["start_date"],
                         end_date=r["end_date"], publication_date=r["publication_date"], grades=grades,
                         previous_overall=previous,
                         judgements={JUDGEMENT_TITLES.get(k, k): v for k, v in grades.items()}))
    return out


def _visits(store: Store, since: date, until: date, scope: set[str] | None,
            names: dict[str, str]) -> list[dict[str, Any]]:
    if not store.has_table("visit"):
        return []
    rows = store.rows("SELECT *, coalesce(publication_date, visit_date) AS d FROM visit "
                      "WHERE coalesce(publication_date, visit_date) BETWEEN ? AND ? ORDER BY d", [since, until])
    out = []
    for r in (r for r in rows if _in(scope, r["la_code_old"])):
        name = names.get(r["la_code_old"], r["la_code_old"])
        what = VISIT_WORDS.get(r["visit_type"], f"{r['visit_type']} visit")
        title = f"{name}: {what} on {r['visit_date']}" + (f" ({r['theme']})" if r.get("theme") else "")
        priority = {k: v for k, v in r.items() if "priority" in k and v}
        if priority:
            title += ": areas for priority action"
        extra = {k: v for k, v in r.items() if k not in ("d", "la_code_old", "la_name", "source", "kind", "title", "ident")}
        out.append(_item("visit", r["d"], r["la_code_old"], name, title, r["source"], r["visit_id"], **extra))
    return out


def _publications(store: Store, since: date, until: date, scope: set[str] | None,
                  names: dict[str, str]) -> list[dict[str, Any]]:
    if not store.has_table("watch_report_link"):
        return []
    rows = store.rows("""
        SELECT w.*, f.status AS parse_status, f.error AS parse_error FROM watch_report_link w
        LEFT JOIN report_file f ON f.path = w.path
        WHERE w.status = 'ingested' AND w.listed_date BETWEEN ? AND ?
          AND (w.doc_kind = 'jtai' OR f.status = 'error') ORDER BY w.listed_date""", [since, until])
    out = []
    for r in (r for r in rows if _in(scope, r["la_code_old"])):
        name = names.get(r["la_code_old"]) or r["provider_name"]
        note = "" if r["parse_status"] != "error" else f" (not read: {r['parse_error']})"
        out.append(_item("publication", r["listed_date"], r["la_code_old"], name,
                         f"{name}: {r['title']} listed {r['listed_date']}{note}", "ofsted_reports", r["link"],
                         url=r["link"], doc_kind=r["doc_kind"], path=r["path"], parse_status=r["parse_status"]))
    return out


def _statistics(store: Store, since: date, until: date) -> list[dict[str, Any]]:
    if not store.has_table("watch_dataset_version"):
        return []
    rows = store.rows("SELECT * FROM watch_dataset_version WHERE state = 'loaded' AND "
                      "CAST(coalesce(published, loaded_at) AS DATE) BETWEEN ? AND ?", [since, until])
    return [_item("statistics", r["published"] or r["loaded_at"], None, None,
                  f"New statistics: {r['title'] or r['source_id']} version {r['version']}"
                  + (f" ({r['release_title']})" if r["release_title"] else "")
                  + (f", periods {r['time_period_start'] + ' ' if r['time_period_start'] else ''}to "
                     f"{r['time_period_end']}" if r["time_period_end"] else ""),
                  "ees", f"{r['data_set_id']}:{r['version']}", source_id=r["source_id"], data_set_id=r["data_set_id"],
                  version=r["version"], notes=r["notes"], changes=r["changes"]) for r in rows]


def _figures(store: Store, since: date, until: date, scope: set[str] | None, comparator: str,
             measures: Sequence[str] | None) -> list[dict[str, Any]]:
    """Band changes and raised adverse-move flags in figures first released in the window."""
    if not store.has_table("release") or not store.scalar("SELECT count(*) FROM release"):
        return []
    from cscwatch.warehouse.benchmark import Context, measure_table

    only = "" if measures is None else f"AND m.measure_id IN ({', '.join('?' for _ in measures)})"
    new = store.rows(f"""
        SELECT o.measure_id, o.period, min(r.published) AS published
        FROM (SELECT DISTINCT measure_id, period, source_id FROM observation) o
        JOIN release r USING (source_id, period) JOIN measure m USING (measure_id)
        WHERE m.polarity IN ('high', 'low') AND NOT coalesce(m.no_quartile, false) {only}
        GROUP BY o.measure_id, o.period HAVING min(r.published) BETWEEN ? AND ?
        ORDER BY 3, 1, 2""", [*(measures or ()), since, until])
    ctx = Context(store)
    tables: dict[tuple[str, str], dict[str, Any]] = {}

    def table(measure_id: str, period: str) -> dict[str, Any]:
        if (measure_id, period) not in tables:
            tables[(measure_id, period)] = measure_table(store, measure_id, period, comparator, context=ctx)
        return tables[(measure_id, period)]

    out = []
    for n in new:
        now = table(n["measure_id"], n["period"])
        i = now["periods"].index(n["period"])
        if i == 0:
            continue
        before = {r["la_code_old"]: r for r in table(n["measure_id"], now["periods"][i - 1])["rows"]}
        title = now["measure"]["title"]
        for r in now["rows"]:
            la = r["la_code_old"]
            if not _in(scope, la):
                continue
            b = before.get(la, {})
            common = dict(measure_id=n["measure_id"], measure=title, period=n["period"],
                          previous_period=now["periods"][i - 1], value=r["value"], previous_value=b.get("value"),
                          band=r["band"], previous_band=b.get("band"), change_1y=r["change_1y"],
                          neighbours=comparator, polarity=now["measure"]["polarity"])
            if r["band"] and b.get("band") and r["band"] != b["band"]:
                way = "worse" if r["band"] > b["band"] else "better"
                out.append(_item("band", n["published"], la, r["la_name"],
                                 f"{r['la_name']}: {title} {n['period']}: band {b['band']} to {r['band']} ({way}); "
                                 f"{_fmt(b.get('value'))} to {_fmt(r['value'])}", r.get("status") or "warehouse",
                                 f"{n['measure_id']}:{n['period']}:{la}", direction=way, **common))
            if r["flag"] is True:
                out.append(_item("flag", n["published"], la, r["la_name"],
                                 f"{r['la_name']}: {title} {n['period']} moved the wrong way by more than its "
                                 f"neighbours: {_fmt(b.get('value'))} to {_fmt(r['value'])}", "warehouse",
                                 f"{n['measure_id']}:{n['period']}:{la}", **common))
    return out


def _scores(store: Store, since: date, until: date, scope: set[str] | None, min_move: float,
            notes: list[str]) -> list[dict[str, Any]]:
    try:
        before, after = early_warning_scores(store, since), early_warning_scores(store, until)
    except (CscwatchError, ValueError, KeyError) as exc:
        notes.append(f"early-warning scores not compared: {exc}")
        return []
    out = []
    for la, a in after.items():
        b = before.get(la)
        if b is None or not _in(scope, la):
            continue
        moved = a["probability"] - b["probability"]
        if abs(moved) < min_move:
            continue
        way = "up" if moved > 0 else "down"
        band = f"band {b['band']} to {a['band']}" if a["band"] != b["band"] else f"band {a['band']}"
        out.append(_item("score", until, la, a["la_name"],
                         f"{a['la_name']}: early-warning {band}, probability {b['probability']:.2f} to "
                         f"{a['probability']:.2f} ({way}), rank {b['rank']} to {a['rank']}",
                         a.get("model") or "risk", f"{since}:{until}:{la}", as_of=until, previous_as_of=since,
                         probability=a["probability"], previous_probability=b["probability"], band=a["band"],
                         previous_band=b["band"], rank=a["rank"], previous_rank=b["rank"]))
    return out


def what_changed(store: Store, since: date | None = None, until: date | None = None, *,
                 las: Iterable[str] | str | None = None, peers: Iterable[str] | str | None = None,
                 kinds: Sequence[str] = KINDS, comparator: str = "2025",
                 measures: Sequence[str] | None = KEY_MEASURES,
                 min_score_move: float = MIN_SCORE_MOVE) -> dict[str, Any]:
    """Everything that changed between ``since`` and ``until`` (inclusive; default: the 7 days to
    today), newest first. Shape: ``{since, until, las, la_names, counts, notes, items: [{id, kind,
    date, la_code_old, la_name, title, source, detail}]}`` (JSON-able via ``cscwatch.output``);
    ``las`` is None when no LA was asked for (every LA)."""
    until = until or date.today()
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if since > until:
        raise CscwatchError(f"--since {since} is after --until {until}")
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise CscwatchError(f"unknown kind of change {unknown[0]!r}; choose from {', '.join(KINDS)}")
    scope = resolve_scope(store, las, peers)
    names = _names(store)
    notes: list[str] = []
    items: list[dict[str, Any]] = []
    if "inspection" in kinds:
        items += _inspections(store, since, until, scope)
    if "visit" in kinds:
        items += _visits(store, since, until, scope, names)
    if "publication" in kinds:
        items += _publications(store, since, until, scope, names)
    if "statistics" in kinds:
        items += _statistics(store, since, until)
    if "band" in kinds or "flag" in kinds:
        items += [i for i in _figures(store, since, until, scope, comparator, measures) if i["kind"] in kinds]
    if "score" in kinds:
        items += _scores(store, since, until, scope, min_score_move, notes)
    order = {k: n for n, k in enumerate(KINDS)}
    items.sort(key=lambda i: (-(i["date"] or date.min).toordinal(), order[i["kind"]], i["la_name"] or "", i["id"]))
    counts = {k: sum(1 for i in items if i["kind"] == k) for k in kinds}
    las_sorted = sorted(scope) if scope is not None else None
    return {"since": since, "until": until, "las": las_sorted,
            "la_names": [names.get(c, c) for c in las_sorted] if las_sorted is not None else None,
            "counts": counts, "notes": notes, "items": items}
