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


PROVISIONAL_COLUMNS = [Column("title", "Measure", width=44), Column("unit", "Unit", width=14),
                       Column("period", "Year to 31 March"),
                       Column("provisional", "Provisional (the LA's own returns)", "number", 1),
                       Column("provisional_suppression", "Provisional suppressed (c)"),
                       Column("published", "Published by DfE, same year", "number", 1),
                       Column("published_status", "Published status"),
                       Column("difference", "Provisional minus published", "number", 1),
                       Column("latest_published_period", "Latest published year"),
                       Column("latest_published", "Latest published figure", "number", 1),
                       Column("computed_at", "Provisional computed", "datetime"),
                       Column("measure_id", "Measure id", width=24)]


def provisional_table(ctx: dict[str, Any], panel: dict[str, Any]) -> Table:
    """An LA's provisional figures beside the published ones (suppressed: counts under 5 show c)."""
    name = panel.get("la_name") or panel["la_code_old"]
    return Table("Provisional figures", f"{name}: provisional figures from its own returns beside DfE's published "
                 "figures", PROVISIONAL_COLUMNS, panel["rows"], as_at=_as_at(ctx),
                 source=f"{name}'s SSDA903 and CIN census returns (provisional); DfE statistics (published)",
                 notes=[panel.get("note") or "Provisional figures are computed from the LA's own returns."])


def la_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    la = ctx["la"]
    extra = {"provisional": provisional_table(ctx, ctx["provisional"])} if ctx.get("provisional") else {}
    return {**extra,
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
    risk = ctx.get("risk") or {}
    if risk.get("available"):
        out.append(Table("Early warning", f"{la['la_name']}: early warning as of {_day(risk['as_of'])}",
                         [Column("what", "What", width=36), Column("value", "Value", width=100)],
                         risk_panel_rows(risk), as_at=_as_at(ctx), suppression_key=False,
                         source=f"cscwatch early warning ({risk.get('model')} model), published scores",
                         notes=[risk.get("accuracy") or "", "A statistical estimate from published data, not a "
                                "judgement. The model card says how it was made and tested."]))
    if ctx.get("provisional"):
        out.append(tables["provisional"])
    themes = ctx.get("themes") or {}
    if themes.get("report"):
        out.append(recommendations_table(ctx, themes))
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


# -- early warning ----------------------------------------------------------------------------
def _pct(v: Any) -> float | None:
    return None if v is None else round(100 * float(v), 1)


def risk_panel_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    """One LA's early-warning panel as (what, value) rows for its workbook."""
    w = r.get("window") or {}
    st = r.get("status") or {}
    rows = [{"what": "Status", "value": st.get("label")},
            {"what": "Band", "value": r.get("band_label")},
            {"what": "Rank (1 = highest chance of inadequate within 12 months)", "value": f"{r.get('rank')} of "
                                                                                         f"{r.get('n_las')}"},
            {"what": "Chance of a standard or short inspection within 12 months", "value": f"{_pct(r.get('p_inspected_12m'))}%"},
            {"what": "Chance an inspection judges it inadequate", "value": f"{_pct(r.get('p_inadequate_if_inspected'))}%"},
            {"what": "Chance of being judged inadequate within 12 months", "value": f"{_pct(r.get('p_inadequate_12m'))}%"}]
    if w:
        rows.append({"what": "Next inspection window (Ofsted's rules)",
                     "value": f"{w.get('event')}: {w.get('earliest')} to {w.get('latest')} (usual {w.get('usual')}; "
                              f"{str(w.get('status') or '').replace('_', ' ')})"})
    if st.get("judged_inadequate"):
        visits = st.get("monitoring_visits_since")
        rows.append({"what": "Monitoring visits since the judgement",
                     "value": "not all on record" if visits is None else str(visits)})
    rows += [{"what": "Pushing the chance up", "value": x} for x in r.get("reasons", [])]
    rows += [{"what": "Pulling it down", "value": x} for x in r.get("reasons_down", [])]
    return rows


RISK_COLUMNS = [Column("rank", "Rank (1 = highest chance of inadequate within 12 months)", "integer"),
                Column("la_name", "Local authority", width=30), Column("la_code_old", "DfE LA code"),
                Column("la_code_new", "ONS code"), Column("region", "Region", width=24),
                Column("band_label", "Band", width=22), Column("status_label", "Current status", width=60),
                Column("p_inspected_3m_pct", "Inspected within 3 months (%)", "number", 1),
                Column("p_inspected_6m_pct", "Inspected within 6 months (%)", "number", 1),
                Column("p_inspected_12m_pct", "Inspected within 12 months (%)", "number", 1),
                Column("p_inadequate_if_inspected_pct", "Inadequate if inspected (%)", "number", 1),
                Column("p_inadequate_12m_pct", "Inadequate within 12 months (%)", "number", 1),
                Column("window_event", "Next inspection (rules)"), Column("window_earliest", "Window opens", "date"),
                Column("window_usual", "Usual date", "date"), Column("window_latest", "Window closes", "date"),
                Column("window_status", "Window status"),
                Column("monitoring_visits_since", "Monitoring visits since an inadequate judgement", "integer"),
                Column("reasons_text", "Pushing the chance up", width=80),
                Column("reasons_down_text", "Pulling it down", width=80)]


def risk_rows(las: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in las:
        w = r.get("window") or {}
        row = {**r, "status_label": r["status"]["label"], "monitoring_visits_since": r["status"]["monitoring_visits_since"],
               "window_event": w.get("event"), "window_earliest": w.get("earliest"), "window_usual": w.get("usual"),
               "window_latest": w.get("latest"), "window_status": (w.get("status") or "").replace("_", " ") or None,
               "reasons_text": "; ".join(r.get("reasons", [])), "reasons_down_text": "; ".join(r.get("reasons_down", []))}
        for k in ("p_inspected_3m", "p_inspected_6m", "p_inspected_12m", "p_inadequate_if_inspected", "p_inadequate_12m"):
            row[f"{k}_pct"] = _pct(r.get(k))
        out.append(row)
    return out


def risk_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    if not ctx.get("available"):
        return {"scores": Table("Early warning", "No early-warning scores are published in this store", RISK_COLUMNS,
                                [], as_at=_as_at(ctx), suppression_key=False)}
    src = {"source": f"cscwatch early warning ({ctx['model']} model, backtest {ctx['backtest_years']})",
           "as_at": _as_at(ctx), "suppression_key": False}
    return {
        "scores": Table("Early warning", f"Early warning for every local authority as of {_day(ctx['as_of'])}"
                        + (f", {ctx['region']}" if ctx.get("region") else ""), RISK_COLUMNS, risk_rows(ctx["las"]),
                        period=f"12 months from {_day(ctx['as_of'])}",
                        notes=[ctx["accuracy"], "A statistical estimate from published data, not a judgement; see the "
                               "model card."], **src),
        "bands": Table("Bands", "How the bands are cut, and how often each was judged inadequate in the backtest", [
            Column("label", "Band", width=16), Column("lower_pct", "From (%)", "number", 2),
            Column("upper_pct", "Below (%)", "number", 2), Column("share_pct", "Share of backtest LA-quarters (%)", "number", 1),
            Column("n_rows", "Backtest LA-quarters", "integer"),
            Column("observed_pct", "Judged inadequate within 12 months (%)", "number", 1),
            Column("predicted_pct", "Mean predicted (%)", "number", 1)],
            [{**b, "lower_pct": None if b["lower"] is None else round(100 * b["lower"], 2),
              "upper_pct": None if b["upper"] is None else round(100 * b["upper"], 2), "share_pct": _pct(b["share"]),
              "observed_pct": _pct(b["observed_rate"]), "predicted_pct": _pct(b["mean_predicted"])} for b in ctx["bands"]],
            notes=[ctx["band_note"]], **src),
    }


# -- themes -----------------------------------------------------------------------------------
def _theme_columns(group: str | None = None) -> list[Column]:
    cols = [Column("title", "Theme", width=44)]
    if group:
        cols.append(Column(group, {"grade": "Overall grade", "framework": "Framework", "year": "Year"}[group]))
    return cols + [Column("reports", "Reports", "integer"),
                   Column("concern_reports", "Reports raising it as a concern", "integer"),
                   Column("concern_rate_pct", "Share raising it as a concern (%)", "number", 1),
                   Column("concern_rate_low_pct", "95% interval from (%)", "number", 1),
                   Column("concern_rate_high_pct", "95% interval to (%)", "number", 1),
                   Column("strength_reports", "Reports mostly praising it", "integer"),
                   Column("concern_sentences", "Concern sentences", "integer"),
                   Column("strength_sentences", "Strength sentences", "integer"), Column("theme", "Theme id", width=20)]


def _theme_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, **{f"{k}_pct": _pct(r.get(k)) for k in ("concern_rate", "concern_rate_low", "concern_rate_high")}}
            for r in rows]


def themes_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    src = {"source": "Ofsted inspection reports, classified by cscwatch (see docs/themes.md for its accuracy)",
           "as_at": _as_at(ctx), "suppression_key": False}
    if not ctx.get("available"):
        return {"themes": Table("Themes", ctx.get("message") or "No report text", _theme_columns(), [], **src)}
    f = ctx["filters"]
    chosen = ", ".join(f"{k} {v}" for k, v in f.items() if v) or "all reports"
    evidence = [{**e, "polarity": p} for by in ctx["evidence"].values() for p, rows in by.items() for e in rows]
    sep_rows = [{**r, **{f"{k}_pct": _pct(r.get(k)) for k in (
        "inadequate_rate", "inadequate_rate_low", "inadequate_rate_high", "good_rate", "good_rate_low", "good_rate_high",
        "difference", "difference_low", "difference_high")}} for r in ctx["separation"]]
    return {
        "themes": Table("Themes", f"What inspectors said, by theme ({chosen})", _theme_columns(),
                        _theme_rows(ctx["themes"]), **src),
        "by_grade": Table("Themes by grade", "What inspectors said, by theme and overall grade",
                          _theme_columns("grade"), _theme_rows(ctx["by_grade"]), **src),
        "separation": Table("Inadequate vs good", "Which themes separate inadequate from good or outstanding reports", [
            Column("title", "Theme", width=44),
            Column("inadequate_concern_reports", "Inadequate reports raising it", "integer"),
            Column("inadequate_reports", "Inadequate reports", "integer"),
            Column("inadequate_rate_pct", "Inadequate: share (%)", "number", 1),
            Column("inadequate_rate_low_pct", "Inadequate: 95% interval from (%)", "number", 1),
            Column("inadequate_rate_high_pct", "Inadequate: 95% interval to (%)", "number", 1),
            Column("good_concern_reports", "Good or outstanding reports raising it", "integer"),
            Column("good_reports", "Good or outstanding reports", "integer"),
            Column("good_rate_pct", "Good or outstanding: share (%)", "number", 1),
            Column("good_rate_low_pct", "Good or outstanding: 95% interval from (%)", "number", 1),
            Column("good_rate_high_pct", "Good or outstanding: 95% interval to (%)", "number", 1),
            Column("difference_pct", "Difference (percentage points)", "number", 1),
            Column("difference_low_pct", "Difference: 95% interval from", "number", 1),
            Column("difference_high_pct", "Difference: 95% interval to", "number", 1), Column("theme", "Theme id", width=20)],
            sep_rows, notes=["Intervals: Wilson for each share, Newcombe for the difference."], **src),
        "evidence": Table("Evidence", "Evidence sentences, most confident first", [
            Column("theme", "Theme id", width=20), Column("polarity", "Concern or strength"),
            Column("text", "Sentence", width=100), Column("la_name", "Local authority", width=28),
            Column("framework", "Framework"), Column("overall", "Overall grade"),
            Column("start_date", "Inspection started", "date"), Column("page", "Report page", "integer"),
            Column("sha256", "Report (SHA-256)", width=20)], evidence, **src),
    }


def recommendations_table(ctx: dict[str, Any], themes: dict[str, Any]) -> Table:
    la = ctx["la"]
    rows = [{**r, "which": "Last report"} for r in themes.get("recommendations", [])]
    rows += [{**r, "which": "Report before"} for r in themes.get("previous_recommendations", [])]
    return Table("Recommendations", f"{la['la_name']}: recommendations of its last two reports and their follow-up", [
        Column("which", "Report"), Column("start_date", "Inspection started", "date"), Column("rec_no", "No.", "integer"),
        Column("text", "Recommendation", width=100), Column("themes", "Themes", width=30),
        Column("followup_text", "Follow-up", width=30), Column("evidence", "What the next report said", width=100),
        Column("page", "Report page", "integer")], rows, as_at=_as_at(ctx), suppression_key=False,
        source="Ofsted inspection reports, classified by cscwatch",
        notes=["Follow-up is matched automatically and is right about half the time on held-out reports: read the "
               "deciding sentence, not the status alone (docs/themes.md)."])


# -- plan -------------------------------------------------------------------------------------
def plan_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    from cscwatch.planner.xlsx import plan_tables as tables

    return tables(ctx)


# -- returns ----------------------------------------------------------------------------------
def returns_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    la = ctx["la"]
    files = [{**f, "year": y["year"]} for y in ctx["years"] for f in y["files"]]
    out = {"files": Table("Returns loaded", f"{la['la_name']}: returns loaded into cscwatch", [
        Column("year", "Year to 31 March", "integer"), Column("kind", "File"), Column("file_name", "File name", width=30),
        Column("status", "Status"), Column("n_rows", "Rows", "integer"), Column("error", "Error", width=60),
        Column("ingested_at", "Loaded", "datetime")], files, as_at=_as_at(ctx), suppression_key=False)}
    if ctx.get("provisional"):
        out["provisional"] = provisional_table(ctx, ctx["provisional"])
    return out


def child_issue_tables(ctx: dict[str, Any]) -> dict[str, Table]:
    """Child-level (login only): every validation issue with the child's pseudonymised key and row."""
    rows = [{**i, "child_key": c["child_key"]} for c in ctx["children"] for i in c["issues"]]
    rows += [{**i, "child_key": None} for i in ctx["la_level"]]
    return {"issues": Table("Validation issues", f"{ctx['la']['la_name']} {ctx['year']}: validation issues per child", [
        Column("child_key", "Child (pseudonymised key)", width=34), Column("return_type", "Return"),
        Column("rule_code", "Rule"), Column("severity", "Severity"), Column("table_name", "Table"),
        Column("columns", "Fields", width=24), Column("row_no", "Row in the file", "integer"),
        Column("message", "Message", width=80)], rows, as_at=_as_at(ctx), suppression_key=False,
        notes=["Child-level: for the logged-in account only. Children appear by pseudonymised key, never by ID."])}
