"""Web fixtures: the app on a read-only copy of the store ``cscwatch build`` makes from the bundled
data (the session's ``built_store``); a live server and Debian's chromium for browser tests."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CSCWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def store_file(built_store, tmp_path_factory) -> Path:
    """A copy of the built store file (the tests serve it read-only, as `cscwatch serve` does)."""
    built_store.con.execute("CHECKPOINT")
    target = tmp_path_factory.mktemp("web") / "served.duckdb"
    shutil.copyfile(built_store.path, target)
    return target


@pytest.fixture(scope="session")
def web_store(store_file):
    from cscwatch.store import Store

    store = Store(store_file, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def app(web_store):
    from cscwatch.web.app import create_app

    application = create_app(web_store, risk=False)
    application.state.generations.warm_current()
    return application


@pytest.fixture(scope="session")
def client(app):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(app):
    """The app served by uvicorn in a thread on 127.0.0.1; yields the base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def web_browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(web_browser, base: str, width: int):
    context = web_browser.new_context(viewport={"width": width, "height": 900}, base_url=base, accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.outside_requests = outside  # type: ignore[attr-defined]
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


@pytest.fixture
def web_page(web_browser, live_server):
    context, page = _page(web_browser, live_server, 1366)
    yield page
    context.close()
    assert not page.outside_requests, f"the page tried to reach the network: {page.outside_requests}"
    assert not page.errors, page.errors


@pytest.fixture
def phone_page(web_browser, live_server):
    context, page = _page(web_browser, live_server, 390)
    yield page
    context.close()
    assert not page.outside_requests and not page.errors
