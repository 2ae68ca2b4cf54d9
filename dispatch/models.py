"""Dispatch tables: the district's vehicles, routed drafts of an approved plan, manifests.

Other domains are referred to by id (district, depot, community, item, lot, allocation plan
and line). A route draft keeps its trips' ordered stops as JSON (what the coordinator
reviews); approving it turns each trip into a manifest whose lines are rows, because each
line is received, counted and written off on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.db import UTCDateTime

ROUTE_STATUSES = ("draft", "approved")
TRAVEL_SOURCES = ("matrix", "osrm", "estimate")
MANIFEST_STATUSES = ("in_transit", "received")
OUTCOMES = ("received", "short", "damaged")
ORDER_STATUSES = ("issued", "delivered")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Vehicle(SQLModel, table=True):
    """A truck of the district's fleet: what it carries, where it starts and ends, how long
    and how fast it drives."""

    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("district_id", "code", name="vehicle_district_code_unique"),
        CheckConstraint(
            "weight_capacity_kg > 0 AND volume_capacity_l > 0 AND shift_minutes > 0 "
            "AND speed_kmh > 0",
            name="vehicle_figures_positive",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    weight_capacity_kg: int = Field(sa_type=BigInteger)
    volume_capacity_l: int = Field(sa_type=BigInteger)
    start_depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    end_depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    shift_minutes: int
    speed_kmh: float
    active: bool = True


class RoutePlan(SQLModel, table=True):
    """Routes for one approved allocation plan: a draft to review, then approved (dispatched).

    `plan_fingerprint` is the SHA-256 of the plan lines the routes were built from; approval
    is refused when the plan's lines no longer hash the same. At most one route plan per
    allocation plan is approved. `travel_source` says which travel data the trips were
    routed on, and `travel_fallbacks` (`[{"source", "reason"}]`) why better ones were not
    used."""

    __tablename__ = "route_plan"
    __table_args__ = (
        CheckConstraint(_in("status", ROUTE_STATUSES), name="route_plan_status_known"),
        CheckConstraint(_in("travel_source", TRAVEL_SOURCES), name="route_plan_travel_known"),
        Index(
            "route_plan_one_approved_per_plan",
            "plan_id",
            unique=True,
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(ForeignKey("allocation_plan.id"), nullable=False, index=True)
    )
    district_id: int = Field(sa_column=Column(ForeignKey("district.id"), nullable=False))
    status: str = Field(default="draft", sa_column=Column(String(16), nullable=False))
    departs_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    plan_fingerprint: str = Field(max_length=64)
    summary: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    left_out: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    travel_source: str = Field(
        default="estimate",
        sa_column=Column(String(16), nullable=False, server_default="estimate"),
    )
    travel_fallbacks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    approved_by: str | None = Field(default=None, max_length=120)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TravelMatrix(SQLModel, table=True):
    """A district's travel table: metres (and seconds, when given) between its places.

    `distances[i][j]` (and `durations[i][j]`) go from the place at position i to the place
    at position j of its `TravelMatrixPlace` rows. One table per district; an upload
    replaces it."""

    __tablename__ = "travel_matrix"

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, unique=True)
    )
    distances: list[list[int]] = Field(sa_column=Column(JSON, nullable=False))
    durations: list[list[int]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TravelMatrixPlace(SQLModel, table=True):
    """The depot or community at one position of a district's travel table."""

    __tablename__ = "travel_matrix_place"
    __table_args__ = (
        UniqueConstraint("matrix_id", "position", name="travel_matrix_place_position_unique"),
        CheckConstraint(
            "(depot_id IS NULL) <> (community_id IS NULL)", name="travel_matrix_place_one_kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    matrix_id: int = Field(
        sa_column=Column(ForeignKey("travel_matrix.id"), nullable=False, index=True)
    )
    position: int
    depot_id: int | None = Field(default=None, sa_column=Column(ForeignKey("depot.id")))
    community_id: int | None = Field(default=None, sa_column=Column(ForeignKey("community.id")))


class RouteTrip(SQLModel, table=True):
    """One trip of one vehicle: its ordered stops with arrival times and what each unloads.

    `stops` holds, in driving order, `{"community_id", "depot_id", "arrival_at",
    "weight_g", "volume_cm3", "lines": [{"line_id", "item_id", "lot_id", "quantity"}]}`."""

    __tablename__ = "route_trip"

    id: int | None = Field(default=None, primary_key=True)
    route_plan_id: int = Field(
        sa_column=Column(ForeignKey("route_plan.id"), nullable=False, index=True)
    )
    vehicle_id: int = Field(sa_column=Column(ForeignKey("vehicle.id"), nullable=False))
    trip: int
    source_depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    end_depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    distance_m: int = Field(sa_type=BigInteger)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    stops: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # The wave of the plan's demand this trip carries; wave 1 is dispatched on approval,
    # each later one when the coordinator dispatches it.
    wave: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class Manifest(SQLModel, table=True):
    """What one vehicle trip carries out of its source depot, in transit until received.

    `sha256` is the hash of the manifest's canonical JSON document, as the `dispatch.sent`
    ledger entry carries it."""

    __tablename__ = "manifest"
    __table_args__ = (
        CheckConstraint(_in("status", MANIFEST_STATUSES), name="manifest_status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trip_id: int = Field(sa_column=Column(ForeignKey("route_trip.id"), nullable=False, unique=True))
    route_plan_id: int = Field(
        sa_column=Column(ForeignKey("route_plan.id"), nullable=False, index=True)
    )
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    vehicle_id: int = Field(sa_column=Column(ForeignKey("vehicle.id"), nullable=False))
    source_depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    transit_depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    status: str = Field(default="in_transit", sa_column=Column(String(16), nullable=False))
    expected_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    sha256: str = Field(default="", max_length=64)
    dispatch_action_id: str = Field(default="", max_length=36)
    dispatched_by: str = Field(max_length=120)
    dispatched_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManifestLine(SQLModel, table=True):
    """One item × lot for one destination depot; filled in when the depot confirms it."""

    __tablename__ = "manifest_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="manifest_line_positive"),
        CheckConstraint(
            "outcome IS NULL OR (" + _in("outcome", OUTCOMES) + ")",
            name="manifest_line_outcome_known",
        ),
        CheckConstraint(
            "received_quantity IS NULL OR (received_quantity >= 0 "
            "AND received_quantity <= quantity)",
            name="manifest_line_received_in_range",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    manifest_id: int = Field(
        sa_column=Column(ForeignKey("manifest.id"), nullable=False, index=True)
    )
    stop: int
    plan_line_id: int = Field(sa_column=Column(ForeignKey("allocation_line.id"), nullable=False))
    community_id: int = Field(sa_column=Column(ForeignKey("community.id"), nullable=False))
    destination_depot_id: int = Field(
        sa_column=Column(ForeignKey("depot.id"), nullable=False, index=True)
    )
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    lot_id: int = Field(sa_column=Column(ForeignKey("lot.id"), nullable=False))
    quantity: int = Field(sa_type=BigInteger)
    outcome: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    received_quantity: int | None = Field(default=None, sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=500)
    received_by: str | None = Field(default=None, max_length=120)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryOrder(SQLModel, table=True):
    """An agreement reserve called on (调用通知): one approved plan line for the supplier to
    deliver to a community's receiving depot by `due_at`, signed on the ledger when issued.

    The receiving depot confirms it once: `accepted_quantity` went into stock,
    `rejected_quantity` was refused on quality, the rest of `quantity` did not come. The
    confirmation is the supplier's delivery record (`delivery_id`) its grade is computed
    from."""

    __tablename__ = "delivery_order"
    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATUSES), name="delivery_order_status_known"),
        CheckConstraint("quantity > 0", name="delivery_order_positive"),
        CheckConstraint(
            "accepted_quantity IS NULL OR (accepted_quantity >= 0 AND rejected_quantity >= 0 "
            "AND accepted_quantity + rejected_quantity <= quantity)",
            name="delivery_order_outcome_in_range",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(ForeignKey("allocation_plan.id"), nullable=False, index=True)
    )
    plan_line_id: int = Field(
        sa_column=Column(ForeignKey("allocation_line.id"), nullable=False, unique=True)
    )
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    agreement_id: int = Field(sa_column=Column(ForeignKey("agreement_contract.id"), nullable=False))
    supplier_id: int = Field(
        sa_column=Column(ForeignKey("supplier.id"), nullable=False, index=True)
    )
    community_id: int = Field(sa_column=Column(ForeignKey("community.id"), nullable=False))
    destination_depot_id: int = Field(
        sa_column=Column(ForeignKey("depot.id"), nullable=False, index=True)
    )
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    quantity: int = Field(sa_type=BigInteger)
    unit_price_minor: int = Field(sa_type=BigInteger)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="issued", sa_column=Column(String(16), nullable=False))
    sha256: str = Field(default="", max_length=64)
    issued_by: str = Field(max_length=120)
    issued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    accepted_quantity: int | None = Field(default=None, sa_type=BigInteger)
    rejected_quantity: int | None = Field(default=None, sa_type=BigInteger)
    lot_id: int | None = Field(default=None, sa_column=Column(ForeignKey("lot.id")))
    delivery_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("supplier_delivery.id"))
    )
    note: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_by: str | None = Field(default=None, max_length=120)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
