"""Web fixtures: the synthetic store for fast API tests; a live server and Debian's chromium for
browser tests, on the store ``cscwatch build`` makes from the bundled data (the session's
``built_store``), or on $CSCWATCH_WEB_TEST_DB (a store file, or ``synthetic``)."""
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
AXE = Path(__file__).with_name("axe.min.js")
#: A store file for the browser tests instead of a fresh build, or ``synthetic``.
_CHOICE = os.environ.get("CSCWATCH_WEB_TEST_DB")
REAL_STORES = [Path(_CHOICE)] if _CHOICE and _CHOICE != "synthetic" else []


@pytest.fixture(scope="session")
def synthetic():
    from cscwatch.fixtures.stores import synthetic_store

    store = synthetic_store()
    yield store
    store.close()


@pytest.fixture(scope="session")
def client(synthetic):
    from fastapi.testclient import TestClient

    from cscwatch.web.app import create_app

    with TestClient(create_app(synthetic)) as c:
        yield c


def _real_store(tmp_dir: Path):
    """A read-only copy of the first real store with LAs, measures and inspections, else None."""
    from cscwatch.store import Store

    for path in REAL_STORES:
        if not path.is_file():
            continue
        copy = tmp_dir / "real.duckdb"
        try:
            shutil.copyfile(path, copy)
            store = Store(copy, read_only=True)
            if (store.has_table("inspection") and store.scalar("SELECT count(*) FROM la")
                    and store.scalar("SELECT count(*) FROM observation")
                    and store.scalar("SELECT count(*) FROM inspection")):
                return store
            store.close()
        except Exception:  # a store mid-build or of an older schema: fall back to the next
            continue
    return None


@pytest.fixture(scope="session")
def live_server(request, tmp_path_factory):
    """The app served by uvicorn in a thread on 127.0.0.1; yields (base_url, store_kind, app)."""
    import uvicorn

    from cscwatch.fixtures.stores import synthetic_store
    from cscwatch.web.app import create_app, warm

    store, kind, owned = _real_store(tmp_path_factory.mktemp("store")), "real", True
    if store is None and _CHOICE == "synthetic":
        store = synthetic_store()
        kind = "synthetic"
    elif store is None:
        store, owned = request.getfixturevalue("built_store"), False
    app = create_app(store)
    warm(app)  # page data and the risk model, so every page shows its final state
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
    yield f"http://127.0.0.1:{port}", kind, app
    server.should_exit = True
    thread.join(10)
    if owned:
        store.close()


@pytest.fixture(scope="session")
def web_browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web_page(web_browser, live_server):
    base = live_server[0]
    context = web_browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base,
                                      accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    page.outside_requests = outside  # type: ignore[attr-defined]
    yield page
    context.close()
    assert not outside, f"the page tried to reach the network: {outside}"
