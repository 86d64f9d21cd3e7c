"""Risk models as scikit-learn classifiers: baselines and models behind one estimator contract.

Each follows the contract (``__init__`` stores parameters, ``fit`` sets ``attr_`` and returns
``self``, ``predict_proba``), accepts NaN, and, where it has a calibration step, calibrates inside
whatever data it is fitted on (Platt scaling on inner folds), so a backtest never calibrates on the
test fold. ``columns`` (names) restricts a model to some columns of a DataFrame ``X``; with arrays,
give positions or leave it unset.

* :class:`RateTableBaseline`: the outcome rate for each combination of a few columns (the previous
  grade; the pathway: previous grade x framework x route), smoothed toward the overall rate.
* :class:`ColumnProbability`: a column that already is a probability (the rules calendar).
* :class:`LogisticRisk`: regularised logistic regression (median imputation + missing flags).
* :class:`GBMRisk`: LightGBM, small trees, optional monotone constraints.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data


class _BinaryRiskClassifier(ClassifierMixin, BaseEstimator):
    """Shared plumbing: validation, binary classes, NaN allowed, ``columns`` by name or position."""

    columns: Sequence[str | int] | None = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def _validate_fit(self, X, y):
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) > 2:
            raise ValueError(f"Only binary classification is supported; {type(self).__name__} got "
                             f"{len(self.classes_)} classes")
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs both outcomes in y; it has only one class, {self.classes_[0]!r}")
        self.used_ = self._positions(self.columns)
        return X[:, self.used_], (y == self.classes_[1]).astype(int)

    def _validate_predict(self, X):
        check_is_fitted(self, "classes_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return X[:, self.used_]

    def _positions(self, columns: Sequence[str | int] | None) -> np.ndarray:
        if columns is None:
            return np.arange(self.n_features_in_)
        names = list(getattr(self, "feature_names_in_", []))
        out = []
        for c in columns:
            if isinstance(c, (int, np.integer)):
                if not 0 <= c < self.n_features_in_:
                    raise ValueError(f"column {c} is outside X's {self.n_features_in_} columns")
                out.append(int(c))
            elif c in names:
                out.append(names.index(c))
            elif not names:
                raise ValueError(f"{type(self).__name__}: X has no column names; give positions, not {c!r}")
        if not out:
            raise ValueError(f"{type(self).__name__}: X has none of the columns {list(columns)}")
        return np.asarray(out)

    def used_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return [str(names[i]) if names is not None else f"x{i}" for i in self.used_]

    def predict(self, X):
        proba = self.predict_proba(X)[:, 1]
        return self.classes_[(proba >= 0.5).astype(int)]

    @staticmethod
    def _proba(p: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(p, float), 0.0, 1.0)
        return np.column_stack([1 - p, p])


def _calibrate(estimator, calibration: str | None, y: np.ndarray, random_state: Any, folds: int = 3):
    """Wrap ``estimator`` in Platt/isotonic calibration on inner stratified folds (when data allow).

    ``ensemble=False``: the model is fitted on all the data and only the calibration map comes from
    inner out-of-fold predictions, so calibration never costs discrimination.
    """
    if calibration is None:
        return estimator
    n_min = int(np.bincount(y).min())
    if n_min < 2:
        return estimator
    cv = StratifiedKFold(n_splits=min(folds, n_min), shuffle=True, random_state=random_state)
    return CalibratedClassifierCV(estimator, method=calibration, cv=cv, ensemble=False)


def reverses_ranking(model) -> bool:
    """Whether a fitted sigmoid calibration maps higher model scores to lower probabilities
    (scikit-learn's Platt map is 1 / (1 + exp(a * score + b)): ``a > 0`` reverses the order)."""
    if not isinstance(model, CalibratedClassifierCV) or model.method != "sigmoid":
        return False
    return any(cal.a_ > 0 for c in model.calibrated_classifiers_ for cal in c.calibrators)


class RateTableBaseline(_BinaryRiskClassifier):
    """The training rate of the outcome for each combination of ``columns`` (NaN is a value of
    its own), pulled toward the overall rate by ``smoothing`` pseudo-counts so a combination seen
    twice does not get a risk of 0 or 1. Unseen combinations get the overall rate."""

    def __init__(self, columns: Sequence[str | int] | None = ("prev_grade_rank",), smoothing: float = 2.0):
        self.columns = columns
        self.smoothing = smoothing

    @staticmethod
    def _keys(X: np.ndarray) -> list[tuple]:
        return [tuple(-np.inf if np.isnan(v) else float(v) for v in row) for row in X]

    def fit(self, X, y):
        X, y01 = self._validate_fit(X, y)
        self.prior_ = float(y01.mean())
        sums: dict[tuple, list[float]] = {}
        for k, v in zip(self._keys(X), y01):
            s = sums.setdefault(k, [0.0, 0.0])
            s[0] += v
            s[1] += 1
        self.rates_ = {k: (a + self.smoothing * self.prior_) / (n + self.smoothing) for k, (a, n) in sums.items()}
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        return self._proba([self.rates_.get(k, self.prior_) for k in self._keys(X)])


class ColumnProbability(_BinaryRiskClassifier):
    """A column that already is a probability (the rules calendar), times ``scale``; fitting only
    learns the fill for missing values (the training rate)."""

    def __init__(self, columns: Sequence[str | int] | None = ("rules_p12",), scale: float = 1.0):
        self.columns = columns
        self.scale = scale

    def fit(self, X, y):
        _, y01 = self._validate_fit(X, y)
        self.prior_ = float(y01.mean())
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        col = X[:, 0]
        return self._proba(np.where(np.isnan(col), self.prior_, col * self.scale))


class _CalibratedModel(_BinaryRiskClassifier):
    """An estimator built by ``_estimator(y01)`` and calibrated inside the training data."""

    calibration: str | None
    random_state: Any
    calibration_folds: int = 3

    def fit(self, X, y):
        X, y01 = self._validate_fit(X, y)
        model = _calibrate(self._estimator(y01), self.calibration, y01, self.random_state,
                           self.calibration_folds).fit(X, y01)
        self.calibration_dropped_ = reverses_ranking(model)
        if self.calibration_dropped_:
            # Platt scaling fitted on a few dozen out-of-fold predictions with a weak signal can take
            # the wrong sign and turn the model's ranking upside down; keep the model's own scores.
            model = model.calibrated_classifiers_[0].estimator
        self.model_ = model
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        return self._proba(self.model_.predict_proba(X)[:, 1])

    def _base_models(self) -> list:
        m = self.model_
        if isinstance(m, CalibratedClassifierCV):
            return [c.estimator for c in m.calibrated_classifiers_]
        return [m]


class LogisticRisk(_CalibratedModel):
    """Regularised (L2) logistic regression; median imputation with a missing-value flag and
    scaling happen inside, so nothing is learnt from the rows being scored. The penalty is fixed in
    advance (``C=0.1``: strong, for a few dozen positive outcomes), never tuned on reported years.
    A logistic regression is fitted by maximum likelihood, so it needs no calibration step by
    default (``calibration="sigmoid"`` adds one)."""

    def __init__(self, columns: Sequence[str | int] | None = None, C: float = 0.1, calibration: str | None = None,
                 calibration_folds: int = 3, random_state: int | None = 0):
        self.columns = columns
        self.C = C
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _estimator(self, y01: np.ndarray) -> Pipeline:
        return Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
                         ("scale", StandardScaler()),
                         ("model", LogisticRegression(C=self.C, solver="newton-cholesky", max_iter=200))])

    def contributions(self, X) -> pd.DataFrame:
        """Coefficient x standardised value per used column (missing flags folded into their column)."""
        X = self._validate_predict(X)
        names = self.used_names()
        total = np.zeros((X.shape[0], len(names)))
        models = self._base_models()
        for pipe in models:
            imp, sc, lr = pipe.named_steps["impute"], pipe.named_steps["scale"], pipe.named_steps["model"]
            Z = sc.transform(imp.transform(X)) * lr.coef_[0]
            out = imp.get_feature_names_out(np.array(names, dtype=object))
            for j, name in enumerate(out):
                total[:, names.index(str(name).removeprefix("missingindicator_"))] += Z[:, j]
        return pd.DataFrame(total / len(models), columns=names)


class GBMRisk(_CalibratedModel):
    """LightGBM with small, heavily regularised trees (depth 2, >= 15 rows per leaf, row and column
    subsampling, L2 penalty). NaN goes straight to LightGBM, which learns a direction for missing
    values. ``monotone`` maps column names to +1/-1 (risk may only rise/fall with the column)."""

    def __init__(self, columns: Sequence[str | int] | None = None, monotone: Mapping[str, int] | None = None,
                 n_estimators: int = 150, learning_rate: float = 0.03, num_leaves: int = 4, max_depth: int = 2,
                 min_child_samples: int = 15, subsample: float = 0.8, colsample_bytree: float = 0.5,
                 reg_lambda: float = 5.0, max_bin: int = 63, calibration: str | None = "sigmoid",
                 calibration_folds: int = 2, random_state: int | None = 0):
        self.columns = columns
        self.monotone = monotone
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _estimator(self, y01: np.ndarray):
        from lightgbm import LGBMClassifier

        extra = {}
        if self.monotone:
            names = self.used_names()
            extra = {"monotone_constraints": [int(self.monotone.get(n, 0)) for n in names],
                     "monotone_constraints_method": "basic"}
        return LGBMClassifier(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
            max_depth=self.max_depth, min_child_samples=self.min_child_samples, subsample=self.subsample,
            subsample_freq=1 if self.subsample < 1 else 0, colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda, max_bin=self.max_bin, random_state=self.random_state, n_jobs=1,
            verbose=-1, **extra)

    def contributions(self, X) -> pd.DataFrame:
        """TreeSHAP values from LightGBM (``pred_contrib=True``) on the log-odds scale."""
        X = self._validate_predict(X)
        models = self._base_models()
        total = sum(m.booster_.predict(X, pred_contrib=True)[:, :-1] for m in models)
        return pd.DataFrame(total / len(models), columns=self.used_names())


def fresh(model: BaseEstimator, **params: Any) -> BaseEstimator:
    """An unfitted copy (so no fold ever sees another fold's state), with ``params`` changed."""
    m = clone(model)
    return m.set_params(**params) if params else m


def has_seed(model: BaseEstimator) -> bool:
    """Whether refitting with another ``random_state`` is a different model: LightGBM subsamples
    rows and columns. A logistic regression is deterministic (its calibration step, if any, keeps
    the fold split of ``random_state``), so refitting it per seed would only repeat it."""
    return isinstance(model, GBMRisk)
