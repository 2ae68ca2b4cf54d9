"""Pure stock rules and the journal planner, without a database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InsufficientStock
from inventory.planner import LotInfo, Op, plan
from inventory.rules import LotStock, days_of_supply, pick_lots, variances


def lots(*specs: tuple[int, str | None, int]) -> list[LotStock]:
    return [
        LotStock(i, f"L{i}", date.fromisoformat(exp) if exp else None, qty) for i, exp, qty in specs
    ]


def test_issue_takes_the_lot_that_expires_first() -> None:
    stock = lots((1, "2027-05-01", 10), (2, "2026-12-01", 4), (3, None, 50))
    picks = pick_lots(stock, 12)
    assert [(p.lot_id, p.quantity) for p in picks] == [(2, 4), (1, 8)]


def test_lots_without_expiry_go_last() -> None:
    stock = lots((3, None, 50), (1, "2030-01-01", 1))
    assert [p.lot_id for p in pick_lots(stock, 2)] == [1, 3]


def test_a_named_lot_is_taken_alone() -> None:
    stock = lots((1, "2026-12-01", 10), (2, "2027-12-01", 10))
    picks = pick_lots(stock, 5, lot_number="L2")
    assert [(p.lot_id, p.quantity) for p in picks] == [(2, 5)]
    with pytest.raises(InsufficientStock, match="lot L2 holds only 10"):
        pick_lots(stock, 11, lot_number="L2")


def test_expired_lots_are_not_issued_unless_named() -> None:
    stock = lots((1, "2026-01-01", 10), (2, "2027-01-01", 3))
    with pytest.raises(InsufficientStock, match="usable stock holds only 3"):
        pick_lots(stock, 5, usable_on=date(2026, 6, 1))
    assert pick_lots(stock, 5, lot_number="L1", usable_on=date(2026, 6, 1))[0].lot_id == 1


def test_insufficient_stock_says_what_is_there() -> None:
    with pytest.raises(InsufficientStock) as refused:
        pick_lots(lots((1, None, 3)), 4, item_code="WATER")
    assert refused.value.extra == {"requested": 4, "available": 3}
    assert "WATER" in refused.value.detail


def test_days_of_supply() -> None:
    assert days_of_supply(300, 300, 30) == 30.0
    assert days_of_supply(100, 30, 30) == 100.0
    assert days_of_supply(10, 0, 30) is None
    with pytest.raises(ValueError, match="positive"):
        days_of_supply(1, 1, 0)


def test_variances_skip_uncounted_and_equal_lines() -> None:
    found = variances([(1, 10, 8), (2, 5, None), (3, 7, 7), (4, 0, 3)])
    assert [(v.lot_id, v.difference) for v in found] == [(1, -2), (4, 3)]


def test_transfer_moves_the_same_lots_out_and_in() -> None:
    lot_info = [LotInfo(1, 9, "A", date(2027, 1, 1)), LotInfo(2, 9, "B", date(2026, 12, 1))]
    result = plan(
        [Op("transfer", 100, 9, 7, to_depot_id=200)],
        {(100, 1): 5, (100, 2): 5},
        lot_info,
    )
    assert [(ln.kind, ln.depot_id, ln.lot_id, ln.quantity) for ln in result.lines] == [
        ("transfer_out", 100, 2, -5),
        ("transfer_in", 200, 2, 5),
        ("transfer_out", 100, 1, -2),
        ("transfer_in", 200, 1, 2),
    ]
    assert result.balances == {(100, 1): 3, (100, 2): 0, (200, 1): 2, (200, 2): 5}


def test_collecting_problems_reports_every_refused_line() -> None:
    lot_info = [LotInfo(1, 9, "A", None)]
    ops = [
        Op("issue", 1, 9, 5, line=2),
        Op("receipt", 1, 9, 3, lot_id=1, line=3),
        Op("issue", 1, 9, 2, line=4),
        Op("issue", 1, 9, 9, line=5),
    ]
    result = plan(ops, {}, lot_info, collect_problems=True)
    assert [line for line, _ in result.problems] == [2, 5]
    assert result.balances == {(1, 1): 1}


# --- property: balances equal the journal's sum and are never negative ----------------------

DEPOTS = (1, 2, 3)
LOT_INFO = [LotInfo(lot, 7, f"L{lot}", date(2027, 1, lot)) for lot in (1, 2, 3)]

op_strategy = st.one_of(
    st.builds(
        lambda d, lot, q: Op("receipt", d, 7, q, lot_id=lot),
        st.sampled_from(DEPOTS),
        st.sampled_from((1, 2, 3)),
        st.integers(1, 50),
    ),
    st.builds(
        lambda d, q, lot: Op("issue", d, 7, q, lot_id=lot),
        st.sampled_from(DEPOTS),
        st.integers(1, 60),
        st.one_of(st.none(), st.sampled_from((1, 2, 3))),
    ),
    st.builds(
        lambda d, q: Op("write_off", d, 7, q),
        st.sampled_from(DEPOTS),
        st.integers(1, 30),
    ),
    st.builds(
        lambda a, b, q: Op("transfer", a, 7, q, to_depot_id=b),
        st.sampled_from(DEPOTS),
        st.sampled_from(DEPOTS),
        st.integers(1, 60),
    ).filter(lambda op: op.depot_id != op.to_depot_id),
    st.builds(
        lambda d, lot, q: Op("count_adjustment", d, 7, q, lot_id=lot),
        st.sampled_from(DEPOTS),
        st.sampled_from((1, 2, 3)),
        st.integers(-40, 40).filter(bool),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(op_strategy, max_size=40))
def test_planned_balances_equal_the_journal_and_never_go_negative(ops: list[Op]) -> None:
    balances: dict[tuple[int, int], int] = {}
    journal: list[tuple[int, int, int]] = []
    for op in ops:  # one action at a time, as the API applies them
        try:
            result = plan([op], balances, LOT_INFO)
        except InsufficientStock:
            continue
        balances = result.balances
        journal.extend((ln.depot_id, ln.lot_id, ln.quantity) for ln in result.lines)
        assert all(q >= 0 for q in balances.values())
    sums: dict[tuple[int, int], int] = {}
    for depot, lot, quantity in journal:
        sums[(depot, lot)] = sums.get((depot, lot), 0) + quantity
    assert {k: v for k, v in sums.items() if v} == {k: v for k, v in balances.items() if v}
