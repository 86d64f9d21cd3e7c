"""DfE's validation rules through Data to Insight's validators, behind a file boundary.

The validators pin numpy<1.25 and pandas<2, so they live in their own virtual environment
(``.venv-validators``, made by ``make install``) and run as a subprocess: return files in, JSON
issues out (``validators/runner.py``). This side turns each child id into its keyed hash at once,
keeps the rule code, DfE's message, table, columns and row, and nothing else: no row values.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cscwatch.errors import CscwatchError, StoreNotBuilt, UnknownLocalAuthority
from cscwatch.returns.ingest import is_tree, return_files, tree_returns
from cscwatch.returns.pseudonymise import Pseudonymiser, load_secret
from cscwatch.returns.read import iter_cin, read_ssda903_csv, sniff
from cscwatch.store import Store

RUNNER = Path(__file__).with_name("validators") / "runner.py"
ENV_VAR = "CSCWATCH_VALIDATORS_PYTHON"
FIRST_RULE_YEAR, LAST_RULE_YEAR = 2023, 2027     # lac2022_23 / cin2022_23 ... 2026_27


class ValidatorsMissing(CscwatchError):
    """The validators' virtual environment is not there."""


class ValidatorFailed(CscwatchError):
    """The validators ran but did not finish."""


def validators_python() -> Path:
    """``$CSCWATCH_VALIDATORS_PYTHON``, else ``.venv-validators/bin/python`` beside cscwatch's own
    virtual environment or in the working directory."""
    if os.environ.get(ENV_VAR):
        candidates = [Path(os.environ[ENV_VAR])]
    else:
        candidates = [Path(sys.prefix).parent / ".venv-validators" / "bin" / "python",
                      Path.cwd() / ".venv-validators" / "bin" / "python"]
    for c in candidates:
        if c.exists():
            return c
    raise ValidatorsMissing(f"{candidates[0]}: the validators' environment is missing; run `make install` "
                            "(it creates .venv-validators with csc-validator-be-903 and csc-validator-be-cin)")


def run_validator(return_type: str, files: list[Path], year: int, la_ons: str = "",
                  *, timeout: float = 1800) -> dict[str, Any]:
    """Run the runner in the validators' environment; its JSON as a dict."""
    if not FIRST_RULE_YEAR <= year <= LAST_RULE_YEAR:
        raise ValidatorFailed(f"{files[0]}: DfE's validators have rules for {FIRST_RULE_YEAR}-{LAST_RULE_YEAR} "
                              f"only, not {year}")
    python = validators_python()
    cmd = [str(python), str(RUNNER), return_type, "--year", str(year), "--la", la_ons, *map(str, files)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ValidatorFailed(f"{files[0]}: the {return_type} validator took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit code {done.returncode}"
        if not reason.startswith("validator failed"):          # e.g. an interpreter error: no data in it
            reason = f"exit code {done.returncode}"
        raise ValidatorFailed(f"{files[0]}: the {return_type} validator failed ({reason})")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise ValidatorFailed(f"{files[0]}: the {return_type} validator printed no JSON") from None


@dataclass
class ValidationReport:
    la_code_old: str
    year: int
    issues: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rules_run: int = 0
    rules_crashed: list[str] = field(default_factory=list)
    saved: bool = False

    def summary(self) -> list[dict[str, Any]]:
        """One row per rule: how many issues and children, for the "fix these first" list."""
        by: dict[tuple[str, str], dict[str, Any]] = {}
        for i in self.issues:
            row = by.setdefault((i["return_type"], i["rule_code"]), {
                "return_type": i["return_type"], "rule_code": i["rule_code"], "severity": i["severity"],
                "message": i["message"], "issues": 0, "_children": set()})
            row["issues"] += 1
            if i["child_key"]:
                row["_children"].add(i["child_key"])
        out = [{**{k: v for k, v in r.items() if k != "_children"}, "children": len(r["_children"])}
               for r in by.values()]
        return sorted(out, key=lambda r: (r["severity"] != "error", -r["issues"], r["rule_code"]))


def _normalised_copy(path: Path, folder: Path) -> Path:
    """The CSV with a clean header (the validators recognise tables by exact column names)."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    rows[0] = [h.strip().upper() for h in rows[0]]
    target = folder / path.name
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return target


def _severity(code: str) -> str:
    return "query" if code.upper().endswith("Q") else "error"


def _issues(raw: dict[str, Any], return_type: str, la: str, year: int, p: Pseudonymiser,
            file_name: str) -> list[dict[str, Any]]:
    out = []
    for i in raw.get("issues", []):
        code = i.get("rule_code") or "?"
        row = i.get("row")
        out.append({"la_code_old": la, "year": year, "return_type": return_type,
                    "child_key": p.child_key(la, i["child_id"]) if i.get("child_id") else None,
                    "rule_code": code, "severity": _severity(code), "table_name": i.get("table"),
                    "columns": i.get("columns"),
                    # SSDA903: the spreadsheet row (header = 1); CIN: the validator's row in its table
                    "row_no": (row + 2 if return_type == "ssda903" else row) if row is not None else None,
                    "message": i.get("message") or "", "file": file_name})
    return out


_LA_DIR, _YEAR_DIR = re.compile(r"^\d{3}$"), re.compile(r"^\d{4}$")


def infer_la_year(path: Path) -> tuple[str | None, int | None]:
    """LA and year from ``<la>/<year>/`` folders, else from a CIN census header."""
    folder = path if path.is_dir() else path.parent
    if _YEAR_DIR.match(folder.name) and _LA_DIR.match(folder.parent.name):
        return folder.parent.name, int(folder.name)
    for f in ([path] if path.is_file() else return_files(path)):
        if f.suffix.lower() == ".xml":
            try:
                header = next(iter_cin(f))
                return header.la_code_old, header.year
            except CscwatchError:
                continue
    return None, None


def validate_return(files: list[Path], la: str, year: int, *, la_ons: str = "",
                    pseudonymiser: Pseudonymiser) -> ValidationReport:
    """Validate one LA's return for one year. Files our readers reject are reported as a READ issue
    (with the reader's message) and not passed on."""
    report = ValidationReport(la, year, files=[f.name for f in files])
    csvs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="cscwatch-validate-") as tmp:
        os.chmod(tmp, 0o700)
        for f in files:
            try:
                kind = sniff(f)
                if kind == "ssda903":
                    read_ssda903_csv(f, year)
                    csvs.append(_normalised_copy(f, Path(tmp)))
                else:
                    for _ in iter_cin(f, year):
                        pass
                    raw = run_validator("cin", [f], year)
                    report.issues += _issues(raw, "cin", la, year, pseudonymiser, f.name)
                    report.rules_run += raw.get("rules_run", 0)
            except (ValidatorsMissing, ValidatorFailed):
                raise
            except CscwatchError as err:                # the reader's: report it, skip the validators
                report.issues.append({"la_code_old": la, "year": year,
                                      "return_type": "cin" if f.suffix.lower() == ".xml" else "ssda903",
                                      "child_key": None, "rule_code": "READ", "severity": "error",
                                      "table_name": None, "columns": getattr(err, "column", None),
                                      "row_no": getattr(err, "row", None), "message": str(err), "file": f.name})
        if csvs:
            raw = run_validator("ssda903", csvs, year, la_ons)
            report.issues += _issues(raw, "ssda903", la, year, pseudonymiser, ",".join(c.name for c in csvs))
            report.rules_run += raw.get("rules_run", 0)
            report.rules_crashed += raw.get("rules_crashed", [])
    return report


def save_issues(store: Store, report: ValidationReport) -> None:
    """Replace the stored issues of this LA and year with the report's."""
    now = datetime.now().replace(microsecond=0)
    types = sorted({i["return_type"] for i in report.issues} | {"ssda903", "cin"})
    with store.transaction() as con:
        con.execute(f"DELETE FROM return_issue WHERE la_code_old = ? AND year = ? AND return_type IN "
                    f"({', '.join('?' * len(types))})", [report.la_code_old, report.year, *types])
        if report.issues:
            con.executemany("INSERT INTO return_issue VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [[i["la_code_old"], i["year"], i["return_type"], i["child_key"], i["rule_code"],
                              i["severity"], i["table_name"], i["columns"], i["row_no"], i["message"], now]
                             for i in report.issues])
    report.saved = True


def validate(store: Store | None, path: str | Path, *, la: str | None = None, year: int | None = None,
             secret: bytes | None = None, save: bool = True) -> list[ValidationReport]:
    """Validate a return (folder or file; LA and year from ``la``/``year``, the folders or the CIN
    header) or a tree ``PATH/<la>/<year>/``; issues are saved to ``return_issue`` when the store
    knows the LA."""
    path = Path(path)
    if not path.exists():
        raise CscwatchError(f"{path}: no such file or folder")
    p = Pseudonymiser(secret or load_secret())
    if la is None and year is None and is_tree(path):
        jobs = [(code, y, return_files(folder)) for code, y, folder in tree_returns(path)]
    else:
        guess_la, guess_year = infer_la_year(path)
        la, year = la or guess_la, year or guess_year
        if la is None or year is None:
            raise CscwatchError(f"{path}: cannot tell the LA and year: give --la and --year")
        jobs = [(la, year, return_files(path) if path.is_dir() else [path])]
    reports = []
    for code, y, files in jobs:
        la_row = _la_row(store, code)
        code = la_row["la_code_old"] if la_row else code
        try:
            report = validate_return(files, code, y, la_ons=(la_row or {}).get("la_code_new") or "", pseudonymiser=p)
        except ValidatorFailed as err:          # this return could not be validated; the others still are
            report = ValidationReport(code, y, files=[f.name for f in files], issues=[{
                "la_code_old": code, "year": y, "return_type": "ssda903" if "ssda903" in str(err) else "cin",
                "child_key": None, "rule_code": "VALIDATOR", "severity": "error", "table_name": None,
                "columns": None, "row_no": None, "message": str(err), "file": ""}])
        if save and store is not None and la_row and not store.read_only:
            save_issues(store, report)
        reports.append(report)
    return reports


def _la_row(store: Store | None, code: str) -> dict[str, Any] | None:
    if store is None:
        return None
    from cscwatch.identity import resolve_la

    try:
        return resolve_la(store, code)
    except (StoreNotBuilt, UnknownLocalAuthority):
        return None


def write_issues_xlsx(reports: list[ValidationReport], path: str | Path) -> Path:
    """An XLSX an LA can work through: a summary by rule, then every issue with its file and row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["LA", "Year", "Return", "Rule", "Severity", "Issues", "Children", "Message"])
    for r in reports:
        for s in r.summary():
            ws.append([r.la_code_old, r.year, s["return_type"], s["rule_code"], s["severity"], s["issues"],
                       s["children"], s["message"]])
    issues = wb.create_sheet("Issues")
    issues.append(["LA", "Year", "Return", "File", "Table", "Row", "Fields", "Rule", "Severity", "Message",
                   "Child (pseudonymised key)"])
    for r in reports:
        for i in sorted(r.issues, key=lambda i: (i["file"], i["row_no"] or 0, i["rule_code"])):
            issues.append([i["la_code_old"], i["year"], i["return_type"], i["file"], i["table_name"], i["row_no"],
                           i["columns"], i["rule_code"], i["severity"], i["message"], i["child_key"]])
    for sheet in (ws, issues):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
