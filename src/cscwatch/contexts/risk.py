"""The early-warning views: ``/risk`` (every LA), the LA page's risk panel and ``/model-card``.

Everything here reads what ``cscwatch build`` published into the ``risk_*`` tables
(:mod:`cscwatch.risk.context`); no model is fitted while a page is served. What this module adds
is page furniture: what each probability means in words, how current the scores are (the
freshness block every page carries) and the model card's text.

``risk_context(store)`` is :func:`cscwatch.risk.context.risk_page_context` plus::

    {"freshness": {... + "extra": ["Early-warning scores as of ..."]},
     "meanings": [{"key", "label", "text"}],        # what each probability means
     "inadequate": [la, ...],                         # LAs judged inadequate now (under monitoring)
     "scored": [la, ...],                             # every other LA, riskiest first
     "region": str | None, "regions": [str]}          # the optional region filter
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from cscwatch.contexts.freshness import day_text, freshness
from cscwatch.contexts.snapshot import snapshot
from cscwatch.errors import NotFound
from cscwatch.risk.context import risk_page_context
from cscwatch.store import Store

#: What the three probabilities mean, in the words the pages use (the model card has the detail).
MEANINGS = (
    {"key": "p_inspected_12m", "label": "Inspected within 12 months",
     "text": "The chance that Ofsted starts a standard or short inspection of the local authority's children's "
             "services in the 12 months after the scores' date, from the inspection rules and what happened to "
             "similar local authorities."},
    {"key": "p_inadequate_if_inspected", "label": "Inadequate if inspected",
     "text": "The chance that such an inspection judges leaders, or help and protection, inadequate (the label "
             "that survives April 2026, when Ofsted stops giving an overall grade)."},
    {"key": "p_inadequate_12m", "label": "Inadequate within 12 months",
     "text": "Both together: the chance of being judged inadequate at an inspection starting in the next 12 "
             "months. Local authorities are ranked by it."},
)
#: Where the model card lives when it is not beside the package (a source checkout has docs/ at the top).
REPO_ROOT = Path(__file__).resolve().parents[3]


def published_risk(store: Store) -> dict[str, Any]:
    """The published early-warning scores, read once per served store generation."""
    return snapshot(store).memo("risk_page", lambda: risk_page_context(store))


def la_risk(store: Store, code: str) -> dict[str, Any]:
    """One LA's risk panel, exactly :func:`cscwatch.risk.context.la_risk_context`, but cut from the
    published page context read once per served generation (an LA page then asks the store nothing)."""
    from cscwatch.risk.context import la_risk_context

    page = published_risk(store)
    if not page.get("available"):
        return {"available": False, "message": page.get("message")}
    index = snapshot(store).memo("risk_by_la", lambda: {la["la_code_old"]: la for la in page["las"]})
    if code not in index:                               # not scored (former LA, shared service): its message
        return la_risk_context(store, code)
    common = {k: v for k, v in page.items() if k not in ("las", "band_counts")}
    return {**common, **index[code]}


def scores_freshness(store: Store, run: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """The store's freshness plus one line saying what date the scores describe and when they were made."""
    base = freshness(store, today)
    if not run.get("available"):
        return {**base, "extra": [*base.get("extra", []), "No early-warning scores are published in this store."]}
    made = str(run.get("generated_at") or "")[:10]
    line = (f"Early-warning scores as of {day_text(date.fromisoformat(run['as_of']))}, using only data published "
            f"before that day; computed {day_text(date.fromisoformat(made)) if made else 'at the last build'} "
            f"({run.get('model')} model, backtest {run.get('backtest_years')})")
    return {**base, "summary": f"{base['summary']}; {line}", "extra": [*base.get("extra", []), line]}


def risk_context(store: Store, *, region: str | None = None, today: date | None = None) -> dict[str, Any]:
    """Every scored LA for ``/risk`` and ``/api/risk``: those judged inadequate now first (their
    monitoring and re-inspection window, never a "low risk"), then the others, riskiest first;
    ``region`` keeps one region (by name, case-insensitive)."""
    page = published_risk(store)
    las = page.get("las", [])
    regions = sorted({la["region"] for la in las if la.get("region")})
    if region:
        wanted = region.strip().lower()
        match = [r for r in regions if r.lower() == wanted]
        if not match:
            raise NotFound(f"no region {region!r}; regions: {', '.join(regions)}")
        region = match[0]
        las = [la for la in las if la.get("region") == region]
    return {**page, "las": las, "region": region, "regions": regions, "meanings": list(MEANINGS),
            "inadequate": [la for la in las if la["band"] == "inadequate"],
            "scored": [la for la in las if la["band"] != "inadequate"],
            "freshness": scores_freshness(store, page, today)}


def model_card_path(store: Store) -> Path:
    """The model card the published scores point at (``risk_run.model_card``, a repository path)."""
    rel = published_risk(store).get("model_card") or "docs/model-card.md"
    path = Path(rel)
    return path if path.is_absolute() else REPO_ROOT / path


def model_card_context(store: Store, today: date | None = None) -> dict[str, Any]:
    """The model card's Markdown (rendered by the page) with how current the scores are."""
    path = model_card_path(store)
    if not path.is_file():
        raise NotFound(f"the model card is not installed here ({path.name}); `cscwatch risk card --out "
                       f"{path.name}` writes it")
    text = path.read_text(encoding="utf-8")
    page = published_risk(store)
    return {"title": "Model card: cscwatch early warning", "markdown": text, "source": str(path.name),
            "accuracy": page.get("accuracy"), "freshness": scores_freshness(store, page, today)}
