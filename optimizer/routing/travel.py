"""Travel distances and times for a district's routing problem.

By default distance is the great-circle distance times a road factor (roads are longer than
the straight line; 1.3 is a common rural estimate) and time follows from each vehicle's
average speed. A district that has a real distance/time table supplies it as CSV instead;
an OSRM road-network server can be asked too (`optimizer.routing.osrm`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.errors import FieldProblem, InvalidInput, ProblemList
from optimizer.routing.model import IntMatrix

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_ROAD_FACTOR = 1.3


@dataclass(frozen=True)
class Point:
    """A WGS 84 position in decimal degrees."""

    lat: float
    lon: float


def great_circle_m(points: list[Point]) -> npt.NDArray[np.float64]:
    """Haversine distances in metres between every pair of points."""
    lat = np.radians([p.lat for p in points])
    lon = np.radians([p.lon for p in points])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    out: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def road_distances(points: list[Point], *, road_factor: float = DEFAULT_ROAD_FACTOR) -> IntMatrix:
    """Estimated road distances in whole metres: great circle × `road_factor`."""
    if road_factor < 1:
        raise InvalidInput("road_factor must be at least 1 (roads are never shorter than the arc)")
    for i, p in enumerate(points):
        if not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180):
            raise InvalidInput(
                "a point is outside WGS 84 range",
                problems=[FieldProblem(("points", i), "lat in [-90, 90], lon in [-180, 180]")],
            )
    out: IntMatrix = np.rint(great_circle_m(points) * road_factor).astype(np.int64)
    return out


def speed_m_per_s(kmh: float) -> float:
    """Vehicle speed for `Vehicle.speed` when distances are metres and times seconds."""
    return kmh / 3.6


@dataclass(frozen=True)
class MatrixTable:
    """A district's travel table: location ids in matrix order, metres, optional seconds."""

    ids: tuple[str, ...]
    distances: IntMatrix
    durations: IntMatrix | None


def read_matrix_csv(text: str) -> MatrixTable:
    """Read `from,to,distance_m[,duration_s]` rows into square matrices.

    Every ordered pair of distinct locations must be present (the diagonal is zero); a
    table with bad or missing rows is rejected whole, listing each problem.
    """
    reader = csv.DictReader(io.StringIO(text))
    fields = set(reader.fieldnames or ())
    if not {"from", "to", "distance_m"} <= fields:
        raise InvalidInput("the matrix CSV needs the columns from, to, distance_m [, duration_s]")
    has_time = "duration_s" in fields
    problems = ProblemList()
    ids: dict[str, int] = {}
    arcs: dict[tuple[int, int], tuple[int, int]] = {}
    seen: set[tuple[int, int]] = set()
    for line, row in enumerate(reader, start=2):
        a, b = (row.get("from") or "").strip(), (row.get("to") or "").strip()
        values = []
        for column in ("distance_m", "duration_s") if has_time else ("distance_m",):
            try:
                value = int(row.get(column) or "")
            except ValueError:
                problems.add(FieldProblem(("rows", line), "not a whole number", line, column))
                continue
            if value < 0:
                problems.add(FieldProblem(("rows", line), "must not be negative", line, column))
            values.append(value)
        if not a or not b:
            problems.add(FieldProblem(("rows", line), "from and to are required", line))
            continue
        i, j = ids.setdefault(a, len(ids)), ids.setdefault(b, len(ids))
        if (i, j) in seen:
            problems.add(FieldProblem(("rows", line), f"{a} -> {b} appears twice", line))
        seen.add((i, j))
        if len(values) == (2 if has_time else 1):
            arcs[(i, j)] = (values[0], values[-1])
    n = len(ids)
    names = list(ids)
    for i in range(n):
        for j in range(n):
            if i != j and (i, j) not in seen:
                problems.add(FieldProblem(("rows",), f"missing {names[i]} -> {names[j]}"))
    problems.raise_if_any("the travel matrix is not valid")
    distances = np.zeros((n, n), dtype=np.int64)
    durations = np.zeros((n, n), dtype=np.int64)
    for (i, j), (d, t) in arcs.items():
        distances[i, j] = d
        durations[i, j] = t
    return MatrixTable(tuple(names), distances, durations if has_time else None)
