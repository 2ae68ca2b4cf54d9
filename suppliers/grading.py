"""Grades A / B / C per item category, from a score whose every input is shown.

Pure. The score is a weighted sum of five parts, each a fraction in [0, 1]:

* on-time delivery rate — deliveries that arrived by the promised time (and, for a delivery
  order, in full: all that was ordered) / deliveries;
* quality — 1 - rejected units / delivered units;
* price — 1 / the supplier's price index, capped at 1; the index is the supplier's mean
  delivered price over the median of all suppliers' mean prices for the same items (at or
  below the median earns full marks, twice the median earns half);
* capacity — the supplier's daily capacity in the category / the largest supplier's;
* documents — the share of required documents held and valid today.

A supplier with no delivery in a category has no record to grade and stays ungraded
rather than receiving a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

WEIGHTS: Final[dict[str, int]] = {
    "on_time": 35,
    "quality": 25,
    "price": 15,
    "capacity": 10,
    "documents": 15,
}
GRADE_A: Final = 85.0
GRADE_B: Final = 70.0


@dataclass(frozen=True)
class ScoreInputs:
    deliveries: int
    on_time: int
    delivered_units: int
    rejected_units: int
    price_index: float | None  # 1.0: the median price of the same items; None: no prices
    daily_capacity: int
    largest_daily_capacity: int
    document_completeness: float


@dataclass(frozen=True)
class Grade:
    grade: str | None  # None: no deliveries yet
    score: float | None
    parts: dict[str, float]  # each part's fraction in [0, 1]
    points: dict[str, float]  # each part's weighted contribution
    reason: str


def _parts(x: ScoreInputs) -> dict[str, float]:
    on_time = x.on_time / x.deliveries
    quality = 1 - x.rejected_units / x.delivered_units if x.delivered_units else 1.0
    # Nothing to compare (or free of charge): no penalty.
    price = min(1.0, 1 / x.price_index) if x.price_index else 1.0
    capacity = (
        min(1.0, x.daily_capacity / x.largest_daily_capacity) if x.largest_daily_capacity else 0.0
    )
    return {
        "on_time": on_time,
        "quality": max(0.0, quality),
        "price": price,
        "capacity": capacity,
        "documents": x.document_completeness,
    }


def letter(score: float) -> str:
    if score >= GRADE_A:
        return "A"
    if score >= GRADE_B:
        return "B"
    return "C"


def grade(inputs: ScoreInputs) -> Grade:
    """The grade and the score it comes from, with each part's share."""
    if inputs.deliveries <= 0:
        return Grade(None, None, {}, {}, "no deliveries recorded in this category yet")
    parts = _parts(inputs)
    points = {k: round(WEIGHTS[k] * v, 2) for k, v in parts.items()}
    score = round(sum(points.values()), 2)
    weakest = min(parts, key=lambda k: (parts[k] - 1) * WEIGHTS[k])
    reason = f"score {score:.1f} of 100 over {inputs.deliveries} deliveries"
    if parts[weakest] < 1:
        reason += f"; most points lost on {weakest.replace('_', '-')}"
    return Grade(letter(score), score, {k: round(v, 4) for k, v in parts.items()}, points, reason)
