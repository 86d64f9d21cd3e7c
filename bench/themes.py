"""Theme classifiers on the held-out LAs, labeller agreement, follow-up accuracy, corpus timing.

    python bench/themes.py                 # builds a temporary store from ../shared/reports
    python bench/themes.py --db STORE      # or uses a store already built with the reports
    python bench/themes.py --select        # also reruns the grouped-CV settings search (slow)

Prints per-theme precision/recall/F1 of the keyword baseline and the learned model side by side,
polarity scores, Cohen's kappa of the blind second labelling pass, recommendation follow-up
accuracy, and the time to segment and classify the whole corpus (the issue's budget: one minute on
2 cores), with bare page reading timed alongside as the baseline.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CSCWATCH_SHARED", REPO.parent / "shared"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--select", action="store_true")
    args = ap.parse_args()
    from cscwatch.store import Store
    from cscwatch.text.evaluate import evaluate_classifiers, evaluate_followup, labeller_agreement

    ev = evaluate_classifiers()
    print(f"Sentences: {ev['n_train']} train ({ev['train_las']} LAs), {ev['n_test']} held out ({ev['test_las']} LAs)")
    rules, model = ev["classifiers"]["rules"], ev["classifiers"]["model"]
    print(f"\n{'theme':22} {'n':>3}   {'rules P/R/F1':>18}   {'model P/R/F1':>18}")
    for t, r in rules["themes"]["per_theme"].items():
        m = model["themes"]["per_theme"][t]
        print(f"{t:22} {r['support']:>3}   {r['precision']:.2f} {r['recall']:.2f} {r['f1']:.2f}     "
              f"{m['precision']:.2f} {m['recall']:.2f} {m['f1']:.2f}")
    for avg in ("macro", "micro"):
        r, m = rules["themes"][avg], model["themes"][avg]
        print(f"{avg + ' average':22} {'':>3}   {r['precision']:.2f} {r['recall']:.2f} {r['f1']:.2f}     "
              f"{m['precision']:.2f} {m['recall']:.2f} {m['f1']:.2f}")
    print(f"aim: theme macro-F1 >= {ev['aims']['theme_macro_f1']}")
    print("\npolarity (P/R/F1 per class)")
    for c in ("strength", "concern", "neutral"):
        r, m = rules["polarity"]["per_class"][c], model["polarity"]["per_class"][c]
        print(f"{c:22} {r['support']:>3}   {r['precision']:.2f} {r['recall']:.2f} {r['f1']:.2f}     "
              f"{m['precision']:.2f} {m['recall']:.2f} {m['f1']:.2f}")
    for k in ("macro_f1", "macro_f1_strength_concern", "accuracy"):
        print(f"{k:28} rules {rules['polarity'][k]:.3f}   model {model['polarity'][k]:.3f}")
    print(f"aim: polarity macro-F1 >= {ev['aims']['polarity_macro_f1']}")
    ag = labeller_agreement()
    print(f"\nblind second pass on {ag['n']} sentences: mean theme kappa {ag['mean_theme_kappa']}, "
          f"polarity kappa {ag['polarity_kappa']}, exact theme sets {ag['exact_theme_set_agreement']}")
    print("  " + ", ".join(f"{t} {v['kappa']}" for t, v in ag["per_theme"].items()))
    if args.select:
        from cscwatch.text.labels import load_sentences
        from cscwatch.text.model import select_config

        tr = load_sentences("train")
        best, tried = select_config([r.text for r in tr], [r.themes for r in tr], [r.polarity for r in tr],
                                    [r.la_code_old for r in tr])
        for row in sorted(tried, key=lambda d: -(d["cv_theme_macro_f1"] + d["cv_polarity_macro_f1"])):
            print("  ", row)
        print("best:", best)
    if not args.db and not (SHARED / "reports").is_dir():
        print(f"\n{SHARED}/reports absent: skipping follow-up accuracy and corpus timing")
        return 0
    tmp = None
    if args.db:
        store = Store(args.db)
    else:
        tmp = tempfile.TemporaryDirectory()
        from cscwatch.register.load import ingest_reports

        store = Store(Path(tmp.name) / "bench.duckdb")
        ingest_reports(store, [SHARED / "reports"])
    t0 = time.perf_counter()
    n_pages = len(store.rows("SELECT page, text FROM report_page"))
    t_read = time.perf_counter() - t0
    from cscwatch.text.pipeline import classify_reports

    t0 = time.perf_counter()
    s = classify_reports(store, force=True)
    t_all = time.perf_counter() - t0
    print(f"\ncorpus: {s.classified} reports, {n_pages} pages, {s.sentences} sentences, {s.recommendations} "
          f"recommendations, {s.followups} follow-ups classified in {t_all:.1f} s on {os.cpu_count()} cores "
          f"(budget 60 s; reading the pages alone {t_read:.2f} s; ratio {t_all / max(t_read, 1e-9):.0f}x)")
    fu = evaluate_followup(store)
    print(f"follow-up: {fu}")
    if tmp:
        store.close()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
