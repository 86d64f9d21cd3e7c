"""Fixtures for the watch tests: a loopback fake site, fast fetch settings that never sleep, and
synthetic report PDFs."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cscwatch.watch import changes as changes_mod
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


# -- a tiny store whose bands, flags and grades are worked out by hand (changes, feeds, CLI) --------
LAS = [(f"80{i}", f"LA {i}") for i in range(1, 9)]
WINDOW = (date(2024, 10, 1), date(2024, 11, 30))
MEASURES = (("cin_rereferral_pct", "Re-referrals (%)"), ("other_pct", "Something else (%)"))


def _insert(con, table, rows):
    cols = list(rows[0])
    con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [[r[c] for c in cols] for r in rows])


@pytest.fixture
def tiny(store):
    """Eight LAs; re-referrals (low is good) 10..17 in 2023; in 2024 LA 1 jumps from 10 to 30 and the
    rest stay put. By hand (R type-7 quartiles): 2023 Q = 11.75/13.5/15.25, 2024 Q = 12.75/14.5/16.25,
    so LA 1 goes from band A to D and LAs 3, 5 and 7 (12, 14, 16) each one band better (B to A, C to B,
    D to C); LA 1's +20 against its neighbours' 0 (IQR 0) raises its adverse-move flag, nobody else's."""
    with store.transaction() as con:
        _insert(con, "la", [{"la_code_old": c, "la_code_new": f"E0600000{c[-1]}", "la_name": n, "region_code": "E12000001",
                             "region_name": "North East", "la_type": "unitary", "valid_from": None, "valid_to": None}
                            for c, n in LAS])
        _insert(con, "la_alias", [{"alias": n.lower(), "la_code_old": c, "kind": "name", "source": "t"} for c, n in LAS]
                + [{"alias": c, "la_code_old": c, "kind": "old_code", "source": "t"} for c, _ in LAS])
        _insert(con, "region", [{"region_code": "E92000001", "region_name": "England", "level": "national"},
                                {"region_code": "E12000001", "region_name": "North East", "level": "region"}])
        # the same figures twice: as a key measure (the early warning uses it) and as another measure
        _insert(con, "measure", [{"measure_id": m, "title": t, "unit": "%", "topic": "CIN", "polarity": "low",
                                  "no_quartile": False} for m, t in MEASURES])
        obs = []
        for m, _t in MEASURES:
            for i, (c, _n) in enumerate(LAS):
                obs.append({"la": c, "period": "2023", "period_end": date(2023, 3, 31), "measure_id": m,
                            "value": 10.0 + i, "status": None, "source_id": "s"})
                obs.append({"la": c, "period": "2024", "period_end": date(2024, 3, 31), "measure_id": m,
                            "value": 30.0 if i == 0 else 10.0 + i, "status": None, "source_id": "s"})
        _insert(con, "observation", obs)
        _insert(con, "release", [{"source_id": "s", "period": "2023", "published": date(2023, 11, 30), "rule": "r"},
                                 {"source_id": "s", "period": "2024", "published": date(2024, 11, 30), "rule": "r"}])
        _insert(con, "stat_neighbour", [{"model": "2025", "la_code_old": c, "neighbour": o, "rank": r, "band": None}
                                        for c, _ in LAS for r, (o, _) in enumerate([x for x in LAS if x[0] != c], 1)])
        insp = [("801:ILACS:2021-05-10", "801", "ILACS", "standard", date(2021, 5, 10), date(2021, 7, 1),
                 {"overall": "good", "leadership": "good"}),
                ("801:ILACS-2023:2024-09-02", "801", "ILACS-2023", "standard", date(2024, 9, 2), date(2024, 10, 15),
                 {"overall": "inadequate", "leadership": "inadequate", "care_leavers": "requires_improvement"}),
                ("802:ILACS-2026:2024-10-01", "802", "ILACS-2026", "short", date(2024, 10, 1), date(2024, 11, 20),
                 {"leadership": "good", "help_and_protection": "requires_improvement"})]
        _insert(con, "inspection", [{"inspection_id": i, "la_code_old": la, "la_name": dict(LAS)[la], "framework": f,
                                     "inspection_type": t, "start_date": s, "end_date": s, "publication_date": p,
                                     "sources": "report"} for i, la, f, t, s, p, _g in insp])
        _insert(con, "judgement", [{"inspection_id": i, "judgement": k, "grade": v, "grade_rank": 1, "source": "report"}
                                   for i, *_x, g in insp for k, v in g.items()])
        _insert(con, "visit", [{"visit_id": "803:focused:2024-10-01", "la_code_old": "803", "visit_type": "focused",
                                "visit_date": date(2024, 10, 1), "publication_date": date(2024, 11, 5),
                                "theme": "Front door", "source": "ofsted"},
                               {"visit_id": "804:monitoring:2024-01-01", "la_code_old": "804",
                                "visit_type": "monitoring", "visit_date": date(2024, 1, 1),
                                "publication_date": date(2024, 2, 1), "theme": None, "source": "ofsted"}])
    return store


@pytest.fixture
def fake_scores(monkeypatch):
    def scores(_store, as_of):
        late = as_of >= date(2024, 11, 30)
        return {"801": {"probability": 0.40 if late else 0.10, "band": "high" if late else "medium", "rank": 1 if late
                        else 5, "la_name": "LA 1", "model": "fake"},
                "802": {"probability": 0.14 if late else 0.12, "band": "medium", "rank": 2, "la_name": "LA 2",
                        "model": "fake"}}
    monkeypatch.setattr(changes_mod, "early_warning_scores", scores)
