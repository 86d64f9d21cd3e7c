"""The glossary: inspection frameworks, grades, bands, comparators and the publishers' symbols."""
from __future__ import annotations

from typing import Any

from cscwatch.contexts.formatting import STATUS_TEXT
from cscwatch.contexts.freshness import freshness
from cscwatch.grades import GRADES
from cscwatch.register.query import FRAMEWORK_NAMES
from cscwatch.store import Store

FRAMEWORK_NOTES = {
    "SLAC": "2009–2012: safeguarding and looked after children services, inspected together.",
    "CPI": "2012–2013: unannounced inspection of child protection arrangements.",
    "TLAC": "2012–2013: inspection of services for looked after children.",
    "legacy": "Earlier inspections of children's services.",
    "SIF": "November 2013 to 2017: the single inspection framework, with a review of the Local Safeguarding "
           "Children Board alongside.",
    "LSCB": "Reviews of Local Safeguarding Children Boards carried out with SIF inspections (no overall grade "
            "for the LA).",
    "ILACS": "From January 2018: inspection of local authority children's services, standard (two weeks) or "
             "short (one week), with focused visits and monitoring visits between inspections.",
    "ILACS-2023": "From 2023: ILACS with a separate judgement for care leavers.",
    "ILACS-2026": "From 2026: the renewed framework without an overall effectiveness grade.",
}

TERMS = [
    ("Statistical neighbours", "The 10 local authorities DfE judges most similar to an LA on its characteristics. "
     "cscwatch holds DfE's 2021 and 2025 models; LAIT averages neighbours by the mean, DfE's outcomes and "
     "enablers dashboard by the median."),
    ("Comparator figure", "The mean or median of the comparator LAs' own figures (or of your peer group's). It is "
     "an average of authorities, not a total: region and England figures are the published figures for the "
     "whole area."),
    ("Quartile band", "A to D: which quarter of all local authorities' values for the period an LA's figure falls "
     "in (R type 7 quartiles). A is always the best quarter, whichever direction is better."),
    ("Rank", "1 is best for the measure's direction; tied authorities share the lowest rank."),
    ("Small authority", "Fewer than 5,000 children (the City of London and the Isles of Scilly). Their figures "
     "swing between extremes on a handful of children, so they are shown but never ranked, banded or used for "
     "quartiles or map colour scales."),
    ("Context measure", "A measure with no better direction (for example a rate of referrals): shown with no rank "
     "or band."),
    ("Trend", "The change on the period ending exactly one year earlier; never across a gap."),
    ("Adverse move", "A one-year change in the wrong direction by more than the neighbours' spread of changes."),
    ("CIN", "Child in need (Children Act 1989 section 17)."),
    ("S47", "A section 47 enquiry: an investigation of whether a child is suffering, or likely to suffer, "
     "significant harm."),
    ("ICPC", "Initial child protection conference, due within 15 working days of the strategy discussion."),
    ("CPP", "Child protection plan."),
    ("CLA", "Child looked after (in care), reported in the SSDA903 return."),
    ("EET", "In education, employment or training (care leavers)."),
    ("Focused visit", "A short ILACS visit looking at one area of practice; no grade."),
    ("Monitoring visit", "A visit to an LA judged inadequate, to check its progress; no grade."),
    ("JTAI", "Joint targeted area inspection by Ofsted, CQC and HMICFRS; no grade."),
    ("Early-warning score", "cscwatch's statistical estimate of the chance the next inspection judges overall "
     "effectiveness inadequate, from published data; not a judgement."),
]


def glossary_context(store: Store | None = None) -> dict[str, Any]:
    return {
        "frameworks": [{"code": k, "name": v, "note": FRAMEWORK_NOTES.get(k, "")} for k, v in FRAMEWORK_NAMES.items()],
        "grades": [{"grade": g.value, "label": g.label} for g in GRADES],
        "terms": [{"term": t, "meaning": m} for t, m in TERMS],
        "symbols": [{"symbol": k, "meaning": v} for k, v in STATUS_TEXT.items()],
        "freshness": freshness(store) if store is not None else None,
    }
