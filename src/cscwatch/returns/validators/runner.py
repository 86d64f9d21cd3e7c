"""Run DfE's rules (Data to Insight's validators) over return files; print JSON issues.

This script runs in its own virtual environment (``.venv-validators``: the validators pin
numpy<1.25 and pandas<2), never inside cscwatch's: it imports nothing from cscwatch. Files in,
JSON out on stdout:

    {"issues": [{"child_id", "table", "columns", "row", "rule_code", "message"}],
     "rules_run": N, "rules_crashed": [code, ...]}

``row`` is the validator's 0-based row index within its table. No row value is printed: the
validators' own reports carry values (``value_flagged``), which are dropped here. The validators'
chatter (print, logging, tracebacks) is swallowed, because it can quote children's data; on
failure only the exception type reaches stderr, with exit code 3.

    python runner.py ssda903 --year 2025 --la E10000020 header.csv episodes.csv ...
    python runner.py cin --year 2025 census.xml
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import warnings


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)


def _str(v) -> str | None:
    if v is None:
        return None
    try:
        if v != v:          # NaN
            return None
    except Exception:
        pass
    if isinstance(v, (list, tuple, set)):
        return ",".join(str(x) for x in v)
    return str(v)


def _int(v) -> int | None:
    try:
        return None if v is None or v != v else int(v)
    except (TypeError, ValueError):
        return None


def run_ssda903(files: list[str], year: int, la: str) -> dict:
    from lac_validator.lac_validator import LacValidator, create_issue_df
    from lac_validator.report import Report
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.utils import process_uploaded_files

    _quiet()
    registry = get_year_ruleset(str(year))
    uploaded = process_uploaded_files({"This year": files})
    v = LacValidator(metadata={"collectionYear": str(year), "localAuthority": la}, files=uploaded,
                     registry=registry, selected_rules=None)
    report = Report(v.ds_results, registry)
    issues = create_issue_df(report.report, report.error_report)
    out = []
    for r in issues.to_dict("records"):
        out.append({"child_id": _str(r.get("child_id")), "table": _str(r.get("tables_affected")),
                    "columns": _str(r.get("columns_affected")), "row": _int(r.get("row_id")),
                    "rule_code": _str(r.get("rule_code")), "message": _str(r.get("rule_description"))})
    crashed = [str(getattr(f, "code", f)) for f in getattr(v, "fails", [])]
    return {"issues": out, "rules_run": len(getattr(v, "dones", [])), "rules_crashed": crashed}


def run_cin(files: list[str], year: int) -> dict:
    import xml.etree.ElementTree as ET

    from cin_validator import cin_validator
    from cin_validator.rules.ruleset_utils import get_year_ruleset

    _quiet()
    out, run, crashed = [], 0, []
    for path in files:
        root = ET.parse(path).getroot()
        data = cin_validator.process_data(cin_validator.convert_data(root))
        v = cin_validator.CinValidator(data, get_year_ruleset(str(year)))
        report = v.user_report
        for r in report.to_dict("records"):
            out.append({"child_id": _str(r.get("LAchildID")), "table": _str(r.get("tables_affected")),
                        "columns": _str(r.get("columns_affected")), "row": _int(r.get("ROW_ID")),
                        "rule_code": _str(r.get("rule_code")), "message": _str(r.get("rule_description"))})
        run += len(getattr(v, "rules_passed", [])) + len(getattr(v, "rules_broken", []))
    return {"issues": out, "rules_run": run, "rules_crashed": crashed}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("return_type", choices=("ssda903", "cin"))
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--la", default="")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            result = (run_ssda903(args.files, args.year, args.la) if args.return_type == "ssda903"
                      else run_cin(args.files, args.year))
    except Exception as exc:            # noqa: BLE001 - the type only: messages can hold row values
        sys.stderr.write(f"validator failed: {type(exc).__name__}\n")
        return 3
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
