"""Lineage fill: a merged or split LA inherits its predecessors' history, as documented."""
from __future__ import annotations

from datetime import date

from cscwatch.risk.history import lineage_fill, load_history
from cscwatch.risk.rules import Event


def _insp(la, day, grade, fw="SIF"):
    return Event("inspection", day, day, fw, "first", {"overall": grade}, f"{la}:{day}", la)


def test_successor_inherits_every_predecessor_event_before_the_change():
    own = {"A": [_insp("A", date(2015, 3, 1), 3), _insp("A", date(2018, 6, 1), 4, "ILACS")],
           "B": [_insp("B", date(2016, 5, 1), 2), _insp("B", date(2020, 1, 1), 2, "ILACS")],  # after the merger
           "C": [_insp("C", date(2021, 9, 1), 3, "ILACS")]}
    lineage = [{"predecessor": "A", "successor": "C", "effective_date": date(2019, 4, 1), "kind": "merger"},
               {"predecessor": "B", "successor": "C", "effective_date": date(2019, 4, 1), "kind": "merger"}]
    filled = lineage_fill(own, lineage)
    c = filled["C"]
    assert [(e.day, e.inherited_from) for e in c] == [
        (date(2015, 3, 1), "A"), (date(2016, 5, 1), "B"), (date(2018, 6, 1), "A"), (date(2021, 9, 1), None)]
    assert filled["A"] == own["A"] and all(e.inherited_from is None for e in filled["A"])


def test_chains_and_splits():
    own = {"A": [_insp("A", date(2014, 1, 1), 4)], "B": [], "D": [], "E": []}
    lineage = [{"predecessor": "A", "successor": "B", "effective_date": date(2016, 1, 1), "kind": "recode"},
               {"predecessor": "B", "successor": "D", "effective_date": date(2021, 4, 1), "kind": "split"},
               {"predecessor": "B", "successor": "E", "effective_date": date(2021, 4, 1), "kind": "split"}]
    filled = lineage_fill(own, lineage)
    for la in ("B", "D", "E"):
        assert [(e.day, e.inherited_from) for e in filled[la]] == [(date(2014, 1, 1), "A")]


def test_generated_store_merger_and_visit_record(synth_store):
    h = load_history(synth_store)
    successor = "899"
    merged = ("838", "839")
    inherited = [e for e in h.events[successor] if e.inherited_from]
    assert inherited and {e.inherited_from for e in inherited} <= set(merged)
    assert all(e.day < date(2021, 4, 1) for e in inherited)
    own = [e for e in h.events[successor] if not e.inherited_from]
    assert own and all(e.day >= date(2021, 4, 1) for e in own)
    assert h.created()[successor] == date(2021, 4, 1)
    assert successor in h.existing_on(date(2022, 1, 1)) and "838" not in h.existing_on(date(2022, 1, 1))
    assert h.visits_from == date(2019, 2, 1)  # first full month of the visit record
