"""``cscwatch serve``: the dashboard on loopback, or one in-process request with ``--get`` (like datasette)."""
from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from cscwatch.cli.common import DbOption, err_console, friendly_errors, open_db


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default; 0.0.0.0 exposes it).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    db: DbOption = None,
    get: Annotated[str | None, typer.Option("--get", help="Request this path in-process, print the response "
                                                          "body and exit (non-zero unless 200).")] = None,
    risk: Annotated[bool, typer.Option("--risk/--no-risk", hidden=True,
                                       help="Accepted for old scripts; does nothing (the build publishes the "
                                            "early-warning scores).")] = True,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16,
                                         help="Server processes (each loads the store; 2 uses both cores of a "
                                              "2-core machine).")] = 1,
) -> None:
    """Serve the dashboard and its JSON API over the store (opened read-only; rebuilt stores are
    picked up as soon as `cscwatch build` or `reports ingest` swaps them in). The child-level
    returns pages need a sign-in (`cscwatch returns users add`); sessions are signed with a secret
    kept in var/session.key (or $CSCWATCH_SESSION_SECRET), created on first use."""
    from cscwatch.cli.common import db_path
    from cscwatch.web.app import create_app, warm

    del risk                                              # kept so old scripts still run

    if get is not None:
        with friendly_errors():
            store = open_db(db, read_only=True)
        import secrets
        import warnings

        app = create_app(store, session_key=secrets.token_hex(32))   # one request: no session outlives it

        with warnings.catch_warnings():  # starlette nags about httpx vs httpx2; irrelevant in-process
            warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
            from fastapi.testclient import TestClient

        with TestClient(app) as client:
            response = client.get(get)
        sys.stdout.buffer.write(response.content)
        if not response.content.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        if response.status_code != 200:
            err_console.print(f"[red]HTTP {response.status_code}[/red] for {get}", highlight=False)
            raise typer.Exit(1)
        return
    import threading

    import uvicorn

    with friendly_errors():
        path = db_path(db).resolve()
        if workers > 1:                                   # each worker process builds its own app
            from cscwatch.store import Store

            Store(path, read_only=True).close()           # fail here, once, if there is no store
            from cscwatch.web.auth import session_secret

            session_secret()                              # ... or the session secret is unsafe (made once)
            os.environ["CSCWATCH_SERVE_DB"] = str(path)
            err_console.print(f"cscwatch dashboard: http://{host}:{port}/  (store {path}, {workers} workers, "
                              "Ctrl+C to stop)", highlight=False, soft_wrap=True)
            uvicorn.run("cscwatch.web.app:serve_from_environment", factory=True, host=host, port=port,
                        workers=workers, log_level="warning", access_log=False)
            return
        app = create_app(path)
    # Fill the page-data caches in the background: pages work at once and are fast once warm.
    threading.Thread(target=warm, args=(app,), name="cscwatch-warm", daemon=True).start()
    app.state.generations.start()
    err_console.print(f"cscwatch dashboard: http://{host}:{port}/  (store {path}, Ctrl+C to stop)",
                      highlight=False, soft_wrap=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.state.generations.close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
