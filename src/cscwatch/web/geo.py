"""Upper-tier LA boundaries for the choropleth maps, dissolved from district boundaries.

Children's services are run by upper-tier authorities (counties, unitaries, metropolitan and London
boroughs) but ONS publishes generalised boundaries for districts. ``dissolve`` merges each county's
districts by cancelling the edges they share (ONS generalised boundaries are topologically
consistent, so a shared edge appears once in each direction) and stitching what is left into rings.
Pure Python: no GEOS needed for a 300-polygon map.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

Point = tuple[float, float]
Ring = list[Point]

#: Districts GeoJSON (LAD May 2023) and the LTLA→UTLA 2023 lookup: the copies bundled in
#: ``cscwatch/data/geo`` first, then ``../shared/data`` (a source checkout next to the data).
BOUNDARIES_NAMES = ("local_authority_districts_boundaries.json.gz", "local_authority_districts_boundaries.json")
LOOKUP_NAMES = ("ltla23_utla23_lookup.csv", "ons_ltla23_utla23_lookup_england_wales.csv")

#: Decimal places kept in the served GeoJSON: 4 dp is about 10 m, far below a screen pixel.
PRECISION = 4


def _candidate_dirs() -> list[Path]:
    here = Path(__file__).resolve()
    repo = here.parents[3]
    shared = Path(os.environ.get("CSCWATCH_SHARED", repo.parent / "shared"))
    return [here.parents[1] / "data" / "geo", here.parents[1] / "data" / "lookups",
            shared / "data" / "geo", shared / "data" / "lookups"]


def find_source(names: Iterable[str]) -> Path | None:
    """The first copy of a geo source file: the package's ``data/`` first, then ``../shared/data``."""
    for d in _candidate_dirs():
        for name in names:
            if (d / name).is_file():
                return d / name
    return None


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


_lock = threading.Lock()
_cache: dict[str, Any] = {}


def upper_tier_geojson(cache_dir: Path | None = None) -> dict[str, Any] | None:
    """The dissolved upper-tier GeoJSON, computed once per process and cached on disk when possible.

    ``None`` when the district boundaries are not available (the maps then fall back to tables).
    """
    with _lock:
        if "utla" in _cache:
            return _cache["utla"]
        boundaries, lookup = find_source(BOUNDARIES_NAMES), find_source(LOOKUP_NAMES)
        if boundaries is None or lookup is None:
            _cache["utla"] = None
            return None
        cache_file = None
        if cache_dir is not None:
            stamp = f"{boundaries.stat().st_size}-{int(boundaries.stat().st_mtime)}"
            cache_file = cache_dir / f"utla23-{stamp}.geojson"
            if cache_file.is_file():
                _cache["utla"] = json.loads(cache_file.read_text())
                return _cache["utla"]
        result = dissolve(json.loads(_read_text(boundaries)), read_lookup(lookup))
        if cache_file is not None:
            try:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                cache_file.write_text(json.dumps(result, separators=(",", ":")))
            except OSError:
                pass
        _cache["utla"] = result
        return result
