"""Atom feeds (checked with feedparser) and the daily digest."""
from __future__ import annotations

import json
from datetime import date

import feedparser
import pytest

from cscwatch.watch.feeds import build_feed, la_feed, national_feed, peer_feed, render_digest, write_digest

from .conftest import WINDOW

SITE = "https://cscwatch.example"


def _parse(xml: bytes):
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_national_feed_is_valid_atom_without_band_moves(tiny, fake_scores):
    feed = _parse(national_feed(tiny, base_url=SITE, since=WINDOW[0], until=WINDOW[1]))
    kinds = [e.tags[0].term for e in feed.entries]
    assert "band" not in kinds and {"inspection", "visit", "flag", "score"} <= set(kinds)
    assert feed.feed.id == f"{SITE}/feed.xml"
    assert any(link.rel == "self" and link.href == f"{SITE}/feed.xml" for link in feed.feed.links)
    first = feed.entries[0]
    assert first.id.startswith("urn:cscwatch:change:") and first.link.startswith(f"{SITE}/la/")
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True), "newest first"


def test_an_la_feed_and_a_peer_feed(tiny, fake_scores):
    la = _parse(la_feed(tiny, "LA 1", base_url=SITE, since=WINDOW[0], until=WINDOW[1]))
    assert la.feed.title == "cscwatch: LA 1" and la.feed.id == f"{SITE}/la/801/feed.xml"
    assert {e.tags[0].term for e in la.entries} == {"inspection", "band", "flag", "score"}
    assert all(e.link == f"{SITE}/la/801" for e in la.entries)
    peers = _parse(peer_feed(tiny, "LA 1, LA 3", base_url=SITE, since=WINDOW[0], until=WINDOW[1]))
    assert peers.feed.id == f"{SITE}/feed.xml?peers=801,803"
    assert {e.link for e in peers.entries} == {f"{SITE}/la/801", f"{SITE}/la/803"}


def test_entry_ids_are_stable_across_builds(tiny, fake_scores):
    a = _parse(la_feed(tiny, "801", base_url=SITE, since=WINDOW[0], until=WINDOW[1]))
    b = _parse(la_feed(tiny, "801", base_url=SITE, since=WINDOW[0], until=WINDOW[1]))
    assert [e.id for e in a.entries] == [e.id for e in b.entries]


def test_an_empty_feed_is_still_valid():
    xml = build_feed({"since": date(2026, 1, 1), "until": date(2026, 1, 2), "items": []}, title="t",
                     feed_url=f"{SITE}/feed.xml", site_url=SITE, base_url=SITE)
    assert _parse(xml).entries == []


def test_the_digest_files(tiny, fake_scores, tmp_path):
    out = write_digest(tiny, tmp_path / "digests", since=WINDOW[0], until=WINDOW[1], las="LA 1")
    md = (tmp_path / "digests" / "digest-2024-11-30.md").read_text()
    assert out["markdown"].endswith("digest-2024-11-30.md") and out["items"] == 4
    assert md.startswith("# cscwatch digest: 2024-10-01 to 2024-11-30\n")
    assert "For 1 local authorities: LA 1." in md and "- Inspections: 1\n" in md
    assert "## Early-warning moves" in md and "LA 1: early-warning band medium to high" in md
    data = json.loads((tmp_path / "digests" / "digest-2024-11-30.json").read_text())
    assert data["until"] == "2024-11-30" and len(data["items"]) == 4
    assert not list((tmp_path / "digests").glob("*.part"))


def test_a_quiet_day_says_so(tiny, fake_scores, tmp_path):
    out = write_digest(tiny, tmp_path, until=date(2022, 6, 1))
    text = (tmp_path / "digest-2022-06-01.md").read_text()
    assert out["items"] == 0 and "Nothing changed in this window." in text
    assert "2022-05-31 to 2022-06-01" in text and "For every local authority." in text


@pytest.mark.parametrize("kind", ["inspection", "score"])
def test_render_digest_groups_by_kind(tiny, fake_scores, kind):
    from cscwatch.watch.changes import what_changed

    text = render_digest(what_changed(tiny, *WINDOW, kinds=(kind,)))
    assert text.count("\n## ") == 1
