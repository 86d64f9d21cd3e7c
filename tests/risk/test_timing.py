"""The timing model: an LA never inspected as its window comes and goes gets a rising probability."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from cscwatch.risk.features import add_quarter, build_features
from cscwatch.risk.lineup import PRODUCTION, timing_lineup
from cscwatch.risk.models import fresh
from cscwatch.risk.rules import inspection_window, last_full_inspection, next_windows


def test_never_inspected_la_gets_rising_probability(synth_data):
    panel = synth_data.panel
    y = panel.y["inspected_12m"].to_numpy(float)
    ok = ~np.isnan(y)
    spec = {s.name: s for s in timing_lineup(12)}[PRODUCTION["timing"]]
    cols = [c for c in panel.X.columns if panel.X[c].notna().any()]
    model = fresh(spec.estimator).fit(panel.X.loc[ok, cols], y[ok].astype(int))

    la, last = next((la, e) for la, evs in sorted(synth_data.history.own_events().items()) for e in evs
                    if e.is_full_inspection and e.start and e.start.year in (2018, 2019))
    events = synth_data.history.events[la]
    frozen = [e for e in events if e.day <= last.day]          # nothing happens after this inspection
    history = replace(synth_data.history, events={**synth_data.history.events, la: frozen})
    window = inspection_window(next_windows(frozen, last.day.replace(year=last.day.year + 1)))
    d = add_quarter(last.published)
    dates = []
    while d <= window.latest.replace(year=window.latest.year + 1):
        dates.append(d)
        d = add_quarter(d)
    X = build_features(pd.DataFrame({"la_code_old": la, "cutoff": dates}), history, synth_data.stats,
                       rules=synth_data.rules)[cols]
    # the rest of the country (national pace, climate, how far the visit record reaches) is held as it
    # was on the first date: this is about the LA's own clock
    for c in ("nat_reports_3m", "nat_reports_12m", "recent_national_inadequate", "recent_region_inadequate",
              "mv_12m", "fv_12m", "mv_since_prev", "fv_since_prev"):
        X[c] = X[c].iloc[0]
    X[[c for c in cols if c.endswith(("_level", "_chg1", "_vs_nbr"))]] = X[[c for c in cols if c.endswith(
        ("_level", "_chg1", "_vs_nbr"))]].iloc[0].to_numpy()
    p = model.predict_proba(X)[:, 1]
    assert last_full_inspection(frozen, dates[-1]) == last
    assert (np.diff(p) >= -1e-9).all(), np.round(p, 3)
    assert p[-1] > p[0] + 0.3, np.round(p, 3)
