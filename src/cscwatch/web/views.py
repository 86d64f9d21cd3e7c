"""One handler per page: a context function becomes the HTML page, its ``/api`` twin and its downloads.

datasette's pattern. A page is declared once::

    @site.page("/la/{code}", api="/api/la/{code}", template="la.html", tables=la_tables,
               summary="Local authority")
    def la(request: Request, code: CodeP, ...) -> dict:
        return la_context(store_of(request), code, ...)

and is served as HTML (``template``), JSON (the context itself, at ``api`` and at ``?format=json``)
and CSV or XLSX (``?format=csv|xlsx&table=NAME``, the page's :mod:`cscwatch.contexts.tables`),
for GET and HEAD, cached per store generation, with the OpenAPI description saying so (every
content type, and the 404 / 422 error bodies). A new page is one context function, one template
and one such declaration.

``site.private_page`` declares a page that depends on who is logged in (the child-level views):
the same renderings, but built for each request, never cached (``Cache-Control: no-store``), and
answered 401 / 403 (or, for a browser, the login page) when the login does not allow it.
"""
from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from cscwatch.errors import NotFound
from cscwatch.store import Store
from cscwatch.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Table, slug, write_csv, write_xlsx
from cscwatch.web import charts
from cscwatch.web.cache import Entry, cache_key, etag
from cscwatch.web.render import comparator_state, json_bytes, make_link

Format = Literal["html", "json", "csv", "xlsx"]
ApiFormat = Literal["json", "csv", "xlsx"]
TableQ = Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$", description="Which table to download "
                                                                               "(with format=csv or xlsx)")]
MEDIA = {"html": "text/html; charset=utf-8", "json": "application/json", "csv": CSV_MEDIA_TYPE,
         "xlsx": XLSX_MEDIA_TYPE}


class Redirect(Exception):
    """Raised by a page that should send the browser elsewhere (an exact search hit: the LA's page)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


class ErrorBody(BaseModel):
    """What every error answers under /api (and with ?format=json)."""

    error: str
    status: int
    suggestions: list[str] | None = None
    detail: list[dict[str, Any]] | None = None


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {400: "The request cannot be answered (the message says why)",
             401: "Not logged in (a browser is sent to the login page instead)",
             403: "Logged in, but this account may not see it",
             404: "No such local authority, measure, period or table",
             422: "A parameter this page cannot use (the message says which)"}
    return {c: {"model": ErrorBody, "description": words[c],
                "content": {"text/html": {"schema": {"type": "string"}}}} for c in codes}


def ok_response(formats: tuple[str, ...], description: str) -> dict[int | str, dict[str, Any]]:
    schemas = {"html": {"type": "string"}, "json": {"type": "object"}, "csv": {"type": "string"},
               "xlsx": {"type": "string", "format": "binary"}}
    return {200: {"description": description,
                  "content": {MEDIA[f].split(";")[0]: {"schema": schemas[f]} for f in formats}}}


def generation_of(request: Request) -> Any:
    gen = getattr(request.state, "generation", None)
    return gen if gen is not None else request.app.state.generations.current


def store_of(request: Request) -> Store:
    return generation_of(request).store


class Site:
    """The pages of the app, registered on one router."""

    def __init__(self) -> None:
        self.router = APIRouter()
        self.pages: list[dict[str, Any]] = []

    def page(self, path: str, *, api: str | None = None, template: str | None = None,
             tables: Callable[[dict[str, Any]], dict[str, Table]] | None = None,
             filename: Callable[[dict[str, Any]], str] | None = None, summary: str,
             description: str | None = None) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
        def register(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
            doc = description or inspect.getdoc(build) or summary
            hints = typing.get_type_hints(build, include_extras=True)
            params = [p.replace(annotation=hints.get(name, p.annotation))
                      for name, p in inspect.signature(build).parameters.items() if name != "request"]
            downloads = ("csv", "xlsx") if tables else ()
            if template:
                self._route(path, build, params, template, tables, filename, ("html", "json", *downloads),
                            summary, doc, tag="pages")
            if api:
                self._route(api, build, params, None, tables, filename, ("json", *downloads),
                            f"{summary} (JSON twin of {path})" if template else summary, doc, tag="api")
            self.pages.append({"path": path, "api": api, "summary": summary})
            return build
        return register

    def private_page(self, path: str, *, api: str, template: str,
                     tables: Callable[[dict[str, Any]], dict[str, Table]], summary: str,
                     filename: Callable[[dict[str, Any]], str] | None = None,
                     description: str | None = None) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
        """A page behind the login: ``build(request, account, ...)`` gets the logged-in account (or None:
        its context function refuses it), and nothing it returns is cached or shared."""
        def register(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
            doc = description or inspect.getdoc(build) or summary
            hints = typing.get_type_hints(build, include_extras=True)
            params = [p.replace(annotation=hints.get(name, p.annotation))
                      for name, p in inspect.signature(build).parameters.items() if name not in ("request", "account")]
            for route, formats, tag in ((path, ("html", "json", "csv", "xlsx"), "pages"),
                                        (api, ("json", "csv", "xlsx"), "api")):
                self._private_route(route, build, params, template if tag == "pages" else None, tables, filename,
                                    formats, summary if tag == "pages" else f"{summary} (JSON twin of {path})", doc, tag)
            self.pages.append({"path": path, "api": api, "summary": summary, "private": True})
            return build
        return register

    def _private_route(self, path: str, build: Callable[..., dict[str, Any]], params: list[inspect.Parameter],
                       template: str | None, tables: Any, filename: Any, formats: tuple[str, ...], summary: str,
                       description: str, tag: str) -> None:
        from cscwatch.web.auth import PRIVATE_HEADERS, account_of, log_out, username_of

        fmt_type = Literal[formats]  # type: ignore[valid-type]
        extra = [inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY,
                                   annotation=Annotated[fmt_type, Query(description="html, json, or a download")],
                                   default=formats[0]),
                 inspect.Parameter("table", inspect.Parameter.KEYWORD_ONLY, annotation=TableQ, default=None)]

        async def endpoint(request: Request, **kw: Any) -> Response:
            fmt = kw.pop("format")
            table = kw.pop("table", None)
            gen = generation_of(request)
            account = await run_in_threadpool(account_of, request, gen.store)
            if account is None and username_of(request):    # an account removed since: signed out
                log_out(request)

            def produce() -> Entry:
                from cscwatch.web.auth import csrf_token

                bound = lambda request, **k: build(request, account, **k)  # noqa: E731
                return self._produce(request, gen, bound, kw, fmt, table, template, tables, filename,
                                     {"csrf_token": csrf_token(request)} if fmt == "html" else None)
            entry = await run_in_threadpool(produce)
            headers = {**entry.headers, **PRIVATE_HEADERS}
            return Response(b"" if request.method == "HEAD" else entry.body, status_code=entry.status,
                            media_type=entry.media_type, headers=headers)

        request_param = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
        kw_params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
        endpoint.__signature__ = inspect.Signature([request_param, *kw_params, *extra])  # type: ignore[attr-defined]
        endpoint.__name__ = f"{build.__name__}_{tag}"
        responses = {**ok_response(formats, summary), **error_responses(401, 403, 404, 422)}
        if tag == "pages":
            responses[303] = {"description": "Not logged in: to the login page"}
        for method in ("GET", "HEAD"):
            self.router.add_api_route(path, endpoint, methods=[method], summary=summary, description=description,
                                      tags=[tag], response_class=Response, responses=responses,
                                      name=endpoint.__name__ + ("_head" if method == "HEAD" else ""))

    def _route(self, path: str, build: Callable[..., dict[str, Any]], params: list[inspect.Parameter],
               template: str | None, tables: Any, filename: Any, formats: tuple[str, ...], summary: str,
               description: str, tag: str) -> None:
        fmt_type = Literal[formats]  # type: ignore[valid-type]
        extra = [inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY,
                                   annotation=Annotated[fmt_type, Query(description="html, json, or a download")],
                                   default=formats[0])]
        if tables:
            extra.append(inspect.Parameter("table", inspect.Parameter.KEYWORD_ONLY, annotation=TableQ, default=None))

        async def endpoint(request: Request, **kw: Any) -> Response:
            fmt = kw.pop("format")
            table = kw.pop("table", None)
            gen = generation_of(request)
            key = cache_key(request.url.path, request.url.query)
            entry = gen.cache.get(key)
            if entry is None:
                entry = await run_in_threadpool(self._produce, request, gen, build, kw, fmt, table, template,
                                                tables, filename)
                gen.cache.put(key, entry)
            return respond(request, entry, gen.id)

        request_param = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
        kw_params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
        endpoint.__signature__ = inspect.Signature([request_param, *kw_params, *extra])  # type: ignore[attr-defined]
        endpoint.__name__ = f"{build.__name__}_{tag}"
        for method in ("GET", "HEAD"):
            self.router.add_api_route(
                path, endpoint, methods=[method], summary=summary, description=description, tags=[tag],
                response_class=Response, responses={**ok_response(formats, summary), **error_responses(404, 422)},
                name=endpoint.__name__ + ("_head" if method == "HEAD" else ""))

    @staticmethod
    def _produce(request: Request, gen: Any, build: Callable[..., dict[str, Any]], kw: dict[str, Any], fmt: str,
                 table: str | None, template: str | None, tables: Any, filename: Any,
                 render_extra: dict[str, Any] | None = None) -> Entry:
        ctx = build(request, **kw)
        fresh = ((ctx.get("freshness") or {}).get("summary") or "") if isinstance(ctx, dict) else ""
        headers = {"x-data-as-at": fresh.encode("ascii", "replace").decode()[:500]} if fresh else {}
        if fmt == "json":
            return Entry(json_bytes(ctx), 200, MEDIA["json"], headers)
        if fmt in ("csv", "xlsx"):
            specs = tables(ctx)
            name = table or next(iter(specs))
            if name not in specs:
                raise NotFound(f"this page has no table {name!r}; its tables: {', '.join(specs)}")
            spec = specs[name]
            body = write_csv(spec) if fmt == "csv" else write_xlsx([spec])
            stem = slug(filename(ctx) if filename else request.url.path.strip("/") or "overview")
            headers["content-disposition"] = f'attachment; filename="{stem}-{name}.{fmt}"'
            return Entry(body, 200, MEDIA[fmt], headers)
        return Entry(render_page(request, template, ctx, **(render_extra or {})).encode("utf-8"), 200, MEDIA["html"],
                     headers)


def render_page(request: Request, template: str | None, ctx: dict[str, Any], **extra: Any) -> str:
    """A template rendered with the context, the request and links that keep the comparator."""
    state = comparator_state(ctx.get("comparator")) if isinstance(ctx, dict) and ctx.get("comparator") else {
        k: v for k, v in request.query_params.items() if k in ("neighbours", "average", "peers") and v}
    env = request.app.state.templates
    store = generation_of(request).store
    choices, names = _choices(store)
    return env.get_template(template).render(ctx=ctx, request=request, link=make_link(state), state=state,
                                             query=dict(request.query_params), choices=choices, la_names=names,
                                             charts=charts, **extra)


def _choices(store: Store) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The LAs offered in pickers (current, not shared services) and every LA's name by code."""
    from cscwatch.contexts.snapshot import snapshot
    from cscwatch.identity import directory

    def build() -> tuple[list[dict[str, str]], dict[str, str]]:
        d = directory(store)
        current = sorted(({"la_code_old": c, "la_name": r["la_name"]} for c, r in d.las.items()
                          if r["valid_to"] is None and r["la_type"] != "shared_service"), key=lambda r: r["la_name"])
        return current, {c: r["la_name"] for c, r in d.las.items()}
    return snapshot(store).memo("web_choices", build)


def respond(request: Request, entry: Entry, salt: str = "") -> Response:
    """A cached entry as a response: 304 for a matching ETag, gzip when accepted, no body for HEAD."""
    tag = entry.headers.get("etag") or etag(entry.body, salt)
    entry.headers.setdefault("etag", tag)
    headers = {**entry.headers, "cache-control": "no-cache", "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"etag": tag, "cache-control": "no-cache"})
    body = entry.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        packed = entry.gzip_body()
        if packed is not None:
            body, headers["content-encoding"] = packed, "gzip"
    headers["content-length"] = str(len(body))
    return Response(b"" if request.method == "HEAD" else body, status_code=entry.status,
                    media_type=entry.media_type, headers=headers)


class GenerationMiddleware:
    """Pins each request to the current store generation (kept open until the request ends) and
    answers repeat GET/HEAD requests straight from that generation's response cache."""

    def __init__(self, app: Any, generations: Any):
        self.app = app
        self.generations = generations

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        gen = self.generations.current
        with gen.use():
            scope.setdefault("state", {})["generation"] = gen
            if scope["method"] in ("GET", "HEAD"):
                key = cache_key(scope["path"], scope.get("query_string", b"").decode("latin-1"))
                entry = gen.cache.get(key)
                if entry is not None:
                    response = respond(Request(scope), entry, gen.id)
                    return await response(scope, receive, send)
            await self.app(scope, receive, send)
