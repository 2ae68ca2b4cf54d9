"""What each source can give, as supply units with integer capacities, and what a unit costs.

A *unit* is a piece of one source's availability of one item that serves a contiguous range
of deadlines, so the whole problem becomes a transportation network:

- a depot keeps its safety floor in its longest-dated lots (what a first-expiry-first issue
  leaves behind); every remaining lot is a unit that serves deadlines up to its expiry, so
  stock is never planned for a need it would expire before;
- an agreement can deliver `reserved + surge × whole days left after the lead time` by a
  deadline, a quantity that grows with the deadline; it becomes one unit per distinct
  deadline of the item's demand (the increment since the previous deadline), serving that
  deadline and later ones. Shipments to deadlines up to `d` then use only the layers up to
  `d`, which is exactly the contract's limit at `d`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from optimizer.allocation.model import AllocationProblem, Holding, Lot

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Unit:
    """A capacity that serves demands with `earliest_h <= deadline_h <= latest_h`."""

    source: int
    """Index into `problem.sources`."""
    capacity: int
    earliest_h: int = 0
    latest_h: int | None = None
    lot: str | None = None
    contract: str | None = None
    unit_price: int = 0
    fefo_rank: int = 0
    """0 for the source's first-expiring lot of the item; used to break cost ties."""

    def serves(self, deadline_h: int) -> bool:
        return self.earliest_h <= deadline_h and (
            self.latest_h is None or deadline_h <= self.latest_h
        )


def shippable_lots(holding: Holding) -> list[tuple[Lot, int]]:
    """Each lot with what is left to ship once the floor is kept in the longest-dated lots."""
    keep = holding.floor
    by_expiry_desc = sorted(
        holding.lots,
        key=lambda lot: (lot.expires_in_h is not None, -(lot.expires_in_h or 0)),
    )
    left: dict[str, int] = {}
    for lot in by_expiry_desc:
        kept = min(keep, lot.quantity)
        keep -= kept
        left[lot.lot] = lot.quantity - kept
    return [(lot, left[lot.lot]) for lot in holding.lots]


def units_for_item(problem: AllocationProblem, item: str, deadlines: list[int]) -> list[Unit]:
    """The supply units of `item`, given the sorted distinct deadlines of its demand."""
    units: list[Unit] = []
    for s_index, source in enumerate(problem.sources):
        for holding in source.stock:
            if holding.item != item:
                continue
            lots = [(lot, q) for lot, q in shippable_lots(holding) if q > 0]
            order = sorted(
                lots, key=lambda lq: (lq[0].expires_in_h is None, lq[0].expires_in_h or 0)
            )
            rank = {lot.lot: r for r, (lot, _) in enumerate(order)}
            for lot, quantity in lots:
                units.append(
                    Unit(
                        source=s_index,
                        capacity=quantity,
                        latest_h=lot.expires_in_h,
                        lot=lot.lot,
                        fefo_rank=rank[lot.lot],
                    )
                )
        for agreement in source.agreements:
            if agreement.item != item:
                continue
            before = 0
            for d in deadlines:
                total = agreement.available_by(d)
                if total > before:
                    units.append(
                        Unit(
                            source=s_index,
                            capacity=total - before,
                            earliest_h=d,
                            contract=agreement.contract,
                            unit_price=agreement.unit_price,
                        )
                    )
                before = max(before, total)
    return units


def distance_km(problem: AllocationProblem) -> npt.NDArray[np.float64]:
    """Great-circle kilometres, one row per source and one column per community."""
    s = np.radians([[x.location.lat, x.location.lon] for x in problem.sources]).reshape(-1, 2)
    c = np.radians([[x.location.lat, x.location.lon] for x in problem.communities]).reshape(-1, 2)
    dlat = c[None, :, 0] - s[:, None, 0]
    dlon = c[None, :, 1] - s[:, None, 1]
    a = (
        np.sin(dlat / 2) ** 2
        + np.cos(s[:, None, 0]) * np.cos(c[None, :, 0]) * np.sin(dlon / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def unit_costs(
    problem: AllocationProblem,
    item: str,
    units: list[Unit],
    km: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Money per unit shipped (minor units), one row per supply unit, one column per community:
    transport (distance × weight × rate) plus the supplier's price."""
    tonnes = problem.item(item).unit_weight_g / 1e6
    rate = problem.transport_cost_per_tonne_km
    rows = np.array([u.source for u in units], dtype=np.int64)
    price = np.array([u.unit_price for u in units], dtype=np.float64)
    return np.asarray(km[rows] * (tonnes * rate) + price[:, None])
