"""Reconciliation of report and official sources into one inspection history per LA."""
from __future__ import annotations

import csv
import hashlib
from datetime import date

import pytest

from cscwatch.grades import Grade
from cscwatch.register.load import write_report
from cscwatch.register.model import ParsedReport
from cscwatch.register.reconcile import insert_rows, reconcile

G = Grade


def report(name: str, *, la: str = "926", framework: str = "ILACS", start: date | None = None,
           end: date | None = None, published: date | None = None, itype: str | None = "standard",
           doc_type: str = "ilacs_standard", **grades: str) -> ParsedReport:
    sha = hashlib.sha256(name.encode()).hexdigest()
    return ParsedReport(
        file=name, path=f"/reports/{name}", sha256=sha, size_bytes=100, status="parsed", doc_type=doc_type,
        framework=framework, inspection_type=itype, la_name="Norfolk", la_code_old=la, la_code_new="E10000020",
        inspection_start=start, inspection_end=end, publication_date=published, lead_inspector="A Inspector",
        care_split=None, judgements={k: Grade(v) for k, v in grades.items()}, pages=("page one", "page two"),
    )


def official(store, key: str, *, la: str = "926", framework: str = "ILACS", itype: str = "standard",
             start: date | None = None, published: date | None = None, dataset: str = "la_inspection_events",
             **grades: str) -> str:
    sid = f"ofsted:{dataset}:{key}"
    with store.transaction() as con:
        insert_rows(con, "source_inspection", ("source_id", "source", "source_ref", "la_code_old", "la_name",
                                               "framework", "inspection_type", "start_date", "publication_date"),
                    [(sid, "ofsted", dataset, la, "Norfolk", framework, itype, start, published)])
        insert_rows(con, "source_judgement", ("source_id", "judgement", "grade"),
                    [(sid, k, v) for k, v in grades.items()])
    return sid


def inspections(store) -> dict[str, dict]:
    return {r["inspection_id"]: r for r in store.rows("SELECT * FROM inspection")}


def grades(store, iid: str) -> dict[str, tuple[str, str]]:
    return {r["judgement"]: (r["grade"], r["source"]) for r in
            store.rows("SELECT judgement, grade, source FROM judgement WHERE inspection_id = ?", [iid])}


def discrepancies(store) -> set[tuple]:
    return set(store.con.execute(
        "SELECT inspection_id, field, report_value, official_value FROM discrepancy").fetchall())


def test_agreeing_sources_make_one_inspection(store):
    write_report(store, report("a.pdf", start=date(2022, 11, 7), end=date(2022, 11, 18),
                               overall="good", leadership="good"))
    official(store, "a", start=date(2022, 11, 7), published=date(2023, 1, 13), overall="good", leadership="good")
    summary = reconcile(store)
    assert (summary.inspections, summary.both, summary.discrepancies) == (1, 1, 0)
    insp = inspections(store)["926:ILACS:2022-11-07"]
    assert insp["sources"] == "report,ofsted"
    assert insp["end_date"] == date(2022, 11, 18)            # only the report knows it
    assert insp["publication_date"] == date(2023, 1, 13)     # only the official data knows it
    assert grades(store, "926:ILACS:2022-11-07") == {"overall": ("good", "report"), "leadership": ("good", "report")}
    links = store.rows("SELECT source_id FROM inspection_source ORDER BY 1")
    sha = hashlib.sha256(b"a.pdf").hexdigest()
    assert [r["source_id"] for r in links] == ["ofsted:la_inspection_events:a", f"report:{sha}"]


def test_disagreement_report_wins_and_stays_visible(store):
    write_report(store, report("m.pdf", la="315", start=date(2022, 2, 28), end=date(2022, 3, 4), itype="short",
                               doc_type="ilacs_short", overall="outstanding", care_leavers="good"))
    official(store, "m", la="315", itype="standard", start=date(2022, 3, 1), published=date(2022, 5, 9),
             overall="good", help_and_protection="good")
    summary = reconcile(store)
    assert summary.discrepancies == 5
    iid = "315:ILACS:2022-02-28"
    insp = inspections(store)[iid]
    assert (insp["inspection_type"], insp["start_date"]) == ("short", date(2022, 2, 28))
    assert grades(store, iid) == {"overall": ("outstanding", "report"), "care_leavers": ("good", "report"),
                                  "help_and_protection": ("good", "ofsted")}
    assert discrepancies(store) == {
        (iid, "inspection_type", "short", "standard"),
        (iid, "start_date", "2022-02-28", "2022-03-01"),
        (iid, "overall", "outstanding", "good"),
        (iid, "care_leavers", "good", None),
        (iid, "help_and_protection", None, "good"),
    }


def test_report_only_and_official_only(store):
    write_report(store, report("2026.pdf", framework="ILACS-2026", start=date(2026, 5, 11), leadership="good"))
    official(store, "old", framework="SIF", itype="first", published=date(2015, 10, 19), overall="inadequate")
    reconcile(store)
    got = {i: r["sources"] for i, r in inspections(store).items()}
    assert got == {"926:ILACS-2026:2026-05-11": "report", "926:SIF:2015-10-19": "ofsted"}
    assert store.scalar("SELECT count(*) FROM discrepancy") == 0


def test_pre_2018_rows_match_on_publication_dates(store):
    # a 2014 SIF report printing no publication date: matched by the official publication following its fieldwork
    write_report(store, report("sif.pdf", framework="SIF", itype="first", doc_type="sif", start=date(2014, 1, 13),
                               end=date(2014, 2, 5), overall="requires_improvement"))
    official(store, "sif", framework="SIF", itype="first", published=date(2014, 3, 28), overall="requires_improvement")
    official(store, "sif2", framework="SIF", itype="reinspection", published=date(2016, 3, 28), overall="good")
    # a legacy report takes the official framework (TLAC) without a discrepancy
    write_report(store, report("lac.pdf", framework="legacy", itype="looked_after", doc_type="legacy",
                               start=date(2013, 7, 8), end=date(2013, 7, 12), published=date(2013, 8, 16),
                               overall="inadequate"))
    official(store, "tlac", framework="TLAC", itype="first", published=date(2013, 8, 16), overall="inadequate")
    summary = reconcile(store)
    assert (summary.both, summary.official_only, summary.discrepancies) == (2, 1, 0)
    got = {i: (r["sources"], r["publication_date"]) for i, r in inspections(store).items()}
    assert got == {
        "926:SIF:2014-01-13": ("report,ofsted", date(2014, 3, 28)),
        "926:SIF:2016-03-28": ("ofsted", date(2016, 3, 28)),
        "926:TLAC:2013-07-08": ("report,ofsted", date(2013, 8, 16)),
    }


def test_reorganised_la_matches_its_predecessor_code(store):
    # the parser maps "Dorset County Council" with today's list (838); Ofsted's 2016 row is the county (835)
    write_report(store, report("dorset.pdf", la="838", framework="SIF", itype="first", doc_type="sif",
                               start=date(2016, 3, 1), published=date(2016, 5, 23), overall="requires_improvement"))
    official(store, "dorset", la="835", framework="SIF", itype="first", published=date(2016, 5, 23),
             overall="requires_improvement")
    reconcile(store)
    assert list(inspections(store)) == ["835:SIF:2016-03-01"]


def test_lscb_only_review_joins_its_sif(store):
    write_report(store, report("sif.pdf", la="936", framework="SIF", itype="first", doc_type="sif",
                               start=date(2014, 10, 21), end=date(2014, 11, 12), published=date(2015, 6, 3),
                               overall="inadequate"))
    write_report(store, report("lscb.pdf", la="936", framework="LSCB", itype="lscb_review", doc_type="other",
                               start=date(2015, 6, 15), end=date(2015, 6, 17), published=date(2015, 8, 3),
                               lscb="requires_improvement"))
    official(store, "surrey", la="936", framework="SIF", itype="first", published=date(2015, 6, 3),
             overall="inadequate", lscb="requires_improvement")
    summary = reconcile(store)
    assert (summary.inspections, summary.lscb_attached, summary.discrepancies) == (1, 1, 0)
    iid = "936:SIF:2014-10-21"
    assert grades(store, iid)["lscb"] == ("requires_improvement", "report")
    assert store.scalar("SELECT count(*) FROM inspection_source WHERE inspection_id = ?", [iid]) == 3
    # without its SIF the review stands alone
    store.con.execute("DELETE FROM source_inspection WHERE source_id LIKE 'ofsted:%'")
    store.con.execute("DELETE FROM source_inspection WHERE doc_type = 'sif'")
    reconcile(store)
    assert list(inspections(store)) == ["936:LSCB:2015-06-15"]


def test_sif_report_without_lscb_review_is_no_discrepancy(store):
    write_report(store, report("sif.pdf", framework="SIF", itype="first", doc_type="sif", start=date(2015, 7, 6),
                               published=date(2015, 10, 19), overall="inadequate"))
    official(store, "sif", framework="SIF", itype="first", published=date(2015, 10, 19), overall="inadequate",
             lscb="good")
    reconcile(store)
    assert grades(store, "926:SIF:2015-07-06")["lscb"] == ("good", "ofsted")
    assert store.scalar("SELECT count(*) FROM discrepancy") == 0


def test_earlier_official_edition_disagreeing_with_the_report(store):
    write_report(store, report("m.pdf", la="315", start=date(2022, 2, 28), itype="short", doc_type="ilacs_short",
                               overall="outstanding"))
    official(store, "latest", la="315", itype="short", start=date(2022, 2, 28), published=date(2022, 5, 9),
             overall="outstanding")
    old = official(store, "2022", la="315", itype="standard", start=date(2022, 2, 28), dataset="in_year_2022_23",
                   overall="outstanding")
    reconcile(store)
    assert list(inspections(store)) == ["315:ILACS:2022-02-28"]
    assert store.rows("SELECT field, report_value, official_value, official_source FROM discrepancy") == [
        {"field": "inspection_type", "report_value": "short", "official_value": "standard", "official_source": old}]


def test_reconcile_is_idempotent(store):
    write_report(store, report("a.pdf", start=date(2022, 11, 7), overall="good"))
    official(store, "a", start=date(2022, 11, 7), published=date(2023, 1, 13), overall="requires_improvement")
    reconcile(store)
    tables = ("inspection", "judgement", "inspection_source", "discrepancy")
    before = {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    reconcile(store)
    assert {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables} == before


# -- the real reports ---------------------------------------------------------------------------------

#: Where the development reports disagree with Ofsted's official tables. The labels follow the PDFs.
EXPECTED_LABEL_DISCREPANCIES = {
    # one-week fieldwork; the 2025 edition says short, the 2023 edition said standard
    ("315:ILACS:2022-02-28", "inspection_type", "short", "standard"),
    # Isles of Scilly's 3-day short inspection: the 2023-24 in-year list gives the day before
    ("420:ILACS-2023:2023-07-11", "start_date", "2023-07-11", "2023-07-10"),
}


def _from_label(row: dict[str, str]) -> ParsedReport | None:
    def d(x: str) -> date | None:
        return date.fromisoformat(x) if x else None

    js = {k: Grade(row[k]) for k in ("overall", "help_and_protection", "children_in_care", "care_leavers",
                                     "adoption", "leadership", "lscb") if row[k]}
    kind = row["doc_type"]
    if kind == "other":
        if not js:
            return None
        framework, itype = "LSCB", "lscb_review"
    elif kind == "legacy":
        framework, itype = "legacy", None
    elif kind == "sif":
        framework, itype = "SIF", ("reinspection" if "re-inspection" in row["note"].lower() else None)
    else:
        framework, itype = ("ILACS-2023" if row["care_split"] == "true" else "ILACS"), kind.split("_")[1]
    return ParsedReport(
        file=row["file"], path="/labels/" + row["file"], sha256=hashlib.sha256(row["file"].encode()).hexdigest(),
        size_bytes=1, status="parsed", doc_type=kind, framework=framework, inspection_type=itype,
        la_name=row["la_name"], la_code_old=row["la_code_old"], la_code_new=row["la_code_new"],
        inspection_start=d(row["inspection_start"]), inspection_end=d(row["inspection_end"]),
        publication_date=d(row["publication_date"]), lead_inspector=row["lead_inspector"],
        care_split={"true": True, "false": False}.get(row["care_split"]), judgements=js)


@pytest.mark.shared
def test_labels_against_official_data(shared_dir, store):
    """The hand-checked labels of the 130 real reports, reconciled with the bundled official data."""
    from cscwatch.register.official import load_official

    load_official(store, reconcile=False)
    with open(shared_dir / "reports" / "labels.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            parsed = _from_label(row)
            if parsed:
                write_report(store, parsed)
    summary = reconcile(store)
    assert (summary.both, summary.report_only, summary.lscb_attached) == (129, 0, 1)
    assert discrepancies(store) == EXPECTED_LABEL_DISCREPANCIES
