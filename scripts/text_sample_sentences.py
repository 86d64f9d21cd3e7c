"""Draw the sentences to hand-label for the theme classifiers (run once; kept for the record).

Per report: one sentence from the summary (or the summary for children), one from the
recommendations, three from the judgement chapters (help and protection; children in care, adoption
or care leavers; leadership), and for one report in four one more from the LSCB review or context.
Sentences of five words or more, drawn at random with a fixed seed. Test LAs (about a quarter of the
45 development LAs, drawn with the same seed) are held out from everything that is tuned.

    python scripts/text_sample_sentences.py --db /tmp/text-dev.duckdb --out /tmp/label/sample.csv
"""
from __future__ import annotations

import argparse
import csv
import random

from cscwatch.store import Store
from cscwatch.text.segment import layout_for, segment_pages

SEED = 15
GROUPS = [("summary", "children_summary"), ("recommendations",), ("help_and_protection",),
          ("children_in_care", "adoption", "care_leavers"), ("leadership",)]
EXTRA = ("lscb", "context")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(SEED)
    store = Store(args.db, read_only=True)
    reports = store.rows(
        "SELECT si.source_ref AS sha256, si.la_code_old, si.la_name, si.framework, si.doc_type, si.start_date,"
        " j.grade FROM source_inspection si LEFT JOIN source_judgement j ON j.source_id = si.source_id"
        " AND j.judgement = 'overall' WHERE si.source = 'report' ORDER BY si.la_code_old, si.start_date")
    las = sorted({r["la_code_old"] for r in reports})
    test = set(rng.sample(las, round(len(las) / 4)))
    rows = []
    for n, rep in enumerate(reports):
        pages = [r["text"] for r in store.rows("SELECT text FROM report_page WHERE sha256 = ? ORDER BY page",
                                               [rep["sha256"]])]
        seg = segment_pages(pages, layout_for(rep["framework"], rep["doc_type"]))
        pool = [s for s in seg.sentences if len(s.text.split()) >= 5]
        groups = list(GROUPS) + ([EXTRA] if n % 4 == 0 else [])
        if rep["framework"] == "LSCB":
            groups = [("lscb",)] * 3
        for group in groups:
            cands = [s for s in pool if s.section in group]
            if not cands:
                continue
            s = rng.choice(cands)
            pool.remove(s)
            rows.append({"sha256": rep["sha256"], "la_code_old": rep["la_code_old"], "la_name": rep["la_name"],
                         "framework": rep["framework"], "grade": rep["grade"] or "",
                         "split": "test" if rep["la_code_old"] in test else "train",
                         "section": s.section, "page": s.page, "text": s.text})
    rng.shuffle(rows)
    for i, r in enumerate(rows, start=1):
        r["id"] = f"S{i:04d}"
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "split", "la_code_old", "la_name", "framework", "grade",
                                          "section", "sha256", "page", "text"])
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} sentences, test LAs: {sorted(test)}")


if __name__ == "__main__":
    main()
