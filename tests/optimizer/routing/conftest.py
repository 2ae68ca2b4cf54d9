"""Fixtures for the routing tests: the shared benchmark folder and small problem builders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from optimizer.routing.model import Depot, IntMatrix, RoutingProblem, Stop, Vehicle

REPO_ROOT = Path(__file__).resolve().parents[3]
VRP_DIR = Path(os.environ.get("RELIEF_SHARED_DIR", REPO_ROOT.parent / "shared")) / "bench" / "vrp"


@pytest.fixture
def vrp_dir() -> Path:
    if not (VRP_DIR / "bks.csv").exists():
        pytest.skip("shared benchmark data not found (set RELIEF_SHARED_DIR)")
    return VRP_DIR


def line_matrix(xs: list[int]) -> IntMatrix:
    """Distances between points on a line: |x_i - x_j|."""
    a = np.asarray(xs, dtype=np.int64)
    out: IntMatrix = np.abs(a[:, None] - a[None, :])
    return out


def problem_on_line(
    xs: list[int], stops: list[Stop], vehicles: list[Vehicle], *, timed: bool = False
) -> RoutingProblem:
    """Depot at location 0 (x = xs[0]); stops refer to the other locations."""
    d = line_matrix(xs)
    return RoutingProblem(
        depots=(Depot("depot", 0),),
        stops=tuple(stops),
        vehicles=tuple(vehicles),
        distances=d,
        durations=d if timed else None,
    )
