"""A small store: the synthetic register/warehouse plus two generated ILACS reports for Darlington."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.text.test_segment import ILACS

LATER = [p.replace("6 to 17 March 2023", "4 to 15 March 2024") for p in ILACS]
LATER[1] = LATER[1].replace("\u25fc The quality of plans for children in need.\n", "\u25fc Placement sufficiency.\n")
LATER[1] = LATER[1].replace("\u25fc The response to children who go missing from home\nand care.\n",
                            "\u25fc Life-story work.\n")
LATER[1] = LATER[1].replace("1. Children are seen regularly.",
                            "1. Children who go missing from home and care receive timely return home interviews.")


def add_report(store, sha, pages, *, la="841", start, published, grade):
    sid, iid = f"report:{sha}", f"{la}:ILACS-2023:{start}"
    with store.transaction() as con:
        con.execute("INSERT INTO report_file VALUES (?, ?, 1, 'parsed', NULL, 'ilacs_standard', ?, ?)",
                    [f"/reports/{sha}.pdf", sha, len(pages), datetime(2025, 1, 1)])
        for n, text in enumerate(pages, start=1):
            con.execute("INSERT INTO report_page VALUES (?, ?, ?)", [sha, n, text])
        con.execute("INSERT INTO source_inspection (source_id, source, source_ref, la_code_old, la_name, framework,"
                    " inspection_type, doc_type, start_date, end_date) VALUES (?, 'report', ?, ?, 'Darlington',"
                    " 'ILACS-2023', 'standard', 'ilacs_standard', ?, ?)", [sid, sha, la, start, start])
        con.execute("INSERT INTO inspection (inspection_id, la_code_old, la_name, framework, start_date,"
                    " publication_date, sources) VALUES (?, ?, 'Darlington', 'ILACS-2023', ?, ?, 'report')",
                    [iid, la, start, published])
        con.execute("INSERT INTO inspection_source VALUES (?, ?)", [iid, sid])
        con.execute("INSERT INTO judgement VALUES (?, 'overall', ?, 4, 'report')", [iid, grade])


@pytest.fixture
def text_store(tmp_path):
    from cscwatch.fixtures.stores import synthetic_store
    from cscwatch.text.pipeline import classify_reports

    store = synthetic_store(tmp_path / "text.duckdb")
    add_report(store, "a" * 64, ILACS, start=date(2023, 3, 6), published=date(2023, 5, 1), grade="inadequate")
    add_report(store, "b" * 64, LATER, start=date(2024, 3, 4), published=date(2024, 5, 1), grade="good")
    classify_reports(store)
    yield store
    store.close()
