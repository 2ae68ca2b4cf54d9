"""Inventory tables. Stock is held per depot × lot; the movement journal is append-only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.db import UTCDateTime

CATEGORIES = (
    "water",
    "food",
    "shelter",
    "hygiene",
    "medical",
    "ppe",
    "rescue_tools",
    "power",
)
DEPOT_KINDS = (
    "community_depot",
    "district_warehouse",
    "enterprise_reserve",
    "in_transit",
    "distribution_point",
)
#: Depots where a community receives supplies and hands them out to residents.
RECEIVING_KINDS = ("community_depot", "distribution_point")
#: Whom one distribution served: everyone, or one vulnerable group of the community.
GROUPS = ("general", "elderly", "children_under_5", "disabled", "chronically_ill")
RESERVE_TYPES = ("government", "agreement", "enterprise")
MOVEMENT_KINDS = (
    "receipt",
    "issue",
    "transfer_out",
    "transfer_in",
    "count_adjustment",
    "write_off",
    "dispatch",
    "reversal",
)
COUNT_STATUSES = ("open", "posted", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class District(SQLModel, table=True):
    __tablename__ = "district"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Community(SQLModel, table=True):
    __tablename__ = "community"
    __table_args__ = (
        CheckConstraint(
            "population >= 0 AND elderly_65_plus >= 0 AND children_under_5 >= 0 "
            "AND people_with_disabilities >= 0 AND chronically_ill >= 0",
            name="community_counts_non_negative",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    population: int = Field(sa_type=BigInteger)
    elderly_65_plus: int = Field(default=0, sa_type=BigInteger)
    children_under_5: int = Field(default=0, sa_type=BigInteger)
    people_with_disabilities: int = Field(default=0, sa_type=BigInteger)
    chronically_ill: int = Field(default=0, sa_type=BigInteger)
    latitude: float
    longitude: float


class Depot(SQLModel, table=True):
    __tablename__ = "depot"
    __table_args__ = (CheckConstraint(_in("kind", DEPOT_KINDS), name="depot_kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    community_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("community.id"), nullable=True, index=True)
    )
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    latitude: float
    longitude: float
    capacity_m3: float | None = None
    capacity_kg: float | None = None
    active: bool = True
    # The person in charge of the place (a distribution point's village committee member).
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=40)


class Item(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="item_category_known"),
        CheckConstraint("unit_weight_g >= 0 AND unit_volume_cm3 >= 0", name="item_size_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(48), unique=True, nullable=False))
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    category: str = Field(sa_column=Column(String(32), nullable=False))
    base_unit: str = Field(max_length=32)
    unit_weight_g: int = Field(sa_type=BigInteger)
    unit_volume_cm3: int = Field(sa_type=BigInteger)
    shelf_life_days: int | None = None
    daily_need_per_person: float | None = None
    daily_need_basis: str | None = Field(default=None, max_length=400)
    life_critical: bool = False
    source: str | None = Field(default=None, max_length=400)


class Lot(SQLModel, table=True):
    """A batch of one item. The lot number is unique per item across the district."""

    __tablename__ = "lot"
    __table_args__ = (
        UniqueConstraint("item_id", "lot_number", name="lot_item_number_unique"),
        CheckConstraint(_in("reserve_type", RESERVE_TYPES), name="lot_reserve_type_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False, index=True))
    lot_number: str = Field(max_length=64)
    expiry_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    reserve_type: str = Field(default="government", sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class StockBalance(SQLModel, table=True):
    """On-hand quantity of one lot in one depot, kept in step with the journal."""

    __tablename__ = "stock_balance"
    __table_args__ = (
        UniqueConstraint("depot_id", "lot_id", name="balance_depot_lot_unique"),
        CheckConstraint("quantity >= 0", name="balance_never_negative"),
        Index("balance_depot_item", "depot_id", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False, index=True))
    lot_id: int = Field(sa_column=Column(ForeignKey("lot.id"), nullable=False))
    quantity: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Movement(SQLModel, table=True):
    """One line of the stock journal. `quantity` is signed: positive in, negative out."""

    __tablename__ = "movement"
    __table_args__ = (
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="movement_kind_known"),
        CheckConstraint("quantity <> 0", name="movement_quantity_not_zero"),
        Index("movement_depot_item_time", "depot_id", "item_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(24), nullable=False))
    depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    lot_id: int = Field(sa_column=Column(ForeignKey("lot.id"), nullable=False, index=True))
    quantity: int = Field(sa_type=BigInteger)
    actor: str = Field(max_length=120)
    reason: str | None = Field(default=None, max_length=500)
    reference: str | None = Field(default=None, max_length=200)
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Groups the lines of one user action (a transfer's out and in, a count's adjustments,
    # an imported file): they were written in the same transaction.
    action_id: str = Field(sa_column=Column(String(36), nullable=False, index=True))
    counterpart_depot_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("depot.id"), nullable=True)
    )
    reverses_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("movement.id"), nullable=True, unique=True)
    )
    count_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("stock_count.id"), nullable=True)
    )


class ReorderLevel(SQLModel, table=True):
    """Per depot × item: reorder below `reorder_level`; never allocate below `safety_floor`."""

    __tablename__ = "reorder_level"
    __table_args__ = (
        UniqueConstraint("depot_id", "item_id", name="reorder_depot_item_unique"),
        CheckConstraint("reorder_level >= 0 AND safety_floor >= 0", name="reorder_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    reorder_level: int = Field(sa_type=BigInteger)
    safety_floor: int = Field(default=0, sa_type=BigInteger)


class StockCount(SQLModel, table=True):
    """A physical count (盘点) of one depot."""

    __tablename__ = "stock_count"
    __table_args__ = (CheckConstraint(_in("status", COUNT_STATUSES), name="count_status_known"),)

    id: int | None = Field(default=None, primary_key=True)
    depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False, index=True))
    status: str = Field(default="open", sa_column=Column(String(16), nullable=False))
    started_by: str = Field(max_length=120)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    posted_by: str | None = Field(default=None, max_length=120)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = Field(default=None, max_length=500)


class StockCountLine(SQLModel, table=True):
    """A counted quantity for one lot; `expected` is the book quantity when the count began."""

    __tablename__ = "stock_count_line"
    __table_args__ = (
        UniqueConstraint("count_id", "lot_id", name="count_line_lot_unique"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="count_line_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(sa_column=Column(ForeignKey("stock_count.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    lot_id: int = Field(sa_column=Column(ForeignKey("lot.id"), nullable=False))
    expected: int = Field(sa_type=BigInteger)
    counted: int | None = Field(default=None, sa_type=BigInteger)


class Distribution(SQLModel, table=True):
    """What a receiving depot handed out to residents (发放登记): one item, to one group.

    The stock left the depot's books by the `issue` movements of `action_id`. Residents are
    counted (households, persons), never named."""

    __tablename__ = "distribution"
    __table_args__ = (
        CheckConstraint(_in("served_group", GROUPS), name="distribution_group_known"),
        CheckConstraint(
            "quantity > 0 AND households >= 0 AND persons > 0", name="distribution_counts_valid"
        ),
        Index("distribution_depot_time", "depot_id", "distributed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    quantity: int = Field(sa_type=BigInteger)
    served_group: str = Field(sa_column=Column(String(24), nullable=False))
    households: int = Field(default=0, sa_type=BigInteger)
    persons: int = Field(sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=500)
    action_id: str = Field(sa_column=Column(String(36), nullable=False, unique=True))
    distributed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


__all__ = [
    "CATEGORIES",
    "COUNT_STATUSES",
    "DEPOT_KINDS",
    "GROUPS",
    "MOVEMENT_KINDS",
    "RECEIVING_KINDS",
    "RESERVE_TYPES",
    "Community",
    "Depot",
    "Distribution",
    "District",
    "Item",
    "Lot",
    "Movement",
    "ReorderLevel",
    "StockBalance",
    "StockCount",
    "StockCountLine",
]
