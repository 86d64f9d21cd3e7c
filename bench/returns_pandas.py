"""The returns measures written again in plain pandas: the benchmark's baseline (not used by cscwatch).

What a competent analyst would write without a query engine: deduplicate, assign each event to its
collection year (1 April - 31 March), explode open intervals over the 31 Marches they span, group and
count. It must give exactly the engine's numerators and denominators; ``bench/returns.py`` checks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

STARTS = ["S", "P", "T", "B", "U"]


def coll_year(d: pd.Series) -> pd.Series:
    """The collection year (by its 31 March) a date falls in."""
    return d.dt.year + (d.dt.month >= 4).astype("int64")


def _with(held: pd.DataFrame, counts: pd.DataFrame, mid: str, num: str = "numerator", den: str | None = None):
    out = held.merge(counts, on=["la_code_old", "year"], how="left")
    out["numerator"] = out[num].fillna(0).astype(float) if num in out else 0.0
    out["denominator"] = out[den].fillna(0).astype(float) if den else np.nan
    out["measure_id"] = mid
    return out[["la_code_old", "year", "measure_id", "numerator", "denominator"]]


def _count(held, frame, mid, by_child=False):
    g = frame.groupby(["la_code_old", "year"])
    c = (g["child_key"].nunique() if by_child else g.size()).rename("numerator").reset_index()
    return _with(held, c, mid)


def _pct(held, frame, hit: pd.Series, mid):
    f = frame.assign(hit=hit.astype(int))
    c = f.groupby(["la_code_old", "year"]).agg(numerator=("hit", "sum"), denominator=("hit", "size")).reset_index()
    return _with(held, c, mid, den="denominator")


def _year_ends(frame: pd.DataFrame, start: str, end: str, held_years: pd.DataFrame) -> pd.DataFrame:
    """One row per 31 March (of a held year) that the interval [start, end) covers: start <= 31 March
    and (no end or end after it)."""
    first = coll_year(frame[start])                    # a date is always on or before its year's 31 March
    last = (coll_year(frame[end]) - 1).fillna(held_years["year"].max()).astype("int64")   # end after that 31 March
    f = frame.assign(_first=first.astype("int64"), _n=(last - first.astype("int64") + 1).clip(lower=0))
    f = f[f["_n"] > 0]
    rep = f.loc[f.index.repeat(f["_n"])].copy()
    rep["year"] = rep["_first"] + rep.groupby(level=0).cumcount()
    return rep.drop(columns=["_first", "_n"]).merge(held_years, on=["la_code_old", "year"])


def pandas_measures(t: dict[str, pd.DataFrame], ly: pd.DataFrame, wd: pd.DataFrame) -> pd.DataFrame:
    for frame in t.values():
        for c in frame.columns:
            if c.endswith("date") or c in ("decom", "dec"):
                frame[c] = pd.to_datetime(frame[c])
    wd_map = pd.Series(wd["wd"].to_numpy(), index=pd.to_datetime(wd["day"]))
    out = []
    held903 = ly.loc[ly["return_type"] == "ssda903", ["la_code_old", "year"]]
    heldcin = ly.loc[ly["return_type"] == "cin", ["la_code_old", "year"]]

    # -- SSDA903 --------------------------------------------------------------------------
    ep = (t["cla_episode"].sort_values(["year", "row_no"], ascending=[False, True])
          .drop_duplicates(["la_code_old", "child_key", "decom", "rne", "place"]).drop(columns=["year", "row_no"]))
    ep["short"] = ep["ls"].isin(["V3", "V4"])
    ep["pstart"] = ep["rne"].isin(STARTS) & ~ep["place"].fillna("").str.startswith("T")
    care = ep[~ep["short"]]
    at31 = _year_ends(care, "decom", "dec", held903)[["la_code_old", "year", "child_key"]].drop_duplicates()
    out.append(_count(held903, at31, "cla_count"))
    st = care[care["rne"] == "S"].assign(year=lambda f: coll_year(f["decom"])).merge(held903)
    out.append(_count(held903, st, "cla_started_count", by_child=True))
    ce = care[care["rec"].notna() & (care["rec"] != "X1")].assign(year=lambda f: coll_year(f["dec"])).merge(held903)
    out.append(_count(held903, ce, "cla_ceased_count", by_child=True))
    # episodes of children looked after at 31 March, per year
    e = at31.merge(ep, on=["la_code_old", "child_key"])
    ye = pd.to_datetime(e["year"].astype(str) + "-03-31")
    ys = pd.to_datetime((e["year"] - 1).astype(str) + "-04-01")
    ov = e[(e["decom"] <= ye) & (e["dec"].isna() | (e["dec"] >= ys)) & ~e["short"]]
    ovys = ys[ov.index]
    pl = ov.assign(new=(ov["decom"] >= ovys) & ov["pstart"], held=ov["decom"] < ovys)
    pl = pl.groupby(["la_code_old", "year", "child_key"]).agg(new=("new", "sum"), held=("held", "max")).reset_index()
    out.append(_pct(held903, pl, pl["new"] + pl["held"].astype(int) >= 3, "cla_3plus_placements_pct"))
    upto = e[e["decom"] <= ye]
    starts = upto[upto["pstart"]].sort_values("decom", ascending=False)
    starts = starts.assign(k=starts.groupby(["la_code_old", "year", "child_key"]).cumcount() + 1)
    p1 = starts[starts["k"] == 1][["la_code_old", "year", "child_key", "decom", "place"]]
    p2 = starts[starts["k"] == 2][["la_code_old", "year", "child_key", "decom"]].rename(columns={"decom": "decom2"})
    sdates = upto["decom"].where(upto["rne"] == "S")
    cs = upto.assign(sdate=sdates).groupby(["la_code_old", "year", "child_key"]).agg(
        smax=("sdate", "max"), dmin=("decom", "min")).reset_index()
    cs["started"] = cs["smax"].fillna(cs["dmin"])
    child = (t["cla_child"].dropna(subset=["birth_month"]).sort_values("year", ascending=False)
             .drop_duplicates(["la_code_old", "child_key"]).drop(columns=["year"]))
    lts = cs.merge(child, on=["la_code_old", "child_key"]).merge(p1, on=["la_code_old", "year", "child_key"]) \
        .merge(p2, on=["la_code_old", "year", "child_key"], how="left")
    by = lts["birth_month"].str[:4].astype(int)
    bm = lts["birth_month"].str[5:7].astype(int)
    age = lts["year"] - by - (bm > 3).astype(int)
    cut25 = pd.to_datetime((lts["year"] - 3).astype(str) + "-09-30")
    cut2 = pd.to_datetime((lts["year"] - 2).astype(str) + "-03-31")
    keep = (lts["started"] <= cut25) & (age < 16)
    stable = (lts["decom"] <= cut2) | (lts["place"].isin(["A3", "A4", "A5", "A6"]) & (lts["decom2"] <= cut2))
    out.append(_pct(held903, lts[keep], stable[keep], "cla_long_term_stability_pct"))
    cl = t["cla_care_leaver"].dropna(subset=["birth_month"]).merge(held903)
    cl = cl.assign(age=cl["year"] - cl["birth_month"].str[:4].astype(int)
                   - (cl["birth_month"].str[5:7].astype(int) > 3).astype(int))
    cl = cl.groupby(["la_code_old", "year", "child_key"]).agg(
        activ=("activ", "max"), accom=("accom", "max"), age=("age", "max")).reset_index()
    eet = cl["activ"].fillna("").str[:1].isin(["F", "P"])
    ok = cl["accom"].fillna("").str[1:2] == "1"
    for ages, suffix in (([17, 18], "care_leavers_17_18_"), ([19, 20, 21], "care_leavers_")):
        m = cl["age"].isin(ages)
        out.append(_pct(held903, cl[m], eet[m], f"{suffix}eet_pct"))
        out.append(_pct(held903, cl[m], ok[m], f"{suffix}suitable_accommodation_pct"))

    # -- CIN --------------------------------------------------------------------------------
    ref = (t["cin_referral"].sort_values(["year", "cin_id"], ascending=[False, True])
           .drop_duplicates(["la_code_old", "child_key", "referral_date"]).drop(columns=["year"]))
    ref = ref.sort_values(["la_code_old", "child_key", "referral_date"])
    prev = ref.groupby(["la_code_old", "child_key"])["referral_date"].shift(1)
    ref["rereferral"] = prev.notna() & (prev >= ref["referral_date"] - pd.DateOffset(months=12))
    r_in = ref.assign(year=coll_year(ref["referral_date"])).merge(heldcin)
    out.append(_count(heldcin, r_in, "referral_count"))
    out.append(_count(heldcin, r_in[r_in["rereferral"]], "cin_rereferral_count"))
    out.append(_pct(heldcin, r_in, r_in["rereferral"], "cin_rereferral_pct"))
    a = t["cin_assessment"].dropna(subset=["start_date", "authorised_date"]).drop_duplicates(
        ["la_code_old", "child_key", "start_date", "authorised_date"])
    a = a.assign(year=coll_year(a["authorised_date"])).drop(columns=["cin_id"]).merge(heldcin)
    days = a["authorised_date"].map(wd_map) - a["start_date"].map(wd_map)
    out.append(_count(heldcin, a, "cin_assessments_completed_count"))
    out.append(_pct(heldcin, a, days <= 45, "cin_assessment_45d_pct"))
    s = t["cin_s47"].dropna(subset=["start_date"]).groupby(["la_code_old", "child_key", "start_date"])[
        "icpc_date"].max().reset_index()
    s_in = s.assign(year=coll_year(s["start_date"])).merge(heldcin)
    out.append(_count(heldcin, s_in, "s47_count"))
    ic = s.dropna(subset=["icpc_date"])
    ic = ic.assign(year=coll_year(ic["icpc_date"])).merge(heldcin)
    out.append(_count(heldcin, ic, "icpc_count"))
    out.append(_pct(heldcin, ic, (ic["icpc_date"].map(wd_map) - ic["start_date"].map(wd_map)) <= 15,
                    "icpc_15days_pct"))
    cpp = (t["cin_cpp"].dropna(subset=["start_date"]).sort_values(["year", "cin_id"], ascending=[False, True])
           .drop_duplicates(["la_code_old", "child_key", "start_date"]).drop(columns=["year"]))
    cpp = cpp.sort_values(["la_code_old", "child_key", "start_date"])
    cpp["earlier"] = cpp.groupby(["la_code_old", "child_key"]).cumcount() > 0
    c_in = cpp.assign(year=coll_year(cpp["start_date"])).merge(heldcin)
    out.append(_count(heldcin, c_in, "cpp_started_count"))
    out.append(_pct(heldcin, c_in, (c_in["previous_cpp"].fillna(0) > 0) | c_in["earlier"], "cpp_subsequent_pct"))
    open31 = _year_ends(cpp, "start_date", "end_date", heldcin)
    out.append(_count(heldcin, open31, "cpp_count"))
    cut2 = pd.to_datetime((open31["year"] - 2).astype(str) + "-03-31")
    out.append(_pct(heldcin, open31, open31["start_date"] <= cut2, "cpp_2yrs_plus_pct"))
    ended = cpp.dropna(subset=["end_date"])
    ended = ended.assign(year=coll_year(ended["end_date"])).merge(heldcin)
    out.append(_pct(heldcin, ended, ended["start_date"] <= ended["end_date"] - pd.DateOffset(years=2),
                    "cpp_ceased_2yrs_plus_pct"))
    open_ref = ref[~ref["referral_nfa"].fillna(False).astype(bool)]
    out.append(_count(heldcin, _year_ends(open_ref, "referral_date", "closure_date", heldcin), "cin_count"))
    return pd.concat(out, ignore_index=True)
