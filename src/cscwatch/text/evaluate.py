"""How good the classifiers are, measured on the held-out LAs' hand-labelled sentences.

:func:`evaluate_classifiers` fits the keyword baseline and the learned model on the training LAs
(the learned model with the settings :data:`cscwatch.text.model.CHOSEN` that grouped CV on the
training LAs picked) and scores both on the test LAs: precision, recall and F1 per theme, macro
averages, and the same for polarity. :func:`labeller_agreement` compares the blind second pass with
the first labels (Cohen's kappa per theme and for polarity).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

from cscwatch.text.labels import load_blind_pass, load_sentences
from cscwatch.text.model import CHOSEN, ModelConfig, SentenceClassifier, theme_matrix
from cscwatch.text.rules import RuleClassifier
from cscwatch.text.taxonomy import POLARITIES, THEME_IDS

__all__ = ["theme_scores", "polarity_report", "evaluate_classifiers", "labeller_agreement"]

#: The issue's aims (reported against, never tuned towards).
AIM_THEME_MACRO_F1 = 0.80
AIM_POLARITY_MACRO_F1 = 0.85


def _r(x: float) -> float:
    return round(float(x), 3)


def theme_scores(truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Per-theme precision/recall/F1/support, macro and micro averages (multi-label)."""
    y, p = theme_matrix(truth), theme_matrix(predicted)
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, average=None, zero_division=0)
    per = {t: {"precision": _r(prec[i]), "recall": _r(rec[i]), "f1": _r(f1[i]), "support": int(sup[i])}
           for i, t in enumerate(THEME_IDS)}
    mp, mr, mf, _ = precision_recall_fscore_support(y, p, average="macro", zero_division=0)
    up, ur, uf, _ = precision_recall_fscore_support(y, p, average="micro", zero_division=0)
    return {"per_theme": per, "macro": {"precision": _r(mp), "recall": _r(mr), "f1": _r(mf)},
            "micro": {"precision": _r(up), "recall": _r(ur), "f1": _r(uf)}}


def polarity_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Per-class P/R/F1, 3-class macro F1, accuracy, and the strength-vs-concern macro F1."""
    prec, rec, f1, sup = precision_recall_fscore_support(truth, predicted, labels=list(POLARITIES), zero_division=0)
    per = {c: {"precision": _r(prec[i]), "recall": _r(rec[i]), "f1": _r(f1[i]), "support": int(sup[i])}
           for i, c in enumerate(POLARITIES)}
    acc = float(np.mean([a == b for a, b in zip(truth, predicted)])) if truth else 0.0
    return {"per_class": per, "macro_f1": _r(np.mean(f1)), "accuracy": _r(acc),
            "macro_f1_strength_concern": _r(np.mean(f1[:2]))}


def evaluate_classifiers(config: ModelConfig | None = None) -> dict[str, Any]:
    """Both classifiers fitted on the training LAs and scored on the held-out LAs."""
    train, test = load_sentences("train"), load_sentences("test")
    texts = [r.text for r in test]
    out: dict[str, Any] = {
        "n_train": len(train), "n_test": len(test),
        "train_las": len({r.la_code_old for r in train}), "test_las": len({r.la_code_old for r in test}),
        "aims": {"theme_macro_f1": AIM_THEME_MACRO_F1, "polarity_macro_f1": AIM_POLARITY_MACRO_F1},
        "classifiers": {},
    }
    for key, clf in (("rules", RuleClassifier()), ("model", SentenceClassifier(config or CHOSEN))):
        clf.fit([r.text for r in train], [r.themes for r in train], [r.polarity for r in train])
        out["classifiers"][key] = {
            "name": clf.name,
            "themes": theme_scores([r.themes for r in test], clf.predict_themes(texts)),
            "polarity": polarity_report([r.polarity for r in test], clf.predict_polarity(texts)),
        }
    out["config"] = _config_dict(config or CHOSEN)
    return out


def _config_dict(cfg: ModelConfig) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(cfg)
    d["thresholds"] = dict(cfg.thresholds)
    return d


def labeller_agreement() -> dict[str, Any]:
    """Cohen's kappa between the first labels and the blind second pass, per theme and for polarity."""
    first = {r.id: r for r in load_sentences()}
    second = load_blind_pass()
    if not second:
        return {"n": 0}
    ids = [i for i, _, _ in second]
    a = theme_matrix([first[i].themes for i in ids])
    b = theme_matrix([t for _, t, _ in second])
    per = {}
    for j, t in enumerate(THEME_IDS):
        if a[:, j].sum() + b[:, j].sum() == 0:
            per[t] = {"kappa": None, "first": 0, "second": 0}
            continue
        same = (a[:, j] == b[:, j]).all()
        per[t] = {"kappa": 1.0 if same else _r(cohen_kappa_score(a[:, j], b[:, j])),
                  "first": int(a[:, j].sum()), "second": int(b[:, j].sum())}
    kappas = [v["kappa"] for v in per.values() if v["kappa"] is not None]
    pol_a, pol_b = [first[i].polarity for i in ids], [p for _, _, p in second]
    return {"n": len(ids), "per_theme": per, "mean_theme_kappa": _r(np.mean(kappas)),
            "polarity_kappa": _r(cohen_kappa_score(pol_a, pol_b)),
            "polarity_agreement": _r(np.mean([x == y for x, y in zip(pol_a, pol_b)])),
            "exact_theme_set_agreement": _r(np.mean([(a[i] == b[i]).all() for i in range(len(ids))]))}


def evaluate_followup(store) -> dict[str, Any]:
    """Follow-up status accuracy on the hand-labelled sample (``labels/followup.csv``).

    The two similarity thresholds are chosen on the sample's training LAs (accuracy over a grid)
    and then scored on its held-out LAs. Needs a store built from ../shared/reports.
    """
    import csv
    from importlib import resources

    from cscwatch.text.pipeline import _next_sentences
    from cscwatch.text.recommendations import REC_THRESHOLD, SENTENCE_THRESHOLD, follow_up, followup_vectoriser

    path = resources.files("cscwatch.text.labels").joinpath("followup.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    recs = {(r["sha256"], r["rec_no"]): r for r in store.rows("SELECT sha256, rec_no, text, themes FROM recommendation")}
    rows = [r for r in rows if (r["sha256"], int(r["rec_no"])) in recs]
    if not rows:
        return {"n": 0}
    vec = followup_vectoriser([x["text"] for x in store.rows(
        "SELECT text FROM report_sentence WHERE section = 'recommendations' OR sentence_no % 3 = 0")]
        + [r["text"] for r in recs.values()])
    nxt = {r["next_sha256"]: _next_sentences(store, r["next_sha256"]) for r in rows}

    def predict(r, rt, st):
        rec = recs[(r["sha256"], int(r["rec_no"]))]
        return follow_up(rec["text"], [t for t in rec["themes"].split(";") if t], nxt[r["next_sha256"]], vec,
                         rec_threshold=rt, sentence_threshold=st).status

    def acc(items, rt, st):
        return float(np.mean([predict(r, rt, st) == r["status"] for r in items])) if items else None

    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    grid = [(rt, st) for rt in (0.1, 0.15, 0.2, 0.3, 0.4) for st in (0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25)]
    rt, st = max(grid, key=lambda g: (acc(train, *g), -g[1]))
    majority = max(("resolved", "still_concern", "not_mentioned"), key=lambda s: sum(r["status"] == s for r in train))
    return {"n_train": len(train), "n_test": len(test), "rec_threshold": rt, "sentence_threshold": st,
            "train_accuracy": _r(acc(train, rt, st)), "test_accuracy": _r(acc(test, rt, st)),
            "all_accuracy": _r(acc(rows, rt, st)),
            "majority_class": majority,
            "majority_test_accuracy": _r(np.mean([r["status"] == majority for r in test])) if test else None,
            "module_thresholds_all_accuracy": _r(acc(rows, REC_THRESHOLD, SENTENCE_THRESHOLD))}
