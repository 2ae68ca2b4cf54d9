"""Request and response models of the dispatch API: vehicles, routes, manifests, receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core.inputs import Day, Id, Moment, Strict
from inventory.rules import MAX_QUANTITY

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^\S+$")
]
Outcome = Literal["received", "short", "damaged"]


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- vehicles -----------------------------------------------------------------------------


class VehicleCreate(Strict):
    """A truck of the district's fleet. Capacities in kilograms and litres; the shift in
    minutes from departure until it must be back; the average road speed in km/h."""

    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    weight_capacity_kg: Annotated[int, Field(strict=True, gt=0, le=1_000_000)]
    volume_capacity_l: Annotated[int, Field(strict=True, gt=0, le=10_000_000)]
    start_depot_id: Id
    end_depot_id: Id | None = Field(default=None, description="Default: the start depot.")
    shift_minutes: Annotated[int, Field(strict=True, gt=0, le=24 * 60)] = 8 * 60
    speed_kmh: Annotated[float, Field(gt=0, le=200, allow_inf_nan=False)] = 40.0


class VehicleUpdate(Strict):
    active: bool


class VehiclePublic(Public):
    id: int
    district_id: int
    code: str
    name: str
    weight_capacity_kg: int
    volume_capacity_l: int
    start_depot_id: int
    end_depot_id: int
    shift_minutes: int
    speed_kmh: float
    active: bool


# --- routes -------------------------------------------------------------------------------


class RoutesCreate(Strict):
    """Route the approved plan's depot-sourced lines in waves; trucks first leave at
    `departs_at` (default: now), which must be before the plan's deadline (`deadline_h`
    hours after the plan was created). The first wave carries the demand of the days up to
    that deadline and must arrive by it; each later wave the next `wave_every_h` hours of
    demand (default: the plan's deadline_h), leaving when the wave before it is due."""

    departs_at: Moment | None = None
    seed: Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)] = 0
    wave_every_h: Annotated[int, Field(strict=True, ge=24, le=24 * 60)] | None = None


class CargoPublic(BaseModel):
    line_id: int
    item_id: int
    lot_id: int
    quantity: int


class StopPublic(BaseModel):
    community_id: int
    depot_id: int
    arrival_at: datetime
    weight_g: int
    volume_cm3: int
    lines: list[CargoPublic]


class TripPublic(Public):
    id: int
    vehicle_id: int
    trip: int
    source_depot_id: int
    end_depot_id: int
    distance_m: int
    starts_at: datetime
    ends_at: datetime
    stops: list[StopPublic]
    wave: int = 1
    dispatched: bool = False


class LeftOutPublic(BaseModel):
    source_depot_id: int
    community_id: int
    reason: str
    detail: str
    lines: list[CargoPublic]


class TravelFallbackPublic(BaseModel):
    """A travel source that was available but not used, and why."""

    source: Literal["matrix", "osrm"]
    reason: str


class RoutePlanPublic(BaseModel):
    id: int
    plan_id: int
    district_id: int
    status: Literal["draft", "approved"]
    departs_at: datetime
    travel_source: Literal["matrix", "osrm", "estimate"] = Field(
        description="The travel data the trips were routed on: the district's travel table, "
        "an OSRM server, or great-circle distance × 1.3 at each vehicle's speed."
    )
    travel_fallbacks: list[TravelFallbackPublic] = Field(
        description="Better sources that were there but could not be used, with the reason."
    )
    summary: dict[str, Any]
    left_out: list[LeftOutPublic]
    trips: list[TripPublic]
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None


class TravelMatrixPublic(BaseModel):
    """A district's travel table: its places (codes, in table order) and when it came."""

    district_id: int
    places: list[str]
    pairs: int
    has_durations: bool
    uploaded_by: str
    uploaded_at: datetime


# --- manifests and receipts ---------------------------------------------------------------


class ManifestLinePublic(Public):
    id: int
    stop: int
    plan_line_id: int
    community_id: int
    destination_depot_id: int
    item_id: int
    lot_id: int
    quantity: int
    outcome: str | None
    received_quantity: int | None
    note: str | None
    received_by: str | None
    received_at: datetime | None


class ManifestPublic(Public):
    id: int
    trip_id: int
    route_plan_id: int
    district_id: int
    vehicle_id: int
    source_depot_id: int
    transit_depot_id: int
    status: Literal["in_transit", "received"]
    expected_at: datetime
    sha256: str
    dispatch_action_id: str
    dispatched_by: str
    dispatched_at: datetime
    received_at: datetime | None
    lines: list[ManifestLinePublic] = []


class ReceiptLine(Strict):
    """One manifest line as found: `received` in full; `short` or `damaged` with the
    `quantity` that arrived usable (the rest is written off with the outcome as reason)."""

    line_id: Id
    outcome: Outcome
    quantity: Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY)] | None = None
    note: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _quantity_when_not_full(self) -> ReceiptLine:
        if self.outcome != "received" and self.quantity is None:
            raise ValueError(f"a {self.outcome} line needs the quantity that arrived usable")
        return self


class ManifestReceiptCreate(Strict):
    """Every line of the manifest bound for `depot_id`, each exactly once."""

    depot_id: Id
    lines: Annotated[list[ReceiptLine], Field(min_length=1, max_length=10_000)]


class DispatchAlertPublic(BaseModel):
    manifest_id: int
    vehicle_id: int
    source_depot_id: int
    expected_at: datetime
    overdue_minutes: int
    open_lines: int
    destination_depot_ids: list[int]


# --- delivery orders ----------------------------------------------------------------------


class DeliveryOrderPublic(Public):
    id: int
    plan_id: int
    plan_line_id: int
    district_id: int
    agreement_id: int
    supplier_id: int
    community_id: int
    destination_depot_id: int
    item_id: int
    quantity: int
    unit_price_minor: int
    due_at: datetime
    status: Literal["issued", "delivered"]
    sha256: str
    issued_by: str
    issued_at: datetime
    accepted_quantity: int | None
    rejected_quantity: int | None
    lot_id: int | None
    delivery_id: int | None
    note: str | None
    delivered_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None


class DeliveryConfirm(Strict):
    """What arrived against a delivery order, confirmed once by its receiving depot."""

    depot_id: Id = Field(description="The depot confirming: the order's destination.")
    accepted_quantity: Annotated[int, Field(strict=True, ge=0, le=10**12)]
    rejected_quantity: Annotated[int, Field(strict=True, ge=0, le=10**12)] = 0
    lot_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = Field(default=None, description="The lot received (required when any is accepted).")
    expiry_date: Day | None = None
    delivered_at: Moment | None = Field(default=None, description="Default: now.")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _lot_when_accepted(self) -> DeliveryConfirm:
        if self.accepted_quantity > 0 and self.lot_number is None:
            raise ValueError("give the lot_number of what was accepted")
        return self


# --- balance ------------------------------------------------------------------------------


class BalanceRowPublic(BaseModel):
    """Where one community × item's allocated units went (or the plan's total)."""

    community_id: int | None = None
    item_id: int | None = None
    allocated: int
    dispatched: int
    scheduled: int
    by_supplier: int
    at_destination: int
    left_out: dict[str, int]
    pending: int
    received: int
    supplier_accepted: int
    reaching: int


class PlanBalancePublic(BaseModel):
    """allocated = dispatched + scheduled + by_supplier + at_destination + left_out + pending,
    exactly, in every row and in the total."""

    plan_id: int
    routed: bool
    adds_up: bool
    reach_share: float
    total: BalanceRowPublic
    rows: list[BalanceRowPublic]
