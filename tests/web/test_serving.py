"""Rebuild while serving (issue 10): `cscwatch serve` keeps answering while `cscwatch build` replaces
the store under it, never holds a lock a writer needs, and serves the new build once it is swapped in."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from cscwatch.fixtures.reports import SAMPLE_GRADES, make_report_pdf

PAGES = ["/healthz", "/api/la/926", "/la/926", "/", "/api/measure/cin_rereferral_pct", "/measure/sw_agency_rate"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cscwatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "cscwatch.cli", *args]


@pytest.mark.slow
def test_build_while_serving_never_fails_a_request_and_the_new_build_is_served(store_file, tmp_path):
    db = tmp_path / "live.duckdb"
    shutil.copyfile(store_file, db)
    reports = tmp_path / "reports"
    reports.mkdir()
    make_report_pdf(reports / "norfolk-2025.pdf", layout="ilacs", la_name="Norfolk County Council",
                    judgements=SAMPLE_GRADES, start=date(2026, 9, 7), end=date(2026, 9, 18))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(_cscwatch("serve", "--db", str(db), "--port", str(port)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    statuses: list[tuple[str, int]] = []
    stop = threading.Event()
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/healthz").json()["warm"]:
                        break
                except httpx.HTTPError:
                    pass
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "the server did not warm up"
                time.sleep(0.2)
            before = client.get("/api/la/926").json()["inspections"][0]["inspection_id"]
            generation = client.get("/healthz").json()["generation"]["id"]

            def poll() -> None:
                with httpx.Client(base_url=base, timeout=30) as c:
                    i = 0
                    while not stop.is_set():
                        path = PAGES[i % len(PAGES)]
                        i += 1
                        try:
                            statuses.append((path, c.get(path).status_code))
                        except httpx.HTTPError as exc:
                            statuses.append((f"{path} {type(exc).__name__}", 0))

            pollers = [threading.Thread(target=poll) for _ in range(3)]
            for t in pollers:
                t.start()
            build = subprocess.run(_cscwatch("build", "--db", str(db), "--reports", str(reports)),
                                   capture_output=True, text=True, env=env, timeout=600)
            assert build.returncode == 0, build.stderr[-2000:]
            deadline = time.monotonic() + 120
            while client.get("/healthz").json()["generation"]["id"] == generation:
                assert time.monotonic() < deadline, "the new store was never served"
                time.sleep(0.2)
            time.sleep(1.0)                              # keep polling across and after the swap
            stop.set()
            for t in pollers:
                t.join(30)
            after = client.get("/api/la/926").json()["inspections"][0]
            health = client.get("/healthz").json()
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    failures = [s for s in statuses if s[1] != 200]
    assert len(statuses) > 30 and failures == [], failures[:10]
    assert after["inspection_id"] != before and after["start_date"] == "2026-09-07"
    assert "report" in after["sources"]
    assert health["generation"]["swaps"] == 1
    leftovers = sorted(p.name for p in Path(tmp_path).glob(".live.duckdb.serving-*"))
    assert len(leftovers) <= 2                          # the current link (and the retiring one)


def test_a_second_writer_gets_a_clear_message_while_the_server_holds_nothing(store_file, tmp_path):
    """The served store is opened read-only through a link: a writer can take the lock and swap."""
    from cscwatch.store import updating
    from cscwatch.web.app import create_app

    db = tmp_path / "s.duckdb"
    shutil.copyfile(store_file, db)
    app = create_app(db, precompute=False)
    generations = app.state.generations
    first = generations.current.id
    with updating(db) as store:                           # would raise StoreBusy if the server held a lock
        store.con.execute("CREATE TABLE web_swap_probe (x INTEGER)")
    assert generations.check(wait=True)
    assert generations.current.id != first
    assert generations.current.store.has_table("web_swap_probe")
    generations.close()
    assert not list(tmp_path.glob(".s.duckdb.serving-*"))
