"""Request and response models of the planning API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Day, Id, Strict

Horizon = Annotated[int, Field(strict=True, ge=1, le=180)]
Hours = Annotated[int, Field(strict=True, ge=0, le=24 * 365)]


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- scenarios ----------------------------------------------------------------------------


class ScenarioDeclare(Strict):
    """Declare a scenario from the library (`library`) or from its definition (`definition`,
    the same mapping a scenario YAML or JSON file holds). `start` overrides the file's."""

    library: str | None = Field(default=None, max_length=64, examples=["flood"])
    definition: dict[str, Any] | None = None
    start: Day | None = None


class ScenarioPublic(Public):
    id: int
    district_id: int
    key: str
    kind: str
    name: str
    start: date
    duration_days: int
    origin: str
    status: Literal["active", "closed"]
    declared_by: str
    declared_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    definition: dict[str, Any]


# --- forecasts ----------------------------------------------------------------------------


class ForecastCreate(Strict):
    """Forecast the district under its active scenario (or `scenario_id`), from `start`
    (default today) for `horizon` days (default: until the scenario ends, at least 7)."""

    scenario_id: Id | None = None
    horizon: Horizon | None = None
    season_length: Annotated[int, Field(strict=True, ge=1, le=365)] = 7
    start: Day | None = None


class ForecastRunPublic(Public):
    id: int
    district_id: int
    scenario_id: int
    start: date
    horizon_days: int
    season_length: int
    history_days: int
    series: int
    choices: list[dict[str, Any]]
    created_by: str
    created_at: datetime
    seconds: float


class ForecastRowPublic(Public):
    community_id: int | None
    item_id: int
    ds: date
    yhat: float
    lo_80: float
    hi_80: float
    lo_95: float
    hi_95: float
    scenario_demand: float


class ReserveLevelPublic(BaseModel):
    """The stock a depot should hold of an item to cover the scenario at the service level."""

    depot_id: int | None
    depot_code: str | None
    item_id: int
    item_code: str
    baseline: float
    scenario: float
    reserve: int
    on_hand: int
    gap: int
    surplus: int


# --- allocation plans ---------------------------------------------------------------------


class PlanCreate(Strict):
    """Allocate for the district's active scenario and its latest forecast run; all demand
    is due within `deadline_h` hours (stock expiring before then is not used)."""

    deadline_h: Hours = 72
    transport_cost_per_tonne_km: Annotated[int, Field(strict=True, ge=0, le=1_000_000_000)] = 50


class LineUpdate(Strict):
    """Lock a line (keep it on re-solve) or unlock it; giving `quantity` sets and locks it."""

    locked: bool = True
    quantity: Annotated[int, Field(strict=True, ge=1, le=10**12)] | None = None


class LinePublic(Public):
    id: int
    source: str
    depot_id: int | None
    lot_id: int | None
    agreement_id: int | None
    community_id: int
    item_id: int
    quantity: int
    cost: int
    locked: bool


class FillPublic(Public):
    community_id: int
    item_id: int
    tier: Literal["priority", "general"]
    demanded: int
    delivered: int
    locked: int
    fair_level: float
    deadline_h: int


class PlanPublic(BaseModel):
    id: int
    district_id: int
    scenario_id: int
    forecast_run_id: int
    status: Literal["draft", "approved"]
    revision: int
    deadline_h: int
    summary: dict[str, Any]
    communities: list[dict[str, Any]]
    lines: list[LinePublic]
    fills: list[FillPublic]
    created_by: str
    created_at: datetime
    solved_at: datetime
    approved_by: str | None
    approved_at: datetime | None
