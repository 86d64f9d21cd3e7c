"""Small generated registers for the planner: a handful of LAs with chosen histories."""
from __future__ import annotations

from datetime import date

import pytest

from cscwatch.grades import Grade
from cscwatch.store import Store

#: code -> (name, [(start, type, overall grade)], [(visit date, visit type)])
HISTORY = {
    "901": ("Goodshire", [(date(2023, 1, 16), "short", "good")], []),
    "902": ("Fvshire", [(date(2023, 1, 16), "short", "good")], [(date(2024, 3, 1), "focused")]),
    "903": ("Riborough", [(date(2022, 6, 6), "standard", "requires_improvement")], []),
    "904": ("Failton", [(date(2024, 2, 5), "standard", "inadequate")], [(date(2024, 6, 3), "monitoring"),
                                                                      (date(2024, 10, 7), "monitoring")]),
    "905": ("Latebury", [(date(2020, 1, 13), "standard", "requires_improvement")], []),
}


def make_register(path, history=HISTORY) -> Store:
    """A store holding only ``history`` (and those LAs in the identity tables)."""
    s = Store(path)
    for code, (name, inspections, visits) in history.items():
        s.con.execute("INSERT INTO la (la_code_old, la_name, la_type) VALUES (?, ?, 'unitary')", [code, name])
        for day, kind, grade in inspections:
            iid = f"{code}:ILACS-2023:{day}"
            s.con.execute("INSERT INTO inspection (inspection_id, la_code_old, la_name, framework, inspection_type,"
                          " start_date, publication_date, sources) VALUES (?, ?, ?, 'ILACS-2023', ?, ?, ?, 'ofsted')",
                          [iid, code, name, kind, day, day.replace(day=28)])
            s.con.execute("INSERT INTO judgement VALUES (?, 'overall', ?, ?, 'ofsted')",
                          [iid, grade, Grade(grade).rank])
        for day, kind in visits:
            s.con.execute("INSERT INTO visit (visit_id, la_code_old, visit_type, visit_date, source) VALUES (?, ?, ?, ?, "
                          "'ofsted')", [f"{code}:{kind}:{day}", code, kind, day])
    return s


@pytest.fixture
def register(tmp_path):
    s = make_register(tmp_path / "register.duckdb")
    yield s
    s.close()
