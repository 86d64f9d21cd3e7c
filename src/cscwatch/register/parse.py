"""Parse Ofsted LA children's services report files into :class:`ParsedReport` rows.

Everything comes from the file's own bytes and text: never from its name or folder. A bad file
never raises: it becomes a row with status ``error`` and a one-line reason, or ``no_judgements``
for a real document without grades (a focused-visit or monitoring-visit letter), so a batch always
finishes. Files are parsed in parallel over the machine's cores, each in a worker process with a time
and memory bound (:mod:`cscwatch.register.worker`).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cscwatch.errors import UnknownLocalAuthority
from cscwatch.grades import JUDGEMENT_TITLES
from cscwatch.register.la_names import match_la
from cscwatch.register.layouts import LETTER, LayoutResult, printed_la_name, read_layout
from cscwatch.register.layouts.common import looks_like_a_name
from cscwatch.register.layouts.letter import letter_kind, parse_letter
from cscwatch.register.model import ParsedReport, ParseWarning
from cscwatch.register.text import ReportDocument, ReportFileError, display_path, flatten, read_regular_file
from cscwatch.register.worker import DEFAULT_LIMITS, ParseLimits, limit_message, run_bounded

__all__ = ["iter_report_files", "parse_report", "parse_reports", "REQUIRED_JUDGEMENTS", "required_warnings"]

#: Judgements each framework's report prints (LSCB: only when the title names the review).
REQUIRED_JUDGEMENTS: dict[str, tuple[str, ...]] = {
    "legacy": ("overall",),
    "SIF": ("overall", "help_and_protection", "children_in_care", "adoption", "care_leavers", "leadership"),
    "LSCB": ("lscb",),
    "ILACS": ("overall", "leadership", "help_and_protection", "children_in_care"),
    "ILACS-2023": ("overall", "leadership", "help_and_protection", "children_in_care", "care_leavers"),
    "ILACS-2026": ("leadership", "help_and_protection", "children_in_care", "care_leavers"),
}
#: Pages of a letter read for its dates, theme, priority actions and signatory.
LETTER_PAGES = 8

#: Other fields every graded report prints on its front page (or, SIF, on its team page).
REQUIRED_FIELDS: tuple[str, ...] = ("la_code_old", "inspection_start", "inspection_end", "lead_inspector")


def iter_report_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """(resolved path, display path) for every file under the folders (recursive, sorted) or named
    directly; display = path relative to the folder argument it was found under, or as given.

    Hidden files and the labels/README that sit beside reports are skipped inside folders; a
    path that does not exist is kept so that it gets its own error row.
    """
    out: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            for f in sorted(p.rglob("*"), key=lambda x: os.fsencode(x.relative_to(p).as_posix())):
                rel = f.relative_to(p)
                if f.is_dir() or any(part.startswith(".") for part in rel.parts):
                    continue   # a FIFO, socket or device is kept: it gets an error row, not a hang
                if f.suffix.lower() in (".csv", ".md", ".txt", ".json", ".xlsx", ".py"):
                    continue
                r = f.resolve()
                if r not in seen:
                    seen.add(r)
                    out.append((r, display_path(rel.as_posix())))
        else:
            r = p.resolve()
            if r not in seen:
                seen.add(r)
                out.append((r, display_path(arg)))
    return out


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def parse_report(path: str | Path, display: str | None = None, *, keep_text: bool = False) -> ParsedReport:
    """Never raises for a bad file: returns status 'error' with a one-line reason, or 'no_judgements'.
    keep_text=True fills ParsedReport.pages with every page's text (the loader stores it)."""
    path = Path(path)
    display = display if display is not None else display_path(path)
    try:
        data = read_regular_file(path)
    except ReportFileError as err:
        return ParsedReport(file=display, path=display_path(path), sha256="", size_bytes=0, status="error",
                            error=_one_line(err))
    base = dict(file=display, path=display_path(path), sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))
    try:
        with ReportDocument(path, data) as doc:
            fields = _read_fields(doc)
            pages = doc.all_pages() if keep_text else ()
    except ReportFileError as err:
        return ParsedReport(**base, status="error", error=_one_line(err))
    except MemoryError:
        raise   # the worker names its memory limit (cscwatch.register.worker)
    except Exception as err:  # a parser bug must not sink the batch: report it on this file
        return ParsedReport(**base, status="error", error=_one_line(f"parser failure: {type(err).__name__}: {err}"))
    return ParsedReport(**base, pages=pages, **fields)


def _read_fields(doc: ReportDocument) -> dict:
    if not doc.first_page.strip():
        raise ReportFileError("no text layer on page 1 (a scanned image?)")
    header, layout = read_layout(doc)
    fields: dict = {}
    if header.inspection_dates:
        fields["inspection_start"], fields["inspection_end"] = header.inspection_dates
    fields["publication_date"] = header.publication_date

    if layout is None:
        return _without_judgements(doc, fields)
    warnings: list[ParseWarning] = []
    problems: list[str] = []
    names = printed_la_name(header, doc.first_page)
    la = None
    for name in names:
        try:
            la = match_la(name)
            break
        except UnknownLocalAuthority:
            continue
    if la is not None:
        fields.update(la_name=la.name, la_code_old=la.code_old or None, la_code_new=la.code_new or None)
    elif names:
        printed = " ".join(names[0].split())
        problems.append(f"unknown local authority {printed!r}")
        warnings.append(ParseWarning("la_code_old", "unknown_la", f"the printed name {printed!r} matches no"
                                     " English children's services authority"))
    else:
        problems.append("no local authority name found on page 1")

    judgements = {k: v for k, v in layout.judgements.items() if v is not None}
    fields.update(
        doc_type=layout.doc_type,
        framework=layout.framework,
        inspection_type=layout.inspection_type,
        lead_inspector=layout.lead_inspector,
        care_split=layout.care_split,
        judgements=judgements,
    )
    warnings += [ParseWarning(*w) for w in layout.warnings]
    warnings += required_warnings(layout, fields, header_dates=bool(header.inspection_dates))
    if not header.inspection_dates:
        problems.append("no inspection dates found on page 1")
    if not judgements and not layout.not_judged:
        problems.append("judgement table not read: no grade found for " + ", ".join(layout.missing))
    fields["warnings"] = tuple(_unique(warnings))
    if problems:
        return dict(fields, status="error", error="; ".join(problems))
    return dict(fields, status="parsed")


def _unique(warnings: list[ParseWarning]) -> list[ParseWarning]:
    seen: set[tuple[str, str]] = set()
    out = []
    for w in warnings:
        if (w.field, w.code) not in seen:
            seen.add((w.field, w.code))
            out.append(w)
    return out


def required_warnings(layout: LayoutResult, fields: dict, *, header_dates: bool) -> list[ParseWarning]:
    """A warning for every field the report's framework requires that is blank, saying why.

    Required: the LA code, the fieldwork dates, the lead inspector and each judgement the framework
    prints (:data:`REQUIRED_JUDGEMENTS`; the LSCB grade only when the title names the review).
    """
    out: list[ParseWarning] = []
    expected = list(REQUIRED_JUDGEMENTS.get(layout.framework, ()))
    if layout.framework == "SIF" and "lscb" in layout.judgements:
        expected.append("lscb")
    for key in expected:
        if fields["judgements"].get(key) is not None:
            continue
        title = JUDGEMENT_TITLES.get(key, key)
        if key in layout.not_judged:
            out.append(ParseWarning(key, "not_judged", f"the {title!r} row is printed as not judged"))
        elif key in layout.missing:
            out.append(ParseWarning(key, "not_found", f"no grade found for the {title!r} row of the judgement table"))
        elif key == "overall" and layout.framework.startswith("ILACS"):
            continue   # an ILACS-2023 table with no overall row: the layout's own warning says why
        else:
            out.append(ParseWarning(key, "not_found", f"no grade found for {title!r}"))
    if not fields.get("la_code_old"):
        if not any(w[0] == "la_code_old" for w in layout.warnings):
            out.append(ParseWarning("la_code_old", "not_found", "no local authority name found on page 1"))
    if not header_dates:
        for key in ("inspection_start", "inspection_end"):
            out.append(ParseWarning(key, "not_found", "no 'Inspection dates:' line with a readable date range"
                                    " on page 1"))
    lead = fields.get("lead_inspector")
    if not lead:
        out.append(ParseWarning("lead_inspector", "not_found", "no 'Lead inspector' line with a name"))
    elif not all(looks_like_a_name(name) for name in lead.split("; ")):
        out.append(ParseWarning("lead_inspector", "unreadable", f"{lead!r} does not read as a person's name"))
    return out


def _without_judgements(doc: ReportDocument, fields: dict) -> dict:
    """A document with no judgement table: an ungraded letter (focused visit, monitoring visit,
    JTAI), or not an Ofsted report at all."""
    page1 = flatten(doc.first_page)
    kind = letter_kind(doc.first_page)
    if kind is None:
        if not (LETTER.search(page1) or "ofsted" in page1.lower()):
            return dict(fields, status="error", doc_type="other",
                        error="not a recognised Ofsted report: no report title or judgement table on page 1")
        return dict(fields, status="no_judgements", doc_type="other",
                    error="no judgement table: an ungraded document that is not a visit letter",
                    warnings=(ParseWarning("doc_type", "not_found", "no judgement table and no visit letter"
                                           " opening on page 1"),))
    letter = parse_letter(kind, doc.pages(range(min(doc.n_pages, LETTER_PAGES))))
    warnings: list[ParseWarning] = []
    fields.update(visit_type=kind, theme=letter.theme, priority_actions=tuple(letter.priority_actions),
                  priority_action=letter.priority_action, lead_inspector=letter.lead_inspector)
    if letter.fieldwork:
        fields.update(inspection_start=letter.start, inspection_end=letter.end)
    elif not fields.get("inspection_start"):
        warnings += [ParseWarning(k, "not_found", "no visit dates in the letter's opening sentence")
                     for k in ("inspection_start", "inspection_end")]
    if letter.la_printed:
        try:
            la = match_la(letter.la_printed)
            fields.update(la_name=la.name, la_code_old=la.code_old or None, la_code_new=la.code_new or None)
        except UnknownLocalAuthority:
            warnings.append(ParseWarning("la_code_old", "unknown_la", f"the printed name {letter.la_printed!r}"
                                         " matches no English children's services authority"))
    else:
        warnings.append(ParseWarning("la_code_old", "not_found", "no 'visit to <LA> children's services' in the letter"))
    if not letter.theme:
        warnings.append(ParseWarning("theme", "not_found", "the letter's theme matches none of Ofsted's visit themes"))
    if not letter.lead_inspector:
        warnings.append(ParseWarning("lead_inspector", "not_found", "no inspector's name after 'Yours sincerely'"))
    if letter.priority_action and not letter.priority_actions:
        warnings.append(ParseWarning("priority_actions", "unreadable", "the letter sets areas for priority"
                                     " action, but they could not be read as a list"))
    what = {"focused": "a focused visit letter", "monitoring": "a monitoring visit letter",
            "jtai": "a joint targeted area inspection (JTAI) letter"}[kind]
    detail = f"theme: {letter.theme or 'not read'}; areas for priority action: {len(letter.priority_actions)}"
    return dict(fields, status="no_judgements", doc_type="other", warnings=tuple(warnings),
                error=f"no judgement table: {what} ({detail})")


def _parse_task(path: str, display: str, keep_text: bool) -> ParsedReport:
    return parse_report(path, display, keep_text=keep_text)


def parse_reports(paths, *, workers: int | None = None, keep_text: bool = False,
                  limits: ParseLimits | None = DEFAULT_LIMITS) -> list[ParsedReport]:
    """All files, in iter_report_files order, parsed in bounded worker processes over the cores.

    Each file gets at most ``limits.seconds`` and ``limits.memory_mb`` (see
    :mod:`cscwatch.register.worker`); a file past either bound gets an error row naming the limit.
    ``limits=None`` parses in this process without bounds (for tests with stand-in parsers).
    """
    files = iter_report_files(paths)
    tasks = [(str(p), display, keep_text) for p, display in files]
    if limits is None:
        return [_parse_task(*t) for t in tasks]
    # biggest files first so no worker is left with a long SIF report at the end
    order = sorted(range(len(tasks)), key=lambda i: -_size(tasks[i][0]))
    results: list[ParsedReport | None] = [None] * len(tasks)

    def done(k: int, report: ParsedReport | None, error: BaseException | None) -> None:
        i = order[k]
        if report is None:
            path, display, _ = tasks[i]
            report = ParsedReport(file=display, path=display_path(path), sha256="", size_bytes=_size(path),
                                  status="error", error=limit_message(error, limits))
        results[i] = report

    run_bounded(_parse_task, [tasks[i] for i in order], workers=workers or os.cpu_count() or 1,
                limits=limits, on_result=done)
    return results  # type: ignore[return-value]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
