"""The route map drawing (pure) and the once-per-form rule of page changes."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from api.web import once, route_map
from core.errors import Conflict

PLACES = [
    route_map.Place("depot", "WH", 30.50, 114.30),
    route_map.Place("community", "Donghu <east>", 30.55, 114.35),
    route_map.Place("community", "Xiling", 30.60, 114.40),
]


def test_each_trip_is_one_line_with_its_stops_numbered_in_order() -> None:
    trips = [
        route_map.Trip(
            "T1 · 1", (30.50, 114.30), ((30.55, 114.35), (30.60, 114.40)), (30.50, 114.30)
        ),
        route_map.Trip("T2 · 1", (30.50, 114.30), ((30.60, 114.40),), (30.50, 114.30)),
    ]
    svg = route_map.svg(PLACES, trips, title="Routes 7", ident="routes-7")
    assert svg.count("<polyline") == 2
    assert re.findall(r'stroke="(#[0-9a-f]{6})" stroke-width="4"', svg) == [
        route_map.colour(0),
        route_map.colour(1),
    ]
    assert re.findall(r"<title>T1 · 1: (\d)</title>", svg) == ["1", "2"]
    assert 'aria-labelledby="routes-7-title"' in svg
    assert "Donghu &lt;east&gt;" in svg  # labels are escaped
    first = re.search(r'<polyline points="([^"]+)"', svg)
    assert first is not None
    points = first.group(1).split()
    assert len(points) == 4  # start, two stops, end
    assert points[0] == points[-1]  # back to the depot


def test_a_map_without_places_is_an_empty_titled_svg() -> None:
    svg = route_map.svg([], [], title="Nothing")
    assert svg.startswith("<svg")
    assert "<title" in svg
    assert "<polyline" not in svg


def test_a_form_runs_once_and_its_key_cannot_be_reused_for_other_values(session: Session) -> None:
    runs: list[str] = []

    def action() -> str:
        runs.append("ran")
        return f"/web/next/{len(runs)}"

    form = {"once": "k-1", "csrf": "a", "found": "3"}
    first = once.run(session, actor="u", path="/web/x", form=form, action=action)
    again = once.run(session, actor="u", path="/web/x", form={**form, "csrf": "b"}, action=action)
    assert first == again == "/web/next/1"
    assert runs == ["ran"]
    with pytest.raises(Conflict):
        once.run(session, actor="u", path="/web/x", form={**form, "found": "4"}, action=action)
    other_user = once.run(session, actor="v", path="/web/x", form=form, action=action)
    assert other_user == "/web/next/2"
    no_key = {"found": "3"}
    assert once.run(session, actor="u", path="/web/x", form=no_key, action=action) == "/web/next/3"


def test_places_on_the_same_spot_share_one_label() -> None:
    places = [*PLACES, route_map.Place("depot", "DA", 30.50, 114.30)]
    svg = route_map.svg(places, [], title="Depots")
    assert svg.count("<rect") == 1
    assert ">WH / DA</text>" in svg
