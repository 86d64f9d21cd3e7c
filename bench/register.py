"""Benchmark the report parser against bare text extraction, in the same run.

    python bench/register.py [REPORTS_DIR]

Times ``parse_reports`` (parallel over the cores, reading only the pages each layout needs) on every
file under ../shared/reports, next to bare single-process pypdfium2 extraction of every page of the
same files, and prints both and their ratio. Target: ratio <= 1.0. Skips with a message when the
reports folder is absent.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("CSCWATCH_SHARED", REPO.parent / "shared")) / "reports"


def bare_extraction(files: list[Path]) -> int:
    """Open every file and extract the text of every page, one process, no parsing."""
    import pypdfium2 as pdfium

    pages = 0
    for path in files:
        try:
            doc = pdfium.PdfDocument(path.read_bytes())
        except pdfium.PdfiumError:
            continue  # the HTML pages saved as .pdf: nothing to extract
        for page in doc:
            textpage = page.get_textpage()
            textpage.get_text_bounded()
            textpage.close()
            page.close()
            pages += 1
        doc.close()
    return pages


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not folder.is_dir():
        print(f"skipped: {folder} is absent (the real reports live in ../shared/reports)")
        return 0
    from cscwatch.register.parse import iter_report_files, parse_reports

    files = [p for p, _ in iter_report_files([folder])]
    for p in files:  # warm the OS file cache so neither timing pays for the first disk read
        p.read_bytes()

    t0 = time.perf_counter()
    pages = bare_extraction(files)
    bare = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = parse_reports([folder])
    parse = time.perf_counter() - t0

    parsed = sum(r.status == "parsed" for r in results)
    print(f"files: {len(files)} ({parsed} parsed, {len(files) - parsed} not), pages: {pages}, cores: {os.cpu_count()}")
    print(f"bare pypdfium2 text extraction, every page, 1 process: {bare:7.2f} s")
    print(f"parse_reports, needed pages, {os.cpu_count()} processes:          {parse:7.2f} s")
    print(f"ratio parse / bare: {parse / bare:.2f} (target <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
