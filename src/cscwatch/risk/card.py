"""The model card: Markdown for a director of children's services, generated from real backtests.

Every number in the card comes from the backtests run while writing it, so the card cannot drift
from the code. ``cscwatch risk card --out docs/model-card.md`` regenerates it.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from cscwatch.risk.backtest import BacktestResult, paired_auc_difference, run_backtest
from cscwatch.risk.models import GBMRisk
from cscwatch.risk.features import (
    CONCEPTS,
    DEFAULT_SIF_START_LAG_DAYS,
    TARGETS,
    FeatureBuilder,
    FeatureSet,
    measure_start_lags,
)
from cscwatch.risk.scores import BANDS, SCORING_MODEL_NAME
from cscwatch.store import Store

TARGET_WORDS = {
    "inadequate": "overall effectiveness judged inadequate",
    "decline": "overall effectiveness worse than the LA's previous overall grade",
    "any_inadequate": "any judgement inadequate (works after April 2026, when the overall grade goes)",
}
MODEL_WORDS = {
    "previous_grade": "Previous grade carried forward: the historical rate of the outcome for LAs with the same last grade.",
    "deprivation": "Deprivation alone (logistic curve).",
    "prev_grade_deprivation_logistic": "Logistic regression on the previous grade (one term per grade) plus deprivation.",
    "logistic": "Regularised (L2, C = 0.1) logistic regression on the 20 features most related to the outcome "
                "in each training set (chosen there, never on the years scored).",
    "lightgbm": "LightGBM gradient-boosted trees, depth 2, heavily regularised.",
}


def _f(v, pct: bool = False) -> str:
    if v is None:
        return "–"
    return f"{v:.0%}" if pct else f"{v:.2f}"


def _ci(iv, pct: bool = False) -> str:
    if not iv or iv[0] is None:
        return ""
    return f" ({_f(iv[0], pct)}–{_f(iv[1], pct)})"


def _model_table(r: BacktestResult) -> list[str]:
    lines = ["| model | baseline | ROC AUC (95% CI) | average precision | Brier | top 10% recall | top 20% recall |",
             "|---|---|---|---|---|---|---|"]
    for m in r.models:
        x, iv = m.metrics, m.intervals
        lines.append(f"| {m.name} | {'yes' if m.baseline else 'no'} | {_f(x['auc'])}{_ci(iv['auc'])} | "
                     f"{_f(x['average_precision'])}{_ci(iv['average_precision'])} | {_f(x['brier'])}{_ci(iv['brier'])} | "
                     f"{_f(x['top10_recall'], True)}{_ci(iv['top10_recall'], True)} | "
                     f"{_f(x['top20_recall'], True)}{_ci(iv['top20_recall'], True)} |")
    return lines


def verdict(r: BacktestResult) -> str:
    """Does the best model beat every baseline on pooled AUC? Say by how much either way, and
    whether the gap survives a paired bootstrap."""
    best = r.best_model()
    baselines = [m for m in r.models if m.baseline and m.metrics["auc"] is not None]
    top = max(baselines, key=lambda m: m.metrics["auc"])
    gap = best.metrics["auc"] - top.metrics["auc"]
    paired = paired_auc_difference(r.predictions, best.name, top.name)
    ci = (f" (paired bootstrap 95% interval for the gap {paired['low']:+.2f} to {paired['high']:+.2f}"
          if paired["low"] is not None else " (")
    if gap > 0:
        sure = ("the gap is clear of zero" if paired["low"] is not None and paired["low"] > 0
                else "the interval includes zero, so with this few failures the margin is suggestive, not proven")
        return (f"The best model (**{best.name}**, pooled AUC {best.metrics['auc']:.2f}) beats every baseline; the "
                f"strongest baseline (**{top.name}**) reaches {top.metrics['auc']:.2f}, a margin of {gap:.2f}{ci}: "
                f"{sure}).")
    why = (" The previous grade fixes much of this outcome by construction (an LA judged inadequate cannot "
           "decline; an outstanding one can only stay or fall), which the per-grade frequency table captures "
           "exactly while the models spread it across many noisy features." if top.name == "previous_grade" else "")
    return (f"The best model (**{best.name}**, pooled AUC {best.metrics['auc']:.2f}) does **not** beat the strongest "
            f"baseline (**{top.name}**, {top.metrics['auc']:.2f}); it falls short by {-gap:.2f}{ci}).{why}")


#: What was tried after the first backtest, and thrown away (a record, so readers can discount the
#: headline for the looks taken at it). Numbers are pooled rolling-origin AUCs on overall inadequate,
#: measured on the store built without the report PDFs (no parsed SIF start dates), November 2026.
REJECTED_REVISIONS: tuple[str, ...] = (
    "An *extended feature block*, pre-registered and added once: each indicator's percentile rank among all "
    "LAs in the same release (so SIF-era and ILACS-era levels compare), the 3-year change of the gap to "
    "statistical neighbours, a workforce-instability score (agency + vacancy + turnover ranks), months since "
    "the last inspection against the usual gap after that grade, requires improvement with an inadequate "
    "sub-judgement, and the framework's inadequate rate so far. Logistic 0.58 → 0.61, LightGBM 0.62 → 0.60–0.62 "
    "depending only on column order; cross-validation inside the training years preferred the original set in "
    "7 of 10 years. Not kept.",
    "*Nested model selection*: inside each training set, 3-fold cross-validation chose among logistic, "
    "LightGBM and their average, on the original or extended features. Pooled AUC 0.59 (95% CI 0.52–0.67), "
    "top-20% recall 29%; the choice flipped from year to year, and LightGBM on the original features was the "
    "most frequent choice (6 of 10 years, including the latest two) — the configuration kept. Not kept as a "
    "separate model.",
)


def render_card(results: dict[str, BacktestResult], features: FeatureSet, lags: dict, *,
                generated: date | None = None, seed_spread: dict[str, list[float]] | None = None) -> str:
    """The card's Markdown from backtest results (one per target) and the feature set they used."""
    main = results["inadequate"]
    best = main.best_model()
    meta = features.meta
    fw_counts = meta["framework"].value_counts().to_dict()
    n_est = int(meta["start_estimated"].sum())
    L: list[str] = []
    a = L.append
    a("# Model card: cscwatch risk model")
    a("")
    a(f"*Generated by `cscwatch risk card` on {(generated or date.today()).isoformat()} from the store the build "
      "made. Every number below comes from the backtests run to write this card.*")
    a("")
    a("## What it is for")
    a("")
    a("The model estimates, for each English local authority (LA), the chance that its next Ofsted inspection of "
      "children's services finds them **inadequate**, using only information that was public before the "
      "inspection began. It is an early-warning aid for people who support and challenge children's services "
      "(DCSs, lead members, regional improvement alliances, DfE advisers). It points at where to look; it does "
      "not say what is happening to children, and it is not a judgement on any LA.")
    a("")
    a("**It must not be used** to rank LAs publicly, to set league tables, to decide inspections or intervention "
      "on its own, or to judge individual staff. A human who knows the LA must review every flag.")
    a("")
    a("## Data")
    a("")
    a(f"- **Inspections**: {len(meta)} graded inspections ("
      + ", ".join(f"{k} {v}" for k, v in sorted(fw_counts.items()))
      + f") from {meta['start_date'].min()} to {meta['start_date'].max()}, across {meta['la_code_old'].nunique()} LAs; "
      "earlier frameworks (SLAC, CPI, TLAC) are used only as history.")
    a(f"- **Outcomes**: inadequate overall in {int(features.y['inadequate'].sum())} of "
      f"{int(features.y['inadequate'].notna().sum())}; any judgement inadequate in "
      f"{int(features.y['any_inadequate'].sum())} of {int(features.y['any_inadequate'].notna().sum())}; "
      f"worse than the previous overall grade in {int(features.y['decline'].sum())} of "
      f"{int(features.y['decline'].notna().sum())}.")
    a("- **Statistics**: the DfE indicator warehouse (children in need, child protection, children looked after, "
      "the social work workforce, spending, deprivation), each figure with the date it was first published, "
      "and DfE statistical neighbours.")
    lag_text = "; ".join(f"{fw}: median {v['median']:.0f} days, 90th percentile {v['p90']:.0f} (n={v['n']})"
                         for fw, v in lags.items()) or "no inspection in the store has both dates"
    a(f"- **Start dates**: ILACS records give the first day of fieldwork. Older (SIF) records give only the "
      f"publication date, so for {n_est} inspections the start is estimated as publication minus "
      f"{DEFAULT_SIF_START_LAG_DAYS} days — a deliberately long lag, so the estimated start is usually *before* the "
      f"real one and no figure published during fieldwork slips in. Start-to-publication lags measured in the "
      f"store: {lag_text}.")
    a("")
    a("## Features (what the model may look at)")
    a("")
    a("All known before fieldwork started:")
    a("")
    a("- the previous inspection: overall grade (as separate categories: risk is not monotone in the grade), "
      "each sub-judgement, the worst sub-judgement and its gap to the overall grade, the grade before that, "
      "how many times the LA was judged inadequate before, and months since the last inspection;")
    a("- monitoring and focused visits since the last inspection (recorded from 2022 only; earlier they are "
      "*missing*, not zero);")
    a("- what was scheduled: short inspection (last grade good or outstanding) or standard, the framework, the region;")
    a("- the recent climate: the share of inspections published in the previous two years (nationally) and "
      "three years (in the LA's Ofsted region) that were inadequate;")
    a("- for each indicator below: the latest published level, its change over 1 and 3 years, and the gaps to "
      "the LA's statistical neighbours' average and to England.")
    a("")
    a("| indicator | warehouse measure |")
    a("|---|---|")
    for c in CONCEPTS:
        a(f"| {c.label} | {('`' + features.measures[c.name] + '`') if c.name in features.measures else '*not available: dropped*'} |")
    a("")
    a("Missing values stay missing: the logistic model imputes the median **and** adds a missing-value flag; "
      "LightGBM treats missing as its own branch. Nothing is silently set to zero.")
    a("")
    a("## Leakage rules")
    a("")
    a("- A statistic is used only from the date the warehouse records it as published (a conservative date "
      "per release). Where the warehouse holds several versions of a figure, the one public at the time is used; "
      "it mostly holds one (the latest release), so later revisions of old figures are a small, known leak.")
    a("- A previous inspection counts only once its report was published; a visit once its letter was "
      "published (visit date + 28 days where the letter date is unknown).")
    a("- Each DfE statistical-neighbour set is used from the year it was published; before the first set in "
      "the data (2021) that set is used, as a similarity model of LAs rather than a figure about them.")
    a("- A test deletes every figure, report and letter published on or after an inspection's start and "
      "rebuilds that inspection's features: they must be identical.")
    a("- Backtest: for each year Y the models train only on inspections whose outcome was published before "
      "1 January Y and are scored on inspections starting in Y. Hyperparameters are fixed in the code or chosen "
      "by cross-validation inside the training years; nothing is tuned on the years reported.")
    a("")
    a("## Models")
    a("")
    for m in main.models:
        a(f"- **{m.name}**{' (baseline)' if m.baseline else ''}: {MODEL_WORDS.get(m.name, '')}")
    a("")
    a("Every model except the previous-grade table (a frequency, calibrated by construction) is calibrated with "
      "Platt scaling on folds inside its training data.")
    a("")
    a(f"## How well it works: overall inadequate ({main.n_scored} inspections scored, {main.n_positive} inadequate, "
      f"{main.years[0]}–{main.years[-1]})")
    a("")
    a("Pooled over the rolling-origin years; 95% intervals from a bootstrap that resamples whole LAs.")
    a("")
    L.extend(_model_table(main))
    a("")
    a(verdict(main))
    a("")
    a(f"The aim was a pooled AUC of 0.80 and a top-20% recall of 60%. The model reaches "
      f"{best.metrics['auc']:.2f} and {_f(best.metrics['top20_recall'], True)}: far short. The published "
      "statistics carry a real but weak signal (slow assessments, high caseloads, workforce churn); most of what "
      "decides a judgement — leadership, management oversight, the quality of practice — is not in them.")
    a("")
    a(f"**Reading the table.** ROC AUC is the chance that an LA later judged inadequate had a higher score than "
      f"one that was not (0.5 = coin toss). Top-20% recall is the share of all inadequate outcomes found among "
      f"the fifth of inspections the model ranked riskiest: {_f(best.metrics['top20_recall'], True)} for the best "
      f"model. (A 2017 Behavioural Insights Team model of *school* inspections reported 65% in its top 10%.) "
      f"Brier is the mean squared error of the probabilities (lower is better).")
    a("")
    a(f"### Year by year ({best.name})")
    a("")
    a("| year | trained on | scored | inadequate | AUC | top 20% recall |")
    a("|---|---|---|---|---|---|")
    for f in best.folds:
        a(f"| {f['year']} | {f['n_train']} | {f['n_test']} | {f['positives']} | {_f(f['auc'])} | "
          f"{_f(f['top20_recall'], True)} |")
    a("")
    a("Single years hold only a handful of inadequate outcomes, so year-level numbers swing widely.")
    a("")
    a(f"### Calibration ({best.name})")
    a("")
    a("| predicted risk | inspections | mean predicted | observed | inadequate |")
    a("|---|---|---|---|---|")
    for c in best.calibration:
        if c["n"]:
            a(f"| {c['bin']} | {c['n']} | {_f(c['mean_predicted'], True)} | {_f(c['observed'], True)} | {c['positives']} |")
    a("")
    a("### Grouped-by-LA cross-validation (all years; not time-ordered)")
    a("")
    a("| model | AUC | top 20% recall |")
    a("|---|---|---|")
    for m in main.models:
        a(f"| {m.name} | {_f(m.grouped_cv.get('auc'))} | {_f(m.grouped_cv.get('top20_recall'), True)} |")
    a("")
    others = [t for t in TARGETS if t != "inadequate" and t in results]
    if others:
        a("## Other outcomes")
        a("")
        a("| outcome | scored (positive) | best model | AUC (95% CI) | top 20% recall | best baseline AUC |")
        a("|---|---|---|---|---|---|")
        for t in others:
            r = results[t]
            b = r.best_model()
            bl = max((m for m in r.models if m.baseline and m.metrics["auc"] is not None), key=lambda m: m.metrics["auc"])
            a(f"| {TARGET_WORDS[t]} | {r.n_scored} ({r.n_positive}) | {b.name} | {_f(b.metrics['auc'])}"
              f"{_ci(b.intervals['auc'])} | {_f(b.metrics['top20_recall'], True)} | {bl.name} {_f(bl.metrics['auc'])} |")
        a("")
        for t in others:
            a(f"- *{TARGET_WORDS[t]}*: {verdict(results[t])}")
        a("")
    a("## Researcher degrees of freedom")
    a("")
    a("- **Feature-set revisions made after looking at pooled results: 1 tried (plus one model-selection "
      "scheme), none kept.** The features above are the first set, whose author saw pooled results while building it "
      "(how many looks was not recorded: assume a few). After its backtest, these were tried and dropped:")
    for text in REJECTED_REVISIONS:
        a(f"  - {text}")
    a("  (These AUCs were measured on a build without the parsed report PDFs, so they differ slightly from the "
      "table above.)")
    a("- Hyper-parameters are fixed in the code (regularisation strength, tree depth, number of features the "
      "logistic model keeps, chosen there in each training set); none was changed after seeing these results.")
    if seed_spread:
        for name, aucs in seed_spread.items():
            a(f"- **Luck of the draw.** Refitting **{name}** with {len(aucs) - 1} other random seeds (it subsamples "
              f"rows and columns) gives pooled AUCs from {min(aucs):.2f} to {max(aucs):.2f} "
              f"(mean {sum(aucs) / len(aucs):.2f}); the seed in the table is the code's fixed default. Differences "
              "between models smaller than this spread are noise.")
    a("")
    a("## Scores and bands")
    a("")
    a(f"`cscwatch risk scores --as-of DATE` fits the **{SCORING_MODEL_NAME}** model on every inspection published "
      "before DATE and scores each current LA as if inspected that day. Bands: "
      + ", ".join(f"{name} ≥ {lo:.0%}" for lo, name in BANDS if lo > 0) + ", otherwise low. "
      "`cscwatch risk explain LA` lists the factors pushing a score up and down, with the published figures "
      "behind them.")
    a("")
    a("## Limitations")
    a("")
    a(f"- **Small numbers.** About {main.n_positive} inadequate outcomes were scored in the backtest; every "
      "interval above is wide, and one year's results can move the headline figures by several points.")
    a("- **A break in the target from April 2026.** Ofsted stops giving an overall effectiveness grade; the "
      "`any_inadequate` outcome (any judgement inadequate) is reported so the model can carry on.")
    a("- **Self-fulfilling risk.** Scores could shape where attention goes; extra scrutiny can itself change "
      "grades. Keep scores out of the inspection scheduling decision and watch for drift.")
    a("- **No league tables.** The score compares an LA with the history of inspections, not with other LAs' "
      "quality; publishing a ranking would mislead and could harm recruitment in the LAs that most need staff.")
    a("- **Humans in the loop.** Statistics miss what matters most in the inspection reports — leadership "
      "churn, management oversight, quality of practice. The model is a prompt for a conversation with people "
      "who know the LA, never a substitute.")
    a("- **Revisions and estimates.** Some statistics in the warehouse come from later releases that revised "
      "earlier years; SIF-era start dates are estimated (above). Focused and monitoring visits are only on "
      "record from 2022.")
    a("- **Changing frameworks.** SIF (2013–17) and ILACS (2018–) differ; the model sees the framework, but "
      "the future framework (2027) may break the patterns it learned.")
    a("")
    a("## Reproduce")
    a("")
    a("```")
    a("cscwatch build")
    a("cscwatch risk backtest --target inadequate --json backtest.json")
    a("cscwatch risk card --out docs/model-card.md")
    a("```")
    a("")
    if features.notes:
        a("### Notes from the feature build")
        a("")
        for n in features.notes:
            a(f"- {n}")
        a("")
    return "\n".join(L)


def write_model_card(store: Store, out: str | Path = "docs/model-card.md", *, n_boot: int = 500,
                     targets: Sequence[str] = TARGETS) -> Path:
    """Run the backtest for each target and write the card."""
    features = FeatureBuilder().build(store)
    results = {t: run_backtest(features, target=t, n_boot=n_boot) for t in targets}
    spread = None
    if "inadequate" in results and any(m.name == "lightgbm" for m in results["inadequate"].models):
        seeds = [(f"lightgbm_seed{k}", GBMRisk(random_state=k), False) for k in range(1, 5)]
        rs = run_backtest(features, target="inadequate", models=seeds, n_boot=0, grouped_folds=0)
        spread = {"lightgbm": [results["inadequate"].model("lightgbm").metrics["auc"],
                               *[m.metrics["auc"] for m in rs.models if m.metrics["auc"] is not None]]}
    text = render_card(results, features, measure_start_lags(store), seed_spread=spread)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path
