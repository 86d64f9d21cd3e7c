"""Risk models as scikit-learn classifiers: three baselines and two models, all swappable.

Each follows the estimator contract (``__init__`` stores parameters, ``fit`` sets ``attr_`` and
returns ``self``, ``predict_proba``), accepts NaN, and is calibrated inside whatever data it is fitted
on (Platt scaling through ``CalibratedClassifierCV`` on inner folds), so a backtest that fits it on
a training fold never calibrates on the test fold. The previous-grade baseline is a frequency table,
calibrated by construction.

Columns are chosen by name when ``X`` is a DataFrame and by position when it is an array.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

#: Grade ranks the previous-grade columns take (1 outstanding .. 4 inadequate).
PREV_GRADE_COLUMNS = ("prev_outstanding", "prev_good", "prev_ri", "prev_inadequate", "no_prev")


class _BinaryRiskClassifier(ClassifierMixin, BaseEstimator):
    """Shared plumbing: validation, binary classes, NaN allowed, column lookup by name or position."""

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
        return X, (y == self.classes_[1]).astype(int)

    def _validate_predict(self, X):
        check_is_fitted(self, "classes_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)

    def _column(self, feature: str | int) -> int:
        if isinstance(feature, (int, np.integer)):
            if not 0 <= feature < self.n_features_in_:
                raise ValueError(f"column {feature} is outside X's {self.n_features_in_} columns")
            return int(feature)
        names = list(getattr(self, "feature_names_in_", []))
        if feature not in names:
            raise ValueError(f"{type(self).__name__}: X has no column {feature!r}"
                             + ("" if names else " (X has no column names; pass a position)"))
        return names.index(feature)

    def predict(self, X):
        proba = self.predict_proba(X)[:, 1]
        return self.classes_[(proba >= 0.5).astype(int)]

    def _proba(self, p: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(p, float), 0.0, 1.0)
        return np.column_stack([1 - p, p])


def _calibrate(estimator, calibration: str | None, y: np.ndarray, random_state: Any):
    """Wrap ``estimator`` in Platt/isotonic calibration on inner stratified folds (when data allow)."""
    if calibration is None:
        return estimator
    n_min = int(np.bincount(y).min())
    if n_min < 2:
        return estimator
    cv = StratifiedKFold(n_splits=min(3, n_min), shuffle=True, random_state=random_state)
    # ensemble=False: the model itself is fitted on all the data and only the calibration map comes
    # from inner out-of-fold predictions, so calibration never costs discrimination.
    return CalibratedClassifierCV(estimator, method=calibration, cv=cv, ensemble=False)


class PreviousGradeBaseline(_BinaryRiskClassifier):
    """The previous grade carried forward: the training rate of the outcome for each previous grade.

    ``smoothing`` pulls small groups toward the overall rate (pseudo-counts), so a grade seen twice
    does not get a risk of 0 or 1. "No previous grade" (NaN) is a group of its own.
    """

    def __init__(self, feature: str | int = "prev_overall_rank", smoothing: float = 2.0):
        self.feature = feature
        self.smoothing = smoothing

    def fit(self, X, y):
        X, y01 = self._validate_fit(X, y)
        col = X[:, self._column(self.feature)]
        self.prior_ = float(y01.mean())
        keys = np.where(np.isnan(col), -np.inf, col)
        self.rates_ = {}
        for k in np.unique(keys):
            m = keys == k
            self.rates_[float(k)] = float((y01[m].sum() + self.smoothing * self.prior_) / (m.sum() + self.smoothing))
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        col = X[:, self._column(self.feature)]
        keys = np.where(np.isnan(col), -np.inf, col)
        return self._proba([self.rates_.get(float(k), self.prior_) for k in keys])


class DeprivationBaseline(_BinaryRiskClassifier):
    """Deprivation alone, through a logistic curve (the "it's all poverty" hypothesis)."""

    def __init__(self, feature: str | int = "deprivation_level", C: float = 1.0, calibration: str | None = "sigmoid",
                 random_state: int | None = 0):
        self.feature = feature
        self.C = C
        self.calibration = calibration
        self.random_state = random_state

    def fit(self, X, y):
        X, y01 = self._validate_fit(X, y)
        x = X[:, [self._column(self.feature)]]
        pipe = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                             StandardScaler(), LogisticRegression(C=self.C, max_iter=1000))
        self.model_ = _calibrate(pipe, self.calibration, y01, self.random_state).fit(x, y01)
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        return self._proba(self.model_.predict_proba(X[:, [self._column(self.feature)]])[:, 1])


class PrevGradeDeprivationLogistic(_BinaryRiskClassifier):
    """Logistic regression on the previous grade (one indicator per grade, so risk need not be
    monotone in the grade) plus deprivation: the strongest "obvious" baseline."""

    def __init__(self, grade_feature: str | int = "prev_overall_rank", deprivation_feature: str | int = "deprivation_level",
                 C: float = 1.0, calibration: str | None = "sigmoid", random_state: int | None = 0):
        self.grade_feature = grade_feature
        self.deprivation_feature = deprivation_feature
        self.C = C
        self.calibration = calibration
        self.random_state = random_state

    def _design(self, X: np.ndarray) -> np.ndarray:
        g = X[:, self._column(self.grade_feature)]
        onehot = np.column_stack([(g == v).astype(float) for v in self.grade_levels_] + [np.isnan(g).astype(float)])
        return np.column_stack([onehot, X[:, self._column(self.deprivation_feature)]])

    def fit(self, X, y):
        X, y01 = self._validate_fit(X, y)
        g = X[:, self._column(self.grade_feature)]
        self.grade_levels_ = np.unique(g[~np.isnan(g)])[:8]
        pipe = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                             StandardScaler(), LogisticRegression(C=self.C, max_iter=1000))
        self.model_ = _calibrate(pipe, self.calibration, y01, self.random_state).fit(self._design(X), y01)
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        return self._proba(self.model_.predict_proba(self._design(X))[:, 1])


class _ContributionMixin:
    """An estimator built by ``_estimator(y01)`` and calibrated inside the training data, with
    per-feature contributions to the log-odds averaged over the calibration folds' models."""

    def fit(self, X, y):
        X, y01 = self._validate_fit(X, y)
        self.model_ = _calibrate(self._estimator(y01), self.calibration, y01, self.random_state).fit(X, y01)
        return self

    def predict_proba(self, X):
        X = self._validate_predict(X)
        return self._proba(self.model_.predict_proba(X)[:, 1])

    def _base_models(self) -> list:
        m = self.model_
        if isinstance(m, CalibratedClassifierCV):
            return [c.estimator for c in m.calibrated_classifiers_]
        return [m]

    def feature_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return list(names) if names is not None else [f"x{i}" for i in range(self.n_features_in_)]


class LogisticRisk(_ContributionMixin, _BinaryRiskClassifier):
    """Regularised logistic regression; median imputation with a missing-value indicator, scaling
    and the choice of the ``k_best`` most informative columns (ANOVA F on the training data only)
    happen inside, so the features are chosen within each training fold. The default penalty (``C=0.05``: strong, for ~100 features
    and a few dozen positive outcomes) is fixed in advance; ``C=None`` picks it from ``Cs`` by inner
    cross-validation on the training data only (log loss). Either way nothing is tuned on the
    years being reported."""

    def __init__(self, C: float | None = 0.1, Cs: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3), k_best: int | None = 20,
                 l1_ratio: float = 0.0, calibration: str | None = "sigmoid", random_state: int | None = 0):
        self.C = C
        self.Cs = Cs
        self.k_best = k_best
        self.l1_ratio = l1_ratio
        self.calibration = calibration
        self.random_state = random_state

    def _estimator(self, y01: np.ndarray) -> Pipeline:
        solver = "saga" if self.l1_ratio else "lbfgs"
        extra = {"l1_ratios": (float(self.l1_ratio),)}
        if self.C is None and int(np.bincount(y01).min()) >= 3:
            cv = StratifiedKFold(n_splits=3, shuffle=True,
                                 random_state=self.random_state)
            lr = LogisticRegressionCV(Cs=list(self.Cs), cv=cv, scoring="neg_log_loss", solver=solver,
                                      max_iter=5000, use_legacy_attributes=False, **extra)
        else:
            kw = {"l1_ratio": self.l1_ratio, "solver": solver} if self.l1_ratio else {}
            lr = LogisticRegression(C=self.C if self.C is not None else 0.1, max_iter=5000, **kw)
        k = "all" if self.k_best is None else self.k_best
        return Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
                         ("scale", StandardScaler()), ("select", _KBest(k=k)), ("model", lr)])

    def contributions(self, X) -> pd.DataFrame:
        """Coefficient × standardised value per feature (missing indicators folded into their feature)."""
        X = self._validate_predict(X)
        names = self.feature_names()
        total = np.zeros((X.shape[0], len(names)))
        models = self._base_models()
        for pipe in models:
            imp, sc, lr = pipe.named_steps["impute"], pipe.named_steps["scale"], pipe.named_steps["model"]
            keep = pipe.named_steps["select"].get_support()
            Z = sc.transform(imp.transform(X))[:, keep] * lr.coef_[0]
            out = imp.get_feature_names_out(np.array(names, dtype=object))[keep]
            for j, name in enumerate(out):
                base = name.removeprefix("missingindicator_")
                total[:, names.index(base)] += Z[:, j]
        return pd.DataFrame(total / len(models), columns=names)


def _f_classif_quiet(X, y):
    """ANOVA F per column, NaN for constant columns, without warnings. (Not ``warnings.catch_warnings``:
    it swaps process-wide filters, so it is unsafe when backtest folds are fitted on threads;
    ``np.errstate`` is per thread.)"""
    X = np.asarray(X, float)
    F, pval = np.full(X.shape[1], np.nan), np.full(X.shape[1], np.nan)
    varying = np.ptp(X, axis=0) > 0 if len(X) else np.zeros(X.shape[1], bool)
    if varying.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            F[varying], pval[varying] = f_classif(X[:, varying], y)
    return F, pval


class _KBest(SelectKBest):
    """SelectKBest on ANOVA F that tolerates constant columns (F is NaN there: never selected) and
    asks for no more columns than exist."""

    def __init__(self, k: int | str = 20):
        super().__init__(score_func=_f_classif_quiet, k=k)

    def _check_params(self, X, y):
        """Any k is fine: more than there are columns keeps them all (see ``_get_support_mask``)."""

    def _get_support_mask(self):
        if self.k == "all" or self.k >= len(self.scores_):
            return np.ones(len(self.scores_), dtype=bool)
        scores = np.nan_to_num(self.scores_, nan=-1.0)
        mask = np.zeros(len(scores), dtype=bool)
        mask[np.argsort(-scores, kind="mergesort")[: self.k]] = True
        return mask


class GBMRisk(_ContributionMixin, _BinaryRiskClassifier):
    """LightGBM with small, heavily regularised trees (a few hundred rows: depth 2, 4 leaves,
    ≥15 rows per leaf, feature and row subsampling, L2 penalty). NaN goes straight to LightGBM,
    which learns a direction for missing values."""

    def __init__(self, n_estimators: int = 150, learning_rate: float = 0.03, num_leaves: int = 4, max_depth: int = 2,
                 min_child_samples: int = 15, subsample: float = 0.8, colsample_bytree: float = 0.5,
                 reg_lambda: float = 5.0, calibration: str | None = "sigmoid", random_state: int | None = 0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.calibration = calibration
        self.random_state = random_state

    def _estimator(self, y01: np.ndarray):
        from lightgbm import LGBMClassifier

        return LGBMClassifier(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
            max_depth=self.max_depth, min_child_samples=self.min_child_samples, subsample=self.subsample,
            subsample_freq=1 if self.subsample < 1 else 0, colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda, random_state=self.random_state, n_jobs=1, verbose=-1)

    def contributions(self, X) -> pd.DataFrame:
        """TreeSHAP values from LightGBM (``pred_contrib=True``), averaged over the fold models."""
        X = self._validate_predict(X)
        models = self._base_models()
        total = sum(m.booster_.predict(X, pred_contrib=True)[:, :-1] for m in models)
        return pd.DataFrame(total / len(models), columns=self.feature_names())


#: Deprivation columns in order of preference: IMD exists only from September 2019, free school
#: meals from 2016, so the longest-running one present is used by the deprivation baselines.
DEPRIVATION_COLUMNS = ("fsm_level", "deprivation_level")


def default_models(columns: Sequence[str] | None = None) -> list[tuple[str, BaseEstimator, bool]]:
    """The models a backtest compares, by name, with whether each is a baseline."""
    dep = next((c for c in DEPRIVATION_COLUMNS if columns is None or c in columns), DEPRIVATION_COLUMNS[-1])
    return [
        ("previous_grade", PreviousGradeBaseline(), True),
        ("deprivation", DeprivationBaseline(feature=dep), True),
        ("prev_grade_deprivation_logistic", PrevGradeDeprivationLogistic(deprivation_feature=dep), True),
        ("logistic", LogisticRisk(), False),
        ("lightgbm", GBMRisk(), False),
    ]


def fresh(model: BaseEstimator) -> BaseEstimator:
    """An unfitted copy (so no fold ever sees another fold's state)."""
    return clone(model)
