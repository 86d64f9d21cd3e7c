"""Chart data for the pages: small JSON specs cut from a context, drawn in the browser by
Observable Plot (``static/cscwatch.js``). Specs carry only what the chart shows: series with
gaps as nulls, the axis label with its unit, the measure's decimals. Every chart also has a table
with the same numbers and a one-sentence text alternative (see the templates).
"""
from __future__ import annotations

from typing import Any

GRADE_COLOURS = {"outstanding": "#00703c", "good": "#85994b", "requires_improvement": "#f47738",
                 "inadequate": "#d4351c"}
BAND_COLOURS = {"A": "#00703c", "B": "#85994b", "C": "#f47738", "D": "#d4351c"}
#: Sequential blues for context measures' quantile classes (light = low), GOV.UK-adjacent.
CLASS_COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
SERIES_COLOURS = {"la": "#1d70b8", "comparator": "#f47738", "region": "#4c2c92", "england": "#0b0c0c"}
#: Colours for up to 20 LAs on the compare chart (Tableau-like, distinct on white).
MANY = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#912b88", "#28a197", "#b58840", "#5694ca",
        "#85994b", "#6f72af", "#f499be", "#505a5f", "#003078", "#ffdd00", "#942514", "#005a30", "#6e3619",
        "#2b8cc4", "#b10e1e")


def axis_label(m: dict[str, Any]) -> str:
    unit = (m.get("unit") or "").strip()
    return unit if unit else "value"


def trend(line: dict[str, Any], la_name: str, comparator_label: str) -> dict[str, Any]:
    """An LA's series for one measure against its comparator, region and England (gaps as nulls)."""
    periods = [s["period"] for s in line["series"]]
    series = [{"name": la_name, "role": "la", "values": [s["value"] for s in line["series"]]}]
    if not line.get("categorical"):
        series.append({"name": comparator_label, "role": "comparator",
                       "values": [s["comparator"] for s in line["series"]]})
    series += [{"name": "Region", "role": "region", "values": [s["region"] for s in line["series"]]},
               {"name": "England", "role": "england", "values": [s["england"] for s in line["series"]]}]
    series = [s for s in series if any(v is not None for v in s["values"])]
    for s in series:
        s["colour"] = SERIES_COLOURS[s["role"]]
    return {"kind": "lines", "periods": periods, "series": series, "y": axis_label(line),
            "decimals": line.get("decimals", 1), "x": "Period"}


def compare_trend(t: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every compared LA's series for one measure, with England."""
    if not t:
        return None
    periods = sorted({s["period"] for la in t["las"] for s in la["series"]} | {e["period"] for e in t["england"]})
    series = []
    for i, la in enumerate(t["las"]):
        by = {s["period"]: s["value"] for s in la["series"]}
        series.append({"name": la["la_name"], "role": "la", "colour": MANY[i % len(MANY)],
                       "values": [by.get(p) for p in periods]})
    eng = {e["period"]: e["value"] for e in t["england"]}
    series.append({"name": "England", "role": "england", "colour": SERIES_COLOURS["england"],
                   "values": [eng.get(p) for p in periods]})
    return {"kind": "lines", "periods": periods, "series": series, "y": axis_label(t),
            "decimals": t.get("decimals", 1), "x": "Period"}


def grade_map(las: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "map", "legend": [{"key": g, "label": g.replace("_", " ").capitalize(), "colour": c}
                                      for g, c in GRADE_COLOURS.items()] +
            [{"key": "none", "label": "No overall grade", "colour": "#f3f2f1"}],
            "areas": {r["la_code_old"]: {"name": r["la_name"], "key": r["grade"] or "none",
                                         "text": r["grade_label"] or "no overall grade"} for r in las}}


def value_map(ctx: dict[str, Any]) -> dict[str, Any]:
    """A measure's map: quartile bands for ranked measures, quantile classes otherwise; tiny
    authorities are hatched and kept out of the scale."""
    scale = ctx["map"]
    rows = ctx["rows"]
    legend: list[dict[str, Any]] = []
    areas: dict[str, dict[str, Any]] = {}
    if scale["kind"] == "band":
        legend = [{"key": b, "label": f"Band {b}" + (" (best quarter)" if b == "A" else " (worst quarter)"
                                                     if b == "D" else ""), "colour": c}
                  for b, c in BAND_COLOURS.items()]
        key = lambda r: r["band"]  # noqa: E731
    elif scale["kind"] == "quantile":
        cuts = scale["breaks"]
        m = ctx["measure"]
        bounds = [scale["min"], *cuts, scale["max"]]
        from cscwatch.web.render import fmt_plain

        legend = [{"key": f"q{i}", "label": f"{fmt_plain(bounds[i], m)} to {fmt_plain(bounds[i + 1], m)}"
                   + (" or less" if i == 0 else " or more" if i == len(cuts) else ""), "colour": CLASS_COLOURS[i]}
                  for i in range(len(cuts) + 1)]

        def key(r: dict[str, Any]) -> str | None:
            return f"q{sum(1 for c in cuts if r['value'] > c)}"
    elif scale["kind"] == "category":
        legend = [{"key": f"c{v:g}", "label": f"{v:g}", "colour": CLASS_COLOURS[min(i, 4)]}
                  for i, v in enumerate(scale["classes"])]
        key = lambda r: f"c{r['value']:g}"  # noqa: E731
    else:
        key = lambda r: None  # noqa: E731
    legend.append({"key": "small", "label": "Small authority (not ranked or scaled)", "colour": "url(#hatch)"})
    legend.append({"key": "none", "label": "No figure", "colour": "#f3f2f1"})
    for r in rows:
        k = "none" if r["value"] is None else "small" if r["small"] else (key(r) or "none")
        areas[r["la_code_old"]] = {"name": r["la_name"], "key": k, "text": r["value_text"]}
    return {"kind": "map", "legend": legend, "areas": areas,
            "highlight": (ctx.get("highlight") or {}).get("la_code_old")}


def grade_shares(shares: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "stack", "x": "As at 31 March", "y": "% of local authorities",
            "categories": [s["label"] for s in shares],
            "series": [{"name": g.replace("_", " ").capitalize(), "colour": c,
                        "values": [s[f"pct_{g}"] for s in shares]} for g, c in GRADE_COLOURS.items()]}


def placement(ctx: dict[str, Any]) -> dict[str, Any]:
    rows = sorted((r for r in ctx["rows"] if r["value"] is not None and not r["small"]), key=lambda r: r["value"])
    hl = (ctx.get("highlight") or {}).get("la_code_old")
    return {"kind": "bars", "y": axis_label(ctx["measure"]), "decimals": ctx["measure"]["decimals"],
            "x": "Local authorities, lowest to highest",
            "bars": [{"code": r["la_code_old"], "name": r["la_name"], "value": r["value"],
                      "colour": BAND_COLOURS.get(r["band"] or "", "#5694ca"), "highlight": r["la_code_old"] == hl}
                     for r in rows]}


def distribution(ctx: dict[str, Any]) -> dict[str, Any]:
    d = ctx["distribution"]
    hl = ctx.get("highlight")
    out = {"kind": "spread", "periods": [r["period"] for r in d], "y": axis_label(ctx["measure"]),
           "decimals": ctx["measure"]["decimals"], "x": "Period",
           "min": [r["min"] for r in d], "q1": [r["q1"] for r in d], "median": [r["median"] for r in d],
           "q3": [r["q3"] for r in d], "max": [r["max"] for r in d], "england": [r["england"] for r in d]}
    if hl:
        out["la"] = {"name": hl["la_name"], "values": [r["la"] for r in d]}
    return out


#: Early-warning bands, worst first, as the risk panel's tags colour them (words always beside).
RISK_COLOURS = {"inadequate": "#6f0f00", "high": "#d4351c", "raised": "#f47738", "medium": "#ffdd00", "low": "#85994b"}


def risk_map(ctx: dict[str, Any]) -> dict[str, Any]:
    """Every scored LA coloured by its early-warning band (judged inadequate now: its own colour)."""
    labels = {b["band"]: b["label"] for b in ctx.get("bands", [])}
    labels["inadequate"] = "Judged inadequate now (under monitoring)"
    legend = [{"key": k, "label": labels.get(k, k.capitalize()), "colour": c} for k, c in RISK_COLOURS.items()]
    legend.append({"key": "none", "label": "Not scored", "colour": "#f3f2f1"})
    return {"kind": "map", "legend": legend,
            "areas": {r["la_code_old"]: {"name": r["la_name"], "key": r["band"],
                                         "text": f"{r['band_label']}; {round(100 * r['p_inadequate_12m'])}% chance "
                                                 "of an inadequate judgement within 12 months"}
                      for r in ctx.get("las", [])}}


EVENT_COLOURS = {"standard": "#1d70b8", "short": "#4c2c92", "focused": "#28a197", "monitoring": "#f47738"}
EVENT_NAMES = {"standard": "Standard inspections", "short": "Short inspections", "focused": "Focused visits",
               "monitoring": "Monitoring visits"}


def capacity(ctx: dict[str, Any]) -> dict[str, Any]:
    """Events planned each month by type (stacked), with the inspection capacity as a line."""
    months = ctx["months_summary"]
    limits = [sum(v["capacity"] or 0 for k, v in m["limits"].items() if k in ("standard", "short", "inspections"))
              for m in months]
    return {"kind": "stack", "percent": False, "x": "Month", "y": "Events planned",
            "categories": [m["month"] for m in months],
            "series": [{"name": EVENT_NAMES[t], "colour": c, "values": [m.get(t, 0) for m in months]}
                       for t, c in EVENT_COLOURS.items() if any(m.get(t) for m in months)],
            "limit": {"name": "Inspection capacity (standard and short)", "values": limits} if any(limits) else None}
