"""The early-warning model's lifecycle for the LA page's risk panel (until the risk package's own
panel context lands): fitted in the background once per store generation, never waited for."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cscwatch.output import to_jsonable
from cscwatch.store import Store


class RiskProvider:
    """The risk model's score and reasons for an LA, once the model is fitted.

    Fitting takes tens of seconds on the full store, so it happens in the background (``warm``)
    and pages never wait for it: until it is ready an LA page simply has no risk section, and when
    it becomes ready ``on_ready`` runs (the app clears that generation's response cache).
    """

    def __init__(self, store: Store, enabled: bool = True):
        self.store = store
        self.state = "pending" if enabled else "off"
        self.error: str | None = None
        self.on_ready: Callable[[], None] | None = None

    @staticmethod
    def _explain() -> Callable[..., dict[str, Any]] | None:
        try:
            from cscwatch.risk.scores import explain
        except ImportError:
            return None
        return explain

    def warm(self) -> None:
        if self.state == "off":
            return
        explain = self._explain()
        if explain is None:
            self.state = "unavailable"
            return
        try:
            code = self.store.scalar("SELECT la_code_old FROM la WHERE valid_to IS NULL ORDER BY la_code_old LIMIT 1")
            explain(self.store, code)
        except Exception as exc:  # no model can be fitted on this store: pages go on without risk
            self.state, self.error = "unavailable", f"{type(exc).__name__}: {exc}"
            return
        self.state = "ready"
        if self.on_ready:
            self.on_ready()

    def __call__(self, la_code: str) -> dict[str, Any] | None:
        if self.state != "ready":
            return None
        try:
            result = self._explain()(self.store, la_code)  # type: ignore[misc]
        except Exception:  # e.g. a former LA the model does not score
            return None
        result.pop("features", None)
        return to_jsonable(result)
