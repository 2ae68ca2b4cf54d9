"""Locked lines laid into an allocation problem: supply and demand shrink by what they send,
the priority tier first, and a re-solve plus the locks never exceeds the original supply."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from optimizer.allocation import (
    Agreement,
    AllocationProblem,
    Community,
    Demand,
    Holding,
    Item,
    Location,
    Lot,
    Source,
    SourceKind,
    Tier,
    solve,
)
from plans.problem import Lock, from_document, to_document, with_locks

DEPOT_LOTS = {"L1": 300, "L2": 200}
FLOOR = 100
RESERVED = 150


def problem(priority: int, general: int) -> AllocationProblem:
    here = Location(30.5, 114.3)
    return AllocationProblem(
        items=(Item("WATER", 600),),
        sources=(
            Source(
                "DEPOT",
                SourceKind.DEPOT,
                here,
                stock=(
                    Holding("WATER", tuple(Lot(k, q, 2000) for k, q in DEPOT_LOTS.items()), FLOOR),
                ),
            ),
            Source(
                "SUPPLIER",
                SourceKind.AGREEMENT,
                Location(30.6, 114.4),
                agreements=(Agreement("AG", "WATER", RESERVED, 0, 0, 10),),
            ),
        ),
        communities=(Community("A", here), Community("B", Location(30.55, 114.35))),
        demands=(
            Demand("A", "WATER", Tier.PRIORITY, priority, 48),
            Demand("A", "WATER", Tier.GENERAL, general, 48),
            Demand("B", "WATER", Tier.PRIORITY, 120, 48),
            Demand("B", "WATER", Tier.GENERAL, 300, 48),
        ),
    )


locks = st.lists(
    st.tuples(
        st.sampled_from([("DEPOT", "L1", None), ("DEPOT", "L2", None), ("SUPPLIER", None, "AG")]),
        st.sampled_from(["A", "B"]),
        st.integers(1, 120),
    ),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200), locks)
def test_locks_shrink_supply_and_demand_and_a_resolve_stays_within_supply(
    priority: int, general: int, drawn: list[tuple[tuple[str, str | None, str | None], str, int]]
) -> None:
    base = problem(priority, general)
    kept = [
        Lock(src, community, "WATER", q, lot, contract)
        for (src, lot, contract), community, q in drawn
    ]
    need: dict[str, int] = defaultdict(int)
    drawn_from: dict[str | None, int] = defaultdict(int)
    for lock in kept:
        need[lock.community] += lock.quantity
        drawn_from[lock.lot or lock.contract] += lock.quantity
    too_much = (
        need["A"] > priority + general
        or need["B"] > 420
        or drawn_from["AG"] > RESERVED
        or any(drawn_from[lot] > q for lot, q in DEPOT_LOTS.items())
        or drawn_from["L1"] + drawn_from["L2"] > sum(DEPOT_LOTS.values()) - FLOOR
    )
    if too_much:
        with pytest.raises(InvalidInput):
            with_locks(base, kept)
        return
    left = with_locks(base, kept)
    cut_a = priority + general - sum(d.quantity for d in left.demands if d.community == "A")
    assert cut_a == need["A"]
    a_priority = next(d for d in left.demands if d.community == "A" and d.tier is Tier.PRIORITY)
    assert a_priority.quantity == max(0, priority - need["A"])  # priority is covered first
    plan = solve(left)
    sent: dict[tuple[str, str | None], int] = defaultdict(int)
    for s in plan.shipments:
        sent[(s.source, s.lot or s.contract)] += s.quantity
    for lock in kept:
        sent[(lock.source, lock.lot or lock.contract)] += lock.quantity
    assert sent[("SUPPLIER", "AG")] <= RESERVED
    for lot, quantity in DEPOT_LOTS.items():
        assert sent[("DEPOT", lot)] <= quantity
    assert sent[("DEPOT", "L1")] + sent[("DEPOT", "L2")] <= sum(DEPOT_LOTS.values()) - FLOOR


def test_a_lock_below_the_depot_floor_or_beyond_a_reserve_is_refused() -> None:
    base = problem(100, 100)
    with pytest.raises(InvalidInput, match="do not fit") as below:
        with_locks(base, [Lock("DEPOT", "B", "WATER", 450, "L1", None)])
    assert any("safety floor" in p.msg for p in below.value.problems)
    with pytest.raises(InvalidInput) as beyond:
        with_locks(base, [Lock("SUPPLIER", "B", "WATER", RESERVED + 1, None, "AG")])
    assert any("reserve holds" in p.msg for p in beyond.value.problems)


def test_the_stored_problem_document_reads_back_equal() -> None:
    base = problem(10, 20)
    assert from_document(to_document(base)) == base
