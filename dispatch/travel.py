"""Which travel data a dispatch uses, over plain data: the district's table, OSRM, or an estimate.

The sources are tried in this order:

1. **matrix** — the district's uploaded travel table, when it names every place of the
   problem (each source depot with its vehicles' end depots, and each community to serve);
2. **osrm** — an OSRM road-network server, when one is configured and it answers with a
   road between every pair;
3. **estimate** — great-circle distance × the road factor, always available.

A table (or OSRM) that has durations gives the travel times directly and the vehicles'
average speed no longer applies; a table of distances only leaves times to each vehicle's
speed. Each source that was there but could not be used is listed with the reason, so the
coordinator sees why the routes fell back to a rougher one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from optimizer.routing.model import IntMatrix
from optimizer.routing.osrm import SHOWN_PAIRS, OsrmTable, OsrmUnusable
from optimizer.routing.travel import DEFAULT_ROAD_FACTOR, Point, road_distances

PlaceKind = Literal["depot", "community"]
Source = Literal["matrix", "osrm", "estimate"]
SOURCES: tuple[Source, ...] = ("matrix", "osrm", "estimate")
#: Places named in a "the table lacks ..." reason before the rest are only counted.
SHOWN_PLACES = 10

#: Asks an OSRM server for the table between points, in order; raises `OsrmUnusable`.
OsrmFetch = Callable[[Sequence[Point]], OsrmTable]


@dataclass(frozen=True, order=True)
class Place:
    """A depot or a community, by id."""

    kind: PlaceKind
    id: int


@dataclass(frozen=True)
class Location:
    """A place of the problem with its code (for messages) and position."""

    place: Place
    code: str
    point: Point


@dataclass(frozen=True)
class TravelTable:
    """A district's travel table: metres (and seconds, if given) between its places."""

    places: tuple[Place, ...]
    distances: IntMatrix
    durations: IntMatrix | None

    def missing(self, locations: Sequence[Location]) -> list[Location]:
        """The locations this table does not name (empty: it covers them all)."""
        known = set(self.places)
        return [x for x in locations if x.place not in known]


@dataclass(frozen=True)
class Fallback:
    """A source that was available but not used, and why."""

    source: Source
    reason: str


@dataclass(frozen=True)
class Travel:
    """The matrices a dispatch is routed on, indexed by place, and where they came from."""

    source: Source
    places: tuple[Place, ...]
    distances: IntMatrix
    durations: IntMatrix | None
    fallbacks: tuple[Fallback, ...] = ()
    _index: Mapping[Place, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {p: i for i, p in enumerate(self.places)})

    def between(self, places: Sequence[Place]) -> tuple[IntMatrix, IntMatrix | None]:
        """Distances (and durations) among `places`, in that order; KeyError if one is
        not part of this travel data."""
        rows = np.asarray([self._index[p] for p in places], dtype=np.int64)
        pick = np.ix_(rows, rows)
        distances: IntMatrix = self.distances[pick]
        durations: IntMatrix | None = None if self.durations is None else self.durations[pick]
        return distances, durations


def estimate(
    locations: Sequence[Location], *, road_factor: float = DEFAULT_ROAD_FACTOR
) -> tuple[IntMatrix, None]:
    """Great circle × `road_factor` between the locations; times follow vehicle speed."""
    return road_distances([x.point for x in locations], road_factor=road_factor), None


def choose(
    locations: Sequence[Location],
    *,
    table: TravelTable | None,
    osrm: OsrmFetch | None,
    road_factor: float = DEFAULT_ROAD_FACTOR,
) -> Travel:
    """The travel data for `locations` from the first source that can give it."""
    places = tuple(x.place for x in locations)
    fallbacks: list[Fallback] = []
    if table is not None:
        lacking = table.missing(locations)
        if not lacking:
            covered = Travel("matrix", table.places, table.distances, table.durations)
            distances, durations = covered.between(places)
            return Travel("matrix", places, distances, durations)
        fallbacks.append(Fallback("matrix", _lacks(lacking)))
    if osrm is not None and locations:
        try:
            got = osrm([x.point for x in locations])
        except OsrmUnusable as exc:
            fallbacks.append(Fallback("osrm", _osrm_reason(exc, locations)))
        else:
            return Travel("osrm", places, got.distances, got.durations, tuple(fallbacks))
    distances, _ = estimate(locations, road_factor=road_factor)
    return Travel("estimate", places, distances, None, tuple(fallbacks))


def _lacks(lacking: Sequence[Location]) -> str:
    codes = [x.code for x in lacking]
    named = ", ".join(codes[:SHOWN_PLACES])
    more = f" and {len(codes) - SHOWN_PLACES} more" if len(codes) > SHOWN_PLACES else ""
    return f"the district's travel table does not name {named}{more}"


def _osrm_reason(exc: OsrmUnusable, locations: Sequence[Location]) -> str:
    if not exc.pairs:
        return exc.reason
    shown = ", ".join(
        f"{locations[i].code} -> {locations[j].code}" for i, j in exc.pairs[:SHOWN_PAIRS]
    )
    more = f" and {len(exc.pairs) - SHOWN_PAIRS} more" if len(exc.pairs) > SHOWN_PAIRS else ""
    return f"{exc.reason}: {shown}{more}"
