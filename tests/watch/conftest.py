"""Fixtures for the watch tests: a loopback fake site, fast fetch settings that never sleep, and
synthetic report PDFs."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cscwatch.watch.http import HttpSettings

from .fakesite import FakeSite


class Sleeps(list):
    """Records every wait the fetcher asks for, instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def site():
    s = FakeSite().start()
    yield s
    s.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fast(sleeps) -> HttpSettings:
    """Short timeouts, quick retries, no politeness gap, and waits recorded instead of slept."""
    return HttpSettings(timeout=0.5, connect_timeout=0.5, retries=3, backoff=0.01, jitter=0.0, max_wait=30.0,
                        min_interval=0.0, sleep=sleeps)


_PDFS: dict[tuple, bytes] = {}


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


@pytest.fixture
def make_pdf(pdf_dir):
    """``make_pdf(la_name, layout="ilacs_split", start=date(...))`` -> the bytes of a synthetic report."""
    from cscwatch.fixtures.reports import make_report_pdf

    def make(la_name: str, layout: str = "ilacs_split", start: date = date(2025, 6, 2),
             end: date = date(2025, 6, 13)) -> bytes:
        key = (la_name, layout, start, end)
        if key not in _PDFS:
            path = pdf_dir / f"{len(_PDFS)}.pdf"
            make_report_pdf(path, layout=layout, la_name=la_name, start=start, end=end)
            _PDFS[key] = path.read_bytes()
        return _PDFS[key]

    return make
