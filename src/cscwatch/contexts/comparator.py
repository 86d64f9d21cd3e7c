"""Who an LA is compared with: a DfE statistical-neighbour model or the user's own peer group."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from cscwatch.errors import CscwatchError
from cscwatch.identity import directory
from cscwatch.store import Store

NeighbourModel = Literal["2021", "2025"]
Average = Literal["mean", "median"]
MAX_PEERS = 20


@dataclass(frozen=True)
class Comparator:
    """A comparator group: the 10 statistical neighbours of a DfE model (LAIT averages them by the
    mean, DfE's outcomes and enablers dashboard by the median) or a named peer group."""

    neighbours: NeighbourModel = "2025"
    average: Average = "mean"
    peers: tuple[str, ...] = ()          # la_code_old of a user's peer group (replaces the neighbours)

    @property
    def label(self) -> str:
        who = f"your peer group ({len(self.peers)} LAs)" if self.peers \
            else f"statistical neighbours ({self.neighbours} model)"
        return f"{self.average.capitalize()} of {who}"

    def areas(self, store: Store, la_code: str) -> list[str]:
        """The comparator LAs for ``la_code`` (itself left out of a peer group)."""
        if self.peers:
            return [p for p in self.peers if p != la_code]
        from cscwatch.contexts.snapshot import snapshot

        return snapshot(store).neighbours(self.neighbours, la_code)

    def as_dict(self) -> dict[str, Any]:
        return {"neighbours": self.neighbours, "average": self.average, "peers": list(self.peers),
                "label": self.label}

    def query(self) -> dict[str, str]:
        """The URL parameters that carry this comparator from page to page."""
        q = {"neighbours": self.neighbours, "average": self.average}
        if self.peers:
            q["peers"] = ",".join(self.peers)
        return q


def parse_comparator(store: Store, neighbours: str = "2025", average: str = "mean",
                     peers: str | Iterable[str] | None = None) -> Comparator:
    """A comparator from user input; peers may be names or codes ('Milton Keynes, 826, Bedford')."""
    if neighbours not in ("2021", "2025"):
        raise CscwatchError(f"neighbour model must be 2021 or 2025, not {neighbours!r}")
    if average not in ("mean", "median"):
        raise CscwatchError(f"average must be mean or median, not {average!r}")
    items = peers.split(",") if isinstance(peers, str) else list(peers or [])
    items = [p.strip() for p in items if p and p.strip()]
    if len(items) > MAX_PEERS:
        raise CscwatchError(f"a peer group has at most {MAX_PEERS} local authorities, not {len(items)}")
    d = directory(store)
    codes = tuple(dict.fromkeys(d.resolve(p)["la_code_old"] for p in items))
    return Comparator(neighbours, average, codes)  # type: ignore[arg-type]
