"""``fetch_reports`` end to end against the loopback fake site: a new report appearing, error pages,
flaky downloads, interruption and resumption, filters, and the ledger it leaves in the store."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest

from cscwatch.errors import FetchError
from cscwatch.store import Store
from cscwatch.watch.http import HttpSettings
from cscwatch.watch.reports import fetch_reports

from .fakesite import _JINJA, FakeProvider, FakePublication, Reply, refresh_ofsted, report_not_found, serve_ofsted

SEND_PDF = b"%PDF-1.4\n% not children's social care\n%%EOF\n"


@pytest.fixture
def las(make_pdf):
    norfolk = FakeProvider("80418", "Norfolk County Council", [
        FakePublication("501", "Children's services inspection", date(2025, 7, 20), make_pdf("Norfolk County Council"))])
    barnsley = FakeProvider("80426", "Barnsley Metropolitan Borough Council", [
        FakePublication("502", "Children's services focused visit", date(2025, 8, 1),
                        make_pdf("Barnsley Metropolitan Borough Council", "letter", date(2025, 7, 1), date(2025, 7, 2))),
        FakePublication("503", "Area SEND full inspection", date(2025, 8, 1), SEND_PDF)])
    return [norfolk, barnsley]


@pytest.fixture
def run(store, site, fast, tmp_path):
    def go(**kw):
        kw.setdefault("since", None)
        return fetch_reports(store, base_url=site.url, settings=fast, workers=1, dest=tmp_path / "reports", **kw)
    return go


def _links(store):
    return {r["link"].rsplit("/", 1)[1]: r for r in store.rows("SELECT * FROM watch_report_link")}


def test_first_run_downloads_and_ingests_then_only_a_new_report_is_fetched(site, store, las, run, make_pdf):
    serve_ofsted(site, las)
    first = run()
    assert first.status == "ok" and first.providers == 2 and first.listed == 3 and first.new_links == 3
    assert sorted(d["url"].rsplit("/", 1)[1] for d in first.downloaded) == ["501", "502"]
    assert site.hits["/v1/file/503"] == 0, "area SEND inspections are not children's social care"
    assert first.ingest == {"new": 2, "unchanged": 0, "replaced": 0, "no_judgements": 1, "failed": [], "warnings": []}
    assert store.scalar("SELECT count(*) FROM source_inspection WHERE source = 'report' AND la_code_old = '926'") == 1
    assert {k: r["status"] for k, r in _links(store).items()} == {"501": "ingested", "502": "ingested", "503": "listed"}
    assert _links(store)["501"]["la_code_old"] == "926" and _links(store)["502"]["doc_kind"] == "focused_visit"

    las[0].publications.append(FakePublication("504", "Children's services monitoring visit", date(2025, 9, 1),
                                               make_pdf("Norfolk County Council", "letter", date(2025, 8, 5),
                                                        date(2025, 8, 6))))
    refresh_ofsted(site, las)
    second = run()
    assert [d["url"].rsplit("/", 1)[1] for d in second.downloaded] == ["504"]
    assert second.held == 2 and second.new_links == 1 and second.ingest["new"] == 1
    assert all(site.hits[f"/v1/file/{i}"] == 1 for i in ("501", "502", "504")), site.hits
    assert store.scalar("SELECT count(*) FROM report_file") == 3
    third = run()
    assert third.downloaded == [] and third.held == 3 and third.ingest is None
    runs = store.rows("SELECT status, n_new, n_unchanged, n_failed FROM watch_run ORDER BY started_at, run_id")
    assert [(r["status"], r["n_new"], r["n_unchanged"]) for r in runs] == [("ok", 2, 0), ("ok", 1, 2), ("ok", 0, 3)]
    stored = store.rows("SELECT url, status, sha256, path FROM watch_file ORDER BY url")
    assert [r["status"] for r in stored] == ["stored"] * 3 and all(len(r["sha256"]) == 64 for r in stored)


@pytest.mark.parametrize("content_type", ["text/html; charset=UTF-8", "application/pdf"])
def test_an_html_error_page_is_never_stored_as_a_report(site, store, las, run, tmp_path, content_type):
    las[1].publications[0].pdf = [Reply(report_not_found(), content_type=content_type)]
    serve_ofsted(site, las)
    got = run()
    assert got.status == "partial"
    assert [(f["url"].rsplit("/", 1)[1], "HTML page" in f["reason"]) for f in got.failed] == [("502", True)]
    assert [d["url"].rsplit("/", 1)[1] for d in got.downloaded] == ["501"]
    assert store.rows("SELECT count(*) AS n FROM report_file")[0]["n"] == 1
    assert not list((tmp_path / "reports").rglob("*_502.pdf*"))
    row = store.rows("SELECT status, error FROM watch_file WHERE url LIKE '%/502'")
    assert row == [{"status": "rejected", "error": got.failed[0]["reason"]}]
    assert _links(store)["502"]["status"] == "failed" and _links(store)["502"]["attempts"] == 1


def test_a_file_that_keeps_failing_is_given_up_after_max_attempts(site, store, las, run):
    las[1].publications[0].pdf = [Reply(report_not_found())]
    serve_ofsted(site, las)
    for _ in range(3):
        run(max_attempts=2)
    assert site.hits["/v1/file/502"] == 2                 # the third run leaves it alone
    assert _links(store)["502"]["attempts"] == 2


def test_flaky_downloads_are_retried_with_backoff_and_retry_after(site, store, las, run, make_pdf, sleeps):
    pdf = make_pdf("Norfolk County Council")
    las[0].publications[0].pdf = [Reply(b"busy", status=429, headers={"Retry-After": "7"}),
                                  Reply(pdf, content_type="application/pdf", mode="truncate"),
                                  Reply(pdf, content_type="application/pdf", mode="slow", delay=1.0),
                                  Reply(pdf, content_type="application/pdf")]
    serve_ofsted(site, las)
    got = run()
    assert got.status == "ok" and len(got.downloaded) == 2
    assert site.hits["/v1/file/501"] == 4
    assert 7.0 in sleeps and got.waited_seconds >= 7.0
    assert (got.downloaded[0]["sha256"] if got.downloaded[0]["url"].endswith("501") else got.downloaded[1]["sha256"]) \
        == __import__("hashlib").sha256(pdf).hexdigest()


def test_an_interrupted_fetch_rerun_gets_every_file_exactly_once(site, store, las, run, make_pdf, tmp_path):
    las[0].publications.append(FakePublication("505", "Children's services monitoring visit", date(2025, 9, 3),
                                               make_pdf("Norfolk County Council", "letter", date(2025, 8, 5),
                                                        date(2025, 8, 6))))
    serve_ofsted(site, las)

    def stop_after_first(event, _detail):
        if event == "downloaded":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(progress=stop_after_first)
    assert store.scalar("SELECT status FROM watch_run") == "interrupted"
    assert store.scalar("SELECT count(*) FROM watch_report_link WHERE status = 'downloaded'") == 1
    assert store.scalar("SELECT count(*) FROM report_file") == 0, "interrupted before ingest"
    again = run()
    assert again.status == "ok" and len(again.downloaded) == 2 and again.held == 1
    assert again.ingest["new"] == 3
    assert [site.hits[f"/v1/file/{i}"] for i in ("501", "502", "505")] == [1, 1, 1]
    assert store.scalar("SELECT count(*) FROM report_file") == 3
    assert store.scalar("SELECT count(DISTINCT sha256) FROM report_file") == 3
    assert not list(tmp_path.rglob("*.part"))


def test_a_file_renamed_into_place_before_the_ledger_was_updated_is_adopted_without_a_request(
        site, store, las, run, make_pdf, tmp_path):
    serve_ofsted(site, las)
    folder = tmp_path / "reports"
    done = folder / "80418" / "2025-07-20_inspection_501.pdf"
    done.parent.mkdir(parents=True)
    done.write_bytes(make_pdf("Norfolk County Council"))
    half = folder / "80426" / "2025-08-01_focused_visit_502.pdf.part"
    half.parent.mkdir(parents=True)
    half.write_bytes(b"%PDF-1.4 half a fi")
    got = run()
    assert got.reused == 1 and [d["url"].rsplit("/", 1)[1] for d in got.downloaded] == ["502"]
    assert site.hits["/v1/file/501"] == 0 and site.hits["/v1/file/502"] == 1
    assert not half.exists() and store.scalar("SELECT count(*) FROM report_file") == 2
    assert store.scalar("SELECT status FROM watch_file WHERE url LIKE '%/501'") == "reused"


def test_since_leaves_older_publications_and_la_limits_the_walk(site, store, las, run):
    store.con.execute("INSERT INTO la (la_code_old, la_code_new, la_name) VALUES ('370', 'E08000016', 'Barnsley')")
    store.con.execute("INSERT INTO la_alias VALUES ('barnsley', '370', 'name', 'test')")
    serve_ofsted(site, las)
    got = run(since=date(2025, 7, 25))
    assert [d["url"].rsplit("/", 1)[1] for d in got.downloaded] == ["502"]
    assert got.skipped == 2                                    # Norfolk's July report, Barnsley's SEND report
    assert store.scalar("SELECT since FROM watch_run") == date(2025, 7, 25)
    las[1].publications.append(FakePublication("506", "Children's services monitoring visit", date(2025, 10, 1),
                                               las[1].publications[0].pdf))
    refresh_ofsted(site, las)
    site.hits.clear()
    only = run(las=["Barnsley"])
    assert site.hits["/provider/44/80418"] == 0 and site.hits["/provider/44/80426"] == 1
    assert only.providers == 1 and [d["url"].rsplit("/", 1)[1] for d in only.downloaded] == ["506"]


def test_search_results_are_paged(site, store, las, run):
    serve_ofsted(site, las)
    got = run(rows_per_page=1, ingest=False)
    assert got.providers == 2 and site.hits["/search"] == 3     # 1 + 1 + an empty page
    assert store.scalar("SELECT count(*) FROM report_file") == 0 and len(got.downloaded) == 2


def test_an_unreachable_site_fails_the_run_and_says_so(site, store, run):
    site.route("/search", Reply(b"down", status=503))
    with pytest.raises(FetchError, match="HTTP 503 after 4 attempts"):
        run()
    assert store.rows("SELECT status, n_failed, message FROM watch_run")[0]["status"] == "failed"


def test_a_provider_page_pointing_off_site_is_not_followed(site, store, las, run):
    serve_ofsted(site, las[:1])
    html = _JINJA.get_template("ofsted/provider.html.j2").render(name="Norfolk", urn="80418", publications=[
        {"href": "https://elsewhere.example/v1/file/9", "title": "Children's services inspection",
         "listed": "01 August 2025", "event": "01 July 2025"}])
    site.route("/provider/44/80418", Reply(html.encode()))
    got = run()
    assert got.failed and "another site" in got.failed[0]["reason"] and got.downloaded == []


def test_a_fetch_killed_mid_download_and_rerun_stores_every_file_once(site, store, las, make_pdf, tmp_path):
    """kill -9 while the second file is in flight (the first on disk, perhaps not yet in the ledger);
    the re-run completes each download exactly once and leaves no half file."""
    pdf = make_pdf("Barnsley Metropolitan Borough Council", "letter", date(2025, 7, 1), date(2025, 7, 2))
    las[1].publications[0].pdf = [Reply(pdf, content_type="application/pdf", mode="slow", delay=30.0),
                                  Reply(pdf, content_type="application/pdf")]
    serve_ofsted(site, las)
    db = store.path
    store.close()
    script = (f"from cscwatch.store import Store\nfrom cscwatch.watch.reports import fetch_reports\n"
              f"from cscwatch.watch.http import HttpSettings\n"
              f"fetch_reports(Store({str(db)!r}), since=None, base_url={site.url!r}, workers=1, "
              f"dest={str(tmp_path / 'reports')!r}, settings=HttpSettings(min_interval=0, timeout=60, retries=0))\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = tmp_path / "reports" / "80418" / "2025-07-20_inspection_501.pdf"
    deadline = time.monotonic() + 60
    while not (first.exists() and site.hits["/v1/file/502"]) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, child.stderr.read().decode()[-2000:]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with Store(db) as again:
        got = fetch_reports(again, since=None, base_url=site.url, workers=1, dest=tmp_path / "reports",
                            settings=HttpSettings(min_interval=0))
        assert got.status == "ok"
        assert [site.completed[f"/v1/file/{i}"] for i in ("501", "502")] == [1, 1], site.completed
        assert again.scalar("SELECT count(*) FROM report_file") == 2
        assert again.scalar("SELECT count(*) FROM watch_report_link WHERE status = 'ingested'") == 2
        assert again.rows("SELECT status FROM watch_run ORDER BY started_at, run_id")[0]["status"] == "interrupted"
    assert not list(tmp_path.rglob("*.part"))
