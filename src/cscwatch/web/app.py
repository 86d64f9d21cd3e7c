"""The FastAPI app: ``create_app(store or path)`` wires the pages, static files and error handling.

Pages are declared in :mod:`cscwatch.web.routes` (each one context, one template); the request
pipeline in :mod:`cscwatch.web.views`; store generations (rebuild while serving) in
:mod:`cscwatch.web.serving`; the response cache in :mod:`cscwatch.web.cache`; static files in
:mod:`cscwatch.web.assets`; logins for the child-level views in :mod:`cscwatch.web.auth`. Errors
raised inside become 401 / 403 / 404 / 422 with a helpful message: a GOV.UK error page for browsers
and ``{"error", "status", ...}`` under ``/api`` and with ``?format=json``. The early-warning scores
are read from the store (``cscwatch build`` publishes them); nothing is fitted while serving.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from cscwatch import __version__
from cscwatch.errors import CscwatchError, NotFound, StoreNotBuilt, UnknownLocalAuthority
from cscwatch.output import to_jsonable
from cscwatch.returns.accounts import PermissionDenied
from cscwatch.store import Store
from cscwatch.web.assets import Assets
from cscwatch.web.auth import PRIVATE_HEADERS, SESSION_COOKIE, SESSION_SECONDS, session_secret, username_of
from cscwatch.web.render import environment, json_bytes
from cscwatch.web.serving import Generation, Generations
from cscwatch.web.views import GenerationMiddleware, Redirect, render_page

HERE = Path(__file__).resolve().parent


def warm_pages(gen: Generation) -> None:
    """What the first visitors would otherwise wait for: the overview, the lists, the boundaries."""
    from cscwatch.contexts.lists import las_context, measures_context
    from cscwatch.contexts.overview import overview_context

    overview_context(gen.store)
    measures_context(gen.store)
    las_context(gen.store)


def warm_slow(gen: Generation) -> None:
    """What takes seconds, made once per generation after it is warm: the default inspection plan
    (CP-SAT, ~5 s), the national themes (~1 s) and each LA's last-report panel (~0.6 s for each LA
    with report text). A visitor asking for one meanwhile waits for that computation (single-flight
    memos) instead of starting another."""
    from cscwatch.contexts.plan import plan_page_context
    from cscwatch.contexts.themes import la_themes, las_with_text, themes_context

    plan_page_context(gen.store)
    themes_context(gen.store)
    for code in sorted(las_with_text(gen.store)) if gen.store.has_table("text_report") else []:
        la_themes(gen.store, code)


def warm(app: FastAPI) -> None:
    """Load the current generation's page data, then make the default plan (a background thread in serve)."""
    app.state.generations.warm_current()


def serve_from_environment() -> FastAPI:
    """The app of one ``cscwatch serve --workers N`` process: the store path comes from the parent
    (``CSCWATCH_SERVE_DB``); each process warms and follows the store on its own."""
    import os
    import threading

    app = create_app(os.environ["CSCWATCH_SERVE_DB"])
    threading.Thread(target=warm, args=(app,), name="cscwatch-warm", daemon=True).start()
    app.state.generations.start()
    return app


def create_app(store: Store | str | Path, *, watch: bool | None = None, session_secret_file: str | Path | None = None,
               session_key: str | None = None, secure_cookies: bool | None = None, precompute: bool = True,
               risk: bool | None = None) -> FastAPI:
    """The dashboard over ``store``: a :class:`Store` served as it is, or a store file path served
    read-only and followed through rebuilds (``watch``, default for paths; call
    ``app.state.generations.start()`` to poll, as ``cscwatch serve`` does).

    ``session_secret_file``: where the login sessions' signing secret is kept (default
    :func:`cscwatch.web.auth.default_secret_path`), or ``session_key`` itself (e.g. a throwaway one
    for a single in-process request); ``secure_cookies``: send the session cookie over
    HTTPS only (default: ``$CSCWATCH_SECURE_COOKIES`` is 1; set it behind a TLS proxy);
    ``precompute=False`` leaves the default plan to its first visitor (tests of other things). ``risk`` is
    accepted and ignored: the early-warning scores are published by ``cscwatch build``.
    """
    del risk                                            # nothing is fitted while serving any more
    slow = warm_slow if precompute else None
    if isinstance(store, Store):
        generations = Generations.fixed(store, warm_extra=warm_pages, background=slow)
    else:
        generations = Generations.watching(store, warm_extra=warm_pages, background=slow)
    app = FastAPI(
        title="cscwatch", version=__version__, docs_url=None, redoc_url=None,
        description="Ofsted inspections and DfE indicators for English local authorities' children's social "
                    "care. Every page has a JSON twin under /api (or ?format=json); tables download with "
                    "`?format=csv|xlsx&table=NAME`. Errors answer `{error, status, suggestions?, detail?}`.",
        openapi_tags=[{"name": "pages", "description": "HTML pages (GOV.UK Design System)"},
                      {"name": "api", "description": "JSON twins of the pages, feeds and data"}],
    )
    app.state.generations = generations
    app.state.assets = Assets(HERE / "static")
    app.state.templates = environment(app.state.assets)
    from cscwatch.web.routes import router

    app.include_router(router)
    _install_error_handlers(app)
    app.add_middleware(GenerationMiddleware, generations=generations)
    if secure_cookies is None:
        secure_cookies = os.environ.get("CSCWATCH_SECURE_COOKIES") == "1"
    from starlette.middleware.sessions import SessionMiddleware

    key = session_key or session_secret(Path(session_secret_file) if session_secret_file else None)
    app.add_middleware(SessionMiddleware, secret_key=key,
                       session_cookie=SESSION_COOKIE, max_age=SESSION_SECONDS, same_site="lax",
                       https_only=secure_cookies)
    return app


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path in ("/healthz", "/openapi.json") or \
        request.query_params.get("format") in ("json", "csv", "xlsx") or path.endswith((".xlsx", ".xml"))


def error_response(request: Request, status: int, title: str, message: str, suggestions: Sequence[str] = (),
                   errors: Any = None, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        body: dict[str, Any] = {"error": message, "status": status}
        if suggestions:
            body["suggestions"] = list(suggestions)
        if errors is not None:
            body["detail"] = errors
        return Response(json_bytes(body), status_code=status, media_type="application/json", headers=headers)
    html = render_page(request, "error.html", {"title": title, "message": message, "suggestions": list(suggestions),
                                               "status": status})
    return Response(html, status_code=status, media_type="text/html; charset=utf-8", headers=headers)


def _allowed(request: Request) -> list[str]:
    """Every method some route answers at this path (GET and HEAD are separate routes)."""
    from starlette.routing import Match

    def routes(items: Any) -> Any:
        for r in items:
            inner = getattr(r, "original_router", None)          # FastAPI's included routers
            nested = inner.routes if inner is not None else getattr(r, "routes", None)
            if nested is not None and not hasattr(r, "methods"):
                yield from routes(nested)
            else:
                yield r

    methods: set[str] = set()
    for route in routes(request.app.routes):
        if not hasattr(route, "methods"):
            continue
        for method in ("GET", "HEAD", "POST"):
            match, _ = route.matches({**request.scope, "method": method})
            if match == Match.FULL:
                methods |= set(route.methods or ())
    return sorted(methods)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Redirect)
    async def redirect(request: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(UnknownLocalAuthority)
    async def unknown_la(request: Request, exc: UnknownLocalAuthority) -> Response:
        return error_response(request, 404, "Local authority not found",
                              f"There is no English children's services authority called or coded "
                              f"{exc.value!r}. Search by name or use the 3-digit DfE number or ONS code.",
                              exc.suggestions)

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, exc: PermissionDenied) -> Response:
        if username_of(request) is None:
            if not _wants_json(request):
                from urllib.parse import quote

                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303,
                                        headers=PRIVATE_HEADERS)
            return error_response(request, 401, "Sign in", "This page shows child-level data: sign in first "
                                  "(POST /login).", headers=dict(PRIVATE_HEADERS))
        return error_response(request, 403, "You cannot see this page", f"{exc}. Ask whoever runs cscwatch for an "
                              "account for this local authority.", headers=dict(PRIVATE_HEADERS))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, "Not found", str(exc))

    @app.exception_handler(StoreNotBuilt)
    async def not_built(request: Request, exc: StoreNotBuilt) -> Response:
        return error_response(request, 503, "No data yet", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path"))
            msg = e.get("msg", "")
            if e.get("type") == "string_pattern_mismatch":
                msg = "contains characters it cannot have"
            elif e.get("type") == "string_too_long":
                msg = f"is too long (at most {e.get('ctx', {}).get('max_length')} characters)"
            problems.append(f"{where}: {msg}")
        return error_response(request, 422, "There is a problem with the address",
                              "The link has a value this page cannot use: " + "; ".join(problems),
                              errors=[{"loc": list(e.get("loc", ())), "msg": p}
                                      for e, p in zip(exc.errors(), problems)])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(request, 404, "Page not found",
                                  f"There is no page at {request.url.path}. Try the search or the list of "
                                  "local authorities.")
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        if exc.status_code == 405:
            headers["allow"] = ", ".join(_allowed(request))
            return error_response(request, 405, "Method not allowed", f"{request.method} is not allowed here; use "
                                  f"{headers['allow']}", headers=headers)
        return error_response(request, exc.status_code, "Something went wrong", str(exc.detail), headers=headers)

    @app.exception_handler(CscwatchError)
    async def other(request: Request, exc: CscwatchError) -> Response:
        return error_response(request, 422, "There is a problem with the address", str(exc))


__all__ = ["create_app", "warm", "to_jsonable"]
