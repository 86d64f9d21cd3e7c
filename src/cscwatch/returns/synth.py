"""Synthetic SSDA903 and CIN census returns whose rates can be set: for tests, the benchmark and demos.

A seeded simulation per LA, run from three years before the first year asked for (so histories,
long plans and long placements exist), writes each year's returns as an LA would submit them:
SSDA903 episodes open during the year (episode chains with legal-status changes, placement
moves on the same day or later, children who leave and come back, short-break children who count
for nothing) with header and care-leaver (OC3) tables, and a CIN census of the episodes of need
open during the year (referrals and re-referrals, NFA, assessments with working-day durations,
section 47 enquiries, ICPCs, child protection plans with previous-plan counts). Dates after the
year's 31 March are left blank, as in a real return.

Targets are per LA and year (:class:`Targets`), by default each LA's published figures from the
warehouse. Each is planted directly where it can be (counts at 31 March, starts, shares) and by
calibrated durations where it cannot (children in need and plans open at 31 March), so computed
measures recover them; ``tests/returns`` checks how closely and ``docs/returns.md`` records it.
Nothing here is real data: ids are random, dates of birth made up.
"""
from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cscwatch.returns.calendar import working_day_rows
from cscwatch.returns.write import write_cin_xml, write_ssda903

BURN_IN_YEARS = 3
_ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Targets:
    """What one LA's returns for one year should give (England-like defaults, DOMAIN.md §4)."""

    population: float = 100_000.0
    cla_rate_per_10k: float = 70.0
    cla_start_rate_per_10k: float = 26.0
    cla_3plus_placements_pct: float = 10.0
    cla_long_term_stability_pct: float = 69.0
    care_leavers_17_18_eet_pct: float = 64.0
    care_leavers_17_18_suitable_accommodation_pct: float = 91.0
    care_leavers_eet_pct: float = 54.0
    care_leavers_suitable_accommodation_pct: float = 89.0
    referral_rate_per_10k: float = 530.0
    referral_nfa_pct: float = 7.0
    cin_rereferral_pct: float = 22.0
    cin_assessment_45d_pct: float = 85.0
    s47_rate_per_10k: float = 180.0
    icpc_per_s47_pct: float = 40.0
    icpc_15days_pct: float = 78.0
    cpp_start_rate_per_10k: float = 52.0
    cpp_rate_per_10k: float = 42.0
    cpp_subsequent_pct: float = 24.5
    cpp_2yrs_plus_pct: float = 3.0
    cin_rate_per_10k: float = 335.0

    def count(self, rate: float) -> int:
        return max(0, round(rate * self.population / 10_000))


#: Target field -> warehouse measure id it is read from (the others are derived or defaulted).
WAREHOUSE_TARGETS = {
    "cla_rate_per_10k": "cla_rate_per_10k", "cla_start_rate_per_10k": "cla_start_rate_per_10k",
    "cla_3plus_placements_pct": "cla_3plus_placements_pct",
    "cla_long_term_stability_pct": "cla_long_term_stability_pct",
    "care_leavers_eet_pct": "care_leavers_eet_pct",
    "care_leavers_suitable_accommodation_pct": "care_leavers_suitable_accommodation_pct",
    "referral_rate_per_10k": "referral_rate_per_10k", "referral_nfa_pct": "referral_nfa_pct",
    "cin_rereferral_pct": "cin_rereferral_pct", "cin_assessment_45d_pct": "cin_assessment_45d_pct",
    "s47_rate_per_10k": "s47_rate_per_10k", "icpc_15days_pct": "icpc_15days_pct",
    "cpp_rate_per_10k": "cpp_rate_per_10k", "cpp_subsequent_pct": "cpp_subsequent_pct",
    "cpp_2yrs_plus_pct": "cpp_2yrs_plus_pct", "cin_rate_per_10k": "cin_rate_per_10k",
}


@dataclass
class SynthReturn:
    """One LA's returns for one year, in the shapes the writers take."""

    la_code_old: str
    year: int
    ssda903: dict[str, list[dict[str, Any]]]
    cin: list[dict[str, Any]]


# -- working days in O(1) ------------------------------------------------------------------------

class _WorkingDays:
    def __init__(self, first_year: int, last_year: int):
        rows = working_day_rows(first_year, last_year)
        self.base = rows[0][0].toordinal()
        self.wd = [w for _, w in rows]
        self.day_of: dict[int, int] = {}
        for d, w in rows:
            self.day_of.setdefault(w, d.toordinal())    # first day with that index = the working day

    def add(self, start: date, n: int) -> date:
        if n <= 0:
            return start
        return date.fromordinal(self.day_of[self.wd[start.toordinal() - self.base] + n])


# -- SSDA903 simulation --------------------------------------------------------------------------

_LS_START = (("V2", .40), ("C1", .33), ("C2", .10), ("L2", .10), ("E1", .02), ("J2", .05))
_PLACES = (("U4", .30), ("U1", .14), ("U6", .10), ("U5", .08), ("U3", .08), ("K2", .12), ("R1", .04),
           ("P1", .05), ("U2", .04), ("S1", .02), ("K1", .01), ("R2", .02))
_REC = (("E4A", .32), ("E4B", .06), ("E11", .05), ("E12", .06), ("E41", .06), ("E45", .09), ("E46", .03),
        ("E13", .03), ("E8", .12), ("E3", .02), ("E9", .02), ("E48", .04), ("E16", .01), ("E2", .001))
_REC_18 = (("E17", .3), ("E5", .4), ("E6", .3))
_MOVE_REASONS = ("CARPL", "CHILD", "LAREQ", "PLACE", "STAND", "CREQB", "CREQO", "ALLEG", "CLOSE", "OTHER")
_ETHNIC = (("WBRI", .7), ("WOTH", .05), ("MWBC", .04), ("BAFR", .04), ("ASIA", .03), ("APKN", .04),
           ("BCRB", .03), ("MOTH", .04), ("OOTH", .03))
_ACTIV_EET = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5")
_ACTIV_NEET = ("G4", "G5", "G6")
_ACCOM_LETTERS = ("B", "C", "D", "E", "K", "T", "U", "Z")


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    u = rng.random() * sum(p for _, p in table)
    for code, p in table:
        u -= p
        if u <= 0:
            return code
    return table[-1][0]


#: Real city-centre postcodes (not homes), so the validators' postcode rules pass on synthetic data.
_POSTCODES = ("M1 1AA", "M2 5AA", "M1 1AD", "B1 1AA", "B2 4AA", "L1 2AA", "L1 2AB")


def _postcode(rng: random.Random) -> str:
    return rng.choice(_POSTCODES)


def _birthday(dob: date, age: int) -> date:
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:                    # 29 February
        return date(dob.year + age, 3, 1)


def _age_at(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


@dataclass(slots=True)
class _LaChild:
    id: str
    dob: date
    sex: str
    ethnic: str
    episodes: list[list[Any]] = field(default_factory=list)   # [decom, rne, ls, place, provider, dec, rec, rpc, home, pl]
    in_care: bool = False
    ceased: date | None = None
    ceased_age: int | None = None
    adopted: bool = False


class _Ids:
    def __init__(self, rng: random.Random):
        self.rng, self.seen = rng, set()

    def new(self, length: int = 8) -> str:
        while True:
            v = self.rng.getrandbits(5 * length)
            s = "".join([_ID_CHARS[(v >> (5 * i)) & 31] for i in range(length)])
            if s not in self.seen:
                self.seen.add(s)
                return s


def _dob_for_age(rng: random.Random, age_years: float, on: date) -> date:
    """A date of birth giving ``age_years`` (a continuous age) on ``on``, give or take a week."""
    return on - timedelta(days=int(age_years * 365.25) + rng.randint(0, 6))


class _CareSim:
    """The looked-after population of one LA, year by year."""

    def __init__(self, la: str, rng: random.Random, ids: _Ids):
        self.la, self.rng, self.ids = la, rng, ids
        self.children: list[_LaChild] = []
        self.leavers: list[_LaChild] = []
        self.m_prev: float | None = None

    def _new_child(self, on: date, age: float | None = None) -> _LaChild:
        r = self.rng
        if age is None:
            age = r.choices((0, r.uniform(1, 5), r.uniform(5, 10), r.uniform(10, 16), r.uniform(16, 17.5)),
                            weights=(.18, .16, .18, .38, .10))[0]
        return _LaChild(self.ids.new(), _dob_for_age(r, age, on), r.choice("MF"), _pick(r, _ETHNIC))

    def _open(self, c: _LaChild, when: date, rne: str, ls: str, place: str | None = None) -> None:
        r = self.rng
        place = place or _pick(r, _PLACES)
        home = c.episodes[-1][8] if c.episodes else _postcode(r)
        c.episodes.append([when, rne, ls, place, "PR1" if place[0] == "U" else "PR4", None, None, None, home,
                           _postcode(r)])

    def initialise(self, t: Targets, ys: date) -> None:
        r = self.rng
        for _ in range(t.count(t.cla_rate_per_10k)):
            age = r.uniform(0.2, 17.8)
            c = self._new_child(ys, age)
            in_care_days = min(int(r.expovariate(1 / (2.5 * 365))), (ys - c.dob).days - 1)
            start = ys - timedelta(days=max(1, in_care_days))
            self._open(c, start, "S", r.choice(("C2", "C2", "V2", "E1")))
            c.in_care = True
            self.children.append(c)
        for _ in range(int(t.count(t.cla_rate_per_10k) * 0.45)):     # earlier care leavers, now 16-21
            c = self._new_child(ys, r.uniform(16, 21.9))
            c.ceased = min(_birthday(c.dob, 18), ys - timedelta(days=1))
            c.ceased_age = _age_at(c.dob, c.ceased)
            start = c.ceased - timedelta(days=r.randint(200, 2000))
            self._open(c, start, "S", "C2")
            c.episodes[-1][5], c.episodes[-1][6] = c.ceased, _pick(r, _REC_18)
            self.leavers.append(c)

    def _close(self, c: _LaChild, when: date, rec: str, rpc: str | None = None) -> None:
        ep = c.episodes[-1]
        ep[5], ep[6], ep[7] = when, rec, rpc

    def year(self, t: Targets, y: int) -> None:
        r = self.rng
        ys, ye = date(y - 1, 4, 1), date(y, 3, 31)
        days = (ye - ys).days
        stock = [c for c in self.children if c.in_care]
        target = t.count(t.cla_rate_per_10k)
        n_start = t.count(t.cla_start_rate_per_10k)
        forced = [c for c in stock if _birthday(c.dob, 18) <= ye]
        others = [c for c in stock if _birthday(c.dob, 18) > ye and c.episodes[-1][0] < ye]
        n_cease = max(len(forced), len(stock) + n_start - target)
        ceasers = forced + r.sample(others, min(len(others), n_cease - len(forced)))
        for c in ceasers:
            last = c.episodes[-1][0]
            if c in forced:
                when, rec = max(_birthday(c.dob, 18), last, ys), _pick(r, _REC_18)
            else:
                lo = max(ys, last + timedelta(days=1))
                when, rec = lo + timedelta(days=r.randint(0, max(0, (ye - lo).days))), _pick(r, _REC)
            self._close(c, when, rec)
            c.in_care, c.ceased, c.ceased_age = False, when, _age_at(c.dob, when)
            c.adopted = rec in ("E11", "E12")
            if c.ceased_age >= 16:
                self.leavers.append(c)
        in_care_now = len(stock) - len(ceasers)
        n_start = max(n_start, target - in_care_now)
        returners = [c for c in self.children if not c.in_care and not c.adopted and c.ceased is not None
                     and c.ceased < ys - timedelta(days=30) and _birthday(c.dob, 17) > ye]
        for _ in range(n_start):
            when = ys + timedelta(days=r.randint(0, days))
            if returners and r.random() < 0.05:
                c = returners.pop(r.randrange(len(returners)))
                if c in self.leavers:
                    self.leavers.remove(c)
            else:
                c = self._new_child(when)
                self.children.append(c)
            self._open(c, when, "S", _pick(r, _LS_START))
            c.in_care, c.ceased = True, None
        self._moves(t, ys, ye)
        self._short_breaks(t, ys, ye)

    def _moves(self, t: Targets, ys: date, ye: date) -> None:
        """Placement moves planted so that the 3+ placements and long-term stability targets hold:
        a child in care at 31 March moves twice with probability p3, once with p1, where 1 - p3 - p1
        is chosen so that staying put two years running has the target probability."""
        r = self.rng
        p3 = t.cla_3plus_placements_pct / 100
        lts = t.cla_long_term_stability_pct / 100
        stay = lts / (1 - self.m_prev) if self.m_prev is not None else math.sqrt(lts)
        stay = min(max(stay, 0.3), 1 - p3)
        self.m_prev = 1 - stay
        for c in self.children:
            if not c.in_care:
                continue
            u = r.random()
            k = 2 if u < p3 else 1 if u < 1 - stay else 0
            events = ["move"] * k + (["legal"] if r.random() < 0.08 else [])
            lo = max(ys, c.episodes[-1][0])
            span = (ye - lo).days
            dates = sorted(lo + timedelta(days=r.randint(min(1, span), span)) for _ in events)
            r.shuffle(events)
            for when, what in zip(dates, events):
                prev = c.episodes[-1]
                if what == "move":
                    self._close(c, when, "X1", r.choice(_MOVE_REASONS))
                    place = _pick(r, _PLACES)
                    while place == prev[3]:          # a move goes somewhere else
                        place = _pick(r, _PLACES)
                    self._open(c, when, r.choices("PTBU", weights=(.85, .1, .03, .02))[0], prev[2], place)
                else:
                    self._close(c, when, "X1")
                    self._open(c, when, "L", "C2" if prev[2] in ("C1", "L2", "V2") else prev[2], prev[3])

    def _short_breaks(self, t: Targets, ys: date, ye: date) -> None:
        r = self.rng
        for _ in range(max(1, t.count(t.cla_rate_per_10k) // 30)):
            c = self._new_child(ys, r.uniform(5, 16))
            for _ in range(r.randint(1, 3)):
                start = ys + timedelta(days=r.randint(0, 360))
                if c.episodes and start <= c.episodes[-1][5]:
                    continue
                self._open(c, start, "S", r.choice(("V3", "V4")), "R1")
                self._close(c, min(start + timedelta(days=r.randint(1, 4)), ye), "E8")
            self.children.append(c)

    def snapshot(self, t: Targets, y: int) -> dict[str, list[dict[str, Any]]]:
        r = self.rng
        ys, ye = date(y - 1, 4, 1), date(y, 3, 31)
        header, episodes = [], []
        for c in self.children:
            last = c.episodes[-1][5] if c.episodes else None
            if last is not None and last < ys:
                continue                          # left care before the year began
            eps = [e for e in c.episodes if e[0] <= ye and (e[5] is None or e[5] >= ys)]
            if not eps:
                continue
            header.append({"CHILD": c.id, "SEX": c.sex, "DOB": c.dob, "ETHNIC": c.ethnic, "UPN": "UN1",
                           "MOTHER": None, "MC_DOB": None})
            for e in eps:
                temp = e[3].startswith("T") or e[3] in ("P1",)
                episodes.append({"CHILD": c.id, "DECOM": e[0], "RNE": e[1], "LS": e[2], "CIN": "N1",
                                 "PLACE": e[3], "PLACE_PROVIDER": None if temp else e[4], "DEC": e[5], "REC": e[6],
                                 "REASON_PLACE_CHANGE": e[7], "HOME_POST": e[8], "PL_POST": e[9],
                                 "URN": "XXXXXXX"})
        oc3 = []
        for c in self.leavers:
            age = y - c.dob.year - (1 if c.dob.month > 3 else 0)
            if not 17 <= age <= 21 or c.in_care:
                continue
            young = age <= 18
            eet = (t.care_leavers_17_18_eet_pct if young else t.care_leavers_eet_pct) / 100
            suitable = (t.care_leavers_17_18_suitable_accommodation_pct if young
                        else t.care_leavers_suitable_accommodation_pct) / 100
            oc3.append({"CHILD": c.id, "DOB": c.dob, "IN_TOUCH": "YES",
                        "ACTIV": r.choice(_ACTIV_EET) if r.random() < eet else r.choice(_ACTIV_NEET),
                        "ACCOM": r.choice(_ACCOM_LETTERS) + ("1" if r.random() < suitable else "2")})
        return {"header": header, "episodes": episodes, "oc3": oc3}


# -- CIN simulation ------------------------------------------------------------------------------

@dataclass(slots=True)
class _CinChild:
    id: str
    dob: date
    sex: str
    ethnicity: str
    episodes: list[dict[str, Any]] = field(default_factory=list)
    open_until: date | None = None       # closure of the latest episode (None = open)
    n_cpp: int = 0


class _CinSim:
    def __init__(self, la: str, rng: random.Random, ids: _Ids, wd: _WorkingDays):
        self.la, self.rng, self.ids, self.wd = la, rng, ids, wd
        self.children: list[_CinChild] = []
        self.recent: deque[tuple[date, _CinChild]] = deque()

    def _new(self, on: date) -> _CinChild:
        r = self.rng
        c = _CinChild(self.ids.new(), _dob_for_age(r, r.uniform(0, 17.5), on), r.choice("MF"), _pick(r, _ETHNIC))
        self.children.append(c)
        return c

    def year(self, t: Targets, y: int) -> None:
        r, wd = self.rng, self.wd
        ys, ye = date(y - 1, 4, 1), date(y, 3, 31)
        n_ref = t.count(t.referral_rate_per_10k)
        nfa = t.referral_nfa_pct / 100
        n_assessed = max(1.0, n_ref * (1 - nfa))
        n_s47 = t.count(t.s47_rate_per_10k)
        n_cpp = t.count(t.cpp_start_rate_per_10k)
        n_icpc = max(n_s47 * t.icpc_per_s47_pct / 100, n_cpp)
        # plan durations: mean T days so that starts x T = plans open at 31 March; a long share for 2y+
        cpp_mean = max(30.0, t.cpp_rate_per_10k / max(t.cpp_start_rate_per_10k, 1e-9) * 365)
        q_long = min(0.5, t.cpp_2yrs_plus_pct / 100 * cpp_mean / 170)
        short_mean = _truncated_exp_mean(max(30.0, (cpp_mean - q_long * 900) / max(1e-9, 1 - q_long)), 729)
        # episode-of-need length for children who stay in need, so that the 31 March count holds
        assess_days = 46.0          # start delay + ~31 working days on average
        n_nin = 0.35 * max(0.0, n_assessed - n_s47)
        n_cont = max(1.0, n_assessed - n_cpp - n_nin)
        stock_days = t.count(t.cin_rate_per_10k) * 365
        cont_days = (stock_days - n_cpp * (cpp_mean + 60) - (n_nin + n_cont) * assess_days) / n_cont
        cont_days = min(max(cont_days, 30.0), 3000.0)
        n_cpp_y = n_sub_y = 0
        dates = sorted(ys + timedelta(days=r.randint(0, (ye - ys).days)) for _ in range(n_ref))
        # who gets what is drawn as exact quotas (not coin flips), so the counts are planted exactly
        order = list(range(n_ref))
        r.shuffle(order)
        n_nfa = round(n_ref * nfa)
        assessed = order[n_nfa:]
        s47_set = set(assessed[:min(len(assessed), n_s47)])
        icpc_list = assessed[:min(len(s47_set), round(n_icpc))]
        icpc_set = set(icpc_list)
        cpp_set = set(icpc_list[:min(len(icpc_list), n_cpp)])
        nfa_set = set(order[:n_nfa])
        for i, d in enumerate(dates):
            twelve = _months_before(d, 12)
            while self.recent and self.recent[0][0] < twelve:
                self.recent.popleft()
            child = None
            if self.recent and r.random() < t.cin_rereferral_pct / 100:
                for _ in range(8):
                    cand = self.recent[r.randrange(len(self.recent))][1]
                    if cand.open_until is not None and cand.open_until < d:
                        child = cand
                        break
            if child is None:
                child = self._new(d)
            ep: dict[str, Any] = {"referral_date": d, "referral_source": r.choice(("1A", "2A", "3A", "5A", "6", "8")),
                                  "primary_need": f"N{r.randint(1, 8)}", "assessments": [], "s47": [], "cpp": [],
                                  "cin_plans": []}
            if i in nfa_set:
                ep.update(referral_nfa=True, closure_date=d, reason_for_closure="RC8")
            else:
                ep["referral_nfa"] = False
                a_start = wd.add(d, r.randint(0, 3))
                dur = r.randint(5, 45) if r.random() < t.cin_assessment_45d_pct / 100 else r.randint(46, 90)
                auth = wd.add(a_start, dur)
                ep["assessments"].append({"start_date": a_start, "authorised_date": auth,
                                          "factor": r.choice(("1A", "2A", "3A", "4A", "16A", "17A", "21"))})
                closure, reason = None, None
                if i in s47_set:
                    s_start = wd.add(d, r.randint(0, 2))
                    s47 = {"start_date": s_start, "icpc_date": None, "icpc_not_required": True}
                    ep["s47"].append(s47)
                    if i in icpc_set:
                        gap = r.randint(3, 15) if r.random() < t.icpc_15days_pct / 100 else r.randint(16, 35)
                        icpc = wd.add(s_start, gap)
                        s47.update(icpc_date=icpc, icpc_not_required=False)
                        if i in cpp_set:
                            n_cpp_y += 1
                            if child.n_cpp:
                                previous = child.n_cpp
                            elif n_sub_y < t.cpp_subsequent_pct / 100 * n_cpp_y:
                                previous = r.choice((1, 1, 2))
                            else:
                                previous = 0
                            n_sub_y += previous > 0
                            child.n_cpp += 1
                            length = (r.randint(731, 1069) if r.random() < q_long
                                      else min(729, max(1, int(r.expovariate(1 / short_mean)))))
                            end = icpc + timedelta(days=length)
                            ep["cpp"].append({"start_date": icpc, "end_date": end, "previous_cpp": previous,
                                              "category": r.choice(("NEG", "EMO", "PHY", "SAB", "MUL")),
                                              "reviews": [icpc + timedelta(days=90)] if length > 90 else []})
                            closure, reason = end + timedelta(days=r.randint(0, 60)), "RC7"
                if closure is None:
                    if not ep["s47"] and r.random() < 0.35:
                        closure, reason = auth + timedelta(days=r.randint(0, 5)), "RC8"
                    else:
                        closure = auth + timedelta(days=max(1, int(r.expovariate(1 / cont_days))))
                        reason = "RC7"
                        ep["cin_plans"].append({"start_date": auth + timedelta(days=1), "end_date": closure})
                ep.update(closure_date=closure, reason_for_closure=reason)
            child.episodes.append(ep)
            child.open_until = ep["closure_date"]
            self.recent.append((d, child))

    def snapshot(self, y: int) -> list[dict[str, Any]]:
        ys, ye = date(y - 1, 4, 1), date(y, 3, 31)

        def cut(v: date | None) -> date | None:
            return v if v is not None and v <= ye else None

        out = []
        for c in self.children:
            if c.open_until is not None and c.open_until < ys:
                continue                          # every episode closed before the year began
            eps = []
            for e in c.episodes:
                if e["referral_date"] > ye or (e["closure_date"] is not None and e["closure_date"] < ys):
                    continue
                closed = cut(e["closure_date"])
                eps.append({
                    "referral_date": e["referral_date"], "referral_source": e["referral_source"],
                    "primary_need": e["primary_need"], "referral_nfa": e["referral_nfa"],
                    "closure_date": closed, "reason_for_closure": e["reason_for_closure"] if closed else None,
                    # what a census holds: activity open at some point in the year, nothing after it
                    "assessments": [dict(a, authorised_date=cut(a["authorised_date"])) for a in e["assessments"]
                                    if a["start_date"] <= ye and (a["authorised_date"] or ye) >= ys],
                    "s47": [dict(s, icpc_date=cut(s["icpc_date"]),
                                 icpc_not_required=s["icpc_not_required"] and s["icpc_date"] is None)
                            for s in e["s47"] if s["start_date"] <= ye and (s["icpc_date"] or s["start_date"]) >= ys],
                    "cpp": [dict(p, end_date=cut(p["end_date"]), reviews=[v for v in p["reviews"] if ys <= v <= ye])
                            for p in e["cpp"] if p["start_date"] <= ye and (p["end_date"] or ye) >= ys],
                    "cin_plans": [dict(p, end_date=cut(p["end_date"])) for p in e["cin_plans"]
                                  if p["start_date"] <= ye and (p["end_date"] or ye) >= ys],
                })
            if eps:
                out.append({"id": c.id, "dob": c.dob, "sex": c.sex, "ethnicity": c.ethnicity, "episodes": eps})
        return out


def _truncated_exp_mean(target: float, cap: float) -> float:
    """The mean m of an exponential whose values capped at ``cap`` average ``target``:
    m (1 - exp(-cap/m)) = target, solved by fixed-point iteration."""
    if target >= cap * 0.95:
        return target * 3
    m = target
    for _ in range(50):
        m = target / (1 - math.exp(-cap / m))
    return m


def _months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    m += 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


# -- the generator -----------------------------------------------------------------------------

def iter_synthetic_returns(targets: dict[str, dict[int, Targets]], *, seed: int = 0) -> Iterator[SynthReturn]:
    """Each LA's returns, year by year (``targets[la][year]``), seeded per LA so adding an LA does not
    change the others."""
    all_years = [y for per in targets.values() for y in per]
    if not all_years:
        return
    wd = _WorkingDays(min(all_years) - BURN_IN_YEARS - 2, max(all_years) + 8)
    for la in sorted(targets):
        years = sorted(targets[la])
        rng = random.Random(f"{seed}:{la}")
        ids = _Ids(rng)
        care, cin = _CareSim(la, rng, ids), _CinSim(la, rng, ids, wd)
        first = targets[la][years[0]]
        care.initialise(first, date(years[0] - BURN_IN_YEARS - 1, 4, 1))
        for y in range(years[0] - BURN_IN_YEARS, years[-1] + 1):
            t = targets[la].get(y, first if y < years[0] else targets[la][max(k for k in years if k <= y)])
            care.year(t, y)
            cin.year(t, y)
            if y in targets[la]:
                yield SynthReturn(la, y, care.snapshot(t, y), cin.snapshot(y))


def write_return(out: Path, ret: SynthReturn) -> Path:
    """``out/<la_code_old>/<year>/`` with the SSDA903 CSVs and the CIN census XML."""
    folder = out / ret.la_code_old / str(ret.year)
    write_ssda903(folder, ret.ssda903)
    write_cin_xml(folder / f"cin_census_{ret.la_code_old}_{ret.year}.xml", ret.la_code_old, ret.year, ret.cin)
    return folder


# -- targets from the warehouse ------------------------------------------------------------------

#: Used when the store holds no LAs (an unbuilt store): real DfE codes, England-like rates.
FALLBACK_LAS = ("202", "204", "210", "352", "805", "806", "841", "888", "926", "935")


def warehouse_targets(store, la: str, year: int, *, scale: float = 1.0) -> Targets:
    """The LA's published figures for ``year`` (or its nearest year), England-like defaults where the
    warehouse has none; ``scale`` multiplies the child population (smaller, faster returns)."""
    base = Targets()
    obs: dict[str, dict[int, float]] = {}
    if store is not None and store.has_table("observation"):
        ids = [*WAREHOUSE_TARGETS.values(), "population_0_17", "icpc_count", "s47_count", "cpp_started_count"]
        for r in store.rows(f"SELECT measure_id, period, value FROM observation WHERE la = ? AND value IS NOT NULL "
                            f"AND measure_id IN ({', '.join('?' * len(ids))})", [la, *ids]):
            if str(r["period"]).isdigit():
                obs.setdefault(r["measure_id"], {})[int(r["period"])] = float(r["value"])

    def near(mid: str, want: int) -> float | None:
        series = obs.get(mid)
        if not series:
            return None
        return series[min(series, key=lambda p: (abs(p - want), -p))]

    values: dict[str, Any] = {}
    for f in fields(Targets):
        mid = WAREHOUSE_TARGETS.get(f.name)
        v = near(mid, year) if mid else None
        if v is not None and v > 0:
            values[f.name] = min(v, 100.0) if f.name.endswith("_pct") else v
    pop = near("population_0_17", year - 1)
    values["population"] = (pop or base.population) * scale
    s47, icpc, cpp = near("s47_count", year), near("icpc_count", year), near("cpp_started_count", year)
    if s47 and icpc:
        values["icpc_per_s47_pct"] = min(100.0, 100 * icpc / s47)
    if cpp and pop:
        values["cpp_start_rate_per_10k"] = cpp / pop * 10_000
    return replace(base, **values)


def choose_las(store, n: int, seed: int) -> list[str]:
    """``n`` current LAs from the store (a seeded sample, in code order), else from FALLBACK_LAS."""
    codes: list[str] = []
    if store is not None and store.has_table("la"):
        codes = [r["la_code_old"] for r in store.rows(
            "SELECT la_code_old FROM la WHERE valid_to IS NULL AND coalesce(la_type, '') <> 'shared_service' "
            "AND length(la_code_old) = 3 ORDER BY la_code_old")]
    codes = codes or list(FALLBACK_LAS)
    if n > len(codes):
        from cscwatch.errors import CscwatchError

        raise CscwatchError(f"--las {n}: only {len(codes)} LAs are known; build the store (`cscwatch build`)")
    return sorted(random.Random(seed).sample(codes, n))


def latest_year(store) -> int:
    if store is not None and store.has_table("observation"):
        v = store.scalar("SELECT max(period) FROM observation WHERE measure_id = 'cla_rate_per_10k'")
        if v and str(v).isdigit():
            return int(v)
    return 2025


@dataclass
class SynthSummary:
    out: str
    las: list[str]
    years: list[int]
    folders: int
    episodes: int
    cin_children: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def synth(store, out: str | Path, *, n_las: int, n_years: int, seed: int = 0, last_year: int | None = None,
          scale: float = 1.0) -> SynthSummary:
    """Write ``n_las`` LAs' returns for the ``n_years`` years ending ``last_year`` (default: the latest
    published year) under ``out/<la_code_old>/<year>/``, aiming at each LA's published rates."""
    from cscwatch.errors import CscwatchError

    if n_las < 1 or n_years < 1:
        raise CscwatchError("--las and --years must be at least 1")
    out = Path(out)
    las = choose_las(store, n_las, seed)
    last = last_year or latest_year(store)
    years = list(range(last - n_years + 1, last + 1))
    targets = {la: {y: warehouse_targets(store, la, y, scale=scale) for y in years} for la in las}
    folders = episodes = children = 0
    for ret in iter_synthetic_returns(targets, seed=seed):
        write_return(out, ret)
        folders += 1
        episodes += len(ret.ssda903["episodes"])
        children += len(ret.cin)
    return SynthSummary(str(out), las, years, folders, episodes, children)
