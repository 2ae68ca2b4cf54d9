"""The OSRM Table client: the request it makes, the answers it reads, the ones it refuses.

No network: every request goes to an `httpx.MockTransport`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from optimizer.routing.osrm import OsrmServer, OsrmUnusable, fetch_table, parse_table, table_url
from optimizer.routing.travel import Point

POINTS = [Point(30.52, 114.31), Point(30.5, 114.3), Point(30.55, 114.35)]


def answer(distances: Any, durations: Any, code: str = "Ok") -> dict[str, Any]:
    return {"code": code, "distances": distances, "durations": durations}


GOOD = answer(
    [[0, 2510.4, 6100], [2498.6, 0, 7000.5], [6050, 6990, 0]],
    [[0, 301.2, 610], [299.5, 0, 700.4], [605, 698, 0]],
)


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_the_request_asks_for_distances_and_durations_longitude_first() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=GOOD)

    got = fetch_table(POINTS, base_url="http://osrm.test:5000/", client=client(handler))
    (request,) = seen
    assert request.method == "GET"
    assert request.url.path == (
        "/table/v1/driving/114.310000,30.520000;114.300000,30.500000;114.350000,30.550000"
    )
    assert request.url.params["annotations"] == "distance,duration"
    assert got.distances.tolist() == [[0, 2510, 6100], [2499, 0, 7000], [6050, 6990, 0]]
    assert got.durations.tolist() == [[0, 301, 610], [300, 0, 700], [605, 698, 0]]


def test_table_url_strips_a_trailing_slash() -> None:
    assert table_url("http://h/", POINTS[:1]) == "http://h/table/v1/driving/114.310000,30.520000"


def test_null_entries_are_unroutable_pairs() -> None:
    doc = answer(
        [[0, None, 6100], [2498, 0, 7000], [6050, 6990, 0]],
        [[0, None, 610], [299, 0, 700], [605, None, 0]],
    )
    with pytest.raises(OsrmUnusable) as caught:
        parse_table(doc, 3)
    assert caught.value.pairs == ((0, 1), (2, 1))
    assert "no road for 2 pair(s)" in caught.value.reason


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"code": "InvalidQuery", "message": "Query string malformed"}, "Query string malformed"),
        ({"code": "TooBig"}, "TooBig"),
        ([1, 2], "not a JSON object"),
        (answer([[0, 1], [1, 0]], GOOD["durations"]), "3×3 distances"),
        (answer(GOOD["distances"], None), "3×3 durations"),
        (answer(GOOD["distances"], [[0, 1, 2], [1, 0], [2, 1, 0]]), "3×3 durations"),
        (answer([[0, -1, 2], [1, 0, 1], [2, 1, 0]], GOOD["durations"]), "invalid distances"),
        (answer([[0, "x", 2], [1, 0, 1], [2, 1, 0]], GOOD["durations"]), "invalid distances"),
        (answer([[0, True, 2], [1, 0, 1], [2, 1, 0]], GOOD["durations"]), "invalid distances"),
    ],
)
def test_malformed_or_refused_answers_say_why(doc: Any, says: str) -> None:
    with pytest.raises(OsrmUnusable, match=says):
        parse_table(doc, 3)


def test_an_error_status_with_an_osrm_body_gives_its_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": "NoTable", "message": "No table found"})

    with pytest.raises(OsrmUnusable, match="NoTable: No table found"):
        fetch_table(POINTS, base_url="http://osrm.test", client=client(handler))


@pytest.mark.parametrize(
    ("response", "says"),
    [
        (httpx.Response(502, text="Bad gateway"), "HTTP 502 without a JSON body"),
        (httpx.Response(503, json={"error": "down"}), "HTTP 503"),
        (httpx.Response(200, text="<html>"), "HTTP 200 without a JSON body"),
    ],
)
def test_answers_that_are_not_osrm_tables_are_refused(response: httpx.Response, says: str) -> None:
    with pytest.raises(OsrmUnusable, match=says):
        fetch_table(POINTS, base_url="http://osrm.test", client=client(lambda _: response))


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (httpx.ConnectError("connection refused"), "could not be reached: connection refused"),
        (httpx.ReadTimeout("slow"), "did not answer in time"),
    ],
)
def test_an_unreachable_or_slow_server_is_unusable(error: Exception, says: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(OsrmUnusable, match=says):
        fetch_table(POINTS, base_url="http://osrm.test", client=client(handler))


def test_the_server_callable_uses_its_transport_and_base_url() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, content=json.dumps(GOOD).encode())

    server = OsrmServer("http://osrm.test/base", 2.0, transport=httpx.MockTransport(handler))
    got = server(POINTS)
    assert urls[0].startswith("http://osrm.test/base/table/v1/driving/114.310000,30.520000;")
    assert got.distances.shape == (3, 3)


def test_no_points_is_not_a_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(OsrmUnusable):
        fetch_table([], base_url="http://osrm.test", client=client(handler))
