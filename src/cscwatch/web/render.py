"""Rendering a context: the Jinja2 environment (filters, links that keep the comparator) and JSON.

Numbers are written by :mod:`cscwatch.contexts.formatting` (the measure's own decimals and unit),
never by the templates. Every internal link goes through ``link()``, which carries the comparator
state (neighbour model, mean or median, peer group) from page to page.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape

from cscwatch import __version__
from cscwatch.contexts.formatting import format_change, format_value, style

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


def _as_date(value: Any) -> Any:
    """A date from a date, datetime or ISO string; any other string comes back as it is."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.date() if isinstance(value, datetime) else value


def fmt_date(value: Any) -> str:
    """'8 December 2025' from a date or an ISO date string."""
    if not value:
        return ""
    value = _as_date(value)
    return value if isinstance(value, str) else f"{value.day} {value:%B %Y}"


def fmt_month(value: Any) -> str:
    """'Sep 2025' from a date or an ISO date string."""
    if not value:
        return ""
    value = _as_date(value)
    return value if isinstance(value, str) else f"{value:%b %Y}"


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


TREND_WORDS = {"better": "better", "worse": "worse", "same": "no change", "up": "up", "down": "down"}


def cell(v: Any, measure: dict[str, Any] | None = None, status: str | None = None) -> Markup:
    """A figure for a table cell: the value in its measure's style, or the publisher's symbol with
    its meaning (``<abbr>``) when there is none."""
    if v is None and status:
        return Markup(f'<abbr title="{escape(format_value(None, measure or {}, status))}">{escape(status)}</abbr>')
    return Markup(escape(fmt_value(v, measure)))


def band_tag(band: str | None) -> Markup:
    if not band:
        return Markup("")
    b = escape(band)
    return Markup(f'<strong class="govuk-tag app-band app-band--{b}"><span class="govuk-visually-hidden">Quartile band '
                  f'</span>{b}</strong>')


def grade_tag(grade: str | None, label: str | None = None) -> Markup:
    if not grade:
        return Markup('<span class="govuk-body-s app-muted">Not graded</span>')
    return Markup(f'<strong class="govuk-tag app-grade app-grade--{escape(grade)}">'
                  f'{escape(label or GRADE_NAMES.get(grade, grade))}</strong>')


def trend_text(row: dict[str, Any]) -> Markup:
    t = row.get("trend")
    if not t:
        return Markup("")
    return Markup(f'<span class="app-trend app-trend--{escape(t)}">{escape(row.get("change_text") or "")}'
                  f'<span class="govuk-visually-hidden"> on a year earlier,</span> {escape(TREND_WORDS.get(t, t))}</span>')


_OPTIONS: dict[int, tuple[Any, str]] = {}


def options(choices: list[dict[str, str]], selected: str | None = None) -> Markup:
    """``<option>`` elements for an LA picker (built once per list of choices)."""
    cached = _OPTIONS.get(id(choices))
    if cached is None or cached[0] is not choices:
        html = "".join(f'<option value="{escape(c["la_code_old"])}">{escape(c["la_name"])}</option>' for c in choices)
        cached = _OPTIONS[id(choices)] = (choices, html)
    html = cached[1]
    if selected:
        key = f'value="{escape(selected)}">'
        html = html.replace(key, key[:-1] + " selected>", 1)
    return Markup(html)


_GOVUK_CLASSES = {"paragraph_open": "govuk-body", "bullet_list_open": "govuk-list govuk-list--bullet",
                  "ordered_list_open": "govuk-list govuk-list--number", "link_open": "govuk-link",
                  "table_open": "govuk-table app-table--small", "thead_open": "govuk-table__head",
                  "tbody_open": "govuk-table__body", "tr_open": "govuk-table__row", "th_open": "govuk-table__header",
                  "td_open": "govuk-table__cell"}
_HEADING_CLASSES = {"h1": "govuk-heading-xl", "h2": "govuk-heading-l", "h3": "govuk-heading-m", "h4": "govuk-heading-s",
                    "h5": "govuk-heading-s", "h6": "govuk-heading-s"}
_MARKDOWN: Any = None


def _markdown_renderer() -> Any:
    """CommonMark with tables (markdown-it-py), raw HTML off, styled with GOV.UK classes; every table
    in a labelled, focusable scroll container (so no page is wider than a phone)."""
    global _MARKDOWN
    if _MARKDOWN is not None:
        return _MARKDOWN
    import re

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def classes(state: Any) -> None:
        tables = 0
        for i, tok in enumerate(state.tokens):
            if tok.type == "heading_open":
                tok.attrSet("class", _HEADING_CLASSES[tok.tag])
                text = state.tokens[i + 1].content if i + 1 < len(state.tokens) else ""
                tok.attrSet("id", re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or f"section-{i}")
            elif tok.type in _GOVUK_CLASSES:
                tok.attrSet("class", _GOVUK_CLASSES[tok.type])
                if tok.type == "table_open":
                    tables += 1
                    tok.meta["n"] = tables
            if tok.children:
                for child in tok.children:
                    if child.type == "link_open":
                        child.attrSet("class", "govuk-link")

    md.core.ruler.push("govuk_classes", classes)

    def table_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        n = tokens[idx].meta.get("n", idx)
        return (f'<div class="app-table-scroll" role="region" aria-label="Table {n} (scrolls sideways)" tabindex="0">'
                + self.renderToken(tokens, idx, options, env))

    def table_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return self.renderToken(tokens, idx, options, env) + "</div>"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    _MARKDOWN = md
    return md


def markdown_html(text: str | None) -> Markup:
    """Markdown (a document this project wrote, e.g. the model card) as HTML with GOV.UK styles."""
    return Markup(_markdown_renderer().render(text or ""))


def pct(value: Any, digits: int = 0) -> str:
    """A probability as a percentage ('12%'); a dash when there is none."""
    if value is None:
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def environment(assets: Any) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=jinja2.select_autoescape(["html", "xml"]), trim_blocks=True,
                             lstrip_blocks=True, auto_reload=False, cache_size=64)
    env.filters.update(date=fmt_date, month=fmt_month, value=fmt_value, plain=fmt_plain, change=format_change, count=fmt_count,
                       cell=cell, band=band_tag, grade=grade_tag, trend=trend_text, options=options,
                       tojson_compact=tojson_compact, markdown=markdown_html, pct=pct)
    env.globals.update(service_name=SERVICE_NAME, version=__version__, GRADE_NAMES=GRADE_NAMES,
                       grade_order=GRADE_ORDER, asset=assets.url)
    return env


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def tojson_compact(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (``<``, ``>``, ``&`` and ``'`` escaped)."""
    text = json_bytes(data).decode("utf-8")
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                  .replace("'", "\\u0027"))


def json_bytes(data: Any) -> bytes:
    """JSON of a context (orjson: dates as ISO strings, NaN as null), as :func:`cscwatch.output.to_jsonable`
    would write it, about ten times faster."""
    import orjson

    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
