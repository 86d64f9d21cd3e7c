"""Reading and ingesting: tolerant where LAs differ, clear and all-or-nothing where a file is bad."""
from __future__ import annotations

from datetime import date as d
from pathlib import Path

import pytest

from returns_helpers import SECRET
from cscwatch.returns.ingest import ingest
from cscwatch.returns.write import write_cin_xml, write_ssda903

HEADER = [{"CHILD": "ZQ01", "SEX": "F", "DOB": d(2014, 2, 3), "ETHNIC": "WBRI", "UPN": "UN1"},
          {"CHILD": "ZQ02", "SEX": "M", "DOB": d(2012, 9, 9), "ETHNIC": "WBRI", "UPN": "UN1"}]
EPISODES = [{"CHILD": "ZQ01", "DECOM": d(2024, 6, 1), "RNE": "S", "LS": "C2", "PLACE": "U4"},
            {"CHILD": "ZQ02", "DECOM": d(2023, 6, 1), "RNE": "S", "LS": "C2", "PLACE": "U1"}]
CIN = [{"id": "ZQ01", "dob": d(2014, 2, 3), "episodes": [{"referral_date": d(2024, 5, 1)}]}]


def good_return(folder: Path) -> Path:
    write_ssda903(folder, {"header": HEADER, "episodes": EPISODES})
    write_cin_xml(folder / "cin.xml", "926", 2025, CIN)
    return folder


def counts(store) -> dict[str, int]:
    return {t: store.scalar(f"SELECT count(*) FROM {t}") for t in ("cla_child", "cla_episode", "cin_referral")}


def test_a_return_loads_and_reingesting_it_changes_nothing(rstore, tmp_path):
    folder = good_return(tmp_path / "r")
    first = ingest(rstore, folder, la="Norfolk", year=2025, secret=SECRET)
    assert first.ok and {f.status for f in first.files} == {"loaded"}
    assert counts(rstore) == {"cla_child": 2, "cla_episode": 2, "cin_referral": 1}
    again = ingest(rstore, folder, la="926", year=2025, secret=SECRET)
    assert {f.status for f in again.files} == {"unchanged"}
    assert counts(rstore) == {"cla_child": 2, "cla_episode": 2, "cin_referral": 1}


def test_a_changed_file_replaces_its_rows(rstore, tmp_path):
    folder = good_return(tmp_path / "r")
    ingest(rstore, folder, la="926", year=2025, secret=SECRET)
    write_ssda903(folder, {"episodes": EPISODES[:1]})
    ingest(rstore, folder, la="926", year=2025, secret=SECRET)
    assert counts(rstore)["cla_episode"] == 1


def test_column_order_case_and_spaces_do_not_matter(rstore, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "Episodes Table.csv").write_text(
        " dec ,Place,rne, CHILD ,decom,LS,CIN,PLACE_PROVIDER,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        ", u4 ,s, ZQ01 ,01/06/2024,c2,N1,PR1,,,,,\n", encoding="utf-8")
    result = ingest(rstore, folder, la="926", year=2025, secret=SECRET)
    assert result.ok
    row = rstore.rows("SELECT rne, ls, place, decom FROM cla_episode")[0]
    assert row == {"rne": "S", "ls": "C2", "place": "U4", "decom": d(2024, 6, 1)}


def _bad_cases(folder: Path) -> dict[str, tuple[Path, str, str | None, str | None]]:
    """name -> (file, words the error must contain, row, field)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = {}
    enc = folder / "enc" / "episodes.csv"
    enc.parent.mkdir()
    enc.write_bytes("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
                    "ZQ01,01/06/2024,S,C2,N1,U4,PR1,,,,Cr\xe8che,,\n".encode("latin-1"))
    cases["wrong encoding"] = (enc, "not UTF-8", "row 2", None)
    cols = folder / "cols" / "episodes.csv"
    cols.parent.mkdir()
    cols.write_text("CHILD,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
                    "ZQ01,S,C2,N1,U4,PR1,,,,,,\n")
    cases["missing columns"] = (cols, "missing required column(s) DECOM", "row 1", "DECOM")
    date_ = folder / "date" / "episodes.csv"
    write_ssda903(date_.parent, {"episodes": EPISODES})
    text = (date_.parent / "ssda903_episodes.csv").read_text().replace("01/06/2023", "31/02/2023")
    (date_.parent / "ssda903_episodes.csv").unlink()
    date_.write_text(text)
    cases["impossible date"] = (date_, "not a real date", "row 3", "DECOM")
    later = folder / "later" / "episodes.csv"
    write_ssda903(later.parent, {"episodes": [dict(EPISODES[0], DECOM=d(2025, 5, 1))]})
    (later.parent / "ssda903_episodes.csv").rename(later)
    cases["903 from a later year"] = (later, "another year's file", "row 2", "DECOM")
    earlier = folder / "earlier" / "episodes.csv"
    write_ssda903(earlier.parent, {"episodes": [dict(EPISODES[0], DECOM=d(2022, 5, 1), DEC=d(2023, 1, 1), REC="E4A")]})
    (earlier.parent / "ssda903_episodes.csv").rename(earlier)
    cases["903 from an earlier year"] = (earlier, "no episode is open in the 2024-25 collection year", None, "DEC")
    trunc = folder / "trunc" / "cin.xml"
    write_cin_xml(trunc, "926", 2025, CIN * 3)
    trunc.write_bytes(trunc.read_bytes()[:-120])
    cases["truncated XML"] = (trunc, "ends early", "row", None)
    wrong_la = folder / "la" / "cin.xml"
    write_cin_xml(wrong_la, "352", 2025, CIN)
    cases["wrong LA"] = (wrong_la, "LA 352's census, not LA 926's", "row 1", "LEA")
    wrong_year = folder / "year" / "cin.xml"
    write_cin_xml(wrong_year, "926", 2024, [{"id": "ZQ01", "episodes": [{"referral_date": d(2023, 5, 1)}]}])
    cases["wrong year"] = (wrong_year, "the 2024 census, not 2025's", "row 1", "Year")
    cin_date = folder / "cindate" / "cin.xml"
    write_cin_xml(cin_date, "926", 2025, CIN)
    cin_date.write_text(cin_date.read_text().replace("2024-05-01", "2024-02-30"))
    cases["impossible CIN date"] = (cin_date, "not a real date", "row 1", "CINreferralDate")
    return cases


CASES = ["wrong encoding", "missing columns", "impossible date", "903 from a later year", "903 from an earlier year",
         "truncated XML", "wrong LA", "wrong year", "impossible CIN date"]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_gets_a_clear_error_and_stores_nothing(rstore, tmp_path, case):
    path, words, row, field = _bad_cases(tmp_path / "bad")[case]
    good = good_return(tmp_path / "good")
    before = counts(rstore)
    # the bad file alone: an error naming file, row and field; nothing from it in the store
    result = ingest(rstore, path, la="926", year=2025, secret=SECRET)
    assert not result.ok
    message = result.errors[0].error
    assert str(path) in message and words in message
    if row:
        assert row in message
    if field:
        assert repr(field) in message
    for secret_value in ("ZQ01", "Cr", "31/02", "2024-02-30"):
        assert secret_value not in message.replace(str(path), "")
    assert counts(rstore) == before
    ledger = rstore.rows("SELECT status, error FROM return_file WHERE status = 'error'")
    assert ledger and words in ledger[0]["error"]
    # beside good files: the batch carries on with them
    target = good / path.name
    target.write_bytes(path.read_bytes())          # CSVs join the good ones; the XML replaces the good census
    result = ingest(rstore, good, la="926", year=2025, secret=SECRET)
    assert [f.status for f in result.files if f.file_name == path.name] == ["error"]
    assert any(f.status == "loaded" for f in result.files)


def test_ingest_needs_la_and_year_or_a_tree(rstore, tmp_path):
    from cscwatch.errors import CscwatchError

    folder = good_return(tmp_path / "r")
    with pytest.raises(CscwatchError, match="give --la and --year"):
        ingest(rstore, folder, secret=SECRET)
    with pytest.raises(CscwatchError, match="unknown local authority"):
        ingest(rstore, folder, la="Atlantis", year=2025, secret=SECRET)


def test_a_tree_is_read_la_and_year_from_its_folders(rstore, tmp_path):
    good_return(tmp_path / "tree" / "926" / "2025")
    (tmp_path / "tree" / "999" / "2025").mkdir(parents=True)
    (tmp_path / "tree" / "999" / "2025" / "x.csv").write_text("CHILD\n")
    result = ingest(rstore, tmp_path / "tree", secret=SECRET)
    assert {(f.la_code_old, f.year, f.status) for f in result.files} == {("926", 2025, "loaded"), ("999", 2025, "error")}
    assert rstore.scalar("SELECT count(*) FROM provisional_observation WHERE la = '926' AND period = '2025'") > 20


def test_cin_reader_streams_children_without_a_whole_document_tree(tmp_path):
    from cscwatch.returns.read import CinChild, CinHeader, iter_cin

    path = write_cin_xml(tmp_path / "c.xml", "926", 2025, CIN * 5)
    items = list(iter_cin(path, 2025))
    assert isinstance(items[0], CinHeader) and items[0].la_code_old == "926" and items[0].year == 2025
    assert [c.index for c in items[1:]] == [1, 2, 3, 4, 5] and all(isinstance(c, CinChild) for c in items[1:])
