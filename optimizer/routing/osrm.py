"""Road distances and travel times from an OSRM server's Table service.

`fetch_table(points, base_url=..., client=...)` asks
`GET {base_url}/table/v1/driving/{lon,lat;...}?annotations=distance,duration` and returns
whole metres and whole seconds between every pair of points. Anything that makes the answer
unusable — the server unreachable or slow, an error code, a malformed body, or a pair with
no road between them (OSRM answers `null`) — raises `OsrmUnusable` with a sentence saying
why, so the caller can fall back to another source and tell the user. The HTTP client is a
parameter: tests pass one over `httpx.MockTransport`, nothing here reads settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from optimizer.routing.model import IntMatrix
from optimizer.routing.travel import Point

#: Pairs named in an "unroutable" message before the rest are only counted.
SHOWN_PAIRS = 5


class OsrmUnusable(Exception):
    """The OSRM answer cannot be used; `reason` says why, `pairs` lists unroutable pairs
    as (from, to) indices into the points asked for."""

    def __init__(self, reason: str, pairs: Sequence[tuple[int, int]] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pairs = tuple(pairs)


@dataclass(frozen=True)
class OsrmTable:
    """Metres and seconds between the points, in the order they were asked for."""

    distances: IntMatrix
    durations: IntMatrix


def table_url(base_url: str, points: Sequence[Point]) -> str:
    """The Table service request for `points` (OSRM wants longitude first)."""
    coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
    return f"{base_url.rstrip('/')}/table/v1/driving/{coordinates}"


def fetch_table(points: Sequence[Point], *, base_url: str, client: httpx.Client) -> OsrmTable:
    """Ask the server for the table between `points`; raise `OsrmUnusable` if it fails."""
    if not points:
        raise OsrmUnusable("no places to ask OSRM about")
    url = table_url(base_url, points)
    try:
        answer = client.get(url, params={"annotations": "distance,duration"})
    except httpx.TimeoutException as exc:
        raise OsrmUnusable(
            f"the OSRM server did not answer in time ({type(exc).__name__})"
        ) from exc
    except httpx.HTTPError as exc:
        raise OsrmUnusable(f"the OSRM server could not be reached: {exc}") from exc
    try:
        doc = answer.json()
    except ValueError as exc:
        raise OsrmUnusable(
            f"the OSRM server answered HTTP {answer.status_code} without a JSON body"
        ) from exc
    if answer.status_code != 200 and not (isinstance(doc, dict) and doc.get("code")):
        raise OsrmUnusable(f"the OSRM server answered HTTP {answer.status_code}")
    return parse_table(doc, len(points))


def parse_table(doc: Any, n: int) -> OsrmTable:
    """Read a Table service answer for `n` points into whole metres and seconds."""
    if not isinstance(doc, dict):
        raise OsrmUnusable("the OSRM answer is not a JSON object")
    code = doc.get("code")
    if code != "Ok":
        message = doc.get("message")
        said = f": {message}" if isinstance(message, str) and message else ""
        raise OsrmUnusable(f"the OSRM server refused the request ({code}{said})")
    distances, null_d = _matrix(doc.get("distances"), n, "distances")
    durations, null_t = _matrix(doc.get("durations"), n, "durations")
    unroutable = sorted(null_d | null_t)
    if unroutable:
        raise OsrmUnusable(
            f"OSRM found no road for {len(unroutable)} pair(s) of places", unroutable
        )
    return OsrmTable(distances, durations)


def _matrix(rows: Any, n: int, name: str) -> tuple[IntMatrix, set[tuple[int, int]]]:
    if not isinstance(rows, list) or len(rows) != n:
        raise OsrmUnusable(f"the OSRM answer has no {n}×{n} {name} table")
    out = np.zeros((n, n), dtype=np.int64)
    nulls: set[tuple[int, int]] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != n:
            raise OsrmUnusable(f"the OSRM answer has no {n}×{n} {name} table")
        for j, value in enumerate(row):
            if value is None:
                nulls.add((i, j))
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise OsrmUnusable(f"the OSRM answer holds an invalid {name} value {value!r}")
            out[i, j] = round(value)
    return out, nulls


@dataclass(frozen=True)
class OsrmServer:
    """An OSRM server to ask, as a callable from points to their `OsrmTable`.

    `transport` replaces the network (tests pass `httpx.MockTransport`)."""

    base_url: str
    timeout_s: float
    transport: httpx.BaseTransport | None = None

    def __call__(self, points: Sequence[Point]) -> OsrmTable:
        with httpx.Client(timeout=self.timeout_s, transport=self.transport) as client:
            return fetch_table(points, base_url=self.base_url, client=client)
