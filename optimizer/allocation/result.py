"""What the allocation solver returns: shipments, fill rates, unmet demand, and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from optimizer.allocation.model import Tier


@dataclass(frozen=True)
class Shipment:
    """Send `quantity` of `item` from `source` (a depot lot or an agreement contract)."""

    source: str
    community: str
    item: str
    quantity: int
    lot: str | None = None
    contract: str | None = None
    cost: int = 0
    """Transport plus supplier price, minor units, rounded per line."""


@dataclass(frozen=True)
class Fill:
    """How much of one community's demand of one item in one tier the plan delivers.

    `fair_level` is the leximin fill rate of the LP stage; `delivered` is within one unit of
    `fair_level × demanded`.
    """

    community: str
    item: str
    tier: Tier
    demanded: int
    delivered: int
    fair_level: float
    deadline_h: int

    @property
    def rate(self) -> float:
        """Delivered over demanded; 1.0 when nothing is demanded."""
        return self.delivered / self.demanded if self.demanded else 1.0

    @property
    def unmet(self) -> int:
        return self.demanded - self.delivered


class ReasonCode(StrEnum):
    ALL_MET = "all_met"
    """Every demand of the community is delivered in full."""
    STOCK_LIMIT = "stock_limit"
    """The item's stock that can arrive by the deadline is less than all demand for it."""
    PRIORITY_FIRST = "priority_first"
    """General demand is short because priority demand of the item was served first."""
    FLOOR = "floor"
    """A depot keeps part of its stock of the item as its safety floor."""
    LEAD_TIME = "lead_time"
    """A supplier's activation lead time is past the deadline."""
    EXPIRY = "expiry"
    """Some of a depot's stock would expire before the deadline."""


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    text: str
    item: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class CommunityReport:
    """Why one community got what it got: a one-line summary and the reasons behind it."""

    community: str
    summary: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class AllocationPlan:
    shipments: tuple[Shipment, ...]
    fills: tuple[Fill, ...]
    communities: tuple[CommunityReport, ...]
    solve_seconds: float

    @property
    def cost(self) -> int:
        return sum(s.cost for s in self.shipments)

    @property
    def unmet(self) -> tuple[Fill, ...]:
        return tuple(f for f in self.fills if f.unmet > 0)

    @property
    def delivered(self) -> int:
        return sum(f.delivered for f in self.fills)

    @property
    def demanded(self) -> int:
        return sum(f.demanded for f in self.fills)

    def min_fill(self, tier: Tier) -> float:
        """The smallest fill rate of `tier` over demands with a positive quantity (1.0 if none)."""
        return min((f.rate for f in self.fills if f.tier is tier and f.demanded), default=1.0)
