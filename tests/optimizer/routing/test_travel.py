"""Great-circle travel estimates and the district's CSV travel table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from optimizer.routing.travel import Point, great_circle_m, read_matrix_csv, road_distances

points = st.builds(Point, st.floats(-89, 89), st.floats(-179, 179))


def test_one_degree_of_latitude_is_about_111_km() -> None:
    d = great_circle_m([Point(30.0, 114.0), Point(31.0, 114.0)])
    assert d[0, 1] == pytest.approx(111_195, rel=1e-3)


@given(st.lists(points, min_size=2, max_size=6))
def test_road_distances_are_symmetric_and_at_least_the_arc(ps: list[Point]) -> None:
    road = road_distances(ps, road_factor=1.3)
    arc = great_circle_m(ps)
    assert (road == road.T).all()
    assert (road >= arc - 1).all()
    assert (road.diagonal() == 0).all()


def test_road_factor_below_one_is_refused() -> None:
    with pytest.raises(InvalidInput):
        road_distances([Point(0, 0), Point(1, 1)], road_factor=0.9)


def test_matrix_csv_becomes_square_matrices() -> None:
    table = read_matrix_csv("from,to,distance_m,duration_s\nA,B,1000,90\nB,A,1100,95\n")
    assert table.ids == ("A", "B")
    assert table.distances.tolist() == [[0, 1000], [1100, 0]]
    assert table.durations is not None
    assert table.durations.tolist() == [[0, 90], [95, 0]]


def test_matrix_csv_lists_every_bad_row() -> None:
    with pytest.raises(InvalidInput) as err:
        read_matrix_csv("from,to,distance_m\nA,B,x\nB,C,-4\nA,B,3\n")
    msgs = [(p.line, p.msg) for p in err.value.problems]
    assert (2, "not a whole number") in msgs
    assert (3, "must not be negative") in msgs
    assert (4, "A -> B appears twice") in msgs
    assert any(m.startswith("missing C -> A") for _, m in msgs)


def test_matrix_csv_needs_its_columns() -> None:
    with pytest.raises(InvalidInput):
        read_matrix_csv("a,b\n1,2\n")
