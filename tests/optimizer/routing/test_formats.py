"""Benchmark readers: each convention reproduces the published best-known costs exactly."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from optimizer.routing.formats import (
    BenchmarkInstance,
    distance_matrix,
    format_solution,
    read_instance,
    read_solution,
)
from optimizer.routing.verify import solution_problems

coordinate = st.integers(-1000, 1000)


@given(st.tuples(coordinate, coordinate), st.tuples(coordinate, coordinate))
def test_integer_conventions_match_exact_integer_arithmetic(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    s = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
    coords = np.array([a, b], dtype=np.float64)
    # nint(sqrt(s)) = floor((floor(2 sqrt s) + 1) / 2); floor(10 sqrt s) = isqrt(100 s).
    assert distance_matrix(coords, "EUC_2D")[0, 1] == (math.isqrt(4 * s) + 1) // 2
    assert distance_matrix(coords, "FLOOR_2D")[0, 1] == math.isqrt(100 * s)


def tour_routes(path: Path, n: int) -> list[list[int]]:
    """Routes of an LKH-3 `.tour`: node 1 and ids above the instance's DIMENSION are depots."""
    lines = path.read_text().split("TOUR_SECTION")[1].split()
    routes: list[list[int]] = [[]]
    for token in lines:
        node = int(token)
        if node == -1:
            break
        if node == 1 or node > n + 1:
            routes.append([])
        else:
            routes[-1].append(node - 1)
    return [r for r in routes if r]


def best_known(vrp_dir: Path) -> list[tuple[Path, Path, float]]:
    out = []
    for folder in (vrp_dir, vrp_dir / "scaling"):
        with (folder / "bks.csv").open() as fh:
            for row in csv.DictReader(fh):
                name = row["instance"]
                inst = next(folder.rglob(f"{name}.vrp*"), None) or next(
                    folder.rglob(f"{name}.*.vrptw")
                )
                sol = next(folder.rglob(f"{name}.sol"), None) or next(
                    folder.rglob(f"{name}.*.tour")
                )
                out.append((inst, sol, float(row["bks"])))
    return out


def test_every_best_known_solution_is_feasible_and_costs_its_bks(vrp_dir: Path) -> None:
    cases = best_known(vrp_dir)
    assert len(cases) == 18
    for inst_path, sol_path, bks in cases:
        inst = read_instance(inst_path)
        if sol_path.suffix == ".sol":
            routes = read_solution(sol_path.read_text())
        else:
            routes = tour_routes(sol_path, inst.num_customers)
        big_fleet = BenchmarkInstance(**{**inst.__dict__, "fleet": len(routes)})
        assert solution_problems(big_fleet, routes) == [], inst.name
        cost = inst.cost(routes) / inst.scale
        tolerance = 0.002 if inst.convention == "EXACT_2D" else 1e-9
        assert abs(cost - bks) <= tolerance, (inst.name, cost, bks)


def test_solution_text_round_trips(vrp_dir: Path) -> None:
    inst = read_instance(vrp_dir / "cvrp" / "X-n101-k25.vrp")
    routes = read_solution((vrp_dir / "cvrp" / "X-n101-k25.sol").read_text())
    text = format_solution(inst, routes)
    assert text.splitlines()[-1] == "Cost 27591"
    assert read_solution(text) == routes


def test_solomon_cost_prints_one_decimal(vrp_dir: Path) -> None:
    inst = read_instance(vrp_dir / "vrptw" / "C101.100.10.vrptw")
    assert (inst.scale, inst.capacity, inst.fleet) == (10, 200, 25)
    assert inst.service is not None
    assert inst.service[1] == 900
    assert inst.format_cost(8273) == "827.3"


SOLOMON_TXT = """C101X

VEHICLE
NUMBER     CAPACITY
  25         200

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      40         50          0          0       1236          0
    1      45         68         10        912        967         90
    2      45         70         30        825        870         90
    3      42         66         10         65        146         90
    4      42         68         10        727        782         90
    5      42         65         10         15         67         90
"""


def test_classic_solomon_text_uses_the_dimacs_convention(tmp_path: Path) -> None:
    path = tmp_path / "c101x.txt"
    path.write_text(SOLOMON_TXT)
    inst = read_instance(path)
    assert (inst.name, inst.num_customers, inst.fleet, inst.capacity) == ("C101X", 5, 25, 200)
    assert inst.distances[0, 1] == math.isqrt(100 * (5**2 + 18**2))
    assert inst.windows is not None
    assert tuple(inst.windows[1]) == (9120, 9670)
    problem = inst.to_problem()
    assert problem.vehicles[0].shift_length == 12360


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a.vrp", "NAME : a\nTYPE : CVRP\n"),
        (
            "a.vrp",
            "NAME : a\nDIMENSION : 2\nCAPACITY : 5\nEDGE_WEIGHT_TYPE : GEO\n"
            "NODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\n",
        ),
        ("a.txt", "nothing here\n"),
        ("a.json", "{}"),
    ],
)
def test_unreadable_instances_are_refused(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidInput):
        read_instance(path)
