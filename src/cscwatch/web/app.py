"""The FastAPI app: ``create_app(store)`` wires routes, templates, static files and error pages.

One context per page (``pages.py``), rendered as HTML, JSON, CSV or XLSX. Errors raised inside
(``NotFound``, ``UnknownLocalAuthority``, validation) become 404 / 422 with a helpful message, as a
GOV.UK error page for browsers and as ``{"error": ..., "status": ...}`` under ``/api``.
"""
from __future__ import annotations

import csv
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from jinja2.utils import htmlsafe_json_dumps
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from cscwatch import __version__
from cscwatch.output import to_jsonable
from cscwatch.errors import CscwatchError, NotFound, UnknownLocalAuthority
from cscwatch.store import Store
from cscwatch.web import charts, pages

HERE = Path(__file__).resolve().parent
SERVICE_NAME = "cscwatch: children's social care in England"


def warm(app: FastAPI) -> None:
    """Load the page data, then fit the risk model; run in a background thread while serving."""
    app.state.view.warm()
    app.state.risk.warm()


class ContextCache:
    """Bounded LRU of page contexts. Safe because the store is read-only while the app serves it."""

    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def peek(self, key: Any) -> Any:
        """The cached value or None, without building."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = build()
        with self._lock:
            self._data[key] = value
            if len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value


class CachedResponses:
    """ASGI middleware answering repeat GETs straight from the response cache.

    The routes store each response under its path and sorted query (``routes._cache_key``); a hit
    here skips routing, parameter validation and the thread pool, which is most of the cost of a
    request once the store is loaded.
    """

    def __init__(self, app: Any, cache: ContextCache):
        self.app = app
        self.cache = cache

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        from urllib.parse import parse_qsl

        query = scope.get("query_string", b"").decode("latin-1")
        items = parse_qsl(query, keep_blank_values=True) if query else []
        key = ("response", (scope["path"], "&".join(sorted(f"{k}={v}" for k, v in items))))
        entry = self.cache.peek(key)
        if entry is None:
            return await self.app(scope, receive, send)
        body, status, media_type, headers = entry
        etag = headers.get("etag", "")
        if etag and any(k == b"if-none-match" and v.decode("latin-1") == etag for k, v in scope["headers"]):
            status, body, raw = 304, b"", [(b"etag", etag.encode())]
        else:
            raw = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
            if media_type:
                ctype = media_type + ("; charset=utf-8" if media_type.startswith("text/") and "charset" not in media_type
                                      else "")
                raw.append((b"content-type", ctype.encode()))
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _fmt_number(value: Any, dp: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if dp is None:
            dp = 0 if abs(value) >= 1000 or value == int(value) else 1
        return f"{value:,.{dp}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _fmt_change(value: float | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "−" if value < 0 else "±") + _fmt_number(abs(value))


def _fmt_date(value: str | None) -> str:
    if not value:
        return ""
    from datetime import date
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day} {d:%B %Y}"


def _templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters.update(num=_fmt_number, change=_fmt_change, date=_fmt_date,
                         tojson_compact=lambda v: htmlsafe_json_dumps(to_jsonable(v), separators=(",", ":")))
    t.env.globals.update(service_name=SERVICE_NAME, version=__version__, GRADE_NAMES=charts.GRADE_NAMES,
                         sparkline=charts.sparkline, grade_order=charts.GRADE_ORDER)
    return t


# ---------------------------------------------------------------------------------------------
# Tables: CSV / XLSX downloads
# ---------------------------------------------------------------------------------------------

def csv_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else to_jsonable(r.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[dict[str, Any]], Sequence[str]]]) -> bytes:
    """One worksheet per (title, rows, columns); header row bold and frozen, widths fitted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows, columns in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([_xlsx_value(r.get(c)) for c in columns])
        ws.freeze_panes = "A2"
        for i, c in enumerate(columns, start=1):
            width = max([len(str(c))] + [len(str(r.get(c) or "")) for r in rows[:200]])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_value(v: Any) -> Any:
    v = to_jsonable(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return v


def table_response(name: str, rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> Response:
    if fmt == "csv":
        return Response(csv_bytes(rows, columns), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(xlsx_bytes([(name, rows, columns)]),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


# ---------------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------------

class RiskProvider:
    """The risk model's score and reasons for an LA, once the model is fitted.

    Fitting takes tens of seconds on the full store, so it happens in the background (``warm``)
    and pages never wait for it: until it is ready an LA page simply has no risk section, and when
    it becomes ready the page caches are cleared so the next visit shows it.
    """

    def __init__(self, store: Store, enabled: bool = True):
        self.store = store
        self.state = "pending" if enabled else "off"
        self.error: str | None = None
        self.on_ready: Callable[[], None] | None = None

    @staticmethod
    def _explain() -> Callable[..., dict[str, Any]] | None:
        try:
            from cscwatch.risk.scores import explain
        except ImportError:
            return None
        return explain

    def warm(self) -> None:
        explain = self._explain()
        if self.state == "off":
            return
        if explain is None:
            self.state = "unavailable"
            return
        try:
            code = self.store.scalar("SELECT la_code_old FROM la WHERE valid_to IS NULL ORDER BY la_code_old LIMIT 1")
            explain(self.store, code)
        except Exception as exc:  # no model can be fitted on this store: pages go on without risk
            self.state, self.error = "unavailable", f"{type(exc).__name__}: {exc}"
            return
        self.state = "ready"
        if self.on_ready:
            self.on_ready()

    def __call__(self, la_code: str) -> dict[str, Any] | None:
        if self.state != "ready":
            return None
        try:
            result = self._explain()(self.store, la_code)  # type: ignore[misc]
        except Exception:  # e.g. a former LA the model does not score
            return None
        result.pop("features", None)
        return to_jsonable(result)


def create_app(store: Store, *, risk: bool = True) -> FastAPI:
    """The dashboard over ``store`` (open it read-only when serving: contexts are cached).

    ``risk=False`` leaves the risk model out (its first fit takes tens of seconds).
    Call ``warm(app)`` (``cscwatch serve`` does, in a thread) to load everything up front.
    """
    app = FastAPI(
        title="cscwatch",
        version=__version__,
        docs_url=None, redoc_url=None,  # Swagger UI and ReDoc load from a CDN: /docs is server-rendered
        description="Ofsted inspections and DfE indicators for English local authorities' children's social "
                    "care. Every page has a JSON twin under /api; tables download as CSV or XLSX with "
                    "`?format=csv|xlsx`.",
        openapi_tags=[{"name": "pages", "description": "HTML pages (GOV.UK Design System)"},
                      {"name": "api", "description": "JSON twins of the pages"}],
    )
    app.state.store = store
    app.state.view = pages.StoreView(store)
    app.state.cache = ContextCache()
    app.state.templates = _templates()
    app.state.risk = RiskProvider(store, enabled=risk)
    app.state.risk.on_ready = app.state.cache.clear
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/assets", StaticFiles(directory=str(HERE / "static" / "govuk" / "assets")), name="assets")

    from cscwatch.web.routes import router

    app.include_router(router)
    _install_error_handlers(app)
    app.add_middleware(CachedResponses, cache=app.state.cache)
    return app


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path == "/healthz" or request.query_params.get("format") == "json"


def error_response(request: Request, status: int, title: str, message: str,
                   suggestions: Sequence[str] = (), errors: Any = None) -> Response:
    if _wants_json(request):
        body: dict[str, Any] = {"error": message, "status": status}
        if suggestions:
            body["suggestions"] = list(suggestions)
        if errors is not None:
            body["detail"] = errors
        return JSONResponse(to_jsonable(body), status_code=status)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"title": title, "message": message, "suggestions": suggestions, "status": status},
        status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UnknownLocalAuthority)
    async def unknown_la(request: Request, exc: UnknownLocalAuthority) -> Response:
        return error_response(request, 404, "Local authority not found",
                              f"There is no English children's services authority called or coded "
                              f"{exc.value!r}. Search by name or use the 3-digit DfE number or ONS code.",
                              exc.suggestions)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, "Not found", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'path'))}: {e.get('msg')}"
                    for e in exc.errors()]
        return error_response(request, 422, "There is a problem with the address",
                              "The link has a value this page cannot use: " + "; ".join(problems),
                              errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(request, 404, "Page not found",
                                  f"There is no page at {request.url.path}. Try the search or the list of "
                                  "local authorities.")
        return error_response(request, exc.status_code, "Something went wrong", str(exc.detail))

    @app.exception_handler(CscwatchError)
    async def other(request: Request, exc: CscwatchError) -> Response:
        return error_response(request, 400, "Something went wrong", str(exc))


def feature_ids(view: pages.StoreView, geojson: dict[str, Any] | None) -> dict[str, str]:
    """la_code_old → map feature id (2023 upper-tier ONS code), via the LA's ONS code or its aliases."""
    if not geojson:
        return {}
    ids = {f["id"] for f in geojson["features"]}
    out: dict[str, str] = {}
    for code, la in view.las().items():
        if (la["la_code_new"] or "").upper() in ids:
            out[code] = la["la_code_new"].upper()
    for alias, code in view.aliases().items():
        if code not in out and alias.upper() in ids:
            out[code] = alias.upper()
    names = {pages.normalise(f["properties"]["name"]): f["id"] for f in geojson["features"]}
    for code, la in view.las().items():
        if code not in out and la["current"] and pages.normalise(la["la_name"]) in names:
            out[code] = names[pages.normalise(la["la_name"])]
    return out
