"""The alert rules over plain data: each kind, its severity, what to do and where; stable
keys; and properties (no alert while the stock covers the reserve, ...)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts import facts, rules, texts
from alerts.facts import (
    Consumption,
    Contract,
    DistrictState,
    Document,
    InTransit,
    LotStock,
    ReserveLevel,
    Thresholds,
)

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
CODES = {1: "WH", 2: "DA", 3: "DB", 4: "ER"}
T = Thresholds()


def lot(depot: int, quantity: int, *, item: int = 10, lot_id: int | None = None,
        expiry: date | None = None) -> LotStock:  # fmt: skip
    return LotStock(
        depot_id=depot,
        depot_code=CODES[depot],
        item_id=item,
        item_code=f"I{item}",
        lot_id=lot_id if lot_id is not None else depot * 100 + item,
        lot_number=f"L-{depot}-{item}",
        expiry_date=expiry,
        quantity=quantity,
    )


def reserve(depot: int | None, amount: int, item: int = 10) -> ReserveLevel:
    code = CODES[depot] if depot is not None else None
    return ReserveLevel(depot, code, item, f"I{item}", amount)


def used(depot: int, consumed: int, item: int = 10, window: int = 30) -> Consumption:
    return Consumption(depot, CODES[depot], item, f"I{item}", consumed, window)


def state(**parts: Any) -> DistrictState:
    return DistrictState(district_id=1, now=NOW, depot_codes=CODES, **parts)


def query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


# --- below the reserve ----------------------------------------------------------------------


def test_stock_below_the_reserve_is_an_alert_keyed_by_depot_and_item() -> None:
    [alert] = rules.below_reserve(state(lots=[lot(2, 30)], reserves=[reserve(2, 100)]), T)
    assert alert.key == "below_reserve:depot=2:item=10"
    assert alert.kind == "below_reserve"
    assert alert.severity == "critical"  # less than half of the reserve is there
    assert (alert.depot_id, alert.item_id) == (2, 10)
    assert alert.message == (
        "I10 at DA: 30 usable on hand, below the reserve of 100 for the active scenario (short 70)."
    )


def test_half_the_reserve_or_more_is_a_warning() -> None:
    [alert] = rules.below_reserve(state(lots=[lot(2, 50)], reserves=[reserve(2, 100)]), T)
    assert alert.severity == "warning"


def test_a_shortfall_is_filled_from_the_depot_with_the_most_to_spare() -> None:
    found = rules.below_reserve(
        state(
            lots=[lot(2, 10), lot(1, 500), lot(4, 120)],
            reserves=[reserve(2, 100), reserve(1, 450)],  # the warehouse keeps 450 itself
        ),
        T,
    )
    [alert] = found
    # ER has 120 to spare, WH only 50: ER sends the 90 missing.
    assert alert.action == "Transfer 90 from ER to DA."
    assert alert.link.startswith("/web/depot/4/move?")
    assert query(alert.link) == {
        "kind": "transfer",
        "item_id": "10",
        "to_depot_id": "2",
        "quantity": "90",
    }


def test_spare_stock_is_not_promised_twice_and_the_rest_is_ordered() -> None:
    found = rules.below_reserve(
        state(lots=[lot(1, 100)], reserves=[reserve(2, 80), reserve(3, 60)]), T
    )
    by_depot = {a.depot_id: a for a in found}
    # The bigger gap (DA, 80) takes the 80 first; DB gets the remaining 20 and orders 40.
    assert by_depot[2].action == "Transfer 80 from WH to DA."
    assert by_depot[3].action == "Transfer 20 from WH to DB and order the other 40."


def test_without_spare_stock_the_action_is_to_order_and_record_the_receipt() -> None:
    [alert] = rules.below_reserve(state(lots=[], reserves=[reserve(2, 40)]), T)
    assert alert.action.startswith("Order 40 from a supplier")
    assert alert.link == "/web/depot/2/move?kind=receipt&item_id=10&quantity=40"


def test_expired_lots_do_not_cover_a_reserve() -> None:
    lots = [lot(2, 100, expiry=TODAY - timedelta(days=1))]
    [alert] = rules.below_reserve(state(lots=lots, reserves=[reserve(2, 100)]), T)
    assert alert.values["on_hand"] == 0
    assert not rules.below_reserve(
        state(lots=[lot(2, 100, expiry=TODAY)], reserves=[reserve(2, 100)]), T
    )  # usable to the end of its expiry day


def test_a_reserve_no_depot_takes_is_a_warning_for_the_district() -> None:
    [alert] = rules.below_reserve(state(reserves=[reserve(None, 25)]), T)
    assert alert.key == "below_reserve:depot=none:item=10"
    assert alert.severity == "warning"
    assert alert.link == "/web/district"


def test_the_higher_of_the_scenario_reserve_and_the_reorder_level_decides() -> None:
    level = ReserveLevel(2, "DA", 10, "I10", 80, basis="reorder_level")
    [alert] = rules.below_reserve(state(lots=[lot(2, 50)], reserves=[reserve(2, 60), level]), T)
    assert alert.key == "below_reserve:depot=2:item=10"
    assert alert.text == texts.BELOW_REORDER
    assert (
        alert.message == "I10 at DA: 50 usable on hand, below its reorder level of 80 (short 30)."
    )
    higher = [reserve(2, 90), level]
    [alert] = rules.below_reserve(state(lots=[lot(2, 50)], reserves=higher), T)
    assert (alert.text, alert.values["reserve"]) == (texts.BELOW_RESERVE, 90)
    assert rules.below_reserve(state(lots=[lot(2, 80)], reserves=[reserve(2, 60), level]), T) == []


@given(
    held=st.integers(0, 10_000),
    needed=st.integers(0, 10_000),
    others=st.lists(st.integers(0, 5_000), max_size=3),
)
def test_no_reserve_alert_while_usable_stock_covers_the_reserve(
    held: int, needed: int, others: list[int]
) -> None:
    lots = [lot(2, held)] + [lot(d, n) for d, n in zip((1, 3, 4), others, strict=False) if n]
    found = rules.below_reserve(state(lots=lots, reserves=[reserve(2, needed)]), T)
    if held >= needed:
        assert found == []
    else:
        [alert] = found
        assert alert.values["shortfall"] == needed - held
        moved = alert.values.get("move", 0)
        assert isinstance(moved, int)
        assert 0 <= moved <= min(needed - held, sum(others))
        assert alert.values.get("rest", 0) == (needed - held - moved if moved else 0)


# --- days of supply -------------------------------------------------------------------------


def test_days_of_supply_under_the_threshold_is_an_alert() -> None:
    # 30 used in 30 days: 1 a day; 5 on hand last 5 days (< 7), the warehouse sends 2.
    found = rules.low_days_of_supply(
        state(lots=[lot(2, 5), lot(1, 50)], consumption=[used(2, 30)]), T
    )
    [alert] = found
    assert alert.key == "low_days_of_supply:depot=2:item=10"
    assert alert.severity == "warning"
    assert alert.values["days"] == "5"
    assert alert.action == "Transfer 2 from WH to DA."


def test_under_half_the_threshold_is_critical_and_no_use_is_no_alert() -> None:
    [alert] = rules.low_days_of_supply(state(lots=[lot(2, 3)], consumption=[used(2, 30)]), T)
    assert alert.severity == "critical"
    assert rules.low_days_of_supply(state(lots=[], consumption=[used(2, 0)]), T) == []


@given(
    held=st.integers(0, 5_000),
    consumed=st.integers(0, 5_000),
    window=st.integers(1, 90),
    threshold=st.floats(0.5, 60, allow_nan=False),
)
def test_a_days_alert_exactly_when_the_stock_lasts_less_than_the_threshold(
    held: int, consumed: int, window: int, threshold: float
) -> None:
    thresholds = Thresholds(days_of_supply=threshold)
    found = rules.low_days_of_supply(
        state(lots=[lot(2, held)], consumption=[used(2, consumed, window=window)]), thresholds
    )
    lasts = held / (consumed / window) if consumed else float("inf")
    assert bool(found) == (lasts < threshold)
    for alert in found:
        shortfall = alert.values["shortfall"]
        assert isinstance(shortfall, int)
        assert shortfall >= 1


# --- expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "severity", "action"),
    [
        (-3, "critical", texts.DO_WRITE_OFF),
        (0, "warning", texts.DO_ISSUE_FIRST),
        (7, "warning", texts.DO_ISSUE_FIRST),
        (8, "info", texts.DO_ISSUE_FIRST),
        (30, "info", texts.DO_ISSUE_FIRST),
    ],
)
def test_lots_expiring_within_the_threshold(days_left: int, severity: str, action: str) -> None:
    s = lot(3, 12, lot_id=77, expiry=TODAY + timedelta(days=days_left))
    [alert] = rules.lot_expiring(state(lots=[s]), T)
    assert alert.key == "lot_expiring:depot=3:lot=77"
    assert (alert.severity, alert.action_text) == (severity, action)
    if days_left >= 0:
        assert query(alert.link) == {"kind": "issue", "item_id": "10", "lot_number": "L-3-10"}
    else:
        assert alert.link == "/web/depot?depot_id=3"


def test_lots_beyond_the_threshold_without_expiry_or_empty_raise_nothing() -> None:
    lots = [
        lot(3, 12, expiry=TODAY + timedelta(days=31)),
        lot(3, 12, item=11),
        lot(3, 0, item=12, expiry=TODAY),
    ]
    assert rules.lot_expiring(state(lots=lots), T) == []


def document(doc_id: int, kind: str, days: int, *, supplier: int = 5, status: str = "qualified"):
    return Document(doc_id, supplier, "Acme", status, kind, f"N{doc_id}", TODAY + timedelta(days))


def test_the_newest_document_of_a_kind_decides_and_a_successor_closes_the_alert() -> None:
    [alert] = rules.document_expiring(state(documents=[document(1, "iso9001", 10)]), T)
    assert alert.key == "document_expiring:document=1"
    assert (alert.severity, alert.supplier_id, alert.link) == ("info", 5, "/web/suppliers/5")
    assert alert.action == "Ask Acme for a new iso9001 and upload it."
    renewed = [document(1, "iso9001", 10), document(2, "iso9001", 400)]
    assert rules.document_expiring(state(documents=renewed), T) == []


@pytest.mark.parametrize(
    ("days", "status", "expected"),
    [
        (-1, "qualified", "critical"),
        (-30, "qualified", "critical"),
        (-31, "qualified", None),  # ended longer ago than the window: history
        (5, "qualified", "warning"),
        (31, "qualified", None),
        (5, "revoked", None),
        (5, "rejected", None),
        (5, "under_review", "warning"),
    ],
)
def test_document_expiry_window_and_supplier_status(
    days: int, status: str, expected: str | None
) -> None:
    found = rules.document_expiring(
        state(documents=[document(1, "iso9001", days, status=status)]), T
    )
    assert [a.severity for a in found] == ([expected] if expected else [])


def contract(cid: int, *, start: int = -200, end: int = 20, checked: int | None = None,
             every: int = 90, item: int = 10, supplier: int = 5) -> Contract:  # fmt: skip
    return Contract(
        contract_id=cid,
        number=f"AG-{cid}",
        supplier_id=supplier,
        supplier_name="Acme",
        item_id=item,
        item_code=f"I{item}",
        reserved_quantity=1000,
        valid_from=TODAY + timedelta(days=start),
        valid_until=TODAY + timedelta(days=end),
        spot_check_every_days=every,
        last_checked_at=None if checked is None else NOW + timedelta(days=checked),
    )


def test_contracts_ending_soon_without_a_successor() -> None:
    [alert] = rules.contract_expiring(state(contracts=[contract(1, end=6, checked=-1)]), T)
    assert (alert.key, alert.severity) == ("contract_expiring:contract=1", "warning")
    assert alert.action == "Renew the agreement or sign a new one for I10."
    successor = contract(2, start=7, end=400, checked=-1)
    assert rules.contract_expiring(state(contracts=[contract(1, end=6), successor]), T) == []
    [ended] = rules.contract_expiring(state(contracts=[contract(1, end=-2)]), T)
    assert ended.severity == "critical"
    assert rules.contract_expiring(state(contracts=[contract(1, end=-31)]), T) == []
    assert rules.contract_expiring(state(contracts=[contract(1, start=3, end=10)]), T) == []


@pytest.mark.parametrize(
    ("checked", "every", "expected"),
    [
        (-10, 90, None),
        (-91, 90, "warning"),  # due 90 days after the check, one day ago
        (-200, 90, "critical"),  # a whole further period without a check
        (-100, 120, "warning"),  # the settings cap the contract's 120 days at 90
        (None, 90, "critical"),  # never checked since it began 200 days ago
    ],
)
def test_agreement_reserves_not_spot_checked_within_their_period(
    checked: int | None, every: int, expected: str | None
) -> None:
    found = rules.agreement_unchecked(
        state(contracts=[contract(1, checked=checked, every=every)]), T
    )
    assert [a.severity for a in found] == ([expected] if expected else [])
    for alert in found:
        assert alert.key == "agreement_unchecked:contract=1"
        assert alert.text == (texts.NEVER_CHECKED if checked is None else texts.UNCHECKED)


def manifest(mid: int, late_minutes: int, open_lines: int = 2) -> InTransit:
    return InTransit(mid, 7, 1, NOW - timedelta(minutes=late_minutes), open_lines, (2, 3))


@pytest.mark.parametrize(
    ("late", "open_lines", "expected"),
    [(60, 2, None), (121, 2, "warning"), (24 * 60, 1, "critical"), (500, 0, None)],
)
def test_dispatches_past_their_expected_time_and_the_grace(
    late: int, open_lines: int, expected: str | None
) -> None:
    found = rules.dispatch_overdue(state(in_transit=[manifest(9, late, open_lines)]), T)
    assert [a.severity for a in found] == ([expected] if expected else [])
    for alert in found:
        assert alert.key == "dispatch_overdue:manifest=9"
        assert alert.values["destinations"] == "DA, DB"
        assert alert.action == "Call the driver, then have DA, DB confirm the receipt."
        assert alert.link == "/web/receipts/9/2"  # the first destination's receipt form


# --- all together ---------------------------------------------------------------------------


def test_evaluate_orders_by_severity_and_keys_are_stable() -> None:
    everything = state(
        lots=[lot(2, 3, expiry=TODAY + timedelta(days=20)), lot(3, 1, item=11)],
        reserves=[reserve(3, 100, item=11)],
        consumption=[used(2, 60)],
        documents=[document(1, "business_licence", 3)],
        contracts=[contract(1, end=25, checked=-100)],
        in_transit=[manifest(9, 200)],
    )
    first = rules.evaluate(everything, T)
    assert [a.key for a in first] == [a.key for a in rules.evaluate(everything, T)]
    ranks = [facts.SEVERITIES.index(a.severity) for a in first]
    assert ranks == sorted(ranks)
    assert {a.kind for a in first} == set(facts.KINDS)
    assert len({a.key for a in first}) == len(first)
    for a in first:  # every template fills in from its values
        assert "{" not in a.message
        assert "{" not in a.action
        assert a.link.startswith("/web/")


def test_bad_thresholds_are_refused() -> None:
    with pytest.raises(ValueError, match="days_of_supply"):
        Thresholds(days_of_supply=0)
    with pytest.raises(ValueError, match="spot_check_days"):
        Thresholds(spot_check_days=0)
    with pytest.raises(ValueError, match="lot_expiry_days"):
        Thresholds(lot_expiry_days=-1)
