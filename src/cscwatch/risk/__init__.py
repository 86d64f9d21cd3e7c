"""The risk model: which LAs are heading for "inadequate", why, and an honest backtest.

Python API (each a twin of a ``cscwatch risk`` command):

* ``cscwatch.risk.backtest.backtest(store, target="inadequate") -> BacktestResult``
  (``.to_dict()`` is the CLI's JSON)
* ``cscwatch.risk.scores.score(store, as_of=None) -> list[dict]``: every current LA ranked, with band
  and reasons
* ``cscwatch.risk.scores.explain(store, la, as_of=None) -> dict``: one LA's factors pushing its risk up
  and down
* ``cscwatch.risk.card.write_model_card(store, out)``: the Markdown model card

``backtest`` and ``explain`` are not re-exported here: ``backtest.py`` and ``explain.py`` are
submodules of the same names, and Python binds an imported submodule over a package attribute.

Imports are lazy so ``cscwatch --help`` does not load scikit-learn and LightGBM.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "BacktestResult": "cscwatch.risk.backtest",
    "RollingOriginSplit": "cscwatch.risk.backtest",
    "score": "cscwatch.risk.scores",
    "FeatureBuilder": "cscwatch.risk.features",
    "write_model_card": "cscwatch.risk.card",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cscwatch.risk' has no attribute {name!r}")
