"""Web fixtures: the app on a read-only copy of the store ``cscwatch build`` makes from the bundled
data (the session's ``built_store``), with what the bundled data cannot give the new pages added to
the copy: two generated report texts for Darlington (themes, evidence, recommendations followed
up), synthetic returns for one LA with validation issues, two accounts, and the documented planner
simulation. A live server and Debian's chromium for browser tests."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.web.extras import ACCOUNTS, PASSWORD, REPORTS, RETURNS_LA

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CSCWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"




@pytest.fixture(scope="session", autouse=True)
def session_secret_env(tmp_path_factory):
    """Every app and `cscwatch serve` the web tests start signs sessions with a key in a temporary folder."""
    os.environ["CSCWATCH_SESSION_SECRET"] = str(tmp_path_factory.mktemp("secret") / "session.key")
    yield
    os.environ.pop("CSCWATCH_SESSION_SECRET", None)


@pytest.fixture(scope="session")
def store_file(built_store, tmp_path_factory) -> Path:
    """A copy of the built store file with the extras above (the tests serve it read-only, as
    `cscwatch serve` does)."""
    built_store.con.execute("CHECKPOINT")
    folder = tmp_path_factory.mktemp("web")
    target = folder / "served.duckdb"
    shutil.copyfile(built_store.path, target)
    from cscwatch.store import Store

    store = Store(target)
    try:
        add_reports(store)
        add_returns(store, folder / "returns")
        add_simulation(store)
        store.con.execute("CHECKPOINT")
    finally:
        store.close()
    return target


def add_reports(store) -> None:
    """Two generated ILACS reports as the text of two of Darlington's inspections, then classified."""
    from datetime import datetime

    from cscwatch.text.pipeline import classify_reports
    from tests.text.conftest import LATER
    from tests.text.test_segment import ILACS

    for (sha, inspection_id), pages in zip(REPORTS.items(), (ILACS, LATER)):
        row = store.rows("SELECT * FROM inspection WHERE inspection_id = ?", [inspection_id])[0]
        with store.transaction() as con:
            con.execute("INSERT INTO report_file VALUES (?, ?, 1, 'parsed', NULL, 'ilacs_standard', ?, ?)",
                        [f"/reports/darlington-{sha[:4]}.pdf", sha, len(pages), datetime(2026, 4, 1)])
            for n, text in enumerate(pages, start=1):
                con.execute("INSERT INTO report_page VALUES (?, ?, ?)", [sha, n, text])
            con.execute("INSERT INTO source_inspection (source_id, source, source_ref, la_code_old, la_name, framework,"
                        " inspection_type, doc_type, start_date, end_date, publication_date) VALUES (?, 'report', ?,"
                        " '841', 'Darlington', ?, 'standard', 'ilacs_standard', ?, ?, ?)",
                        [f"report:{sha}", sha, row["framework"], row["start_date"], row["end_date"],
                         row["publication_date"]])
            con.execute("INSERT INTO inspection_source VALUES (?, ?)", [inspection_id, f"report:{sha}"])
    classify_reports(store)


def add_returns(store, folder: Path) -> None:
    """Synthetic returns for one LA (two small years), validation issues for some of its children
    (keyed as the ingest pseudonymised them) and an account for it and one for another LA."""
    from cscwatch.returns.accounts import add_user
    from cscwatch.returns.ingest import ingest
    from cscwatch.returns.synth import synth
    from cscwatch.returns.validate import ValidationReport, save_issues

    summary = synth(store, folder, n_las=1, n_years=2, seed=0, scale=0.05)
    assert summary.las == [RETURNS_LA], summary.las
    ingest(store, folder, secret=bytes(range(32)))
    for year in summary.years:
        keys = [r["child_key"] for r in store.rows("SELECT child_key FROM cla_child WHERE la_code_old = ? AND year = ? "
                                                   "ORDER BY child_key LIMIT 3", [RETURNS_LA, year])]
        issues = [{"la_code_old": RETURNS_LA, "year": year, "return_type": "ssda903", "child_key": k,
                   "rule_code": "393", "severity": "error", "table_name": "Header", "columns": "MOTHER", "row_no": i + 2,
                   "message": "Child is looked after but mother field is not completed."} for i, k in enumerate(keys)]
        save_issues(store, ValidationReport(RETURNS_LA, year, files=["header.csv"], issues=issues))
    for user, la in ACCOUNTS.items():
        add_user(store, user, PASSWORD, la=la)


def add_simulation(store) -> None:
    """The planner's documented simulation result, so the plan page has its paragraph."""
    import json

    from cscwatch.planner.simulate import save_simulation

    save_simulation(store, json.loads((REPO / "docs" / "planner-simulation.json").read_text()))


@pytest.fixture(scope="session")
def raw_child_ids(store_file) -> set[str]:
    """The synthetic returns' own child IDs (SSDA903 CHILD, CIN LAchildID) and SSDA903 dates of birth:
    never to appear in any answer (IDs with a letter in them, so a number on a page cannot match)."""
    import csv
    import re

    found: set[str] = set()
    root = store_file.parent / "returns"
    for path in root.rglob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found |= {row[k] for k in ("CHILD", "DOB") if row.get(k)}
    for path in root.rglob("*.xml"):
        found |= set(re.findall(r"<LAchildID>([^<]+)</LAchildID>", path.read_text(encoding="utf-8")))
    ids = {x for x in found if re.search(r"[A-Za-z/]", x)}
    assert len(ids) > 50
    return ids


@pytest.fixture(scope="session")
def web_store(store_file):
    from cscwatch.store import Store

    store = Store(store_file, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def app(web_store):
    from cscwatch.web.app import create_app

    application = create_app(web_store)
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
