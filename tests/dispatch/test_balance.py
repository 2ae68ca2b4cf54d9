"""The balance of a plan over plain data: every allocated unit is in exactly one bucket,
and a delivery order is due by its lead time plus the surge days it needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.balance import PlanLine, account
from dispatch.orders import due_at

lines_strategy = st.lists(
    st.builds(
        PlanLine,
        line_id=st.integers(1, 10_000),
        community_id=st.integers(1, 4),
        item_id=st.integers(1, 3),
        quantity=st.integers(1, 10**9),
        agreement=st.booleans(),
        at_destination=st.booleans(),
    ),
    max_size=20,
    unique_by=lambda x: x.line_id,
)


@settings(max_examples=200, deadline=None)
@given(lines=lines_strategy, data=st.data())
def test_every_unit_is_in_exactly_one_bucket(lines: list[PlanLine], data: st.DataObject) -> None:
    carried: dict[int, int] = {}
    scheduled: dict[int, int] = {}
    left: dict[int, dict[str, int]] = {}
    ordered: dict[int, int] = {}
    for x in lines:
        if x.agreement:
            ordered[x.line_id] = data.draw(st.sampled_from([0, x.quantity]))
            continue
        a = data.draw(st.integers(0, x.quantity))
        b = data.draw(st.integers(0, x.quantity - a))
        c = data.draw(st.integers(0, x.quantity - a - b))
        carried[x.line_id], scheduled[x.line_id] = a, b
        left[x.line_id] = {"fleet_capacity": c}
    balance = account(
        lines,
        routed=True,
        carried=carried,
        scheduled=scheduled,
        left_out=left,
        received={},
        ordered=ordered,
        accepted={},
    )
    assert balance.adds_up
    assert balance.total.allocated == sum(x.quantity for x in lines)
    assert sum(b.allocated for b in balance.rows.values()) == balance.total.allocated
    assert 0.0 <= balance.reach_share <= 1.0


def test_a_line_accounted_beyond_its_quantity_is_a_bug() -> None:
    with pytest.raises(ValueError, match="accounted"):
        account(
            [PlanLine(1, 1, 1, 10, agreement=False)],
            routed=True,
            carried={1: 8},
            scheduled={1: 5},
            left_out={},
            received={},
            ordered={},
            accepted={},
        )


def test_an_order_is_due_by_its_lead_time_plus_its_surge_days() -> None:
    now = datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert due_at(now, 5000, reserved=5000, surge_per_day=2000, lead_h=12) == now + timedelta(
        hours=12
    )
    # 5,000 beyond the reserve at 2,000 a day: three days of production
    assert due_at(now, 10_000, reserved=5000, surge_per_day=2000, lead_h=12) == now + timedelta(
        hours=12, days=3
    )
    assert due_at(now, 10_000, reserved=5000, surge_per_day=0, lead_h=12) == now + timedelta(
        hours=12
    )
