"""The pages: each is one context from :mod:`cscwatch.contexts`, one template and one declaration.

Every page and its ``/api`` twin render the same context (see :mod:`cscwatch.web.views`); the
LA and measure workbooks write the same context's tables; LAs are resolved by
:mod:`cscwatch.identity` alone. Nothing here ranks, bands, averages or trends: the contexts do.
"""
from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import Path as PathParam, Query, Request
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from cscwatch import __version__
from cscwatch.contexts.compare import compare_context
from cscwatch.contexts.comparator import Comparator, parse_comparator
from cscwatch.contexts.freshness import freshness
from cscwatch.contexts.la import la_context
from cscwatch.contexts.lists import las_context, measures_context, search_context
from cscwatch.contexts.measure import measure_context
from cscwatch.contexts.overview import overview_context
from cscwatch.contexts.snapshot import snapshot
from cscwatch.contexts.tables import (compare_tables, la_tables, la_workbook, las_tables, measure_tables,
                                      measure_workbook, measures_list_tables, overview_tables, search_tables)
from cscwatch.errors import CscwatchError, NotFound
from cscwatch.identity import MAX_QUERY, directory
from cscwatch.tables import XLSX_MEDIA_TYPE, slug, write_xlsx
from cscwatch.web.cache import Entry, cache_key
from cscwatch.web.views import (Redirect, Site, error_responses, generation_of, ok_response, render_page, respond,
                                store_of)

site = Site()
router = site.router

Text = Annotated[str, StringConstraints(max_length=MAX_QUERY)]
CodeP = Annotated[str, PathParam(min_length=1, max_length=MAX_QUERY,
                                 description="DfE 3-digit LA number, ONS code or name")]
MeasureP = Annotated[str, PathParam(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$",
                                    description="Measure id (see /api/measures)")]
NeighboursQ = Annotated[Literal["2021", "2025"], Query(description="DfE statistical neighbour model")]
AverageQ = Annotated[Literal["mean", "median"], Query(description="How the comparator LAs are averaged")]
PeersQ = Annotated[list[Text], Query(max_length=20, description="Your own peer group instead of the neighbours: "
                                                                "LA names or codes, comma-separated or repeated")]
PeriodQ = Annotated[str | None, Query(max_length=20, description="Period, e.g. 2025 or 2023-24 (default latest)")]
ScopeQ = Annotated[Literal["key", "all"], Query(description="The key children's social care measures, or all")]
LaQ = Annotated[str | None, Query(max_length=MAX_QUERY, description="An LA to highlight (name or code)")]


def comparator_of(request: Request, neighbours: str, average: str, peers: list[str]) -> Comparator:
    return parse_comparator(store_of(request), neighbours, average, ",".join(peers))


# -- overview ---------------------------------------------------------------------------------
@site.page("/", api="/api/overview", template="overview.html", tables=overview_tables,
           filename=lambda c: "overview", summary="National overview")
def overview(request: Request, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
             peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """Each current LA's latest overall grade (as at the newest inspection held), grade shares as at
    31 March each year (Ofsted's method), the most recent inspections, and how current it all is.
    The comparator parameters are carried to the links."""
    return overview_context(store_of(request))


# -- local authorities ------------------------------------------------------------------------
@site.page("/la/{code}", api="/api/la/{code}", template="la.html", tables=la_tables,
           filename=lambda c: f"la-{c['la']['la_code_old']}", summary="Local authority")
def la(request: Request, code: CodeP, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
       peers: PeersQ = [], measures: ScopeQ = "key") -> dict[str, Any]:  # noqa: B006
    """The LA, its inspection history (every judgement with its source and any report/official
    disagreement), visits, and each measure's value, rank, quartile band, trend and series against
    the comparator, region and England; the early-warning score when the model is ready."""
    ctx = la_context(store_of(request), code, comparator_of(request, neighbours, average, peers), scope=measures)
    ctx["risk"] = generation_of(request).risk(ctx["la"]["la_code_old"])
    return ctx


@router.get("/la/{code}/workbook.xlsx", tags=["pages"], summary="LA profile workbook for a briefing",
            response_class=Response, responses={**ok_response(("xlsx",), "The workbook"),
                                                **error_responses(404, 422)})
@router.head("/la/{code}/workbook.xlsx", include_in_schema=False)
async def la_workbook_route(request: Request, code: CodeP, neighbours: NeighboursQ = "2025",
                            average: AverageQ = "mean", peers: PeersQ = []) -> Response:  # noqa: B006
    """Profile, every measure, every year of every measure, the early-warning score and reasons,
    inspections, visits and sources: one sheet each."""
    def build() -> Entry:
        ctx = la(request, code, neighbours, average, peers, "all")
        name = f"cscwatch-{ctx['la']['la_code_old']}-{slug(ctx['la']['la_name'])}.xlsx"
        return Entry(write_xlsx(la_workbook(ctx)), 200, XLSX_MEDIA_TYPE,
                     {"content-disposition": f'attachment; filename="{name}"'})
    return await _cached(request, build)


@site.page("/search", api="/api/search", template="search.html", tables=search_tables,
           filename=lambda c: "search", summary="Find an LA by name or code (typo tolerant)")
def search(request: Request, q: Annotated[str, Query(max_length=100)] = "", neighbours: NeighboursQ = "2025",
           average: AverageQ = "mean", peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """Authorities ranked by how well their names or codes match; ``exact`` is set when the query
    names one authority exactly (a code, or its name), and the page then goes straight to it."""
    ctx = search_context(store_of(request), q)
    if ctx["exact"] and request.url.path == "/search" and request.query_params.get("format", "html") == "html":
        from cscwatch.web.render import make_link

        state = {k: v for k, v in request.query_params.items() if k in ("neighbours", "average", "peers") and v}
        raise Redirect(make_link(state)("/la/" + ctx["exact"]["la_code_old"]))
    return ctx


@site.page("/las", api="/api/las", template="las.html", tables=las_tables, filename=lambda c: "las",
           summary="Every children's services authority")
def las(request: Request, region: Annotated[str | None, Query(max_length=60)] = None,
        sort: Annotated[Literal["name", "region", "grade", "inspected"], Query()] = "name",
        inspected_before: Annotated[int | None, Query(ge=2000, le=2100)] = None,
        neighbours: NeighboursQ = "2025", average: AverageQ = "mean", peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """Current and former authorities with their latest overall grade and inspection; filter by
    region or by last inspection before a year, sort by name, region, grade (worst first) or last
    inspection (oldest first)."""
    return las_context(store_of(request), region or None, sort, inspected_before)


# -- measures ---------------------------------------------------------------------------------
@site.page("/measure/{measure_id}", api="/api/measure/{measure_id}", template="measure.html",
           tables=measure_tables, filename=lambda c: f"measure-{c['measure']['measure_id']}-{c['period']}",
           summary="Measure")
def measure(request: Request, measure_id: MeasureP, period: PeriodQ = None, la: LaQ = None,
            neighbours: NeighboursQ = "2025", average: AverageQ = "mean", peers: PeersQ = [],  # noqa: B006
            axis: Annotated[Literal["fit", "zero"], Query(description="Chart value axis")] = "fit",
            small: Annotated[Literal["show", "hide"], Query(description="Show or hide the tiny authorities "
                                                                        "(never ranked either way)")] = "show"
            ) -> dict[str, Any]:
    """Every LA's value for the period, ranked, banded and compared; England and regions; the
    spread of all LAs over time; the highlighted LA's series against its comparator, region and
    England. ``axis`` and ``small`` only change how the page draws."""
    return measure_context(store_of(request), measure_id, period, la,
                           comparator_of(request, neighbours, average, peers))


@router.get("/measure/{measure_id}/workbook.xlsx", tags=["pages"], response_class=Response,
            summary="Every LA and year of one measure, with neighbours, region, England, ranks and bands",
            responses={**ok_response(("xlsx",), "The workbook"), **error_responses(404, 422)})
@router.head("/measure/{measure_id}/workbook.xlsx", include_in_schema=False)
async def measure_workbook_route(request: Request, measure_id: MeasureP) -> Response:
    """LAIT's core export: every LA in every year, both neighbour models' mean and median, region,
    England, rank and band; then the spread, the regions and what the measure is."""
    def build() -> Entry:
        store = store_of(request)
        ctx = measure_context(store, measure_id)
        return Entry(write_xlsx(measure_workbook(store, ctx)), 200, XLSX_MEDIA_TYPE,
                     {"content-disposition": f'attachment; filename="cscwatch-{slug(measure_id)}.xlsx"'})
    return await _cached(request, build)


@site.page("/measures", api="/api/measures", template="measures.html", tables=measures_list_tables,
           filename=lambda c: "measures", summary="All measures with figures")
def measures(request: Request, q: Annotated[str, Query(max_length=100)] = "",
             topic: Annotated[str | None, Query(max_length=80)] = None, neighbours: NeighboursQ = "2025",
             average: AverageQ = "mean", peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """The measure dictionary, children's social care topics first; ``q`` finds words in the id,
    title, topic or definition; ``topic`` keeps one topic."""
    return measures_context(store_of(request), q, topic or None)


# -- compare ----------------------------------------------------------------------------------
@site.page("/compare", api="/api/compare", template="compare.html", tables=compare_tables,
           filename=lambda c: "compare", summary="Compare up to 20 LAs side by side")
def compare(request: Request, la: Annotated[list[Text], Query(max_length=20, description=(
                "LA names or codes, repeated (?la=202&la=204); up to 20"))] = [],  # noqa: B006
            measure: Annotated[list[Annotated[str, StringConstraints(max_length=80)]],
                               Query(max_length=50, description="Measure ids (default: the key measures)")] = [],  # noqa: B006
            chart: Annotated[str | None, Query(max_length=80, description="The measure charted")] = None,
            neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
            peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """The chosen LAs on the key measures (or ``measure`` ids) with their ranks and bands, England
    for reference, one measure's trend for every LA, and the first LA's statistical neighbours."""
    names = [x for x in la if x.strip()]
    comparator = comparator_of(request, neighbours, average, peers)
    if not names:
        if request.url.path.startswith("/api"):
            raise CscwatchError("choose at least one local authority with la=")
        return {"las": [], "measures": [], "trend": None, "all_neighbours": [],
                "comparator": comparator.as_dict(), "freshness": freshness(store_of(request))}
    return compare_context(store_of(request), names, measure, comparator, chart=chart)


# -- feeds ------------------------------------------------------------------------------------
ATOM = "application/atom+xml"


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/feed.xml", tags=["api"], summary="What changed nationally, or for a peer group (Atom)",
            response_class=Response, responses={**{200: {"content": {ATOM: {"schema": {"type": "string"}}},
                                                          "description": "An Atom feed"}},
                                                **error_responses(404, 422)})
@router.head("/feed.xml", include_in_schema=False)
async def feed(request: Request, peers: PeersQ = [], la: LaQ = None) -> Response:  # noqa: B006
    """New inspections, visits, publications and statistics of the last 90 days; with ``peers``
    (names or codes) only those LAs' changes, including band moves."""
    from cscwatch.watch.feeds import national_feed, peer_feed

    def build() -> Entry:
        store = store_of(request)
        names = [p.strip() for x in peers for p in x.split(",") if p.strip()]
        body = peer_feed(store, names, la=la, base_url=_base_url(request)) if names else \
            national_feed(store, base_url=_base_url(request))
        return Entry(body, 200, ATOM, {})
    return await _cached(request, build)


@router.get("/la/{code}/feed.xml", tags=["api"], summary="What changed for one LA (Atom)", response_class=Response,
            responses={**{200: {"content": {ATOM: {"schema": {"type": "string"}}}, "description": "An Atom feed"}},
                       **error_responses(404, 422)})
@router.head("/la/{code}/feed.xml", include_in_schema=False)
async def la_feed_route(request: Request, code: CodeP) -> Response:
    from cscwatch.watch.feeds import la_feed

    def build() -> Entry:
        return Entry(la_feed(store_of(request), code, base_url=_base_url(request)), 200, ATOM, {})
    return await _cached(request, build)


# -- health, map shapes, docs, glossary -------------------------------------------------------
@router.get("/healthz", tags=["api"], summary="Liveness, store summary, warm-up state and freshness",
            responses={200: {"description": "Always 200 while the server answers"}})
@router.head("/healthz", include_in_schema=False)
async def healthz(request: Request) -> Response:
    """``warm`` is true once the current store generation is loaded; ``risk`` is the risk model's
    state (pending, ready, unavailable or off); ``freshness`` says how current the figures are and
    warns when a source is overdue; ``generation`` which store file is served. Never cached."""
    gen = generation_of(request)

    def counts() -> dict[str, Any]:
        snap = snapshot(gen.store)
        return snap.memo("health", lambda: {
            "las": len(directory(gen.store).las),
            "measures": sum(1 for m in snap.measures().values() if m["latest_period"]),
            "inspections": len(snap.inspections())})
    c = await run_in_threadpool(counts)
    f = await run_in_threadpool(freshness, gen.store)
    body = {"ok": True, "version": __version__, **c, "warm": gen.warm_state == "warm", "risk": gen.risk.state,
            "freshness": {"summary": f["summary"], "overdue": f["overdue"], "warnings": f["warnings"],
                          "built": f["built"]},
            "generation": request.app.state.generations.describe()}
    from cscwatch.web.render import json_bytes

    entry = Entry(json_bytes(body), 200, "application/json", {"cache-control": "no-store"})
    response = respond(request, entry)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/api/geo/la.geojson", tags=["api"], summary="Upper-tier LA boundaries (dissolved at build time)",
            response_class=Response, responses={200: {"content": {"application/geo+json": {"schema": {
                "type": "object"}}}, "description": "GeoJSON; feature id = DfE LA code"}, **error_responses(404)})
@router.head("/api/geo/la.geojson", include_in_schema=False)
async def la_geojson(request: Request) -> Response:
    def build() -> Entry:
        store = store_of(request)
        if not snapshot(store).has_table("la_boundary"):
            raise NotFound("this store has no boundaries; run `cscwatch build`")
        rows = store.rows("SELECT area_code, area_name, la_code_old, geometry FROM la_boundary ORDER BY area_code")
        if not rows:
            raise NotFound("this store has no boundaries; run `cscwatch build`")
        parts = [f'{{"type":"Feature","id":{json.dumps(r["la_code_old"] or r["area_code"])},"properties":'
                 f'{json.dumps({"name": r["area_name"], "area_code": r["area_code"]}, separators=(",", ":"))},'
                 f'"geometry":{r["geometry"]}}}' for r in rows]
        body = ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()
        return Entry(body, 200, "application/geo+json", {})
    return await _cached(request, build)


@site.page("/glossary", template="glossary.html", summary="Glossary: frameworks, grades and terms")
def glossary(request: Request, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
             peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """What the inspection frameworks, grades, bands, comparators and symbols mean."""
    from cscwatch.contexts.glossary import glossary_context

    return glossary_context(store_of(request))


@router.get("/docs", tags=["pages"], summary="API documentation", response_class=Response,
            responses=ok_response(("html",), "The API described"))
@router.head("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    """The API described from the OpenAPI schema, server-rendered (Swagger UI would need a CDN)."""
    def build() -> Entry:
        schema = request.app.openapi()
        endpoints = []
        for path, methods in schema["paths"].items():
            for method, op in methods.items():
                if method == "head":
                    continue
                endpoints.append({"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                                  "description": op.get("description", ""), "tags": op.get("tags", []),
                                  "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                                  "description": p.get("description") or p["schema"].get("description", ""),
                                                  "schema": _schema_text(p.get("schema", {}))}
                                                 for p in op.get("parameters", [])],
                                  "types": sorted({t for r in op.get("responses", {}).values()
                                                   for t in r.get("content", {})})})
        endpoints.sort(key=lambda e: ("api" not in e["tags"], e["path"]))
        ctx = {"endpoints": endpoints, "title": schema["info"]["title"], "version": schema["info"]["version"]}
        return Entry(render_page(request, "docs.html", ctx).encode(), 200, "text/html; charset=utf-8", {})
    return await _cached(request, build)


def _schema_text(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"] if s.get("type") != "null") + " (optional)"
    if schema.get("type") == "array":
        return f"list of {_schema_text(schema.get('items', {}))}"
    return schema.get("type", "") + (f" matching {schema['pattern']}" if "pattern" in schema else "")


@router.get("/static/{name:path}", include_in_schema=False)
@router.head("/static/{name:path}", include_in_schema=False)
async def static(request: Request, name: str) -> Response:
    return request.app.state.assets.response(request, name)


@router.get("/assets/{name:path}", include_in_schema=False)
@router.head("/assets/{name:path}", include_in_schema=False)
async def govuk_assets(request: Request, name: str) -> Response:
    return request.app.state.assets.response(request, f"govuk/assets/{name}")


async def _cached(request: Request, build: Any) -> Response:
    gen = generation_of(request)
    key = cache_key(request.url.path, request.url.query)
    entry = gen.cache.get(key)
    if entry is None:
        entry = await run_in_threadpool(build)
        gen.cache.put(key, entry)
    return respond(request, entry, gen.id)
