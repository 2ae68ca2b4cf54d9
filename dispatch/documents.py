"""A manifest as a canonical JSON document, and its SHA-256, over plain data.

The `dispatch.sent` ledger entry carries this hash, so anyone holding the manifest (printed,
exported, or read from the API) can recompute it and check it against the signed ledger.
Times are whole seconds in UTC (`2026-03-01T08:00:00Z`) so the document reads the same from
every database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.canonical import canonical_json


@dataclass(frozen=True)
class ManifestLineDoc:
    line_id: int
    stop: int
    plan_line_id: int
    community_id: int
    destination_depot_id: int
    item_id: int
    lot_id: int
    quantity: int


@dataclass(frozen=True)
class ManifestDoc:
    manifest_id: int
    plan_id: int
    route_plan_id: int
    trip_id: int
    vehicle_id: int
    vehicle_code: str
    trip: int
    source_depot_id: int
    transit_depot_id: int
    expected_at: datetime
    dispatched_at: datetime
    dispatched_by: str
    lines: Sequence[ManifestLineDoc]


def stamp(moment: datetime) -> str:
    """A UTC timestamp to the second, as the document writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(m: ManifestDoc) -> dict[str, Any]:
    return {
        "manifest": m.manifest_id,
        "plan": m.plan_id,
        "route_plan": m.route_plan_id,
        "trip_id": m.trip_id,
        "vehicle": {"id": m.vehicle_id, "code": m.vehicle_code, "trip": m.trip},
        "source_depot": m.source_depot_id,
        "transit_depot": m.transit_depot_id,
        "expected_at": stamp(m.expected_at),
        "dispatched_at": stamp(m.dispatched_at),
        "dispatched_by": m.dispatched_by,
        "lines": [
            {
                "line": x.line_id,
                "stop": x.stop,
                "plan_line": x.plan_line_id,
                "community": x.community_id,
                "destination_depot": x.destination_depot_id,
                "item": x.item_id,
                "lot": x.lot_id,
                "quantity": x.quantity,
            }
            for x in sorted(m.lines, key=lambda x: x.line_id)
        ],
    }


def digest(m: ManifestDoc) -> str:
    """SHA-256 (hex) of the manifest's RFC 8785 canonical JSON."""
    return hashlib.sha256(canonical_json(document(m))).hexdigest()
