"""Upper-tier LA boundaries for the maps, dissolved from district boundaries once, at build time.

Children's services are run by upper-tier authorities (counties, unitaries, metropolitan and London
boroughs) but ONS publishes generalised boundaries for districts. ``dissolve`` merges each county's
districts by cancelling the edges they share (ONS generalised boundaries are topologically
consistent, so a shared edge appears once in each direction) and stitching what is left into rings.
Pure Python: no GEOS needed for a 300-polygon map. :func:`load_geo` writes the result to the
``la_boundary`` table (one row per upper-tier area, matched to its ``la_code_old``), so the views
never open a source file: they read the table.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from cscwatch.store import Store

Point = tuple[float, float]
Ring = list[Point]

#: The bundled district boundaries (LAD May 2023) and LTLA→UTLA 2023 lookup, under the data folder.
BOUNDARIES = "geo/local_authority_districts_boundaries.json.gz"
LOOKUP = "geo/ltla23_utla23_lookup.csv"
FINGERPRINT_KEY = "build:geo"

#: Decimal places kept in the served GeoJSON: 4 dp is about 10 m, far below a screen pixel.
PRECISION = 4


def _read_text(path: Path) -> str:
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def _rings(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    else:
        raise ValueError(f"unsupported geometry type {geometry['type']!r}")


def signed_area(ring: Ring) -> float:
    """Shoelace area; positive for counter-clockwise rings."""
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]))


def point_in_ring(pt: Point, ring: Ring) -> bool:
    x, y = pt
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def dissolve_rings(rings: Iterable[Ring]) -> list[list[Ring]]:
    """Merge polygons' rings into the polygons of their union (as ``[outer, *holes]`` lists,
    outer rings clockwise as d3-geo expects).

    Every directed edge that also appears reversed is interior and is dropped; the remaining edges
    keep their direction, so walking them gives the outer and hole rings of the union.
    """
    directed: dict[tuple[Point, Point], int] = defaultdict(int)
    for ring in rings:
        pts = [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts = pts[:-1]
        for a, b in zip(pts, pts[1:] + pts[:1]):
            if a != b:
                directed[(a, b)] += 1
    boundary = []
    for (a, b), n in directed.items():
        back = directed.get((b, a), 0)
        boundary.extend([(a, b)] * max(n - back, 0))
    outgoing: dict[Point, list[Point]] = defaultdict(list)
    for a, b in boundary:
        outgoing[a].append(b)
    out_rings: list[Ring] = []
    for start in list(outgoing):
        while outgoing[start]:
            ring = [start]
            cur = outgoing[start].pop()
            while cur != start and outgoing.get(cur):
                ring.append(cur)
                cur = outgoing[cur].pop()
            if len(ring) >= 3:
                out_rings.append(ring)
    if not out_rings:
        return []
    areas = [signed_area(r) for r in out_rings]
    largest = max(range(len(out_rings)), key=lambda i: abs(areas[i]))
    outer_sign = areas[largest] > 0
    outers = [i for i, a in enumerate(areas) if (a > 0) == outer_sign]
    polygons: dict[int, list[Ring]] = {i: [out_rings[i]] for i in outers}
    for i, a in enumerate(areas):
        if (a > 0) == outer_sign:
            continue
        holder = next((o for o in sorted(outers, key=lambda o: abs(areas[o]))
                       if point_in_ring(out_rings[i][0], out_rings[o])), None)
        if holder is not None:
            polygons[holder].append(out_rings[i])
    return [[_close(_oriented(r, clockwise=(k == 0))) for k, r in enumerate(rs)] for rs in polygons.values()]


def _oriented(ring: Ring, *, clockwise: bool) -> Ring:
    """d3-geo (which plotly draws with) wants outer rings clockwise and holes counter-clockwise;
    the other way round it fills the whole globe except the polygon."""
    return ring if (signed_area(ring) < 0) == clockwise else ring[::-1]


def _close(ring: Ring) -> list[list[float]]:
    return [[round(x, PRECISION), round(y, PRECISION)] for x, y in ring + ring[:1]]


def read_lookup(path: Path) -> dict[str, tuple[str, str]]:
    """LTLA code → (UTLA code, UTLA name), England only."""
    rows = csv.DictReader(io.StringIO(_read_text(path).lstrip("\ufeff")))
    return {r["LTLA23CD"]: (r["UTLA23CD"], r["UTLA23NM"]) for r in rows if r["LTLA23CD"].startswith("E")}


def dissolve(districts: Mapping[str, Any], lookup: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """District FeatureCollection → upper-tier FeatureCollection with ``id`` = UTLA code."""
    rings_by_utla: dict[str, list[Ring]] = defaultdict(list)
    names: dict[str, str] = {}
    for feature in districts["features"]:
        lad = feature["properties"].get("LAD23CD") or feature["properties"].get("LAD24CD")
        if lad not in lookup:
            continue
        utla, name = lookup[lad]
        names[utla] = name
        rings_by_utla[utla].extend([tuple(p[:2]) for p in ring] for ring in _rings(feature["geometry"]))
    features = []
    for utla in sorted(rings_by_utla):
        polygons = dissolve_rings(rings_by_utla[utla])
        features.append({"type": "Feature", "id": utla, "properties": {"code": utla, "name": names[utla]},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    return {"type": "FeatureCollection", "features": features}


def boundary_rows(data_dir: Path, store: Store) -> list[dict[str, Any]]:
    """One row per upper-tier area: its ONS code and name, the ``la_code_old`` it maps to (by ONS
    code, a code alias such as Barnsley's and Sheffield's 2025 recoding, then name) and its geometry."""
    from cscwatch.identity import directory, normalise_name

    collection = dissolve(json.loads(_read_text(data_dir / BOUNDARIES)), read_lookup(data_dir / LOOKUP))
    d = directory(store)
    current = {normalise_name(r["la_name"]): c for c, r in d.las.items() if r["valid_to"] is None}
    rows = []
    for f in collection["features"]:
        code = f["id"]
        hits = [c for c in d.aliases.get(code, []) if d.las.get(c, {}).get("valid_to") is None]
        la = hits[0] if hits else current.get(normalise_name(f["properties"]["name"]))
        rows.append({"area_code": code, "area_name": f["properties"]["name"], "la_code_old": la,
                     "geometry": json.dumps(f["geometry"], separators=(",", ":"))})
    return rows


def fingerprint(data_dir: Path) -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    for name in (BOUNDARIES, LOOKUP):
        h.update((data_dir / name).read_bytes())
    return h.hexdigest()


def is_current(store: Store, data_dir: Path) -> bool:
    """Whether ``la_boundary`` already holds these boundaries (read-only check)."""
    if not (data_dir / BOUNDARIES).is_file() or not store.has_table("la_boundary"):
        return not (data_dir / BOUNDARIES).is_file()
    recorded = store.scalar("SELECT sha256 FROM source_file WHERE source_id = ?", [FINGERPRINT_KEY])
    return recorded == fingerprint(data_dir)


def load_geo(store: Store, data_dir: Path, progress: Any = None, *, force: bool = False) -> int | None:
    """Dissolve the bundled districts into upper-tier areas and write ``la_boundary`` (run by
    ``cscwatch build`` after identity); None when unchanged or when no boundaries are bundled."""
    if not (data_dir / BOUNDARIES).is_file() or (not force and is_current(store, data_dir)):
        return None
    if progress:
        progress("geo: upper-tier boundaries dissolved from districts")
    rows = boundary_rows(data_dir, store)
    with store.transaction() as con:
        con.execute("DELETE FROM la_boundary")
        con.executemany("INSERT INTO la_boundary (area_code, area_name, la_code_old, geometry) VALUES (?, ?, ?, ?)",
                        [[r["area_code"], r["area_name"], r["la_code_old"], r["geometry"]] for r in rows])
        con.execute("DELETE FROM source_file WHERE source_id = ?", [FINGERPRINT_KEY])
        con.execute("INSERT INTO source_file VALUES (?, ?, ?, ?, ?, 'loaded', NULL)",
                    [FINGERPRINT_KEY, BOUNDARIES, fingerprint(data_dir), datetime.now(), len(rows)])
    return len(rows)
