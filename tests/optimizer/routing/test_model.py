"""A routing problem refuses bad data, listing every problem with its location."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InvalidInput
from optimizer.routing.model import Depot, RoutingProblem, Stop, TimeWindow, Vehicle

GOOD_D = np.array([[0, 5], [5, 0]], dtype=np.int64)
DEPOT = (Depot("d", 0),)
TRUCK = Vehicle("t", 0, 0, weight_capacity=10)


@pytest.mark.parametrize(
    ("kwargs", "loc"),
    [
        ({"distances": np.array([[0, 1, 2]])}, ("distances",)),
        ({"distances": np.array([[0.0, 1.5], [1.5, 0.0]])}, ("distances",)),
        ({"distances": np.array([[0, -1], [1, 0]])}, ("distances",)),
        ({"durations": np.zeros((3, 3), dtype=np.int64)}, ("durations",)),
        ({"depots": ()}, ("depots",)),
        ({"vehicles": ()}, ("vehicles",)),
        ({"depots": (Depot("d", 7),)}, ("depots", 0, "location")),
        ({"stops": (Stop("s", 9),)}, ("stops", 0, "location")),
        ({"stops": (Stop("s", 1, weight=-1),)}, ("stops", 0, "weight")),
        ({"stops": (Stop("s", 1, window=TimeWindow(5, 2)),)}, ("stops", 0, "window")),
        ({"stops": (Stop("s", 1, drop_penalty=0),)}, ("stops", 0, "drop_penalty")),
        ({"vehicles": (Vehicle("t", 1, 0, 10),)}, ("vehicles", 0, "start_depot")),
        ({"vehicles": (Vehicle("t", 0, 0, 0),)}, ("vehicles", 0, "weight_capacity")),
        ({"vehicles": (Vehicle("t", 0, 0, 10, speed=0),)}, ("vehicles", 0, "speed")),
        ({"vehicles": (Vehicle("t", 0, 0, 10, max_trips=0),)}, ("vehicles", 0, "max_trips")),
        ({"vehicles": (Vehicle("t", 0, 0, 10, shift_length=0),)}, ("vehicles", 0, "shift_length")),
        (
            {"stops": (Stop("s", 1, volume=3),)},
            ("vehicles", 0, "volume_capacity"),
        ),
    ],
)
def test_bad_problem_is_refused_with_the_place_of_the_fault(
    kwargs: dict[str, object], loc: tuple[object, ...]
) -> None:
    args: dict[str, object] = {
        "depots": DEPOT,
        "stops": (Stop("s", 1, weight=2),),
        "vehicles": (TRUCK,),
        "distances": GOOD_D,
    }
    args.update(kwargs)
    with pytest.raises(InvalidInput) as err:
        RoutingProblem(**args)  # type: ignore[arg-type]
    assert loc in [p.loc for p in err.value.problems]


def test_pure_cvrp_needs_no_time_dimension() -> None:
    p = RoutingProblem(DEPOT, (Stop("s", 1, weight=2),), (TRUCK,), GOOD_D)
    assert not p.needs_time
    timed = RoutingProblem(DEPOT, (Stop("s", 1, window=TimeWindow(0, 9)),), (TRUCK,), GOOD_D)
    assert timed.needs_time
