"""The plan as an Excel workbook. ONE function, :func:`plan_workbook`, to switch over to the shared
``cscwatch.tables`` writer when it lands (title block, human headers, number formats, dates,
autofilter, frozen header): until then it writes the same things with xlsxwriter itself."""
from __future__ import annotations

import io
from typing import Any

#: (sheet, context key, [(column key, header, width, kind)]) ; kind: text | pct | int | month
SHEETS: tuple[tuple[str, str, list[tuple[str, str, int, str]]], ...] = (
    ("Plan", "events", [("month", "Month", 9, "month"), ("la_name", "Local authority", 28, "text"),
                        ("la_code_old", "LA code", 8, "text"), ("event", "Event", 20, "text"),
                        ("status", "Status", 17, "text"), ("risk", "Risk of inadequate if inspected", 11, "pct"),
                        ("risk_band", "Early-warning band", 10, "text"), ("earliest", "Window opens", 11, "month"),
                        ("usual", "Usual month", 11, "month"), ("latest", "Window closes", 11, "month"),
                        ("months_from_usual", "Months from usual", 10, "int"), ("reason", "Why", 60, "text"),
                        ("last_grade", "Last overall grade", 14, "text"), ("rule_id", "Rule", 26, "text"),
                        ("certainty", "Rule certainty", 11, "text")]),
    ("Capacity by month", "months_summary", [("month", "Month", 9, "month"), ("standard", "Standard", 9, "int"),
                                             ("short", "Short", 9, "int"), ("focused", "Focused visits", 9, "int"),
                                             ("monitoring", "Monitoring visits", 10, "int"),
                                             ("events", "All events", 9, "int"), ("limits_text", "Capacity used / limit",
                                                                                  40, "text")]),
    ("After the plan", "after_horizon", [("la_name", "Local authority", 28, "text"), ("event", "Event", 20, "text"),
                                        ("earliest", "Window opens", 11, "month"), ("usual", "Usual month", 11, "month"),
                                        ("latest", "Window closes", 11, "month"), ("reason", "Why", 50, "text")]),
    ("Cannot be fitted", "unfitted", [("la_name", "Local authority", 28, "text"), ("event", "Event", 20, "text"),
                                      ("earliest", "Window opens", 11, "month"), ("latest", "Window closes", 11, "month"),
                                      ("reason", "Why", 60, "text")]),
)


def _limit(value: float | None) -> str:
    return "no limit" if value is None else f"{value:g}"


def plan_workbook(context: dict[str, Any]) -> bytes:
    """The plan context (:func:`cscwatch.contexts.plan.plan_context`) as an .xlsx file's bytes."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    fmt = {"title": wb.add_format({"bold": True, "font_size": 14}), "note": wb.add_format({"italic": True}),
           "head": wb.add_format({"bold": True, "bg_color": "#DEE0E2", "text_wrap": True, "valign": "top",
                                  "bottom": 1}),
           "pct": wb.add_format({"num_format": "0%"}), "int": wb.add_format({"num_format": "0"}),
           "text": wb.add_format({"text_wrap": False}), "month": wb.add_format({"num_format": "@"})}
    months = [{**m, "limits_text": "; ".join(f"{k} {v['used']:g}/{_limit(v['capacity'])}" for k, v in m["limits"].items())}
              for m in context["months_summary"]]
    data = {**context, "months_summary": months}
    lines = [context.get("title") or "Inspection plan",
             f"Policy {context['policy']}; capacity {context['capacity']['text']}; "
             f"{'fits every window' if context['feasible'] else 'DOES NOT FIT: see Cannot be fitted'}",
             *(f"Note: {w}" for w in context.get("warnings", []))]
    for sheet, key, cols in SHEETS:
        rows = data.get(key) or []
        if key == "unfitted" and not rows:
            continue
        ws = wb.add_worksheet(sheet)
        for i, line in enumerate(lines):
            ws.write(i, 0, line, fmt["title"] if i == 0 else fmt["note"])
        head = len(lines) + 1
        for c, (_, header, width, _) in enumerate(cols):
            ws.write(head, c, header, fmt["head"])
            ws.set_column(c, c, width)
        for r, row in enumerate(rows, start=head + 1):
            for c, (k, _, _, kind) in enumerate(cols):
                value = row.get(k)
                if value is None:
                    ws.write_blank(r, c, None)
                elif kind in ("pct", "int"):
                    ws.write_number(r, c, value, fmt[kind])
                else:
                    ws.write_string(r, c, str(value), fmt[kind])
        ws.freeze_panes(head + 1, 0)
        ws.autofilter(head, 0, head + max(len(rows), 1), len(cols) - 1)
    sim = (context.get("simulation") or {}).get("paragraph")
    if sim:
        ws = wb.add_worksheet("Simulation")
        ws.set_column(0, 0, 120)
        ws.write(0, 0, "Retrospective simulation", fmt["title"])
        ws.write(2, 0, sim, wb.add_format({"text_wrap": True, "valign": "top"}))
        ws.set_row(2, 150)
    wb.close()
    return buf.getvalue()
