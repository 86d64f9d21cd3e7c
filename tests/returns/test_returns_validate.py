"""The validators' file boundary: files in, JSON issues out, in their own environment."""
from __future__ import annotations

import json
import sys
from datetime import date as d
from pathlib import Path

import pytest

from returns_helpers import SECRET
from cscwatch.returns.validate import ValidatorFailed, ValidatorsMissing, run_validator, validate
from cscwatch.returns.write import write_cin_xml, write_ssda903

VALIDATORS = Path(sys.prefix).parent / ".venv-validators" / "bin" / "python"
needs_validators = pytest.mark.skipif(not VALIDATORS.exists(), reason="run `make install` for .venv-validators")


def small_return(folder: Path) -> Path:
    write_ssda903(folder, {
        "header": [{"CHILD": "VX01", "SEX": "M", "DOB": d(2012, 2, 3), "ETHNIC": "WBRI", "UPN": "UN1"},
                   {"CHILD": "VX02", "SEX": "F", "DOB": d(2010, 8, 17), "ETHNIC": "ZZZZ", "UPN": "UN1"}],
        "episodes": [{"CHILD": "VX01", "DECOM": d(2024, 5, 15), "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U1",
                      "PLACE_PROVIDER": "PR1", "HOME_POST": "M1 1AA", "PL_POST": "M2 5AA", "URN": "XXXXXXX"},
                     {"CHILD": "VX02", "DECOM": d(2024, 10, 1), "RNE": "S", "LS": "Q9", "CIN": "N4", "PLACE": "U4",
                      "PLACE_PROVIDER": "PR4", "HOME_POST": "B1 1AA", "PL_POST": "B2 4AA", "URN": "XXXXXXX"}]})
    write_cin_xml(folder / "cin.xml", "926", 2025, [
        {"id": "VX01", "dob": d(2012, 2, 3), "sex": "M", "episodes": [
            {"referral_date": d(2024, 6, 10), "closure_date": d(2024, 12, 1), "reason_for_closure": "RC1",
             "referral_source": "99"}]}])
    return folder


def test_missing_environment_is_a_clear_error(monkeypatch, tmp_path, rstore):
    monkeypatch.setenv("CSCWATCH_VALIDATORS_PYTHON", str(tmp_path / "nowhere" / "python"))
    with pytest.raises(ValidatorsMissing, match="run `make install`"):
        validate(rstore, small_return(tmp_path / "926" / "2025"), secret=SECRET)


def test_missing_environment_through_the_cli(monkeypatch, tmp_path, rstore):
    from typer.testing import CliRunner

    from cscwatch.cli import app

    monkeypatch.setenv("CSCWATCH_VALIDATORS_PYTHON", str(tmp_path / "nowhere" / "python"))
    out = CliRunner().invoke(app, ["returns", "validate", str(small_return(tmp_path / "926" / "2025")),
                                   "--db", str(rstore.path)])
    assert out.exit_code == 1 and "validators' environment is missing" in out.output
    assert "Traceback" not in out.output


def test_a_crashing_validator_leaks_nothing_it_printed(monkeypatch, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'KeyError: child VX01 born 03/02/2012' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CSCWATCH_VALIDATORS_PYTHON", str(fake))
    with pytest.raises(ValidatorFailed) as err:
        run_validator("cin", [tmp_path / "x.xml"], 2025)
    assert "VX01" not in str(err.value) and "2012" not in str(err.value) and "exit code 1" in str(err.value)


def test_years_without_rules_are_refused(tmp_path):
    with pytest.raises(ValidatorFailed, match="2023-2027 only"):
        run_validator("cin", [tmp_path / "x.xml"], 2019)


@needs_validators
def test_runner_output_is_json_issues_without_values(tmp_path):
    folder = small_return(tmp_path / "r")
    raw = run_validator("ssda903", sorted(folder.glob("*.csv")), 2025, "E10000020")
    assert set(raw) == {"issues", "rules_run", "rules_crashed"} and raw["rules_run"] > 50
    codes = {(i["child_id"], i["rule_code"]) for i in raw["issues"]}
    assert ("VX02", "103") in codes and ("VX02", "144") in codes      # ethnicity ZZZZ, legal status Q9
    assert all(set(i) == {"child_id", "table", "columns", "row", "rule_code", "message"} for i in raw["issues"])
    assert "ZZZZ" not in json.dumps(raw) and "Q9" not in json.dumps(raw)


@needs_validators
def test_validate_stores_pseudonymised_issues_and_writes_an_xlsx(tmp_path, rstore):
    from openpyxl import load_workbook

    from cscwatch.returns.pseudonymise import Pseudonymiser
    from cscwatch.returns.validate import write_issues_xlsx

    folder = small_return(tmp_path / "926" / "2025")
    [report] = validate(rstore, folder, secret=SECRET)
    assert (report.la_code_old, report.year, report.saved) == ("926", 2025, True)
    key = Pseudonymiser(SECRET).child_key("926", "VX02")
    ethnic = [i for i in report.issues if i["rule_code"] == "103"]
    assert ethnic and ethnic[0]["child_key"] == key and ethnic[0]["row_no"] == 3    # spreadsheet row of VX02
    assert any(i["return_type"] == "cin" and i["rule_code"] == "8866" for i in report.issues)   # source 99
    stored = rstore.rows("SELECT * FROM return_issue")
    assert len(stored) == len(report.issues)
    assert all("VX0" not in str(v) for r in stored for v in r.values())
    xlsx = write_issues_xlsx([report], tmp_path / "issues.xlsx")
    cells = [str(c.value) for ws in load_workbook(xlsx) for row in ws.iter_rows() for c in row]
    assert "103" in cells and not any("VX0" in c for c in cells)
