"""The official Ofsted history as the register's second source (bundled data: no ../shared needed)."""
from __future__ import annotations

import csv
import shutil
from datetime import date

import pytest

from cscwatch.errors import SourceFormatError
from cscwatch.register import official
from cscwatch.register.official import EVENTS_FILE, VISITS_FILE, bundled_dir, load_official


def _table(store, table: str) -> list[tuple]:
    return sorted(store.con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


@pytest.fixture
def loaded(store):
    load_official(store, thirdparty=False)   # Ofsted's lists alone (the scrape: test_thirdparty.py)
    return store


def test_loads_every_inspection_and_visit(loaded):
    n_events = loaded.scalar("SELECT count(*) FROM source_inspection WHERE source_ref = ?", [official.EVENTS_DATASET])
    assert n_events == 663          # one per row of the events file, 2009-2025
    assert loaded.scalar("SELECT count(*) FROM source_inspection WHERE source_ref LIKE 'in_year_%'") == 145
    assert loaded.scalar("SELECT count(*) FROM visit") == 185   # 109 focused + 76 monitoring visits
    assert loaded.rows("SELECT visit_type, count(*) AS n FROM visit GROUP BY 1 ORDER BY 1") == [
        {"visit_type": "focused", "n": 109}, {"visit_type": "monitoring", "n": 76}]
    # every official row is backed into the register; all LAs back to 2009, incl. defunct ones
    assert loaded.scalar("SELECT count(*) FROM inspection") == 663
    assert loaded.scalar("SELECT count(DISTINCT la_code_old) FROM inspection") == 158
    assert loaded.scalar("SELECT count(*) FROM inspection WHERE sources <> 'ofsted'") == 0


def test_reload_is_idempotent(loaded):
    before = {t: _table(loaded, t) for t in ("source_inspection", "source_judgement", "visit", "inspection",
                                              "judgement", "inspection_source", "discrepancy")}
    assert load_official(loaded, thirdparty=False) == 808
    assert {t: _table(loaded, t) for t in before} == before


def test_quirks(loaded):
    # ' -' is "not judged": no judgement row rather than a grade
    rows = loaded.rows("SELECT count(*) AS n FROM source_judgement WHERE grade NOT IN "
                       "('outstanding','good','requires_improvement','inadequate')")
    assert rows == [{"n": 0}]
    # ILACS rows carry today's ONS code, but the DfE number is the key: North Yorkshire 2018 is 815
    ny = loaded.rows("SELECT la_code_old, framework, inspection_type FROM inspection "
                     "WHERE la_code_new = 'E06000065' AND start_date = DATE '2018-07-02'")
    assert ny == [{"la_code_old": "815", "framework": "ILACS", "inspection_type": "short"}]
    # care leavers judged separately from 1 January 2023: ILACS-2023
    fw = loaded.rows("SELECT framework, min(start_date) AS first, count(*) AS n FROM inspection "
                     "WHERE framework LIKE 'ILACS%' GROUP BY 1 ORDER BY 1")
    assert fw[0]["framework"] == "ILACS" and fw[1]["framework"] == "ILACS-2023"
    assert fw[1]["first"] >= date(2023, 1, 1) and fw[0]["n"] + fw[1]["n"] == 271
    # Nottingham's second ILACS: the 2025 edition's publication date
    assert loaded.scalar("SELECT publication_date FROM inspection WHERE la_code_old = '892' "
                         "AND start_date BETWEEN DATE '2022-06-01' AND DATE '2022-08-31'") == date(2022, 9, 5)
    # two SLAC re-inspections published the same day stay two inspections
    cornwall = loaded.rows("SELECT inspection_id FROM inspection WHERE la_code_old = '908' AND "
                           "publication_date = DATE '2011-02-25' ORDER BY 1")
    assert len(cornwall) == 2
    # pre-2013 'adequate' is published as 'Requires improvement to be good'
    assert loaded.scalar("SELECT grade FROM judgement WHERE inspection_id = '926:TLAC:2013-08-16' "
                         "AND judgement = 'overall'") == "inadequate"


def test_events_file_agrees_with_the_ilacs_history_sheet():
    """The events file's ILACS rows are the ILACS history sheet, row for row."""
    folder = bundled_dir()
    events = [i for i in official.read_official_inspections(folder / EVENTS_FILE) if i.framework.startswith("ILACS")]
    with open(folder / official.ILACS_HISTORY_FILE, encoding="utf-8") as fh:
        sheet = list(csv.DictReader(fh))
    assert len(events) == len(sheet) == 271
    key = {(r["Inspection date"], r["Publication date"], r["Overall effectiveness"]) for r in sheet}
    from cscwatch.grades import parse_grade
    assert {(i.start_date.isoformat(), i.publication_date.isoformat(),
             (g := i.judgements.get("overall")) and g.label) for i in events} == {
        (s, p, (g := parse_grade(o)) and g.label) for s, p, o in key}


def test_bad_rows_name_file_row_and_column(tmp_path, store):
    for name in (EVENTS_FILE, VISITS_FILE):
        shutil.copy(bundled_dir() / name, tmp_path / name)
    path = tmp_path / EVENTS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("Requires improvement to be good", "Splendid", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        load_official(store, tmp_path)
    assert err.value.row == 4 and err.value.column is not None
    assert EVENTS_FILE in str(err.value) and "Splendid" in str(err.value)
    # nothing half-loaded
    assert store.scalar("SELECT count(*) FROM source_inspection") == 0


def test_missing_file_is_a_clear_error(tmp_path, store):
    with pytest.raises(SourceFormatError, match="not found"):
        load_official(store, tmp_path)


def test_as_at_sheet_reader():
    rows = official.read_as_at_31_march_2025()
    assert len(rows) == 153
    from collections import Counter
    assert Counter(r["overall"].value for r in rows) == {
        "outstanding": 36, "good": 67, "requires_improvement": 31, "inadequate": 19}
