"""Request and response models of the inventory API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core.inputs import Day, Id, Moment, Strict
from inventory.rules import MAX_QUANTITY

Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY)]
NonNegative = Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY)]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$"
    ),
]
ItemCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.-]+$"
    ),
]
LotNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Category = Literal["water", "food", "shelter", "hygiene", "medical", "ppe", "rescue_tools", "power"]
DepotKind = Literal[
    "community_depot", "district_warehouse", "enterprise_reserve", "distribution_point"
]
ServedGroup = Literal["general", "elderly", "children_under_5", "disabled", "chronically_ill"]
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=40, pattern=r"^\+?[0-9 ()-]+$"
    ),
]
ReserveType = Literal["government", "agreement", "enterprise"]
WriteOffReason = Literal["expired", "damaged", "lost", "recalled", "other"]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
People = Annotated[int, Field(strict=True, ge=0, le=100_000_000)]


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- registry -----------------------------------------------------------------------------


class DistrictCreate(Strict):
    code: Code
    name_zh: Name
    name_en: Name


class DistrictPublic(Public):
    id: int
    code: str
    name_zh: str
    name_en: str


class CommunityCreate(Strict):
    district_id: Id
    code: Code
    name_zh: Name
    name_en: Name
    population: People
    elderly_65_plus: People = 0
    children_under_5: People = 0
    people_with_disabilities: People = 0
    chronically_ill: People = 0
    latitude: Latitude
    longitude: Longitude

    @model_validator(mode="after")
    def _groups_within_population(self) -> CommunityCreate:
        for name in (
            "elderly_65_plus",
            "children_under_5",
            "people_with_disabilities",
            "chronically_ill",
        ):
            if getattr(self, name) > self.population:
                raise ValueError(f"{name} cannot exceed the population")
        return self


GROUPS_SHOWN_TO = (
    "Null unless the caller's work needs the community's vulnerable groups: its district's "
    "coordinators, its community workers and administrators (each read is logged)."
)


class CommunityPublic(Public):
    id: int
    district_id: int
    code: str
    name_zh: str
    name_en: str
    population: int
    elderly_65_plus: int | None = Field(description=GROUPS_SHOWN_TO)
    children_under_5: int | None = Field(description=GROUPS_SHOWN_TO)
    people_with_disabilities: int | None = Field(description=GROUPS_SHOWN_TO)
    chronically_ill: int | None = Field(description=GROUPS_SHOWN_TO)
    latitude: float
    longitude: float


class DepotCreate(Strict):
    district_id: Id
    community_id: Id | None = None
    code: Code
    name_zh: Name
    name_en: Name
    kind: DepotKind
    latitude: Latitude
    longitude: Longitude
    capacity_m3: Annotated[float, Field(ge=0, le=10_000_000, allow_inf_nan=False)] | None = None
    capacity_kg: Annotated[float, Field(ge=0, le=10_000_000_000, allow_inf_nan=False)] | None = None
    contact_name: Name | None = None
    contact_phone: Phone | None = None

    @model_validator(mode="after")
    def _point_in_community(self) -> DepotCreate:
        if self.kind == "distribution_point" and self.community_id is None:
            raise ValueError(f"a {self.kind} belongs to a community: give community_id")
        return self


class DepotPublic(Public):
    id: int
    district_id: int
    community_id: int | None
    code: str
    name_zh: str
    name_en: str
    kind: str
    latitude: float
    longitude: float
    capacity_m3: float | None
    capacity_kg: float | None
    contact_name: str | None = None
    contact_phone: str | None = None


class ItemCreate(Strict):
    code: ItemCode
    name_zh: Name
    name_en: Name
    category: Category
    base_unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    unit_weight_g: NonNegative
    unit_volume_cm3: NonNegative
    shelf_life_days: Annotated[int, Field(strict=True, gt=0, le=36_500)] | None = None
    daily_need_per_person: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)] | None = (
        None
    )
    daily_need_basis: Annotated[str, StringConstraints(max_length=400)] | None = None
    life_critical: bool = False
    source: Annotated[str, StringConstraints(max_length=400)] | None = None


class ItemPublic(Public):
    id: int
    code: str
    name_zh: str
    name_en: str
    category: str
    base_unit: str
    unit_weight_g: int
    unit_volume_cm3: int
    shelf_life_days: int | None
    daily_need_per_person: float | None
    daily_need_basis: str | None
    life_critical: bool
    source: str | None


class ReorderLevelSet(Strict):
    item_id: Id
    reorder_level: NonNegative
    safety_floor: NonNegative = 0


class ReorderLevelPublic(Public):
    depot_id: int
    item_id: int
    reorder_level: int
    safety_floor: int


class PointCreate(Strict):
    """A distribution point (发放点) of a community: where it receives and hands out."""

    code: Code
    name_zh: Name
    name_en: Name
    latitude: Latitude | None = Field(default=None, description="Default: the community's.")
    longitude: Longitude | None = Field(default=None, description="Default: the community's.")
    contact_name: Name | None = None
    contact_phone: Phone | None = None


# --- movements ----------------------------------------------------------------------------


class MovementBase(Strict):
    reason: Text | None = None
    reference: Reference | None = None
    occurred_at: Moment | None = Field(
        default=None, description="When it happened (timezone-aware); defaults to now."
    )


class ReceiptCreate(MovementBase):
    depot_id: Id
    item_id: Id
    lot_number: LotNumber
    expiry_date: Day | None = None
    reserve_type: ReserveType = "government"
    quantity: Quantity


class IssueCreate(MovementBase):
    depot_id: Id
    item_id: Id
    quantity: Quantity
    lot_number: LotNumber | None = Field(
        default=None, description="Take from this lot; otherwise first-expired-first-out."
    )


class TransferCreate(MovementBase):
    from_depot_id: Id
    to_depot_id: Id
    item_id: Id
    quantity: Quantity
    lot_number: LotNumber | None = None

    @model_validator(mode="after")
    def _two_depots(self) -> TransferCreate:
        if self.from_depot_id == self.to_depot_id:
            raise ValueError("a transfer needs two different depots")
        return self


class WriteOffCreate(MovementBase):
    depot_id: Id
    item_id: Id
    lot_number: LotNumber
    quantity: Quantity
    write_off_reason: WriteOffReason


class DistributionCreate(MovementBase):
    """Supplies handed out at a receiving depot (发放登记); residents are counted, not named."""

    depot_id: Id
    item_id: Id
    quantity: Quantity
    served_group: ServedGroup = "general"
    households: NonNegative = 0
    persons: Quantity
    lot_number: LotNumber | None = Field(
        default=None, description="Hand out this lot; otherwise first-expired-first-out."
    )


class DistributionPublic(Public):
    id: int
    depot_id: int
    item_id: int
    quantity: int
    served_group: str
    households: int
    persons: int
    note: str | None
    action_id: str
    distributed_at: datetime
    recorded_by: str
    recorded_at: datetime


class ReversalCreate(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class MovementPublic(Public):
    id: int
    kind: str
    depot_id: int
    item_id: int
    lot_id: int
    quantity: int
    actor: str
    reason: str | None
    reference: str | None
    occurred_at: datetime
    recorded_at: datetime
    action_id: str
    counterpart_depot_id: int | None
    reverses_id: int | None
    count_id: int | None


class ActionResult(BaseModel):
    """What one user action wrote: its movement lines, all committed together."""

    action_id: str
    movements: list[MovementPublic]


class BalancePublic(BaseModel):
    depot_id: int
    depot_code: str
    item_id: int
    item_code: str
    lot_id: int
    lot_number: str
    expiry_date: date | None
    reserve_type: str
    quantity: int


# --- counts -------------------------------------------------------------------------------


class CountCreate(Strict):
    depot_id: Id
    note: Text | None = None


class CountLineEntry(Strict):
    item_id: Id
    lot_number: LotNumber
    counted: NonNegative
    expiry_date: Day | None = Field(
        default=None, description="Needed only for a lot found that the books do not hold."
    )
    reserve_type: ReserveType = "government"


class CountLinesEnter(Strict):
    lines: Annotated[list[CountLineEntry], Field(min_length=1, max_length=100_000)]


class CountLinePublic(BaseModel):
    item_id: int
    item_code: str
    lot_id: int
    lot_number: str
    expiry_date: date | None
    expected: int
    counted: int | None
    variance: int | None


class CountPublic(BaseModel):
    id: int
    depot_id: int
    status: str
    started_by: str
    started_at: datetime
    posted_by: str | None
    posted_at: datetime | None
    note: str | None
    lines: list[CountLinePublic]


# --- imports and views --------------------------------------------------------------------


class ImportResult(BaseModel):
    kind: Literal["movements", "count"]
    rows: int
    action_id: str
    movements: int


class CommunityStock(BaseModel):
    community_id: int | None
    community_code: str | None
    item_id: int
    item_code: str
    quantity: int


class DaysOfSupply(BaseModel):
    depot_id: int
    depot_code: str
    item_id: int
    item_code: str
    on_hand: int
    consumed_in_window: int
    window_days: int
    days_of_supply: float | None


class ExpiringLot(BaseModel):
    depot_id: int
    depot_code: str
    item_id: int
    item_code: str
    lot_number: str
    expiry_date: date
    days_left: int
    quantity: int


class BelowReorder(BaseModel):
    depot_id: int
    depot_code: str
    item_id: int
    item_code: str
    on_hand: int
    reorder_level: int
    shortfall: int
