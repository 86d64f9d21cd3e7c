"""The pages: each is one context from :mod:`cscwatch.contexts`, one template and one declaration.

Every page and its ``/api`` twin render the same context (see :mod:`cscwatch.web.views`); the
LA and measure workbooks write the same context's tables; LAs are resolved by
:mod:`cscwatch.identity` alone. Nothing here ranks, bands, averages or trends: the contexts do.
"""
from __future__ import annotations

import json
import threading
from datetime import date
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
from cscwatch.contexts.tables import (child_issue_tables, compare_tables, la_tables, la_workbook, las_tables,
                                      measure_tables, measure_workbook, measures_list_tables, overview_tables,
                                      plan_tables, returns_tables, risk_tables, search_tables, themes_tables)
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
    the comparator, region and England; its early warning (the published scores), what its last
    report said (themes, recommendations and their follow-up) and, when its returns are loaded,
    its own provisional figures beside the published ones."""
    return la_context(store_of(request), code, comparator_of(request, neighbours, average, peers), scope=measures)


@router.get("/la/{code}/workbook.xlsx", tags=["pages"], summary="LA profile workbook for a briefing",
            response_class=Response, responses={**ok_response(("xlsx",), "The workbook"),
                                                **error_responses(404, 422)})
@router.head("/la/{code}/workbook.xlsx", include_in_schema=False)
async def la_workbook_route(request: Request, code: CodeP, neighbours: NeighboursQ = "2025",
                            average: AverageQ = "mean", peers: PeersQ = []) -> Response:  # noqa: B006
    """Profile, every measure, every year of every measure, the early warning, provisional figures
    beside the published ones, the last reports' recommendations, inspections, visits and sources:
    one sheet each."""
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


# -- early warning ----------------------------------------------------------------------------
RegionQ = Annotated[str | None, Query(max_length=60, description="Keep one region (its name)")]


@site.page("/risk", api="/api/risk", template="risk.html", tables=risk_tables, filename=lambda c: "early-warning",
           summary="Early warning: every LA's chance of an inspection and of an inadequate judgement in 12 months")
def risk(request: Request, region: RegionQ = None, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
         peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """Every LA with its chance of a standard or short inspection within 12 months and its window
    under Ofsted's rules, the chance that inspection judges it inadequate, both together, its band,
    the top reasons and its current status (an LA judged inadequate: its monitoring and
    re-inspection window); the backtest's accuracy in one sentence and how the bands are cut.
    Read from the scores `cscwatch build` published (nothing is fitted while serving)."""
    from cscwatch.contexts.risk import risk_context

    return risk_context(store_of(request), region=region or None)


@site.page("/model-card", api="/api/model-card", template="model_card.html",
           summary="The early warning's model card: data, method, tests and limits")
def model_card(request: Request, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
               peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """The model card (docs/model-card.md, written by `cscwatch risk card` from the same run as the
    scores) rendered as a page; the JSON twin carries its Markdown."""
    from cscwatch.contexts.risk import model_card_context

    return model_card_context(store_of(request))


# -- what the reports say ---------------------------------------------------------------------
GradeQ = Annotated[Literal["outstanding", "good", "requires_improvement", "inadequate"] | None,
                   Query(description="Only reports with this overall grade")]
FrameworkQ = Annotated[str | None, Query(max_length=20, pattern=r"^[A-Za-z0-9\-]+$",
                                         description="Only reports of this framework (SIF, ILACS, ILACS-2023, ...)")]
YearQ = Annotated[int | None, Query(ge=2000, le=2100, description="Only reports whose fieldwork started this year")]
Sha256P = Annotated[str, PathParam(pattern=r"^[0-9a-fA-F]{64}$", description="The report file's SHA-256")]


@site.page("/themes", api="/api/themes", template="themes.html", tables=themes_tables, filename=lambda c: "themes",
           summary="What the inspection reports say: themes of concern and strength, nationally")
def themes(request: Request, grade: GradeQ = None, framework: FrameworkQ = None, year: YearQ = None,
           neighbours: NeighboursQ = "2025", average: AverageQ = "mean", peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """Each theme's share of reports raising it as a concern (with 95% intervals), by overall grade;
    which themes separate inadequate from good reports; evidence sentences linked to their report
    page. ``grade``, ``framework`` and ``year`` narrow the reports counted."""
    from cscwatch.contexts.themes import themes_context

    return themes_context(store_of(request), grade=grade, framework=framework or None, year=year)


@site.page("/report/{sha256}", api="/api/report/{sha256}", template="report.html",
           summary="An inspection report's text, page by page (where evidence sentences link to)")
def report(request: Request, sha256: Sha256P, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
           peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """The text the register stored from one report PDF, a section per page (``#page-N``), with the
    inspection it belongs to."""
    from cscwatch.contexts.themes import report_context

    return report_context(store_of(request), sha256)


# -- inspection plan --------------------------------------------------------------------------
PLAN_SLOTS = threading.BoundedSemaphore(1)
StartQ = Annotated[date | None, Query(description="First month planned (default: the month after the register's "
                                                  "newest event)")]
MonthsQ = Annotated[int, Query(ge=1, le=60, description="Months planned")]
CapacityQ = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9=,:@. \-]*$",
                                        description="Capacity, e.g. standard=2,short=3 or weeks=40 (default: what "
                                                    "Ofsted ran in the last 12 months)")]
PolicyQ = Annotated[Literal["risk_based", "rule_based"], Query(description="Bring higher-risk LAs earlier, or "
                                                                           "follow the rules' calendar")]


def _plan(request: Request, start: date | None, months: int, capacity: str | None, policy: str) -> dict[str, Any]:
    from cscwatch.contexts.plan import DEFAULT_MONTHS, plan_page_context

    store = store_of(request)
    if (start, months, capacity, policy) == (None, DEFAULT_MONTHS, None, "risk_based"):
        return plan_page_context(store)                 # made once per generation, in the background
    with PLAN_SLOTS:                                    # one solver run at a time: the others queue
        return plan_page_context(store, start=start, months=months, capacity=capacity or None, policy=policy)


@site.page("/plan", api="/api/plan", template="plan.html", tables=plan_tables, filename=lambda c: "plan",
           summary="Risk-based inspection plan under Ofsted's rules and a capacity")
def plan(request: Request, start: StartQ = None, months: MonthsQ = 36, capacity: CapacityQ = None,
         policy: PolicyQ = "risk_based", neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
         peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """A month-by-month plan (CP-SAT) that keeps every LA inside its window under Ofsted's rules and
    the capacity, bringing higher-risk LAs earlier (the published early-warning scores); who is
    due, overdue or brought forward and why; capacity used per month; the retrospective simulation
    in one paragraph. An infeasible capacity lists the LAs that cannot be fitted and the smallest
    capacity that fits."""
    return _plan(request, start, months, capacity, policy)


@router.get("/plan/workbook.xlsx", tags=["pages"], summary="The inspection plan as a workbook",
            response_class=Response, responses={**ok_response(("xlsx",), "The workbook"), **error_responses(404, 422)})
@router.head("/plan/workbook.xlsx", include_in_schema=False)
async def plan_workbook_route(request: Request, start: StartQ = None, months: MonthsQ = 36,
                              capacity: CapacityQ = None, policy: PolicyQ = "risk_based") -> Response:
    """The plan, capacity by month, events after the plan, any that cannot be fitted and the
    simulation's paragraph: one sheet each."""
    from cscwatch.planner.xlsx import plan_workbook

    def build() -> Entry:
        ctx = _plan(request, start, months, capacity, policy)
        return Entry(plan_workbook(ctx), 200, XLSX_MEDIA_TYPE,
                     {"content-disposition": f'attachment; filename="cscwatch-plan-{ctx["first_month"]}.xlsx"'})
    return await _cached(request, build)


# -- returns (child-level data) ---------------------------------------------------------------
YearP = Annotated[int, PathParam(ge=2000, le=2100, description="Collection year ending 31 March")]
ReturnTypeQ = Annotated[Literal["ssda903", "cin"] | None, Query(description="One return only")]


@site.page("/returns/{code}", api="/api/returns/{code}", template="returns.html", tables=returns_tables,
           filename=lambda c: f"returns-{c['la']['la_code_old']}", summary="An LA's own returns (no child-level data)")
def returns(request: Request, code: CodeP, neighbours: NeighboursQ = "2025", average: AverageQ = "mean",
            peers: PeersQ = []) -> dict[str, Any]:  # noqa: B006
    """Which SSDA903 and CIN census returns the LA has loaded (files, rows, errors, the number of
    validation issues) and its provisional figures beside the published ones, suppressed (counts
    under 5 show c). Child-level issues are behind a login."""
    from cscwatch.contexts.returns import returns_context

    return returns_context(store_of(request), code)


@site.private_page("/returns/{code}/{year}/issues", api="/api/returns/{code}/{year}/issues",
                   template="returns_issues.html", tables=child_issue_tables,
                   filename=lambda c: f"issues-{c['la_code_old']}-{c['year']}",
                   summary="Child-level validation issues of one return (login)")
def returns_issues(request: Request, account: dict[str, Any] | None, code: CodeP, year: YearP,
                   return_type: ReturnTypeQ = None) -> dict[str, Any]:
    """Validation issues per child (by pseudonymised key and the row in the submitted file) and the
    unsuppressed provisional figures: only for an account of this LA (or of every LA). Never
    cached; sent with Cache-Control: no-store."""
    from cscwatch.contexts.returns import child_issues_page_context

    return child_issues_page_context(store_of(request), account, code, year, return_type)


@router.get("/login", tags=["pages"], summary="Sign in (for the child-level views)", response_class=Response,
            responses=ok_response(("html",), "The sign-in form"))
@router.head("/login", include_in_schema=False)
async def login_form(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:  # noqa: A002
    """The sign-in form (never cached: it carries the session's CSRF token)."""
    from cscwatch.web.auth import safe_next

    return _private_html(request, "login.html", {"next": safe_next(next, ""), "error": None}, 200)


@router.post("/login", tags=["pages"], summary="Sign in", response_class=Response,
             responses={303: {"description": "Signed in: to the page asked for"}, **error_responses(400, 401)})
async def login(request: Request) -> Response:
    """Check the username and password (scrypt, constant work for unknown users) and start a
    session. The form must carry the session's CSRF token."""
    from starlette.responses import RedirectResponse

    from cscwatch.returns.accounts import authenticate
    from cscwatch.web.auth import PRIVATE_HEADERS, csrf_ok, log_in, read_form, safe_next

    form = await read_form(request)
    target = safe_next(form.get("next"), "")
    if not csrf_ok(request, form.get("csrf")):
        return _private_html(request, "login.html", {"next": target, "error": "The form had expired. Sign in again."},
                             400)
    store = store_of(request)
    account = None
    if store.has_table("account") and form.get("username") and form.get("password"):
        account = await run_in_threadpool(authenticate, store, form["username"][:64], form["password"][:1024])
    if account is None:
        return _private_html(request, "login.html", {"next": target, "username": form.get("username", "")[:64],
                                                     "error": "The username or password is not right."}, 401)
    log_in(request, account)
    home = f"/returns/{account['la_code_old']}" if account.get("la_code_old") else "/"
    return RedirectResponse(target or home, status_code=303, headers=PRIVATE_HEADERS)


@router.post("/logout", tags=["pages"], summary="Sign out", response_class=Response,
             responses={303: {"description": "Signed out"}, **error_responses(400)})
async def logout(request: Request) -> Response:
    """End the session (the form must carry the session's CSRF token)."""
    from starlette.responses import RedirectResponse

    from cscwatch.web.auth import PRIVATE_HEADERS, csrf_ok, log_out, read_form

    form = await read_form(request)
    if not csrf_ok(request, form.get("csrf")):
        return _private_html(request, "login.html", {"next": "", "error": "The form had expired: you are still "
                                                     "signed in. Try again."}, 400)
    log_out(request)
    return RedirectResponse("/", status_code=303, headers=PRIVATE_HEADERS)


def _private_html(request: Request, template: str, ctx: dict[str, Any], status: int) -> Response:
    """A page that depends on the session: rendered for this request only, never cached."""
    from cscwatch.web.auth import PRIVATE_HEADERS, csrf_token, username_of

    body = render_page(request, template, {**ctx, "csrf": csrf_token(request), "user": username_of(request),
                                           "freshness": freshness(store_of(request))})
    return Response(b"" if request.method == "HEAD" else body.encode("utf-8"), status_code=status,
                    media_type="text/html; charset=utf-8", headers=PRIVATE_HEADERS)


# -- feeds ------------------------------------------------------------------------------------
ATOM = "application/atom+xml"
#: Served feeds leave out early-warning moves: computing them fits the model at two dates, and
#: nothing is fitted while serving (`cscwatch changes` still lists them).
SERVED_KINDS_LEFT_OUT = ("score",)


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
    from cscwatch.watch.changes import KINDS
    from cscwatch.watch.feeds import NATIONAL_KINDS, national_feed, peer_feed

    def build() -> Entry:
        store = store_of(request)
        names = [p.strip() for x in peers for p in x.split(",") if p.strip()]
        body = peer_feed(store, names, la=la, base_url=_base_url(request), kinds=_served(KINDS)) if names else \
            national_feed(store, base_url=_base_url(request), kinds=_served(NATIONAL_KINDS))
        return Entry(body, 200, ATOM, {})
    return await _cached(request, build)


@router.get("/la/{code}/feed.xml", tags=["api"], summary="What changed for one LA (Atom)", response_class=Response,
            responses={**{200: {"content": {ATOM: {"schema": {"type": "string"}}}, "description": "An Atom feed"}},
                       **error_responses(404, 422)})
@router.head("/la/{code}/feed.xml", include_in_schema=False)
async def la_feed_route(request: Request, code: CodeP) -> Response:
    from cscwatch.watch.changes import KINDS
    from cscwatch.watch.feeds import la_feed

    def build() -> Entry:
        return Entry(la_feed(store_of(request), code, base_url=_base_url(request), kinds=_served(KINDS)), 200, ATOM,
                     {})
    return await _cached(request, build)


def _served(kinds: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in kinds if k not in SERVED_KINDS_LEFT_OUT)


# -- health, map shapes, docs, glossary -------------------------------------------------------
@router.get("/healthz", tags=["api"], summary="Liveness, store summary, warm-up state and freshness",
            responses={200: {"description": "Always 200 while the server answers"}})
@router.head("/healthz", include_in_schema=False)
async def healthz(request: Request) -> Response:
    """``warm`` is true once the current store generation is loaded; ``background`` whether its
    slow work (the default plan) is ``pending``, ``running``, ``done`` or ``failed``; ``risk`` says whether
    early-warning scores are published in the store (``published``, with ``risk_as_of``) or not
    (``not_published``); ``freshness`` says how current the figures are and warns when a source is
    overdue; ``generation`` which store file is served. Never cached."""
    gen = generation_of(request)

    def counts() -> dict[str, Any]:
        snap = snapshot(gen.store)
        return snap.memo("health", lambda: {
            "las": len(directory(gen.store).las),
            "measures": sum(1 for m in snap.measures().values() if m["latest_period"]),
            "inspections": len(snap.inspections())})
    c = await run_in_threadpool(counts)
    f = await run_in_threadpool(freshness, gen.store)
    from cscwatch.contexts.risk import published_risk

    scores = await run_in_threadpool(published_risk, gen.store)
    body = {"ok": True, "version": __version__, **c, "warm": gen.warm_state == "warm",
            "background": gen.background_state,
            "risk": "published" if scores.get("available") else "not_published", "risk_as_of": scores.get("as_of"),
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
