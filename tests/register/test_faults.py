"""Faults found under test (issue 10), each on a small generated input: a file name that is not
UTF-8, byte-different copies of an LSCB-only review, a FIFO named as a report, a decompression
bomb, and parser workers outliving a ``kill -9`` of their parent."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cscwatch.cli import app
from cscwatch.fixtures.reports import make_bomb_pdf, make_report_pdf
from cscwatch.register.load import ingest_reports
from cscwatch.register.parse import parse_reports
from cscwatch.register.worker import ParseLimits, limit_message, run_bounded

runner = CliRunner()


def _bytes_name(folder: Path, raw: bytes) -> Path:
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), raw)))


def _within(seconds: float, fn, *args, **kwargs):
    """Run fn in a thread; fail (instead of hanging the suite) if it has not returned in time."""
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", fn(*args, **kwargs)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn.__name__} still running after {seconds} s"
    return out["value"]


def test_file_name_that_is_not_utf8(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make_report_pdf(folder / "good.pdf", layout="ilacs", la_name="Norfolk County Council",
                    start=date(2022, 11, 7), end=date(2022, 11, 18))
    odd = _bytes_name(folder, b"caf\xe9 report.pdf")
    make_report_pdf(odd, layout="ilacs", la_name="Wokingham Borough Council")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["reports", "parse", str(folder), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["file"] for r in rows] == ["caf\\xe9 report.pdf", "good.pdf"]   # every row written
    assert rows[0]["la_name"] == "Wokingham" and rows[0]["error"] == ""

    db = tmp_path / "s.duckdb"
    for expected in ("2 new", "2 unchanged"):   # a re-run finds both stored: nothing stops part-way
        result = runner.invoke(app, ["reports", "ingest", str(folder), "--db", str(db)])
        assert result.exit_code == 0 and expected in result.stdout, result.output
    from cscwatch.store import Store

    with Store(db, read_only=True) as store:
        paths = [p for (p,) in store.con.execute("SELECT path FROM report_file ORDER BY path").fetchall()]
    assert any(p.endswith("caf\\xe9 report.pdf") for p in paths)


def test_byte_different_copies_of_an_lscb_review_make_one_inspection(store, tmp_path):
    review = make_report_pdf(tmp_path / "review.pdf", layout="lscb", la_name="Surrey County Council",
                             judgements={"lscb": "inadequate"}, start=date(2015, 6, 15), end=date(2015, 6, 17),
                             published=date(2015, 8, 3))
    folder = tmp_path / "copies"
    folder.mkdir()
    for n in range(4):   # same report, different bytes (a trailing comment, as re-saved copies differ)
        (folder / f"copy{n}.pdf").write_bytes(review.read_bytes() + f"\n% copy {n}\n".encode())
    summary = ingest_reports(store, [folder], workers=2)
    assert summary.new == 4 and not summary.failed
    assert store.scalar("SELECT count(*) FROM source_inspection WHERE framework = 'LSCB'") == 4
    rows = store.rows("SELECT inspection_id, framework FROM inspection")
    assert [r["framework"] for r in rows] == ["LSCB"]
    assert store.scalar("SELECT count(*) FROM inspection_source") == 4

    # with its SIF in the register, the review and its copies all attach to that one inspection
    make_report_pdf(folder / "sif.pdf", layout="sif", la_name="Surrey County Council", lscb_review=False,
                    start=date(2014, 10, 21), end=date(2014, 11, 12), published=date(2015, 6, 3))
    summary = ingest_reports(store, [folder], workers=2)
    assert summary.reconciled.inspections == 1 and summary.reconciled.lscb_attached == 1
    assert store.scalar("SELECT count(*) FROM inspection_source") == 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_named_as_a_report_gets_an_error_row_not_a_hang(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    fifo = folder / "pipe.pdf"
    os.mkfifo(fifo)
    good = make_report_pdf(folder / "good.pdf", layout="ilacs")
    reports = _within(60, parse_reports, [fifo, good], workers=2)
    assert reports[0].status == "error" and "not a regular file" in reports[0].error and "FIFO" in reports[0].error
    assert reports[1].status == "parsed"
    # inside a folder too, and through ingest
    summary = _within(60, ingest_reports, store, [folder], workers=2)
    assert [(Path(f).name, "regular file" in r) for f, r in summary.failed] == [("pipe.pdf", True)]


def test_decompression_bomb_stops_at_the_memory_limit(tmp_path):
    bomb = make_bomb_pdf(tmp_path / "bomb.pdf", expanded_mb=256)
    assert bomb.stat().st_size < 10_000
    good = make_report_pdf(tmp_path / "good.pdf", layout="ilacs")
    limits = ParseLimits(seconds=60, memory_mb=96)
    started = time.monotonic()
    reports = parse_reports([bomb, good], workers=2, limits=limits)
    assert time.monotonic() - started < 60   # bounded by the limits, not by the bomb
    assert reports[0].status == "error" and "memory limit of 96 MB" in reports[0].error
    assert reports[1].status == "parsed"


def test_time_limit_stops_a_worker_and_names_the_limit():
    errors: list[BaseException | None] = []
    run_bounded(time.sleep, [(30,), (0,)], workers=2, limits=ParseLimits(seconds=0.5, memory_mb=0),
                on_result=lambda i, result, error: errors.append(error))
    assert sum(e is not None for e in errors) == 1
    message = limit_message(next(e for e in errors if e is not None), ParseLimits(seconds=0.5))
    assert message == "parsing stopped: over the per-file time limit of 0.5 s"


_SLEEPER = textwrap.dedent('''
    import os, sys, time
    from cscwatch.register.worker import ParseLimits, run_bounded

    def nap(folder):
        open(os.path.join(folder, str(os.getpid())), "w").close()
        time.sleep(300)

    if __name__ == "__main__":
        run_bounded(nap, [(sys.argv[1],), (sys.argv[1],)], workers=2,
                    limits=ParseLimits(seconds=600, memory_mb=0), on_result=lambda *a: None)
''')


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            state = next(line for line in fh if line.startswith("State:"))
        return "Z" not in state.split()[1]   # a zombie has exited: only its entry is left
    except (FileNotFoundError, StopIteration):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent(tmp_path):
    script = tmp_path / "sleeper.py"
    script.write_text(_SLEEPER, encoding="utf-8")
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    parent = subprocess.Popen([sys.executable, str(script), str(pids_dir)])
    try:
        deadline = time.monotonic() + 60
        while len(os.listdir(pids_dir)) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.05)
        workers = [int(p) for p in os.listdir(pids_dir)]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers), "parser workers outlived their killed parent"
