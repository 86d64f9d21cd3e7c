"""The fetcher against a loopback fake server: retries, backoff, Retry-After, timeouts, truncated and
dropped responses, politeness, and the content checks that refuse error pages."""
from __future__ import annotations

import pytest

from cscwatch.errors import FetchError
from cscwatch.watch.http import Fetcher, HttpSettings, check_csv, check_html, check_pdf, write_atomic

from .fakesite import Reply, report_not_found

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# -- content checks (pure) ------------------------------------------------------------------------
def test_the_recorded_report_not_found_page_is_refused_as_a_pdf():
    page = report_not_found()
    for content_type in ("text/html; charset=UTF-8", "application/pdf", None):
        with pytest.raises(FetchError, match="HTML page, not a PDF"):
            check_pdf(page, content_type, "https://files.ofsted.gov.uk/v1/file/1")


def test_check_pdf_accepts_a_complete_pdf_and_refuses_truncated_or_mistyped_ones():
    check_pdf(PDF, "application/pdf", "u")
    check_pdf(PDF, "application/octet-stream", "u")
    with pytest.raises(FetchError, match="truncated"):
        check_pdf(PDF[:20], "application/pdf", "u")
    with pytest.raises(FetchError, match="not a PDF"):
        check_pdf(b"GIF89a" + PDF, "application/pdf", "u")
    with pytest.raises(FetchError, match="unexpected Content-Type 'image/png'"):
        check_pdf(PDF, "image/png", "u")


def test_check_csv_wants_text_with_the_required_header():
    assert check_csv(b"\xef\xbb\xbftime_period,x\n2024,1\n", "text/csv", "u").startswith("time_period")
    with pytest.raises(FetchError, match="not a CSV"):
        check_csv(report_not_found(), "text/html", "u")
    with pytest.raises(FetchError, match="lacks column 'time_period'"):
        check_csv(b"year,x\n2024,1\n", "text/csv", "u")
    with pytest.raises(FetchError, match="header and no rows"):
        check_csv(b"time_period,x\n", "text/csv", "u")
    with pytest.raises(FetchError, match="not UTF-8"):
        check_csv(b"time_period,x\n\xff\xfe,1\n", "text/csv", "u")
    with pytest.raises(FetchError, match="unexpected Content-Type"):
        check_html(b"{}", "application/json", "u")


def test_write_atomic_leaves_no_part_file(tmp_path):
    target = tmp_path / "a" / "b.pdf"
    write_atomic(target, PDF)
    assert target.read_bytes() == PDF and not list(tmp_path.rglob("*.part"))


# -- the fetcher on the wire ----------------------------------------------------------------------
def test_429_with_retry_after_is_honoured_then_the_page_served(site, fast, sleeps):
    site.route("/p", [Reply(b"slow down", status=429, headers={"Retry-After": "7"}), Reply(b"<html>ok</html>")])
    with Fetcher(fast) as f:
        assert f.page(f"{site.url}/p") == "<html>ok</html>"
        assert ("retry-after", 7.0) in f.waits
    assert site.hits["/p"] == 2 and 7.0 in sleeps


def test_retry_after_is_capped_by_max_wait(site, fast):
    site.route("/p", [Reply(b"", status=429, headers={"Retry-After": "86400"}), Reply(b"ok")])
    settings = HttpSettings(**{**fast.__dict__, "max_wait": 60.0})
    with Fetcher(settings) as f:
        f.page(f"{site.url}/p")
        assert f.waits == [("retry-after", 60.0)]


def test_server_errors_back_off_exponentially_and_give_up_with_a_clear_error(site, fast):
    site.route("/p", Reply(b"down", status=503))
    with Fetcher(fast) as f:
        with pytest.raises(FetchError, match=r"HTTP 503 after 4 attempts"):
            f.page(f"{site.url}/p")
        assert [s for _, s in f.waits] == pytest.approx([0.02, 0.04, 0.08])
    assert site.hits["/p"] == 4


def test_a_404_is_not_retried(site, fast):
    with Fetcher(fast) as f:
        with pytest.raises(FetchError, match="HTTP 404") as exc:
            f.page(f"{site.url}/missing")
    assert exc.value.status == 404 and site.hits["/missing"] == 1


def test_slow_truncated_and_dropped_responses_are_retried(site, fast):
    body = b"x" * 5000
    site.route("/slow", [Reply(body, mode="slow", delay=1.0), Reply(body)])
    site.route("/cut", [Reply(body, mode="truncate"), Reply(body)])
    site.route("/drop", [Reply(body, mode="drop"), Reply(body)])
    with Fetcher(fast) as f:
        for path in ("/slow", "/cut", "/drop"):
            assert f.get(f"{site.url}{path}").content == body, path
            assert site.hits[path] == 2, path


def test_a_response_always_truncated_fails_without_returning_half_a_body(site, fast):
    site.route("/cut", Reply(b"y" * 4000, mode="truncate"))
    with Fetcher(fast) as f:
        with pytest.raises(FetchError, match="RemoteProtocolError|incomplete|closed"):
            f.get(f"{site.url}/cut")
    assert site.hits["/cut"] == 4


def test_requests_keep_a_polite_gap(site, sleeps):
    clock = iter(float(t) for t in range(0, 1000))
    settings = HttpSettings(min_interval=5.0, retries=0, sleep=sleeps, clock=lambda: next(clock))
    site.route("/a", Reply(b"a"))
    with Fetcher(settings) as f:
        f.page(f"{site.url}/a")
        f.page(f"{site.url}/a")
        assert f.requests == 2
        assert [r for r, _ in f.waits] == ["polite"] and f.waits[0][1] == pytest.approx(4.0)


def test_json_must_be_json(site, fast):
    site.route("/j", Reply(b"<html></html>", content_type="text/html"))
    with Fetcher(fast) as f:
        with pytest.raises(FetchError, match="expected JSON"):
            f.json(f"{site.url}/j")


def test_download_checks_before_writing(site, fast, tmp_path):
    site.route("/f", Reply(report_not_found(), content_type="application/pdf"))
    site.route("/g", Reply(PDF, content_type="application/pdf"))
    with Fetcher(fast) as f:
        with pytest.raises(FetchError, match="HTML page"):
            f.download(f"{site.url}/f", tmp_path / "f.pdf", check_pdf)
        got = f.download(f"{site.url}/g", tmp_path / "g.pdf", check_pdf)
    assert not (tmp_path / "f.pdf").exists() and (tmp_path / "g.pdf").read_bytes() == PDF
    assert got.size_bytes == len(PDF) and len(got.sha256) == 64
