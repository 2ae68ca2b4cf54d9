"""Planning tables: declared scenarios, forecast runs with their rows, allocation plans.

Other domains are referred to by id (district, community, item, depot, lot, agreement).
A scenario's definition, a plan's solver problem and its reasons are kept as JSON so that
a plan can be re-solved and explained exactly as it was built.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    text,
)
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.db import UTCDateTime

SCENARIO_STATUSES = ("active", "closed")
PLAN_STATUSES = ("draft", "approved")
TIERS = ("priority", "general")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class DeclaredScenario(SQLModel, table=True):
    """A crisis scenario declared for a district; at most one is active per district."""

    __tablename__ = "scenario"
    __table_args__ = (
        CheckConstraint(_in("status", SCENARIO_STATUSES), name="scenario_status_known"),
        Index(
            "scenario_one_active_per_district",
            "district_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    key: str = Field(max_length=64)
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    name: str = Field(max_length=200)
    start: date = Field(sa_column=Column(Date, nullable=False))
    duration_days: int
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    origin: str = Field(max_length=200)
    status: str = Field(default="active", sa_column=Column(String(16), nullable=False))
    declared_by: str = Field(max_length=120)
    declared_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    closed_by: str | None = Field(default=None, max_length=120)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ForecastRun(SQLModel, table=True):
    """One forecast of a district under a scenario: days `start` .. `start + horizon - 1`."""

    __tablename__ = "forecast_run"

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    scenario_id: int = Field(
        sa_column=Column(ForeignKey("scenario.id"), nullable=False, index=True)
    )
    start: date = Field(sa_column=Column(Date, nullable=False))
    horizon_days: int
    season_length: int
    history_days: int
    series: int
    choices: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    seconds: float


class ForecastRow(SQLModel, table=True):
    """One day of one community × item: baseline forecast, its bounds, scenario demand.

    `community_id` is NULL for district-level depots (stock not held in a community)."""

    __tablename__ = "forecast_row"
    __table_args__ = (Index("forecast_row_run_series", "run_id", "community_id", "item_id", "ds"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(ForeignKey("forecast_run.id"), nullable=False))
    community_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("community.id"), nullable=True)
    )
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    ds: date = Field(sa_column=Column(Date, nullable=False))
    yhat: float = Field(sa_column=Column(Float, nullable=False))
    lo_80: float = Field(sa_column=Column(Float, nullable=False))
    hi_80: float = Field(sa_column=Column(Float, nullable=False))
    lo_95: float = Field(sa_column=Column(Float, nullable=False))
    hi_95: float = Field(sa_column=Column(Float, nullable=False))
    scenario_demand: float = Field(sa_column=Column(Float, nullable=False))


class AllocationPlanRow(SQLModel, table=True):
    """An allocation plan: a draft the coordinator adjusts and re-solves, then approves.

    `problem` is the solver's problem document as built from the database; `refs` maps its
    string ids back to rows (sources, lots, contracts, communities, items)."""

    __tablename__ = "allocation_plan"
    __table_args__ = (CheckConstraint(_in("status", PLAN_STATUSES), name="plan_status_known"),)

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    scenario_id: int = Field(sa_column=Column(ForeignKey("scenario.id"), nullable=False))
    forecast_run_id: int = Field(sa_column=Column(ForeignKey("forecast_run.id"), nullable=False))
    status: str = Field(default="draft", sa_column=Column(String(16), nullable=False))
    revision: int = 1
    deadline_h: int
    problem: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    refs: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    reasons: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    solved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    approved_by: str | None = Field(default=None, max_length=120)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AllocationLine(SQLModel, table=True):
    """Send `quantity` of an item from a depot lot or an agreement to a community."""

    __tablename__ = "allocation_line"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND cost >= 0", name="allocation_line_positive"),
        CheckConstraint(
            "(depot_id IS NULL) <> (agreement_id IS NULL)", name="allocation_line_one_source"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(ForeignKey("allocation_plan.id"), nullable=False, index=True)
    )
    source: str = Field(max_length=250)
    depot_id: int | None = Field(default=None, sa_column=Column(ForeignKey("depot.id")))
    lot_id: int | None = Field(default=None, sa_column=Column(ForeignKey("lot.id")))
    agreement_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("agreement_contract.id"))
    )
    community_id: int = Field(sa_column=Column(ForeignKey("community.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    quantity: int = Field(sa_type=BigInteger)
    cost: int = Field(default=0, sa_type=BigInteger)
    locked: bool = False


class AllocationFill(SQLModel, table=True):
    """How much of one community's demand of one item in one tier the plan delivers."""

    __tablename__ = "allocation_fill"
    __table_args__ = (CheckConstraint(_in("tier", TIERS), name="allocation_fill_tier_known"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(ForeignKey("allocation_plan.id"), nullable=False, index=True)
    )
    community_id: int = Field(sa_column=Column(ForeignKey("community.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    tier: str = Field(sa_column=Column(String(16), nullable=False))
    demanded: int = Field(sa_type=BigInteger)
    delivered: int = Field(sa_type=BigInteger)
    locked: int = Field(default=0, sa_type=BigInteger)
    fair_level: float
    deadline_h: int
