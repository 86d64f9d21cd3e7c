"""Every downloadable table, built from a view's context (so a download never disagrees with its page).

Each function takes a context (the dict a page, its ``/api`` twin and the CLI render) and returns
:class:`cscwatch.tables.Table` specs: human headers with units, each measure's own precision, real
dates, a title block saying what, which period, which source, when published and how current.
The web serves them as CSV or XLSX (``?format=csv|xlsx&table=NAME``); the LA and measure
workbooks are lists of them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from cscwatch.contexts.formatting import STATUS_TEXT
from cscwatch.store import Store
from cscwatch.tables import Column, Table, number_column

LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."


def _as_at(ctx: dict[str, Any]) -> str | None:
    f = ctx.get("freshness") or {}
    return f.get("summary") or None


def _day(d: Any) -> str | None:
    if isinstance(d, str):
        try:
            d = date.fromisoformat(d[:10])
        except ValueError:
            return d
    return f"{d.day} {d:%B %Y}" if isinstance(d, date) else None


def unit_text(m: dict[str, Any]) -> str:
    u = (m.get("unit") or "").strip()
    return f" ({u})" if u and f"({u})" not in (m.get("title") or "") else ""


def _comparator_decimals(m: dict[str, Any]) -> int:
    """An average of counts is not a count: neighbours' means get at least one decimal place."""
    return max(int(m.get("decimals") or 0), 1)


LA_ID_COLUMNS = [Column("la_name", "Local authority", width=30), Column("la_code_old", "DfE LA code", width=10),
                 Column("la_code_new", "ONS code", width=12), Column("region_name", "Region", width=24)]


# -- overview ---------------------------------------------------------------------------------
def overview_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    as_at = _as_at(ctx)
    when = _day(ctx["as_at"])
    grades = [g["grade"] for g in ctx["grades"]]
    return {
        "las": Table("Latest grades", f"Latest Ofsted overall effectiveness grade of each local authority, as at {when}",
                     [*LA_ID_COLUMNS, Column("grade_label", "Latest overall effectiveness"),
                      Column("inspection_title", "Inspection", width=40),
                      Column("inspection_date", "Inspection started", "date"),
                      Column("sources_text", "Source of the grade", width=40)],
                     ctx["las"], period=f"As at {when}", source="Ofsted inspection outcomes (official list and reports)",
                     as_at=as_at, suppression_key=False),
        "grade_shares": Table("Grade shares", "Share of local authorities at each latest overall grade",
                              [Column("as_at", "As at", "date"), Column("n", "Local authorities graded", "integer"),
                               *[Column(f"n_{g}", f"{g.replace('_', ' ').capitalize()} (number)", "integer")
                                 for g in grades],
                               *[Column(f"pct_{g}", f"{g.replace('_', ' ').capitalize()} (%)", "number", 1)
                                 for g in grades]],
                              ctx["grade_shares"], period="31 March each year and the latest inspection held",
                              source="Ofsted inspection outcomes, by Ofsted's 'as at 31 March' method", as_at=as_at,
                              suppression_key=False),
        "recent_inspections": Table("Recent inspections", "The most recent inspections of children's services",
                                    [Column("la_name", "Local authority", width=30),
                                     Column("la_code_old", "DfE LA code"),
                                     Column("title", "Inspection", width=44),
                                     Column("start_date", "Started", "date"),
                                     Column("publication_date", "Published", "date"),
                                     Column("overall_label", "Overall effectiveness"),
                                     Column("sources_text", "Sources", width=40)],
                                    ctx["recent_inspections"], source="Ofsted", as_at=as_at, suppression_key=False),
    }


# -- LA ---------------------------------------------------------------------------------------
def _measure_line_columns(ctx: dict[str, Any]) -> list[Column]:
    kind = ctx["comparator"].get("kind", "comparator")
    return [Column("topic", "Topic", width=22), Column("title", "Measure", width=44), Column("unit", "Unit", width=14),
            Column("period", "Period"), Column("value", "Value"), Column("status_text", "Status"),
            Column("rank", "Rank (1 = best)", "integer"), Column("n_ranked", "Local authorities ranked", "integer"),
            Column("band", "Quartile band (A = best quarter)", width=12),
            Column("comparator", f"Comparator: {kind}", "number", 1),
            Column("comparator_n", "Comparator LAs with a figure", "integer"),
            Column("region", "Region (whole region)"), Column("england", "England (whole country)"),
            Column("change_1y", "Change on a year earlier"), Column("trend", "Direction"),
            Column("small", "Small authority (never ranked)", "boolean"),
            Column("source", "Source", width=36), Column("published", "Published", "date"),
            Column("measure_id", "Measure id", width=24)]


def _line_rows(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measure lines with every figure rounded to the measure's own precision (each row has its own)."""
    out = []
    for m in lines:
        d = int(m.get("decimals") or 0)
        r = dict(m)
        for k in ("value", "region", "england", "change_1y"):
            if r.get(k) is not None:
                r[k] = round(r[k], d)
        if r.get("comparator") is not None:
            r["comparator"] = round(r["comparator"], max(d, 1))
        r["comparator_decimals"] = max(d, 1)
        out.append(r)
    return out


def _mixed_table(name: str, title: str, ctx: dict[str, Any], lines: list[dict[str, Any]], **extra: Any) -> Table:
    """Measures of different units in one table: each value is rounded to its measure's precision and
    the number format shows up to that many places."""
    cols = []
    places = max([int(m.get("decimals") or 0) for m in lines] or [1])
    for c in _measure_line_columns(ctx):
        if c.key in ("value", "region", "england", "change_1y"):
            c = Column(c.key, c.header, "number", places, decimals_key="decimals")
        elif c.key == "comparator":
            c = Column(c.key, c.header, "number", max(places, 1), decimals_key="comparator_decimals")
        cols.append(c)
    return Table(name, title, cols, _line_rows(lines), as_at=_as_at(ctx), **extra)


def inspection_rows(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for i in ctx["inspections"]:
        for j in i["judgements"] or [{}]:
            rows.append({"title": i["title"], "framework_name": i.get("framework_name"),
                         "start_date": i["start_date"], "end_date": i["end_date"],
                         "publication_date": i["publication_date"], "sources_text": i["sources_text"],
                         "judgement": j.get("title"), "grade": j.get("grade_label"),
                         "grade_source": {"report": "Inspection report", "ofsted": "Ofsted official outcomes"}.get(
                             j.get("source"), j.get("source")),
                         "inspection_id": i["inspection_id"]})
    return rows


INSPECTION_COLUMNS = [Column("title", "Inspection", width=44), Column("framework_name", "Framework", width=40),
                      Column("start_date", "Started", "date"), Column("end_date", "Ended", "date"),
                      Column("publication_date", "Published", "date"), Column("judgement", "Judgement", width=36),
                      Column("grade", "Grade", width=22), Column("grade_source", "Grade from", width=24),
                      Column("sources_text", "Sources", width=40), Column("inspection_id", "Inspection id", width=26)]
VISIT_COLUMNS = [Column("visit_type", "Visit"), Column("visit_date", "Date", "date"),
                 Column("publication_date", "Published", "date"), Column("theme", "Theme", width=40),
                 Column("source", "Source")]


def la_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    la = ctx["la"]
    return {
        "measures": _mixed_table("Measures", f"{la['la_name']}: measures against {ctx['comparator']['label'].lower()},"
                                 " region and England", ctx, ctx["measures"],
                                 source="DfE and ONS official statistics (see each row)"),
        "inspections": Table("Inspections", f"{la['la_name']}: Ofsted inspections and judgements",
                             INSPECTION_COLUMNS, inspection_rows(ctx), source="Ofsted", as_at=_as_at(ctx),
                             suppression_key=False),
        "visits": Table("Visits", f"{la['la_name']}: Ofsted focused and monitoring visits", VISIT_COLUMNS,
                        ctx["visits"], source="Ofsted", as_at=_as_at(ctx), suppression_key=False),
    }


def la_workbook(ctx: dict[str, Any]) -> list[Table]:
    """The LA profile workbook for a briefing: profile, measures, every year of every measure,
    the early-warning score and reasons (when the model is ready), inspections, visits, sources."""
    la = ctx["la"]
    tables = la_tables(ctx)
    profile = [{"field": "Local authority", "value": la["la_name"]},
               {"field": "DfE LA code", "value": la["la_code_old"]},
               {"field": "ONS code", "value": la["la_code_new"]},
               {"field": "Region", "value": la["region_name"]},
               {"field": "Comparator", "value": ctx["comparator"]["label"]},
               {"field": "Comparator LAs", "value": ", ".join(a["la_name"] for a in ctx["comparator"]["areas"])},
               {"field": "Latest inspection", "value": (ctx.get("latest_inspection") or {}).get("title")},
               {"field": "Latest overall effectiveness",
                "value": (ctx.get("latest_inspection") or {}).get("overall_label")},
               *[{"field": "Note", "value": n} for n in ctx.get("notes", [])],
               *[{"field": "Warning", "value": w} for w in (ctx.get("freshness") or {}).get("warnings", [])]]
    from cscwatch.warehouse.sources import KEY_MEASURES

    key = set(KEY_MEASURES)
    trend_rows = []
    for m in [m for m in ctx["measures"] if m["measure_id"] in key]:
        d = int(m.get("decimals") or 0)
        for s in m["series"]:
            trend_rows.append({"title": m["title"], "unit": m["unit"], "period": s["period"], "decimals": d,
                               "comparator_decimals": max(d, 1),
                               "period_end": s["period_end"],
                               "value": None if s["value"] is None else round(s["value"], d),
                               "status": STATUS_TEXT.get(s["status"] or "", s["status"]),
                               "comparator": None if s["comparator"] is None else round(s["comparator"], max(d, 1)),
                               "region": None if s["region"] is None else round(s["region"], d),
                               "england": None if s["england"] is None else round(s["england"], d),
                               "measure_id": m["measure_id"]})
    places = max([int(m.get("decimals") or 0) for m in ctx["measures"]] or [1])
    out = [Table("Profile", f"{la['la_name']}: profile", [Column("field", "Field", width=28),
                                                          Column("value", "Value", width=80)],
                 profile, as_at=_as_at(ctx), suppression_key=False),
           tables["measures"],
           Table("Trends", f"{la['la_name']}: every year of each key measure (any other measure: its own workbook)", [
               Column("title", "Measure", width=44), Column("unit", "Unit", width=14), Column("period", "Period"),
               Column("period_end", "Period ends", "date"),
               Column("value", "Value", "number", places, decimals_key="decimals"), Column("status", "Status"),
               Column("comparator", f"Comparator: {ctx['comparator'].get('kind', '')}", "number", max(places, 1),
                      decimals_key="comparator_decimals"),
               Column("region", "Region (whole region)", "number", places, decimals_key="decimals"),
               Column("england", "England (whole country)", "number", places, decimals_key="decimals"),
               Column("measure_id", "Measure id", width=24)], trend_rows, as_at=_as_at(ctx))]
    risk = ctx.get("risk")
    if risk:
        reasons = [{"direction": "pushing the risk up", "reason": x.get("text") if isinstance(x, dict) else x}
                   for x in risk.get("pushing_up", [])]
        reasons += [{"direction": "pulling it down", "reason": x.get("text") if isinstance(x, dict) else x}
                    for x in risk.get("pushing_down", [])]
        summary = [{"direction": "score",
                    "reason": f"Estimated chance the next inspection judges overall effectiveness "
                              f"{str(risk.get('target', 'inadequate')).replace('_', ' ')}: "
                              f"{round(100 * risk['probability'])}% ({risk.get('band')} risk), ranked "
                              f"{risk.get('rank')} of {risk.get('n_las')} as of {risk.get('as_of')}; "
                              f"{risk.get('model')} model. A statistical estimate, not a judgement."}]
        out.append(Table("Early warning", f"{la['la_name']}: early-warning score and reasons",
                         [Column("direction", "What", width=24), Column("reason", "Reason", width=100)],
                         summary + reasons, as_at=_as_at(ctx), suppression_key=False))
    out += [tables["inspections"], tables["visits"], sources_table(ctx)]
    return out


def sources_table(ctx: dict[str, Any]) -> Table:
    """Where every figure comes from and how current each source is."""
    rows: dict[str, dict[str, Any]] = {}
    for m in ctx.get("measures", []):
        key = m.get("source") or "cscwatch"
        r = rows.setdefault(key, {"source": key, "periods": set(), "published": None, "measures": 0})
        r["periods"].add(m["period"])
        r["measures"] += 1
        if m.get("published") and (r["published"] is None or m["published"] > r["published"]):
            r["published"] = m["published"]
    out = [{"source": r["source"], "periods": ", ".join(sorted(r["periods"])), "published": r["published"],
            "measures": r["measures"], "licence": "Open Government Licence v3.0"} for r in rows.values()]
    f = ctx.get("freshness") or {}
    if f.get("register"):
        out.append({"source": "Ofsted inspection outcomes (official list and published reports)",
                    "periods": f["register"]["text"], "published": f["register"]["newest"], "measures": None,
                    "licence": "Open Government Licence v3.0"})
    for s in f.get("statistics", []):
        out.append({"source": s["title"], "periods": s["period_text"], "published": s["published"], "measures": None,
                    "licence": "Open Government Licence v3.0"})
    return Table("Sources", "Sources of the figures in this workbook", [
        Column("source", "Source", width=60), Column("periods", "Periods", width=30),
        Column("published", "Published by", "date"), Column("measures", "Measures used", "integer"),
        Column("licence", "Licence", width=30)], out, as_at=_as_at(ctx), notes=[LICENCE], suppression_key=False)


# -- measure ----------------------------------------------------------------------------------
def _measure_source(ctx: dict[str, Any]) -> dict[str, Any]:
    m = ctx["measure"]
    pub = ctx.get("published") or {}
    return {"source": m.get("source_publication"), "published": _day(pub.get("published")), "as_at": _as_at(ctx)}


def measure_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    m = ctx["measure"]
    u, d = unit_text(m), int(m["decimals"])
    src = _measure_source(ctx)
    kind = ctx["comparator"].get("kind", "comparator")
    rows = [{**r, "value": None if r["value"] is None else round(r["value"], d)} for r in ctx["rows"]]
    return {
        "ranking": Table("Ranking", f"{m['title']}: every local authority, {ctx['period']}", [
            Column("rank", "Rank (1 = best)", "integer"), *LA_ID_COLUMNS,
            number_column("value", f"Value{u}", m["unit"], d), Column("status_text", "Status"),
            Column("band", "Quartile band (A = best quarter)", width=12),
            number_column("comparator", f"Comparator: {kind}{u}", m["unit"], _comparator_decimals(m)),
            number_column("region_value", f"Region, whole region{u}", m["unit"], d),
            number_column("england_value", f"England{u}", m["unit"], d),
            number_column("change_1y", f"Change on a year earlier{u}", m["unit"], d),
            Column("trend", "Direction"), Column("small", "Small authority (never ranked)", "boolean")],
            rows, period=ctx["period"], **src),
        "distribution": Table("Spread", f"{m['title']}: spread of local authorities' values by period", [
            Column("period", "Period"), Column("n", "Local authorities", "integer"),
            *[number_column(k, f"{h}{u}", m["unit"], d) for k, h in (
                ("min", "Lowest"), ("q1", "Lower quartile"), ("median", "Median"), ("q3", "Upper quartile"),
                ("max", "Highest"), ("england", "England"), ("la", (ctx.get("highlight") or {}).get("la_name")
                                                              or "Highlighted LA"))]],
            ctx["distribution"], notes=["Small authorities (fewer than 5,000 children) are left out of the spread."],
            **src),
        "regions": Table("Regions", f"{m['title']}: regions, {ctx['period']}", [
            Column("region_name", "Region", width=30), number_column("value", f"Value{u}", m["unit"], d),
            Column("status", "Status")], ctx["regions"], period=ctx["period"], **src),
    }


def measure_workbook(store: Store, ctx: dict[str, Any]) -> list[Table]:
    """LAIT's core export: every LA in every year of one measure, with both neighbour models' mean
    and median, region, England, rank and band (read from the precomputed benchmarks)."""
    from cscwatch.contexts.snapshot import snapshot
    from cscwatch.identity import directory

    m = ctx["measure"]
    u, d = unit_text(m), int(m["decimals"])
    cd = _comparator_decimals(m)
    las = directory(store).las
    rows = []
    for b in snapshot(store).bench_for_measure(m["measure_id"]):
        info = las.get(b["la"])
        if info is None:
            continue
        rows.append({**b, "la_name": info["la_name"], "la_code_old": b["la"], "la_code_new": info["la_code_new"],
                     "region_name": info["region_name"], "status_text": STATUS_TEXT.get(b["status"] or "", b["status"]),
                     **{k: None if b[k] is None else round(b[k], d) for k in ("value", "region_value", "england_value",
                                                                               "change_1y")},
                     **{k: None if m["categorical"] or b[k] is None else round(b[k], cd)
                        for k in ("sn2025_mean", "sn2025_median", "sn2021_mean", "sn2021_median")}})
    rows.sort(key=lambda r: (r["la_name"], r["period_end"]))
    src = _measure_source(ctx)
    every = Table("Every LA and year", f"{m['title']}: every local authority, every year", [
        *LA_ID_COLUMNS, Column("period", "Period"), Column("period_end", "Period ends", "date"),
        number_column("value", f"Value{u}", m["unit"], d), Column("status_text", "Status"),
        Column("rank", "Rank (1 = best)", "integer"), Column("n_ranked", "Local authorities ranked", "integer"),
        Column("band", "Quartile band (A = best quarter)", width=12),
        *[number_column(f"sn{model}_{avg}", f"Statistical neighbours ({model} model), {avg}{u}", m["unit"], cd)
          for model in ("2025", "2021") for avg in ("mean", "median")],
        number_column("region_value", f"Region, whole region{u}", m["unit"], d),
        number_column("england_value", f"England{u}", m["unit"], d),
        number_column("change_1y", f"Change on a year earlier{u}", m["unit"], d),
        Column("small", "Small authority (never ranked)", "boolean")],
        rows, period=f"{ctx['periods'][0]} to {ctx['periods'][-1]}", **src,
        notes=["Neighbour figures are averages of the LA's 10 DfE statistical neighbours; region and England are "
               "the published figures for the whole area.",
               "Small authorities (fewer than 5,000 children: City of London, Isles of Scilly) are shown but never "
               "ranked or banded."])
    tables = measure_tables(ctx)
    about = Table("About", m["title"], [Column("field", "Field", width=24), Column("value", "Value", width=100)], [
        {"field": "Measure id", "value": m["measure_id"]}, {"field": "Definition", "value": m.get("definition")},
        {"field": "Unit", "value": m.get("unit")},
        {"field": "Better", "value": {"high": "Higher", "low": "Lower"}.get(m.get("polarity") or "", "Context only")},
        {"field": "Source", "value": m.get("source_publication")}, {"field": "Licence", "value": LICENCE}],
        as_at=_as_at(ctx), suppression_key=False)
    return [every, tables["distribution"], tables["regions"], about]


# -- compare and lists ------------------------------------------------------------------------
def compare_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    places = max([int(m.get("decimals") or 0) for m in ctx["measures"]] or [1])
    cols = [Column("title", "Measure", width=44), Column("unit", "Unit", width=14),
            Column("england_period", "Period"), Column("england", "England (whole country)", "number", places)]
    cols[-1] = Column("england", "England (whole country)", "number", places, decimals_key="decimals")
    for i, la in enumerate(ctx["las"]):
        cols += [Column(f"v{i}", f"{la['la_name']}: value", "number", places, decimals_key="decimals"),
                 Column(f"b{i}", f"{la['la_name']}: band", width=10)]
    rows = []
    for m in ctx["measures"]:
        d = int(m.get("decimals") or 0)
        r: dict[str, Any] = {"title": m["title"], "unit": m["unit"], "england_period": m["england_period"],
                             "decimals": d,
                             "england": None if m["england"] is None else round(m["england"], d)}
        for i, c in enumerate(m["las"]):
            r[f"v{i}"] = None if not c or c["value"] is None else round(c["value"], d)
            r[f"b{i}"] = (c or {}).get("band")
        rows.append(r)
    return {"comparison": Table("Comparison", "Local authorities compared: " + ", ".join(
        la["la_name"] for la in ctx["las"]), cols, rows, as_at=_as_at(ctx))}


def measures_list_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    return {"measures": Table("Measures", "The measure dictionary", [
        Column("topic", "Topic", width=26), Column("title", "Measure", width=50), Column("unit", "Unit", width=16),
        Column("polarity", "Better (high / low)"), Column("first_period", "First period"),
        Column("latest_period", "Latest period"), Column("n_las", "Local authorities with figures", "integer"),
        Column("source_publication", "Source", width=40), Column("definition", "Definition", width=80),
        Column("measure_id", "Measure id", width=28)], ctx["measures"], as_at=_as_at(ctx), suppression_key=False)}


def las_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    return {"las": Table("Local authorities", "Children's services authorities", [
        *LA_ID_COLUMNS, Column("la_type", "Type"), Column("current", "Still exists", "boolean"),
        Column("latest_overall_label", "Latest overall effectiveness"),
        Column("latest_inspection_title", "Latest graded inspection", width=44),
        Column("latest_inspection_date", "Started", "date"), Column("valid_from", "Created", "date"),
        Column("valid_to", "Abolished", "date")], ctx["las"], as_at=_as_at(ctx), suppression_key=False)}


def search_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    return {"results": Table("Search", f"Local authorities matching '{ctx['q']}'", [
        *LA_ID_COLUMNS, Column("current", "Still exists", "boolean"),
        Column("score", "Match (1 = exact)", "number", 2)], ctx["results"], as_at=_as_at(ctx), suppression_key=False)}
