"""Every measure on hand-built returns with answers worked out by hand (see each case's comment).

Year 2025 = 1 April 2024 to 31 March 2025. Long-term stability cut-offs: in care since 30 Sep 2022,
same placement since 31 Mar 2023. Working days exclude England's bank holidays (Christmas Day,
Boxing Day, New Year's Day, Good Friday, Easter Monday, the August bank holiday...).
"""
from __future__ import annotations

from datetime import date as d

import pytest

from returns_helpers import figures, ingest_hand_built


def H(child, dob):
    return {"CHILD": child, "SEX": "M", "DOB": dob, "ETHNIC": "WBRI", "UPN": "UN1"}


def E(child, start, rne, ls, place, end=None, rec=None):
    return {"CHILD": child, "DECOM": start, "RNE": rne, "LS": ls, "CIN": "N1", "PLACE": place,
            "PLACE_PROVIDER": "PR1", "DEC": end, "REC": rec}


def OC3(child, dob, activ, accom):
    return {"CHILD": child, "DOB": dob, "IN_TOUCH": "YES", "ACTIV": activ, "ACCOM": accom}


SSDA903_2024 = {   # an earlier return: H's first placement, which ended before the 2025 year began
    "header": [H("HH01", d(2011, 1, 20))],
    "episodes": [E("HH01", d(2019, 5, 1), "S", "C2", "U1", d(2024, 1, 10), "X1"),
                 E("HH01", d(2024, 1, 10), "P", "C2", "U4")],
}

SSDA903_2025 = {
    "header": [H(c, dob) for c, dob in (
        ("AA01", d(2014, 7, 7)), ("BB01", d(2012, 8, 8)), ("CC01", d(2013, 9, 9)), ("DD01", d(2010, 5, 5)),
        ("EE01", d(2015, 6, 6)), ("FF01", d(2016, 6, 6)), ("GG01", d(2012, 6, 15)), ("HH01", d(2011, 1, 20)),
        ("II01", d(2009, 2, 10)), ("JJ01", d(2019, 4, 5)), ("KK01", d(2015, 3, 3)), ("LL01", d(2009, 4, 1)))],
    "episodes": [
        E("AA01", d(2024, 10, 1), "S", "C1", "U4"),                                   # A: spans 31 March
        E("BB01", d(2023, 6, 1), "S", "C2", "U4", d(2025, 3, 31), "E4A"),             # B: ceased ON 31 March
        E("CC01", d(2024, 5, 1), "S", "V2", "U4", d(2024, 8, 1), "E4A"),              # C: leaves ...
        E("CC01", d(2024, 11, 1), "S", "C1", "U6"),                                   #    ... and returns
        E("DD01", d(2024, 6, 1), "S", "V3", "R1", d(2024, 6, 3), "E8"),               # D: short breaks only
        E("DD01", d(2025, 3, 30), "S", "V3", "R1"),
        E("EE01", d(2023, 1, 1), "S", "C2", "U4", d(2024, 7, 1), "X1"),               # E: two moves on one day
        E("EE01", d(2024, 7, 1), "P", "C2", "U5", d(2024, 7, 1), "X1"),
        E("EE01", d(2024, 7, 1), "P", "C2", "U6"),
        E("FF01", d(2024, 4, 15), "S", "C1", "U4", d(2024, 9, 1), "X1"),              # F: legal change (L) and
        E("FF01", d(2024, 9, 1), "L", "C2", "U4", d(2024, 12, 1), "X1"),              #    a temporary T-code stay
        E("FF01", d(2024, 12, 1), "P", "C2", "T1", d(2024, 12, 10), "X1"),            #    are not placements
        E("FF01", d(2024, 12, 10), "P", "C2", "U4"),
        E("GG01", d(2020, 1, 1), "S", "C2", "U1"),                                    # G: stable 5 years
        E("HH01", d(2024, 1, 10), "P", "C2", "U4"),                                   # H: moved Jan 2024
        E("II01", d(2018, 1, 1), "S", "C2", "U1"),                                    # I: aged 16: not in LTS
        E("JJ01", d(2021, 6, 1), "S", "C2", "U4", d(2023, 9, 1), "X1"),               # J: placed for adoption:
        E("JJ01", d(2023, 9, 1), "P", "E1", "A5"),                                    #    adoptive + previous >= 2y
        E("KK01", d(2023, 1, 1), "S", "C2", "U1"),                                    # K: in care < 2.5 years
        E("LL01", d(2020, 1, 1), "S", "C2", "U1"),                                    # L: born 1 April: 15 at 31 March
    ],
    "oc3": [OC3("MM01", d(2007, 6, 10), "F2", "B1"),      # 17: EET, suitable
            OC3("MM02", d(2006, 2, 1), "G5", "W2"),       # 19: NEET, unsuitable
            OC3("MM03", d(2006, 5, 5), "P5", "U2"),       # 18: EET, unsuitable
            OC3("MM04", d(2004, 1, 1), "F1", "Z1"),       # 21: EET, suitable
            OC3("MM05", d(2003, 3, 31), "F1", "Z1"),      # 22: not in either group
            OC3("MM06", d(2005, 4, 1), "0", "")],         # 19: activity unknown, no accommodation
}


def ref(date_, *, closure=None, nfa=False, assessments=(), s47=(), cpp=()):
    return {"referral_date": date_, "closure_date": closure, "referral_nfa": nfa,
            "reason_for_closure": "RC8" if closure else None,
            "assessments": list(assessments), "s47": list(s47), "cpp": list(cpp)}


def child(cid, *episodes):
    return {"id": cid, "dob": d(2015, 1, 15), "episodes": list(episodes)}


CIN_2024 = [
    child("R1", ref(d(2023, 5, 10), closure=d(2023, 6, 1))),
    child("R2", ref(d(2023, 5, 9), closure=d(2023, 5, 20))),
    child("S5", ref(d(2024, 3, 20), s47=[{"start_date": d(2024, 3, 25)}])),
]

CIN_2025 = [
    child("R1", ref(d(2024, 5, 10), closure=d(2024, 7, 1))),      # re-referral exactly 12 months on
    child("R2", ref(d(2024, 5, 10), closure=d(2024, 6, 1))),      # 12 months and a day: not a re-referral
    child("R3", ref(d(2024, 6, 1), closure=d(2024, 6, 1), nfa=True), ref(d(2024, 9, 1))),   # NFA, then re-referred
    child("R4", ref(d(2024, 7, 1))),
    # assessments: 45 working days ending on Christmas Day (a bank holiday: counts as 24 Dec) ...
    child("A1", ref(d(2024, 10, 21), closure=d(2024, 12, 30),
                    assessments=[{"start_date": d(2024, 10, 22), "authorised_date": d(2024, 12, 25)}])),
    # ... 46 and 45 working days over Christmas and New Year
    child("A2", ref(d(2024, 12, 19), assessments=[{"start_date": d(2024, 12, 20), "authorised_date": d(2025, 2, 27)}])),
    child("A3", ref(d(2024, 12, 19), closure=d(2025, 3, 31),     # closed on 31 March: not open at 31 March
                    assessments=[{"start_date": d(2024, 12, 20), "authorised_date": d(2025, 2, 26)}])),
    # section 47 -> ICPC: 15 working days; 15 over the August bank holiday; 16; none yet; and one from last year
    child("S1", ref(d(2024, 6, 1), closure=d(2024, 12, 1), s47=[{"start_date": d(2024, 6, 3), "icpc_date": d(2024, 6, 24)}])),
    child("S2", ref(d(2024, 8, 15), closure=d(2024, 10, 1), s47=[{"start_date": d(2024, 8, 19), "icpc_date": d(2024, 9, 10)}])),
    child("S3", ref(d(2024, 9, 30), s47=[{"start_date": d(2024, 10, 1), "icpc_date": d(2024, 10, 23)}])),
    child("S4", ref(d(2025, 3, 19), s47=[{"start_date": d(2025, 3, 20)}])),
    child("S5", ref(d(2024, 3, 20), closure=d(2024, 6, 30),      # 10 working days over Easter 2024
                    s47=[{"start_date": d(2024, 3, 25), "icpc_date": d(2024, 4, 10)}])),
    # plans: one ends and restarts (previous count not filled in), one with earlier plans recorded,
    # one open 2+ years, one ceased after 2+ years, one ceased before 2 years, one open just under 2 years
    child("P1", ref(d(2024, 4, 20), cpp=[{"start_date": d(2024, 5, 1), "end_date": d(2024, 9, 1), "previous_cpp": 0},
                                          {"start_date": d(2024, 11, 1), "previous_cpp": 0}])),
    child("P2", ref(d(2024, 6, 1), cpp=[{"start_date": d(2024, 6, 15), "previous_cpp": 2}])),
    child("P3", ref(d(2022, 11, 1), cpp=[{"start_date": d(2022, 12, 1), "previous_cpp": 0}])),
    child("P4", ref(d(2022, 9, 1), closure=d(2024, 11, 15),
                    cpp=[{"start_date": d(2022, 10, 1), "end_date": d(2024, 11, 1), "previous_cpp": 0}])),
    child("P5", ref(d(2023, 5, 1), closure=d(2025, 2, 1),
                    cpp=[{"start_date": d(2023, 6, 1), "end_date": d(2025, 1, 15), "previous_cpp": 0}])),
    child("P6", ref(d(2023, 3, 1), cpp=[{"start_date": d(2023, 4, 1), "previous_cpp": 0}])),
    child("N1", ref(d(2025, 3, 28), nfa=True)),                   # NFA left without a closure date
]

#: measure -> (numerator, denominator) worked out by hand; rates are per 10,000 of 100,000 children.
EXPECTED = {
    "cla_count": (10, None),                       # A C E F G H I J K L (not B: ceased on 31 March; not D)
    "cla_started_count": (3, None),                # A, C once, F
    "cla_ceased_count": (2, None),                 # B, C
    "cla_3plus_placements_pct": (1, 10),           # E only (ongoing + 2 same-day moves); F has 2
    "cla_long_term_stability_pct": (3, 4),         # G, J (adoption), L stable; H moved; I 16; K too recent
    "care_leavers_17_18_eet_pct": (2, 2),
    "care_leavers_17_18_suitable_accommodation_pct": (1, 2),
    "care_leavers_eet_pct": (1, 3),
    "care_leavers_suitable_accommodation_pct": (1, 3),
    "referral_count": (15, None),
    "cin_rereferral_count": (2, None),             # R1 (exactly 12 months), R3's second
    "cin_rereferral_pct": (2, 15),
    "cin_assessments_completed_count": (3, None),
    "cin_assessment_45d_pct": (2, 3),              # A1 (45, ends on Christmas Day), A3 (45); A2 is 46
    "s47_count": (4, None),                        # S1-S4 (S5 started last year)
    "icpc_count": (4, None),                       # S1, S2, S3, S5
    "icpc_15days_pct": (3, 4),                     # S1 15, S2 15, S5 10; S3 16
    "cpp_started_count": (3, None),                # P1 twice, P2
    "cpp_subsequent_pct": (2, 3),                  # P1's second (earlier plan in the data), P2 (recorded)
    "cpp_count": (4, None),                        # P1's second, P2, P3, P6
    "cpp_2yrs_plus_pct": (1, 4),                   # P3
    "cpp_ceased_2yrs_plus_pct": (1, 3),            # P4 of P1's first, P4, P5
    "cin_count": (9, None),                        # R3 R4 A2 S3 S4 P1 P2 P3 P6 (not A3, not NFA N1)
}
RATES = {"cla_rate_per_10k": 1.0, "cla_start_rate_per_10k": 0.3, "cla_cease_rate_per_10k": 0.2,
         "referral_rate_per_10k": 1.5, "s47_rate_per_10k": 0.4, "cpp_rate_per_10k": 0.4, "cin_rate_per_10k": 0.9}


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    from returns_helpers import fill_identity
    from cscwatch.store import Store

    tmp = tmp_path_factory.mktemp("known")
    store = fill_identity(Store(tmp / "known.duckdb"))
    ingest_hand_built(store, tmp / "2024", "926", 2024, ssda903=SSDA903_2024, cin=CIN_2024)
    result = ingest_hand_built(store, tmp / "2025", "926", 2025, ssda903=SSDA903_2025, cin=CIN_2025)
    assert result.ok, result.errors
    yield figures(store, "926", 2025)
    store.close()


@pytest.mark.parametrize("measure_id", sorted(EXPECTED))
def test_measure_known_answer(known, measure_id):
    num, den = EXPECTED[measure_id]
    row = known[measure_id]
    assert (row["numerator"], row["denominator"]) == (num, den)
    assert row["value"] == pytest.approx(num if den is None else 100 * num / den)


@pytest.mark.parametrize("measure_id", sorted(RATES))
def test_rate_per_10k_uses_the_warehouse_population(known, measure_id):
    assert known[measure_id]["value"] == pytest.approx(RATES[measure_id])
    assert known[measure_id]["denominator"] == 100_000


def test_every_measure_has_a_known_answer():
    from cscwatch.returns.measures import MEASURES

    assert {m.measure_id for m in MEASURES} == set(EXPECTED) | set(RATES)
