"""Literature benchmark formats: CVRPLIB `.vrp`, LKH-3 `.vrptw`, Solomon `.txt`, `.sol` output.

Each format brings its own distance convention, and a gap to a best-known solution only
means something under the convention that solution was computed with:

* CVRPLIB `EUC_2D` (X, A, E, P sets): `nint(euclid)`, an integer per arc;
* Solomon 100 (`FLOOR_2D`, `SCALE : 10`, and the classic `.txt`): the DIMACS rule
  `floor(10 * euclid) / 10`; we work in tenths, so times and service are scaled by 10 too;
* Gehring–Homberger (`EXACT_2D`): real Euclidean; we work in thousandths (`nint(1000 *
  euclid)`, as LKH-3 does), scaling times the same way.

An instance keeps the integer matrix and its `scale`; a cost in the benchmark's unit is the
integer cost divided by the scale.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from core.errors import InvalidInput
from optimizer.routing.model import (
    Depot,
    IntMatrix,
    RoutingProblem,
    Stop,
    TimeWindow,
    Vehicle,
)
from optimizer.routing.result import RoutingResult

Convention = Literal["EUC_2D", "FLOOR_2D", "EXACT_2D"]
_SCALES: dict[Convention, int] = {"EUC_2D": 1, "FLOOR_2D": 10, "EXACT_2D": 1000}


@dataclass(frozen=True)
class BenchmarkInstance:
    """A literature instance: node 0 is the depot, nodes 1..n the customers.

    `windows`, `service` and `distances` are already in the scaled integer unit. `fleet` is
    the number of vehicles the solver may use (the benchmarks minimise distance only, so
    extra vehicles are harmless; empty ones cost nothing).
    """

    name: str
    convention: Convention
    coords: npt.NDArray[np.float64]
    demands: npt.NDArray[np.int64]
    capacity: int
    fleet: int
    distances: IntMatrix
    windows: npt.NDArray[np.int64] | None = None
    service: npt.NDArray[np.int64] | None = None

    @property
    def scale(self) -> int:
        return _SCALES[self.convention]

    @property
    def num_customers(self) -> int:
        return len(self.demands) - 1

    def to_problem(self) -> RoutingProblem:
        """The instance as a `RoutingProblem`; stop i-1 is customer i, location i."""
        stops = tuple(
            Stop(
                name=str(i),
                location=i,
                weight=int(self.demands[i]),
                service_time=int(self.service[i]) if self.service is not None else 0,
                window=(
                    TimeWindow(int(self.windows[i, 0]), int(self.windows[i, 1]))
                    if self.windows is not None
                    else None
                ),
            )
            for i in range(1, len(self.demands))
        )
        shift_end = int(self.windows[0, 1]) if self.windows is not None else None
        vehicles = tuple(
            Vehicle(
                name=f"v{k + 1}",
                start_depot=0,
                end_depot=0,
                weight_capacity=self.capacity,
                shift_start=int(self.windows[0, 0]) if self.windows is not None else 0,
                shift_length=shift_end,
            )
            for k in range(self.fleet)
        )
        durations = self.distances if self.windows is not None else None
        return RoutingProblem(
            depots=(Depot("depot", 0),),
            stops=stops,
            vehicles=vehicles,
            distances=self.distances,
            durations=durations,
        )

    def cost(self, routes: list[list[int]]) -> int:
        """Integer cost of routes given as customer numbers (1..n), depot implicit."""
        total = 0
        for route in routes:
            path = [0, *route, 0]
            total += int(sum(self.distances[a, b] for a, b in itertools.pairwise(path)))
        return total

    def format_cost(self, cost: int) -> str:
        """A scaled integer cost in the benchmark's unit (`827.3`, `1763`, `4784.110`)."""
        digits = round(math.log10(self.scale))
        return str(cost) if digits == 0 else f"{cost / self.scale:.{digits}f}"


def distance_matrix(coords: npt.NDArray[np.float64], convention: Convention) -> IntMatrix:
    """Integer distances under a benchmark convention (see the module docstring)."""
    diff = coords[:, None, :] - coords[None, :, :]
    euclid: npt.NDArray[np.float64] = np.sqrt((diff**2).sum(axis=2))
    if convention == "EUC_2D":
        scaled = np.floor(euclid + 0.5)
    elif convention == "FLOOR_2D":
        # 1e-9 keeps exact tenths (a 3-4-5 triangle gives 50.0, never 49.999...).
        scaled = np.floor(10 * euclid + 1e-9)
    else:
        scaled = np.floor(1000 * euclid + 0.5)
    out: IntMatrix = scaled.astype(np.int64)
    return out


def read_instance(path: Path) -> BenchmarkInstance:
    """Read `.vrp`, `.vrptw` or Solomon `.txt` by its suffix."""
    text = path.read_text()
    if path.suffix == ".txt":
        return _read_solomon(text, path.stem)
    if path.suffix in (".vrp", ".vrptw"):
        return _read_vrplib(text, path.name.split(".")[0])
    raise InvalidInput(f"{path.name}: unknown instance format (expected .vrp, .vrptw or .txt)")


def _read_vrplib(text: str, fallback_name: str) -> BenchmarkInstance:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
            current = None
        elif line.endswith("_SECTION") or line.split()[0].endswith("_SECTION"):
            current = line.split()[0].upper()
            sections[current] = []
        elif current is not None:
            sections[current].append(line.split())
    try:
        dimension = int(header["DIMENSION"])
        capacity = int(header["CAPACITY"])
        convention = header.get("EDGE_WEIGHT_TYPE", "EUC_2D").split()[0]
        coord_rows = sections["NODE_COORD_SECTION"]
        demand_rows = sections["DEMAND_SECTION"]
    except (KeyError, ValueError) as exc:
        raise InvalidInput(f"not a CVRPLIB/LKH-3 instance: missing or bad {exc}") from exc
    if convention not in _SCALES:
        raise InvalidInput(f"EDGE_WEIGHT_TYPE {convention} is not supported")
    conv: Convention = convention
    depots = [int(r[0]) for r in sections.get("DEPOT_SECTION", [["1"]]) if int(r[0]) > 0]
    if depots != [1]:
        raise InvalidInput("only instances with node 1 as the single depot are supported")
    coords = np.zeros((dimension, 2))
    for row in coord_rows:
        coords[int(row[0]) - 1] = (float(row[1]), float(row[2]))
    demands = np.zeros(dimension, dtype=np.int64)
    for row in demand_rows:
        demands[int(row[0]) - 1] = int(row[1])
    scale = _SCALES[conv]
    windows = service = None
    if "TIME_WINDOW_SECTION" in sections:
        windows = np.zeros((dimension, 2), dtype=np.int64)
        for row in sections["TIME_WINDOW_SECTION"]:
            windows[int(row[0]) - 1] = (round(float(row[1]) * scale), round(float(row[2]) * scale))
        service = np.full(dimension, round(float(header.get("SERVICE_TIME", "0")) * scale))
        service[0] = 0
    name = header.get("NAME", fallback_name)
    n = dimension - 1
    if windows is not None:
        fleet = max(int(header.get("VEHICLES", "0")), math.ceil(n / 4))
    else:
        fleet = _cvrp_fleet(name, int(demands.sum()), capacity)
    return BenchmarkInstance(
        name,
        conv,
        coords,
        demands,
        capacity,
        fleet,
        distance_matrix(coords, conv),
        windows,
        service,
    )


def _cvrp_fleet(name: str, demand: int, capacity: int) -> int:
    """Enough vehicles for an unlimited-fleet CVRP: the `-kN` of the name or the bin bound,
    plus slack, because best-known solutions sometimes use one or two routes more."""
    match = re.search(r"-k(\d+)", name)
    lower = max(math.ceil(demand / capacity), int(match.group(1)) if match else 0)
    return lower + max(2, lower // 10)


def _read_solomon(text: str, fallback_name: str) -> BenchmarkInstance:
    """Classic Solomon layout: name, `VEHICLE` block (number, capacity), `CUSTOMER` table."""
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    try:
        name = lines[0][0] if lines[0] else fallback_name
        v_at = next(i for i, ln in enumerate(lines) if ln[0].upper() == "VEHICLE")
        fleet, capacity = int(lines[v_at + 2][0]), int(lines[v_at + 2][1])
        rows = [ln for ln in lines if len(ln) == 7 and all(_is_number(x) for x in ln)]
    except (StopIteration, IndexError, ValueError) as exc:
        raise InvalidInput("not a Solomon instance: no VEHICLE block") from exc
    if not rows or int(rows[0][0]) != 0:
        raise InvalidInput("not a Solomon instance: the customer table must start at node 0")
    table = np.asarray(rows, dtype=np.float64)
    coords = table[:, 1:3]
    scale = _SCALES["FLOOR_2D"]
    windows = np.round(table[:, 4:6] * scale).astype(np.int64)
    service = np.round(table[:, 6] * scale).astype(np.int64)
    return BenchmarkInstance(
        name,
        "FLOOR_2D",
        coords,
        table[:, 3].astype(np.int64),
        capacity,
        fleet,
        distance_matrix(coords, "FLOOR_2D"),
        windows,
        service,
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def customer_routes(result: RoutingResult) -> list[list[int]]:
    """A result's routes as CVRPLIB customer numbers (stop index + 1), in driving order."""
    return [[v.stop + 1 for v in r.visits] for r in result.routes]


def format_solution(instance: BenchmarkInstance, routes: list[list[int]]) -> str:
    """The CVRPLIB `.sol` text: `Route #k: c1 c2 ...` lines, then `Cost N`."""
    lines = [f"Route #{k}: {' '.join(map(str, r))}" for k, r in enumerate(routes, start=1)]
    lines.append(f"Cost {instance.format_cost(instance.cost(routes))}")
    return "\n".join(lines) + "\n"


def read_solution(text: str) -> list[list[int]]:
    """Routes from a CVRPLIB `.sol` text (the `Cost` line is ignored)."""
    routes = []
    for line in text.splitlines():
        if line.startswith("Route #"):
            routes.append([int(x) for x in line.partition(":")[2].split()])
    return routes
