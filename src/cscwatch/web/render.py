"""Rendering a context: the Jinja2 environment (filters, links that keep the comparator) and JSON.

Numbers are written by :mod:`cscwatch.contexts.formatting` (the measure's own decimals and unit),
never by the templates. Every internal link goes through ``link()``, which carries the comparator
state (neighbour model, mean or median, peer group) from page to page.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from jinja2.utils import htmlsafe_json_dumps

from cscwatch import __version__
from cscwatch.contexts.formatting import format_change, format_value, style
from cscwatch.output import to_jsonable

HERE = Path(__file__).resolve().parent
SERVICE_NAME = "cscwatch: children's social care in England"
STATE_KEYS = ("neighbours", "average", "peers")
STATE_DEFAULTS = {"neighbours": "2025", "average": "mean", "peers": ""}
GRADE_NAMES = {"outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement",
               "inadequate": "Inadequate"}
GRADE_ORDER = tuple(GRADE_NAMES)


def comparator_state(comparator: dict[str, Any] | None) -> dict[str, str]:
    """The URL parameters of a comparator (defaults left out, so plain links stay plain)."""
    if not comparator:
        return {}
    state = {"neighbours": str(comparator.get("neighbours") or "2025"), "average": comparator.get("average") or "mean",
             "peers": ",".join(comparator.get("peers") or [])}
    return {k: v for k, v in state.items() if v and v != STATE_DEFAULTS[k]}


def make_link(state: dict[str, str]):
    def link(path: str, **params: Any) -> str:
        """``path`` with the comparator state and ``params`` (None drops a key; lists repeat it)."""
        query: list[tuple[str, str]] = []
        merged: dict[str, Any] = {**state, **params}
        for k, v in merged.items():
            if v is None or v == "" or v is False:
                continue
            if isinstance(v, (list, tuple)):
                query += [(k, str(x)) for x in v]
            else:
                query.append((k, str(v)))
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        return path + ("?" + urlencode(query) if query else "") + fragment
    return link


def fmt_date(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def fmt_value(value: Any, measure: dict[str, Any] | None = None, status: str | None = None) -> str:
    """A figure in its measure's style ('17.9%', '1,234', '£2,345'); a dash when there is none."""
    if value is None and not status:
        return "–"
    return format_value(value, measure or {}, status)


def fmt_plain(value: Any, measure: dict[str, Any] | None = None) -> str:
    """A figure in its measure's precision without the unit (for table cells under a unit heading)."""
    if value is None:
        return "–"
    dp = style(measure or {})[0]
    return f"{'−' if value < 0 else ''}{abs(value):,.{dp}f}"


def fmt_count(value: Any) -> str:
    return "–" if value is None else f"{value:,}"


def environment(assets: Any) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=jinja2.select_autoescape(["html", "xml"]), trim_blocks=True,
                             lstrip_blocks=True, auto_reload=False, cache_size=64)
    env.filters.update(date=fmt_date, value=fmt_value, plain=fmt_plain, change=format_change, count=fmt_count,
                       tojson_compact=lambda v: htmlsafe_json_dumps(to_jsonable(v), separators=(",", ":")))
    env.globals.update(service_name=SERVICE_NAME, version=__version__, GRADE_NAMES=GRADE_NAMES,
                       grade_order=GRADE_ORDER, asset=assets.url)
    return env


def json_bytes(data: Any) -> bytes:
    return json.dumps(to_jsonable(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
