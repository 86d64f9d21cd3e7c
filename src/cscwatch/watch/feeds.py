"""Atom feeds of what changed (feedgen), and the daily digest (Jinja2), from :func:`what_changed`.

Feed functions return the XML bytes; the web app serves them (``/feed.xml``, ``/la/{code}/feed.xml``,
a peer-group feed), so they take the site's ``base_url`` to build links. The national feed leaves
out ``band`` items (hundreds of LA moves after each release; per-LA and peer feeds keep them).
Entry ids are stable (``urn:cscwatch:change:<item id>``), so a feed reader shows an item once.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from feedgen.feed import FeedGenerator

from cscwatch import __version__
from cscwatch.output import to_jsonable
from cscwatch.store import Store
from cscwatch.watch.changes import KINDS, what_changed

FEED_DAYS = 90          # how far back a feed reaches
MAX_ENTRIES = 500
NATIONAL_KINDS = tuple(k for k in KINDS if k != "band")
_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("cscwatch.watch", "templates"),
                                autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def _utc(day: date | None) -> datetime:
    return datetime.combine(day or date.today(), time(0, 0), tzinfo=timezone.utc)


def _entry_id(item_id: str) -> str:
    return "urn:cscwatch:change:" + quote(item_id, safe=":-._~")


def _summary(item: dict[str, Any]) -> str:
    d = item["detail"]
    parts = [item["title"] + "."]
    if item["kind"] == "inspection" and d.get("judgements"):
        parts.append("Judgements: " + "; ".join(f"{k}: {str(v).replace('_', ' ')}"
                                                for k, v in d["judgements"].items()) + ".")
    parts.append(f"Source: {item['source']}.")
    return " ".join(parts)


def build_feed(changes: dict[str, Any], *, title: str, feed_url: str, site_url: str, base_url: str,
               subtitle: str | None = None) -> bytes:
    """An Atom document for a :func:`what_changed` result (newest first, at most MAX_ENTRIES);
    ``site_url`` is the page the feed mirrors, ``base_url`` the app's root for LA links."""
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(title)
    fg.subtitle(subtitle or f"What changed from {changes['since']} to {changes['until']}, from cscwatch.")
    fg.author({"name": "cscwatch"})
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=site_url, rel="alternate", type="text/html")
    fg.language("en-GB")
    fg.generator("cscwatch", version=__version__)
    items = changes["items"][:MAX_ENTRIES]
    fg.updated(_utc(max((i["date"] for i in items if i["date"]), default=changes["until"])))
    for item in reversed(items):           # feedgen prepends: add oldest first to list newest first
        e = fg.add_entry()
        e.id(_entry_id(item["id"]))
        e.title(item["title"])
        e.updated(_utc(item["date"]))
        e.published(_utc(item["date"]))
        e.summary(_summary(item))
        e.category(term=item["kind"])
        la = item["la_code_old"]
        e.link(href=f"{base_url.rstrip('/')}/la/{quote(la, safe='')}" if la else site_url, rel="alternate")
    return fg.atom_str(pretty=True)


def _window(since: date | None, until: date | None) -> tuple[date, date]:
    until = until or date.today()
    return since or until - timedelta(days=FEED_DAYS), until


def national_feed(store: Store, *, base_url: str = "http://127.0.0.1:8000", since: date | None = None,
                  until: date | None = None, kinds: Sequence[str] = NATIONAL_KINDS) -> bytes:
    """``/feed.xml``: every LA's inspections, visits, publications, new statistics, adverse-move flags
    and early-warning moves over the last 90 days (band moves left out: see the module doc).
    ``kinds`` narrows it (the dashboard leaves out ``score``, which fits the model twice)."""
    since, until = _window(since, until)
    changes = what_changed(store, since, until, kinds=tuple(kinds))
    base = base_url.rstrip("/")
    return build_feed(changes, title="cscwatch: what changed in children's social care", feed_url=f"{base}/feed.xml",
                      site_url=base + "/", base_url=base)


def la_feed(store: Store, la: str, *, base_url: str = "http://127.0.0.1:8000", since: date | None = None,
            until: date | None = None, kinds: Sequence[str] = KINDS) -> bytes:
    """``/la/{code}/feed.xml``: one LA's changes (all ``kinds``) over the last 90 days."""
    from cscwatch.identity import resolve_la

    row = resolve_la(store, la)
    since, until = _window(since, until)
    changes = what_changed(store, since, until, las=[row["la_code_old"]], kinds=tuple(kinds))
    base = base_url.rstrip("/")
    code = quote(row["la_code_old"], safe="")
    return build_feed(changes, title=f"cscwatch: {row['la_name']}", feed_url=f"{base}/la/{code}/feed.xml",
                      site_url=f"{base}/la/{code}", base_url=base)


def peer_feed(store: Store, peers: Sequence[str] | str, *, la: str | None = None,
              base_url: str = "http://127.0.0.1:8000", since: date | None = None, until: date | None = None,
              kinds: Sequence[str] = KINDS) -> bytes:
    """A peer group's feed: ``peers`` are LA names or codes (a list or a comma string), or
    ``sn2025``/``sn2021`` with ``la`` for that LA and its statistical neighbours. Its self link is
    ``/feed.xml?peers=<every LA code in the group, comma-separated>``."""
    since, until = _window(since, until)
    changes = what_changed(store, since, until, las=[la] if la else None, peers=peers, kinds=tuple(kinds))
    codes = ",".join(changes["las"] or [])
    base = base_url.rstrip("/")
    query = f"peers={quote(codes, safe=',')}"
    names = changes["la_names"] or []
    return build_feed(changes, title=f"cscwatch: peer group {codes}", feed_url=f"{base}/feed.xml?{query}",
                      site_url=f"{base}/compare?{query}", base_url=base,
                      subtitle=f"Changes for {len(changes['las'] or [])} LAs ({', '.join(names[:6])}"
                               f"{'…' if len(names) > 6 else ''}) from {since} to {until}.")


# -- the daily digest ------------------------------------------------------------------------------
def render_digest(changes: dict[str, Any]) -> str:
    """The digest as Markdown: counts, then each kind's items (templates/digest.md.j2)."""
    groups = [(k, [i for i in changes["items"] if i["kind"] == k]) for k in KINDS]
    return _TEMPLATES.get_template("digest.md.j2").render(changes=changes, groups=[g for g in groups if g[1]],
                                                          kinds=KINDS)


def _write(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def write_digest(store: Store, folder: str | Path, *, since: date | None = None, until: date | None = None,
                 las: Iterable[str] | str | None = None, peers: Iterable[str] | str | None = None) -> dict[str, Any]:
    """Write ``digest-<until>.md`` and ``digest-<until>.json`` into ``folder`` (default window: the
    day before ``until`` and ``until`` itself). Returns ``{markdown, json, items, sha256}``."""
    until = until or date.today()
    since = since or until - timedelta(days=1)
    changes = what_changed(store, since, until, las=las, peers=peers)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / f"digest-{until.isoformat()}.md"
    js = folder / f"digest-{until.isoformat()}.json"
    text = render_digest(changes)
    _write(md, text)
    _write(js, json.dumps(to_jsonable(changes), indent=2, ensure_ascii=False) + "\n")
    return {"markdown": str(md), "json": str(js), "items": len(changes["items"]),
            "sha256": hashlib.sha256(text.encode()).hexdigest()}
