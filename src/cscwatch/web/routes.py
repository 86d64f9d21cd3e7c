"""Routes: each page and its ``/api`` twin share one context builder from ``pages.py``.

Responses are cached by URL (the store is read-only while serving), so a repeat request costs a
dictionary lookup. HTML pages take ``?format=csv|xlsx`` (with ``&table=NAME`` where a page has more
than one table) to download a table; ``/api`` endpoints take the same.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path as PathParam, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cscwatch.output import to_jsonable
from cscwatch.errors import NotFound
from cscwatch.web import charts, geo, pages
from cscwatch.web.app import feature_ids, table_response, xlsx_bytes

router = APIRouter()

Format = Literal["html", "json", "csv", "xlsx"]
ApiFormat = Literal["json", "csv", "xlsx"]
NeighboursQ = Annotated[Literal["2021", "2025"], Query(description="DfE statistical neighbour model")]
AverageQ = Annotated[Literal["mean", "median"], Query(description="How the comparator group is averaged")]
PeersQ = Annotated[str | None, Query(pattern=r"^\s*([A-Za-z0-9]+(\s*,\s*[A-Za-z0-9]+)*)?\s*$", max_length=2000,
                                     description="Your own peer group: comma-separated LA codes "
                                                 "(replaces the statistical neighbours)")]
AxisQ = Annotated[Literal["fit", "zero"], Query(description="Chart value axis: fit the data or start at zero")]
TableQ = Annotated[str | None, Query(pattern=r"^[a-z_]+$", description="Which table to download")]
CodeP = Annotated[str, PathParam(min_length=1, max_length=40, description="DfE 3-digit LA number or ONS code")]
MeasureP = Annotated[str, PathParam(min_length=1, max_length=200)]
PeriodQ = Annotated[str | None, Query(max_length=20, description="Period, e.g. 2024 or 2023-24 (default latest)")]

# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------


def _cache_key(request: Request) -> tuple[str, str]:
    return request.url.path, "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))


async def _cached(request: Request, build: Callable[[], Response]) -> Response:
    """Serve from the response cache, building in the thread pool on a miss."""
    key = ("response", _cache_key(request))
    cache = request.app.state.cache
    entry = cache.peek(key)  # a hit is a dict lookup: no thread hop
    if entry is None:
        entry = await run_in_threadpool(cache.get, key, lambda: _freeze(build()))
    body, status, media_type, headers = entry
    etag = headers.get("etag")
    if etag and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"etag": etag})
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _freeze(resp: Response) -> tuple[bytes, int, str | None, dict[str, str]]:
    body = bytes(resp.body)
    headers = {k: v for k, v in resp.headers.items() if k.lower() in ("content-disposition",)}
    headers["etag"] = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers["cache-control"] = resp.headers.get("cache-control", "no-cache")
    return body, resp.status_code, resp.media_type, headers


def _json(data: Any) -> JSONResponse:
    return JSONResponse(to_jsonable(data))


def _render(request: Request, template: str, context: dict[str, Any], **extra: Any) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, template, {"ctx": context, "query": dict(request.query_params), **extra})


def _view(request: Request) -> pages.StoreView:
    return request.app.state.view


def _comparator(request: Request, neighbours: str, average: str, peers: str | None) -> pages.Comparator:
    codes: tuple[str, ...] = ()
    if peers:
        view = _view(request)
        codes = tuple(dict.fromkeys(view.resolve_la(p.strip())["la_code_old"] for p in peers.split(",") if p.strip()))
    return pages.Comparator(neighbours=neighbours, average=average, peers=codes)  # type: ignore[arg-type]


def _context(request: Request, key: tuple, build: Callable[[], Any]) -> Any:
    return request.app.state.cache.get(("context", key), build)


def _download(name: str, tables: dict[str, tuple[list[dict[str, Any]], list[str]]], table: str | None,
              fmt: str) -> Response:
    if table is None:
        table = next(iter(tables))
    if table not in tables:
        raise NotFound(f"this page has no table {table!r}; tables: {', '.join(tables)}")
    rows, columns = tables[table]
    return table_response(f"{name}-{table}", rows, columns, fmt)


def _geojson(request: Request) -> dict[str, Any] | None:
    store = request.app.state.store
    cache_dir = store.path.parent / "cache" if getattr(store, "path", None) else None
    if cache_dir is not None and not cache_dir.parent.exists():
        cache_dir = None
    return geo.upper_tier_geojson(cache_dir)


def _feature_ids(request: Request) -> dict[str, str]:
    return _context(request, ("feature_ids",), lambda: feature_ids(_view(request), _geojson(request)))


# ---------------------------------------------------------------------------------------------
# Response models for the simple lists (the page twins are documented by their builders)
# ---------------------------------------------------------------------------------------------


class LocalAuthority(BaseModel):
    la_code_old: str
    la_code_new: str | None
    la_name: str
    region_code: str | None
    region_name: str | None
    la_type: str | None
    current: bool
    latest_overall: str | None
    latest_overall_label: str | None
    latest_inspection_date: str | None


class Measure(BaseModel):
    measure_id: str
    title: str
    unit: str | None
    topic: str | None
    polarity: str | None
    definition: str | None
    source_publication: str | None
    period_type: str | None
    first_period: str | None
    latest_period: str | None
    n_areas: int


class Health(BaseModel):
    ok: bool
    version: str
    las: int
    measures: int
    inspections: int
    warm: bool
    risk: Literal["pending", "ready", "unavailable", "off"]


# ---------------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------------


def _overview_tables(ctx: dict[str, Any]) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    return {
        "las": (ctx["map"], ["la_code_old", "la_code_new", "la_name", "region_name", "grade", "inspection_date"]),
        "grade_shares": (ctx["grade_shares"], ["label", "as_at", "n", *[f"n_{g}" for g in charts.GRADE_ORDER],
                                               *[f"pct_{g}" for g in charts.GRADE_ORDER]]),
        "recent_inspections": (ctx["recent_inspections"], ["inspection_id", "la_code_old", "la_name", "framework",
                                                           "inspection_type", "start_date", "publication_date",
                                                           "overall", "sources"]),
    }


def _overview(request: Request) -> dict[str, Any]:
    return _context(request, ("overview",), lambda: pages.overview_context(_view(request)))


@router.get("/", tags=["pages"], summary="National overview", response_class=Response)
async def overview_page(request: Request, format: Format = "html", table: TableQ = None) -> Response:
    def build() -> Response:
        ctx = _overview(request)
        if format == "json":
            return _json(ctx)
        if format in ("csv", "xlsx"):
            return _download("overview", _overview_tables(ctx), table, format)
        fig_map = charts.grade_map(ctx["map"], _feature_ids(request))
        return _render(request, "overview.html", ctx, map_fig=fig_map,
                       shares_fig=charts.grade_shares(ctx["grade_shares"]))
    return await _cached(request, build)


@router.get("/api/overview", tags=["api"], summary="National overview (JSON twin of /)")
async def overview_api(request: Request, format: ApiFormat = "json", table: TableQ = None) -> Response:
    """Latest overall grade of every current LA, grade shares as at 31 March each year and today (Ofsted's method) and the
    most recent inspections."""
    def build() -> Response:
        ctx = _overview(request)
        return _json(ctx) if format == "json" else _download("overview", _overview_tables(ctx), table, format)
    return await _cached(request, build)


# ---------------------------------------------------------------------------------------------
# LA page
# ---------------------------------------------------------------------------------------------

LA_MEASURE_COLUMNS = ["measure_id", "title", "unit", "topic", "polarity", "period", "value", "status", "rank", "of",
                      "band", "change", "trend", "neighbours", "region", "england"]
INSPECTION_COLUMNS = ["inspection_id", "framework", "inspection_type", "start_date", "end_date", "publication_date",
                      "sources", "judgement", "grade", "source"]


ScopeQ = Annotated[Literal["key", "all"], Query(description="Key children's social care measures, or all")]


def _la(request: Request, code: str, comparator: pages.Comparator, scope: str = "key") -> dict[str, Any]:
    view = _view(request)
    la = view.resolve_la(code)
    risk_state = request.app.state.risk.state
    return _context(request, ("la", la["la_code_old"], comparator, scope, risk_state), lambda: pages.la_context(
        view, la["la_code_old"], comparator, risk=request.app.state.risk(la["la_code_old"]),
        scope=scope))  # type: ignore[arg-type]


def _inspection_rows(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for i in ctx["inspections"]:
        for j in i["judgements"] or [{}]:
            rows.append({**{k: i[k] for k in INSPECTION_COLUMNS[:7]}, "judgement": j.get("judgement"),
                         "grade": j.get("grade"), "source": j.get("source")})
    return rows


def _la_tables(ctx: dict[str, Any]) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    return {"measures": (ctx["measures"], LA_MEASURE_COLUMNS),
            "inspections": (_inspection_rows(ctx), INSPECTION_COLUMNS),
            "visits": (ctx["visits"], ["visit_type", "visit_date", "publication_date", "theme", "source"])}


@router.get("/la/{code}", tags=["pages"], summary="Local authority page", response_class=Response)
async def la_page(request: Request, code: CodeP, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
                  peers: PeersQ = None, measures: ScopeQ = "key", format: Format = "html",
                  table: TableQ = None) -> Response:
    def build() -> Response:
        ctx = _la(request, code, _comparator(request, neighbours, average, peers), measures)
        if format == "json":
            return _json(ctx)
        if format in ("csv", "xlsx"):
            return _download(f"la-{ctx['la']['la_code_old']}", _la_tables(ctx), table, format)
        topics: dict[str, list[dict[str, Any]]] = {}
        for m in ctx["measures"]:
            topics.setdefault(m["topic"] or "Other", []).append(m)
        return _render(request, "la.html", ctx, topics=topics)
    return await _cached(request, build)


@router.get("/api/la/{code}", tags=["api"], summary="Local authority (JSON twin of /la/{code})")
async def la_api(request: Request, code: CodeP, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
                 peers: PeersQ = None, measures: ScopeQ = "key", format: ApiFormat = "json",
                 table: TableQ = None) -> Response:
    """The LA, its inspection history (every judgement with its source and any report/official
    disagreement), visits, and every measure with value, rank, quartile band, trend, comparator
    (neighbours or your peers), region and England, plus the risk score when the model is built."""
    def build() -> Response:
        ctx = _la(request, code, _comparator(request, neighbours, average, peers), measures)
        if format == "json":
            return _json(ctx)
        return _download(f"la-{ctx['la']['la_code_old']}", _la_tables(ctx), table, format)
    return await _cached(request, build)


@router.get("/la/{code}/workbook.xlsx", tags=["pages"], summary="LA profile workbook for a briefing",
            response_class=Response)
async def la_workbook(request: Request, code: CodeP, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
                      peers: PeersQ = None) -> Response:
    def build() -> Response:
        ctx = _la(request, code, _comparator(request, neighbours, average, peers), "all")
        la = ctx["la"]
        profile = [{"field": k, "value": v} for k, v in la.items()] + [
            {"field": "comparator", "value": ctx["comparator"]["label"]},
            {"field": "comparator LAs", "value": ", ".join(a["la_name"] for a in ctx["comparator"]["areas"])},
            {"field": "generated", "value": date.today().isoformat()}]
        measures = [{**m, "trend_series": "; ".join(f"{s['period']}: {'' if s['value'] is None else s['value']}"
                                                    for s in m["series"])} for m in ctx["measures"]]
        body = xlsx_bytes([
            ("Profile", profile, ["field", "value"]),
            ("Measures", measures, [*LA_MEASURE_COLUMNS, "trend_series"]),
            ("Inspections", _inspection_rows(ctx), INSPECTION_COLUMNS),
            ("Visits", ctx["visits"], ["visit_type", "visit_date", "publication_date", "theme", "source"]),
        ])
        name = f"cscwatch-{la['la_code_old']}-{la['la_name'].lower().replace(' ', '-')}.xlsx"
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return await _cached(request, build)


# ---------------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------------

MEASURE_TABLE_COLUMNS = ["la_code_old", "la_code_new", "la_name", "region_name", "value", "status", "rank", "band",
                         "change", "trend"]


def _measure(request: Request, measure_id: str, period: str | None, la: str | None,
             comparator: pages.Comparator) -> dict[str, Any]:
    return _context(request, ("measure", measure_id, period, la, comparator),
                    lambda: pages.measure_context(_view(request), measure_id, period, la, comparator))


def _measure_tables(ctx: dict[str, Any]) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    return {"ranking": (ctx["table"], MEASURE_TABLE_COLUMNS),
            "distribution": (ctx["distribution"], ["period", "n", "min", "q1", "median", "q3", "max", "england", "la"]),
            "regions": (ctx["regions"], ["code", "name", "value"])}


@router.get("/measure/{measure_id}", tags=["pages"], summary="Measure page", response_class=Response)
async def measure_page(request: Request, measure_id: MeasureP, period: PeriodQ = None,
                       la: Annotated[str | None, Query(max_length=40, description="LA to highlight")] = None,
                       neighbours: NeighboursQ = "2025", average: AverageQ = "mean", peers: PeersQ = None,
                       axis: AxisQ = "fit", format: Format = "html", table: TableQ = None) -> Response:
    def build() -> Response:
        ctx = _measure(request, measure_id, period, la, _comparator(request, neighbours, average, peers))
        if format == "json":
            return _json(ctx)
        if format in ("csv", "xlsx"):
            return _download(f"measure-{measure_id}", _measure_tables(ctx), table, format)
        hl = ctx["highlight"]["la_code_old"] if ctx["highlight"] else None
        m = ctx["measure"]
        return _render(
            request, "measure.html", ctx,
            map_fig=charts.value_map(ctx["table"], _feature_ids(request), m["unit"] or m["title"], hl),
            placement_fig=charts.placement(ctx["table"], hl, m["unit"], axis == "zero"),
            distribution_fig=charts.distribution(ctx["distribution"], ctx["highlight"]["la_name"] if hl else None,
                                                 m["unit"], axis == "zero"),
            las=[la for la in _view(request).las().values() if pages.is_listed(la)])
    return await _cached(request, build)


@router.get("/api/measure/{measure_id}", tags=["api"], summary="Measure (JSON twin of /measure/{id})")
async def measure_api(request: Request, measure_id: MeasureP, period: PeriodQ = None,
                      la: Annotated[str | None, Query(max_length=40, description="LA to highlight")] = None,
                      neighbours: NeighboursQ = "2025", average: AverageQ = "mean", peers: PeersQ = None,
                      format: ApiFormat = "json", table: TableQ = None) -> Response:
    """Every LA's value for the period, ranked, with quartile band and trend; England and regions;
    the spread of all LAs for every period."""
    def build() -> Response:
        ctx = _measure(request, measure_id, period, la, _comparator(request, neighbours, average, peers))
        return _json(ctx) if format == "json" else _download(f"measure-{measure_id}", _measure_tables(ctx),
                                                             table, format)
    return await _cached(request, build)


MEASURE_LIST_COLUMNS = list(Measure.model_fields)


@router.get("/measures", tags=["pages"], summary="All measures", response_class=Response)
async def measures_page(request: Request, format: Format = "html") -> Response:
    def build() -> Response:
        rows = _view(request).measure_list()
        if format == "json":
            return _json(rows)
        if format in ("csv", "xlsx"):
            return table_response("measures", rows, MEASURE_LIST_COLUMNS, format)
        topics: dict[str, list[dict[str, Any]]] = {}
        for m in rows:
            topics.setdefault(m["topic"] or "Other", []).append(m)
        return _render(request, "measures.html", {"measures": rows}, topics=topics)
    return await _cached(request, build)


@router.get("/api/measures", tags=["api"], summary="All measures with data", response_model=list[Measure])
async def measures_api(request: Request, format: ApiFormat = "json") -> Response:
    def build() -> Response:
        rows = _view(request).measure_list()
        return _json(rows) if format == "json" else table_response("measures", rows, MEASURE_LIST_COLUMNS, format)
    return await _cached(request, build)


# ---------------------------------------------------------------------------------------------
# LAs, search, compare
# ---------------------------------------------------------------------------------------------

LA_LIST_COLUMNS = list(LocalAuthority.model_fields)


@router.get("/api/las", tags=["api"], summary="All children's services LAs", response_model=list[LocalAuthority])
async def las_api(request: Request, format: ApiFormat = "json") -> Response:
    def build() -> Response:
        rows = pages.las_context(_view(request))
        return _json(rows) if format == "json" else table_response("las", rows, LA_LIST_COLUMNS, format)
    return await _cached(request, build)


@router.get("/search", tags=["pages"], summary="Find an LA by name or code", response_class=Response)
async def search_page(request: Request, q: Annotated[str, Query(max_length=100)] = "",
                      format: Format = "html") -> Response:
    def build() -> Response:
        ctx = pages.search_context(_view(request), q)
        if format == "json":
            return _json(ctx)
        if format in ("csv", "xlsx"):
            return table_response("search", ctx["results"], [*LA_LIST_COLUMNS, "score"], format)
        all_las = [] if q.strip() else [la for la in pages.las_context(_view(request))
                                         if la["la_type"] != "shared_service"]
        return _render(request, "search.html", ctx, all_las=all_las)
    return await _cached(request, build)


@router.get("/api/search", tags=["api"], summary="Find an LA by name or code (typo tolerant)")
async def search_api(request: Request, q: Annotated[str, Query(min_length=1, max_length=100)],
                     format: ApiFormat = "json") -> Response:
    def build() -> Response:
        ctx = pages.search_context(_view(request), q)
        return _json(ctx) if format == "json" else table_response("search", ctx["results"],
                                                                  [*LA_LIST_COLUMNS, "score"], format)
    return await _cached(request, build)


def _compare_rows(ctx: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    cols = ["measure_id", "title", "unit", "polarity", "england_period", "england"]
    for la in ctx["las"]:
        cols += [f"{la['la_code_old']}_period", f"{la['la_code_old']}_value", f"{la['la_code_old']}_band"]
    rows = []
    for m in ctx["measures"]:
        row = {k: m[k] for k in cols[:6]}
        for la, cell in zip(ctx["las"], m["las"]):
            c = cell or {}
            row.update({f"{la['la_code_old']}_period": c.get("period"), f"{la['la_code_old']}_value": c.get("value"),
                        f"{la['la_code_old']}_band": c.get("band")})
        rows.append(row)
    return rows, cols


def _compare(request: Request, la: list[str], measure: list[str], comparator: pages.Comparator) -> dict[str, Any]:
    la = [x.strip() for x in la if x.strip()]  # the form's empty "None" choices
    measure = [x for x in measure if x.strip()]
    return _context(request, ("compare", tuple(la), tuple(measure), comparator),
                    lambda: pages.compare_context(_view(request), la, measure, comparator))


LaListQ = Annotated[list[str], Query(max_length=20, description="LA codes or names (repeat: ?la=202&la=204)")]
MeasureListQ = Annotated[list[str], Query(max_length=50, description="Measure ids (default: all the LAs have)")]


@router.get("/compare", tags=["pages"], summary="Compare LAs side by side", response_class=Response)
async def compare_page(request: Request, la: LaListQ = [], measure: MeasureListQ = [],  # noqa: B006
                       neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
                       format: Format = "html") -> Response:
    def build() -> Response:
        ctx = _compare(request, la, measure, pages.Comparator(neighbours=neighbours, average=average))
        if format == "json":
            return _json(ctx)
        if format in ("csv", "xlsx"):
            rows, cols = _compare_rows(ctx)
            return table_response("compare", rows, cols, format)
        return _render(request, "compare.html", ctx, all_las=[x for x in _view(request).las().values()
                                                                 if pages.is_listed(x)])
    return await _cached(request, build)


@router.get("/api/compare", tags=["api"], summary="Compare LAs (JSON twin of /compare)")
async def compare_api(request: Request, la: Annotated[list[str], Query(min_length=1, max_length=20)],
                      measure: MeasureListQ = [], neighbours: NeighboursQ = "2025",  # noqa: B006
                      average: AverageQ = "mean", format: ApiFormat = "json") -> Response:
    def build() -> Response:
        ctx = _compare(request, la, measure, pages.Comparator(neighbours=neighbours, average=average))
        if format == "json":
            return _json(ctx)
        rows, cols = _compare_rows(ctx)
        return table_response("compare", rows, cols, format)
    return await _cached(request, build)


# ---------------------------------------------------------------------------------------------
# Health, map shapes, vendored chart library
# ---------------------------------------------------------------------------------------------


@router.get("/healthz", tags=["api"], summary="Liveness, store summary and warm-up state", response_model=Health)
async def healthz(request: Request) -> Response:
    """``warm`` is true once every page's data is loaded; ``risk`` is the risk model's state
    (pending, ready, unavailable or off). Not cached, so it always tells the current state."""
    def counts() -> dict[str, int]:
        view = _view(request)
        return {"las": len(view.las()), "measures": len(view.measure_list()),
                "inspections": int(request.app.state.store.scalar("SELECT count(*) FROM inspection") or 0)}
    c = await run_in_threadpool(_context, request, ("health",), counts)
    from cscwatch import __version__
    return JSONResponse({"ok": True, "version": __version__, **c, "warm": _view(request).is_warm,
                         "risk": request.app.state.risk.state})


@router.get("/api/geo/la.geojson", tags=["api"], summary="Upper-tier LA boundaries (dissolved from districts)")
async def la_geojson(request: Request) -> Response:
    def build() -> Response:
        g = _geojson(request)
        if g is None:
            raise NotFound("no boundary files are bundled with this installation")
        return Response(json.dumps(g, separators=(",", ":")), media_type="application/geo+json",
                        headers={"cache-control": "public, max-age=86400"})
    return await _cached(request, build)


#: plotly.js is served from the installed plotly wheel (4.8 MB) rather than copied into the repo.
def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/vendor/plotly.min.js", include_in_schema=False)
async def plotly_js() -> Response:
    return FileResponse(_plotly_js(), media_type="text/javascript",
                        headers={"cache-control": "public, max-age=604800"})


#: plotly's geo plots fetch a world basemap from its CDN; ours is hidden, so an empty topology does.
EMPTY_TOPOLOGY = {"type": "Topology", "arcs": [], "bbox": [-180, -90, 180, 90],
                  "objects": {k: {"type": "GeometryCollection", "geometries": []}
                              for k in ("land", "ocean", "coastlines", "countries", "lakes", "rivers", "subunits")}}


@router.get("/vendor/topojson/{name}.json", include_in_schema=False)
async def topojson(name: Annotated[str, PathParam(pattern=r"^[a-z0-9_]+$")]) -> Response:
    return JSONResponse(EMPTY_TOPOLOGY, headers={"cache-control": "public, max-age=604800"})


@router.get("/docs", tags=["pages"], summary="API documentation", response_class=Response)
async def api_docs(request: Request) -> Response:
    """The API described from the OpenAPI schema, server-rendered (Swagger UI would need a CDN)."""
    def build() -> Response:
        schema = request.app.openapi()
        endpoints = []
        for path, methods in schema["paths"].items():
            for method, op in methods.items():
                endpoints.append({"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                                  "description": op.get("description", ""), "tags": op.get("tags", []),
                                  "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                                  "description": p.get("description") or p["schema"].get("description", ""),
                                                  "schema": _schema_text(p.get("schema", {}))}
                                                 for p in op.get("parameters", [])]})
        endpoints.sort(key=lambda e: ("api" not in e["tags"], e["path"]))
        return _render(request, "docs.html", {"endpoints": endpoints, "title": schema["info"]["title"],
                                              "version": schema["info"]["version"]})
    return await _cached(request, build)


def _schema_text(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"] if s.get("type") != "null") + " (optional)"
    if schema.get("type") == "array":
        return f"list of {_schema_text(schema.get('items', {}))}"
    return schema.get("type", "") + (f" matching {schema['pattern']}" if "pattern" in schema else "")
