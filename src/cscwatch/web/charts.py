"""Plotly figure specs (plain dicts) for the pages. Drawn in the browser by the bundled plotly.min.js.

Specs are built here, not in templates, so they are testable and identical across pages. Every chart
the templates draw also has a table with the same numbers and a one-sentence text alternative.
"""
from __future__ import annotations

from typing import Any

#: GOV.UK Design System colours; grades always also carry their text label (colour is never the only signal).
GRADE_COLOURS = {"outstanding": "#00703c", "good": "#85994b", "requires_improvement": "#f47738",
                 "inadequate": "#d4351c"}
GRADE_ORDER = ("outstanding", "good", "requires_improvement", "inadequate")
GRADE_NAMES = {"outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement",
               "inadequate": "Inadequate"}
BAND_COLOURS = {"A": "#00703c", "B": "#85994b", "C": "#f47738", "D": "#d4351c"}
BLUE, GREY, BLACK = "#1d70b8", "#b1b4b6", "#0b0c0c"
FONT = {"family": "arial, sans-serif", "size": 14, "color": BLACK}


def _layout(**extra: Any) -> dict[str, Any]:
    base = {"font": FONT, "margin": {"l": 50, "r": 10, "t": 60, "b": 40}, "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}}
    base.update(extra)
    return base


def grade_map(rows: list[dict[str, Any]], feature_ids: dict[str, str]) -> dict[str, Any]:
    """Choropleth of LAs by latest overall grade: one trace per grade so the legend names the grades."""
    traces = []
    for grade in (*GRADE_ORDER, None):
        sel = [r for r in rows if r["grade"] == grade and r["la_code_old"] in feature_ids]
        if not sel:
            continue
        colour = GRADE_COLOURS.get(grade, "#f3f2f1")
        traces.append({
            "type": "choropleth", "name": GRADE_NAMES.get(grade, "No overall grade"),
            "locations": [feature_ids[r["la_code_old"]] for r in sel], "z": [1] * len(sel),
            "featureidkey": "id", "showscale": False, "showlegend": True,
            "colorscale": [[0, colour], [1, colour]],
            "text": [f"{r['la_name']}: {GRADE_NAMES.get(grade, 'no overall grade')}" for r in sel],
            "customdata": [r["la_code_old"] for r in sel],
            "hovertemplate": "%{text}<extra></extra>", "marker": {"line": {"color": "#ffffff", "width": 0.4}},
        })
    return {"data": traces, "layout": _layout(geo=_geo(), margin={"l": 0, "r": 0, "t": 0, "b": 0},
                                              legend={"orientation": "v", "x": 0, "y": 0.98}),
            "geojson": True, "link": "/la/"}


def value_map(rows: list[dict[str, Any]], feature_ids: dict[str, str], title: str,
              highlight: str | None = None) -> dict[str, Any]:
    """Choropleth of one measure's values (continuous scale; suppressed values left blank)."""
    sel = [r for r in rows if r["value"] is not None and r["la_code_old"] in feature_ids]
    data = [{
        "type": "choropleth", "locations": [feature_ids[r["la_code_old"]] for r in sel],
        "z": [r["value"] for r in sel], "featureidkey": "id",
        "colorscale": "Viridis", "reversescale": True,
        "colorbar": {"title": {"text": title[:30]}, "thickness": 12},
        "text": [r["la_name"] for r in sel], "customdata": [r["la_code_old"] for r in sel],
        "hovertemplate": "%{text}: %{z}<extra></extra>", "marker": {"line": {"color": "#ffffff", "width": 0.4}},
    }]
    if highlight and highlight in feature_ids:
        data.append({"type": "choropleth", "locations": [feature_ids[highlight]], "z": [0], "featureidkey": "id",
                     "showscale": False, "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                     "marker": {"line": {"color": BLACK, "width": 3}}, "hoverinfo": "skip"})
    return {"data": data, "layout": _layout(geo=_geo(), margin={"l": 0, "r": 0, "t": 0, "b": 0}),
            "geojson": True, "link": "/la/"}


def _geo() -> dict[str, Any]:
    return {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}}


def grade_shares(rows: list[dict[str, Any]]) -> dict[str, Any]:
    years = [r.get("label", str(r["year"])) for r in rows]
    data = [{"type": "bar", "name": GRADE_NAMES[g], "x": years, "y": [r[f"pct_{g}"] for r in rows],
             "marker": {"color": GRADE_COLOURS[g]}, "hovertemplate": f"{GRADE_NAMES[g]}: %{{y}}%<extra>%{{x}}</extra>"}
            for g in GRADE_ORDER]
    return {"data": data, "layout": _layout(barmode="stack", legend={"orientation": "h", "x": 0, "y": 1.02,
                                                                     "yanchor": "bottom", "traceorder": "normal"},
                                            yaxis={"title": {"text": "% of LAs"}, "range": [0, 100]},
                                            xaxis={"type": "category", "tickangle": 0,
                                                   "title": {"text": "As at 31 March"}})}


def distribution(rows: list[dict[str, Any]], la_name: str | None, unit: str | None, zero: bool) -> dict[str, Any]:
    """Spread of all LAs' values per period (min, quartiles, max), England and the chosen LA."""
    periods = [r["period"] for r in rows]
    data = [
        {"type": "scatter", "x": periods, "y": [r["max"] for r in rows], "mode": "lines", "line": {"width": 0},
         "name": "Highest", "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "x": periods, "y": [r["min"] for r in rows], "mode": "lines", "line": {"width": 0},
         "fill": "tonexty", "fillcolor": "rgba(177,180,182,0.35)", "name": "Range of all LAs"},
        {"type": "scatter", "x": periods, "y": [r["q3"] for r in rows], "mode": "lines", "line": {"width": 0},
         "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "x": periods, "y": [r["q1"] for r in rows], "mode": "lines", "line": {"width": 0},
         "fill": "tonexty", "fillcolor": "rgba(29,112,184,0.25)", "name": "Middle half of LAs"},
        {"type": "scatter", "x": periods, "y": [r["median"] for r in rows], "mode": "lines",
         "line": {"color": BLUE, "dash": "dot"}, "name": "Median LA"},
        {"type": "scatter", "x": periods, "y": [r["england"] for r in rows], "mode": "lines+markers",
         "line": {"color": BLACK}, "name": "England"},
    ]
    if la_name:
        data.append({"type": "scatter", "x": periods, "y": [r["la"] for r in rows], "mode": "lines+markers",
                     "line": {"color": "#d53880", "width": 3}, "marker": {"symbol": "diamond", "size": 9},
                     "name": la_name})
    return {"data": data, "layout": _layout(yaxis=_yaxis(unit, zero),
                                            xaxis={"type": "category", "automargin": True, "tickangle": -45})}


def placement(table: list[dict[str, Any]], highlight: str | None, unit: str | None, zero: bool) -> dict[str, Any]:
    """Every LA's value as a sorted bar, coloured by quartile band, the chosen LA outlined in black."""
    rows = [r for r in table if r["value"] is not None]
    rows.sort(key=lambda r: r["value"])
    colours = [BAND_COLOURS.get(r["band"] or "", GREY) for r in rows]
    lines = [3 if r["la_code_old"] == highlight else 0 for r in rows]
    data = [{"type": "bar", "x": [r["la_name"] for r in rows], "y": [r["value"] for r in rows],
             "customdata": [r["la_code_old"] for r in rows],
             "marker": {"color": colours, "line": {"color": BLACK, "width": lines}},
             "hovertemplate": "%{x}: %{y}<extra></extra>", "name": "LAs"}]
    layout = _layout(yaxis=_yaxis(unit, zero), xaxis={"showticklabels": False, "title": {"text": "Local authorities, lowest to highest"}},
                     bargap=0.05, showlegend=False)
    if highlight:
        hit = next((r for r in rows if r["la_code_old"] == highlight), None)
        if hit:
            layout["annotations"] = [{"x": hit["la_name"], "y": hit["value"], "text": hit["la_name"],
                                      "showarrow": True, "arrowhead": 2, "ay": -40,
                                      "bgcolor": "#ffffff", "bordercolor": BLACK}]
    return {"data": data, "layout": layout, "link": "/la/"}


def _yaxis(unit: str | None, zero: bool) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"text": (unit or "")[:40]}, "zeroline": True, "automargin": True}
    if zero:
        axis["rangemode"] = "tozero"
    return axis


def sparkline(values: list[float | None], width: int = 120, height: int = 28) -> str | None:
    """SVG path data for an inline sparkline (drawn server-side: no script, one line per LA row)."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return None
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)
    coords = [(2 + (width - 4) * i / n, 2 + (height - 4) * (1 - (v - lo) / span)) for i, v in pts]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords)
