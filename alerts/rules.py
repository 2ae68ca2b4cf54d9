"""The alert rules: a `DistrictState` and the `Thresholds` in, a list of `Alert` values out.

No session, no settings: `alerts.service` gathers the state in one read session
and passes the thresholds it read from the settings.

Stock counts only usable lots (no expiry, or expiring today or later): an expired lot
cannot be issued, so it covers neither a reserve nor days of supply.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

from alerts.facts import (
    KINDS,
    SEVERITIES,
    Alert,
    Consumption,
    DistrictState,
    Document,
    LotStock,
    ReserveLevel,
    Severity,
    Thresholds,
    Value,
)
from alerts.texts import (
    BELOW_REORDER,
    BELOW_RESERVE,
    BELOW_RESERVE_NO_DEPOT,
    CONTRACT_ENDED,
    CONTRACT_EXPIRING,
    DISPATCH_OVERDUE,
    DISTRICT_PAGE,
    DO_ASSIGN_DEPOT,
    DO_CHASE_DISPATCH,
    DO_ISSUE_FIRST,
    DO_ORDER,
    DO_RENEW_CONTRACT,
    DO_RENEW_DOCUMENT,
    DO_SPOT_CHECK,
    DO_TRANSFER,
    DO_TRANSFER_AND_ORDER,
    DO_WRITE_OFF,
    DOCUMENT_EXPIRED,
    DOCUMENT_EXPIRING,
    LOT_EXPIRED,
    LOT_EXPIRING,
    LOW_DAYS,
    NEVER_CHECKED,
    UNCHECKED,
    depot_page,
    movement_page,
    receipt_page,
    supplier_page,
)
from inventory.rules import days_of_supply

#: Days left under which an expiry is a warning rather than information.
SOON_DAYS: Final = 7
#: Minutes overdue from which an unreceived manifest is critical.
LOST_MINUTES: Final = 24 * 60
#: Supplier statuses whose documents no longer matter to the district.
DONE_WITH: Final = frozenset({"rejected", "revoked"})


# --- the rules -----------------------------------------------------------------------------


def usable_stock(lots: Iterable[LotStock], today: date) -> dict[tuple[int, int], int]:
    """Usable units per (depot, item): lots without expiry or expiring today or later."""
    out: dict[tuple[int, int], int] = defaultdict(int)
    for s in lots:
        if s.quantity > 0 and (s.expiry_date is None or s.expiry_date >= today):
            out[(s.depot_id, s.item_id)] += s.quantity
    return dict(out)


def _daily_use(consumption: Iterable[Consumption]) -> dict[tuple[int, int], float]:
    return {
        (c.depot_id, c.item_id): c.consumed / c.window_days
        for c in consumption
        if c.consumed > 0 and c.window_days > 0
    }


def spare_stock(state: DistrictState, thresholds: Thresholds) -> dict[int, dict[int, int]]:
    """Per item, per depot: usable units above what the depot must keep itself — its own
    reserve for the scenario and its use over the days-of-supply threshold."""
    on_hand = usable_stock(state.lots, state.today)
    keep: dict[tuple[int, int], int] = defaultdict(int)
    for r in state.reserves:
        if r.depot_id is not None:
            keep[(r.depot_id, r.item_id)] = max(keep[(r.depot_id, r.item_id)], r.reserve)
    for pair, rate in _daily_use(state.consumption).items():
        keep[pair] = max(keep[pair], math.ceil(rate * thresholds.days_of_supply))
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for (depot_id, item_id), units in on_hand.items():
        spare = units - keep.get((depot_id, item_id), 0)
        if spare > 0:
            out[item_id][depot_id] = spare
    return dict(out)


def _refill(
    spare: dict[int, dict[int, int]],
    depot_codes: Mapping[int, str],
    *,
    depot_id: int,
    item_id: int,
    shortfall: int,
) -> tuple[str, str, dict[str, Value]]:
    """What to do about a shortfall: transfer from the depot with the most to spare (and
    take that from what it can spare for the next one), or order."""
    sources = {d: n for d, n in spare.get(item_id, {}).items() if d != depot_id and n > 0}
    if not sources:
        link = movement_page(depot_id, "receipt", item_id=item_id, quantity=shortfall)
        return DO_ORDER, link, {}
    source = min(sources, key=lambda d: (-sources[d], depot_codes.get(d, ""), d))
    move = min(shortfall, sources[source])
    spare[item_id][source] -= move
    values: dict[str, Value] = {"move": move, "source": depot_codes.get(source, f"#{source}")}
    link = movement_page(source, "transfer", item_id=item_id, to_depot_id=depot_id, quantity=move)
    if move < shortfall:
        values["rest"] = shortfall - move
        return DO_TRANSFER_AND_ORDER, link, values
    return DO_TRANSFER, link, values


def _highest_levels(reserves: Iterable[ReserveLevel]) -> list[ReserveLevel]:
    """One level per depot × item: the higher of the scenario's reserve and the reorder
    level (the scenario's on a tie)."""
    best: dict[tuple[int | None, int], ReserveLevel] = {}
    for r in reserves:
        held = best.get((r.depot_id, r.item_id))
        if held is None or (r.reserve, r.basis == "scenario") > (
            held.reserve,
            held.basis == "scenario",
        ):
            best[(r.depot_id, r.item_id)] = r
    return list(best.values())


def below_reserve(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Depot × item pairs whose usable stock is under the active scenario's reserve level,
    or under the depot's reorder level where that is higher.

    Critical when less than half the level is there."""
    on_hand = usable_stock(state.lots, state.today)
    spare = spare_stock(state, thresholds)
    out: list[Alert] = []
    short = [
        (r, on_hand.get((r.depot_id, r.item_id), 0) if r.depot_id is not None else 0)
        for r in _highest_levels(state.reserves)
        if r.reserve > 0
    ]
    short = [(r, held) for r, held in short if held < r.reserve]
    # The biggest gaps claim the spare stock first.
    short.sort(key=lambda x: (-(x[0].reserve - x[1]), x[0].depot_code or "", x[0].item_code))
    for r, held in short:
        shortfall = r.reserve - held
        severity: Severity = "critical" if held * 2 < r.reserve else "warning"
        if r.depot_id is None:
            out.append(
                Alert(
                    key=f"below_reserve:depot=none:item={r.item_id}",
                    kind="below_reserve",
                    severity="warning",
                    text=BELOW_RESERVE_NO_DEPOT,
                    action_text=DO_ASSIGN_DEPOT,
                    values={"item": r.item_code, "reserve": r.reserve},
                    link=DISTRICT_PAGE,
                    item_id=r.item_id,
                )
            )
            continue
        depot = r.depot_code or state.depot_codes.get(r.depot_id, f"#{r.depot_id}")
        action, link, extra = _refill(
            spare, state.depot_codes, depot_id=r.depot_id, item_id=r.item_id, shortfall=shortfall
        )
        out.append(
            Alert(
                key=f"below_reserve:depot={r.depot_id}:item={r.item_id}",
                kind="below_reserve",
                severity=severity,
                text=BELOW_RESERVE if r.basis == "scenario" else BELOW_REORDER,
                action_text=action,
                values={
                    "item": r.item_code,
                    "depot": depot,
                    "on_hand": held,
                    "reserve": r.reserve,
                    "shortfall": shortfall,
                    **extra,
                },
                link=link,
                depot_id=r.depot_id,
                item_id=r.item_id,
            )
        )
    return out


def low_days_of_supply(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Depot × item pairs in use whose usable stock lasts fewer days than the threshold.

    Critical under half the threshold. Pairs with no use in the window have no days of
    supply and raise nothing here."""
    on_hand = usable_stock(state.lots, state.today)
    spare = spare_stock(state, thresholds)
    found: list[tuple[Consumption, int, float]] = []
    for c in state.consumption:
        held = on_hand.get((c.depot_id, c.item_id), 0)
        if c.consumed <= 0 or c.window_days <= 0:
            continue
        if held * c.window_days < thresholds.days_of_supply * c.consumed:
            days = days_of_supply(held, c.consumed, c.window_days)
            found.append((c, held, days or 0.0))
    found.sort(key=lambda x: (x[2], x[0].depot_code, x[0].item_code))
    out: list[Alert] = []
    for c, held, days in found:
        need = math.ceil(c.consumed / c.window_days * thresholds.days_of_supply) - held
        action, link, extra = _refill(
            spare, state.depot_codes, depot_id=c.depot_id, item_id=c.item_id, shortfall=need
        )
        out.append(
            Alert(
                key=f"low_days_of_supply:depot={c.depot_id}:item={c.item_id}",
                kind="low_days_of_supply",
                severity="critical" if days < thresholds.days_of_supply / 2 else "warning",
                text=LOW_DAYS,
                action_text=action,
                values={
                    "item": c.item_code,
                    "depot": c.depot_code,
                    "on_hand": held,
                    "days": f"{days:g}",
                    "window": c.window_days,
                    "threshold": f"{thresholds.days_of_supply:g}",
                    "shortfall": need,
                    **extra,
                },
                link=link,
                depot_id=c.depot_id,
                item_id=c.item_id,
            )
        )
    return out


def _expiry_severity(days_left: int) -> Severity:
    if days_left < 0:
        return "critical"
    return "warning" if days_left <= SOON_DAYS else "info"


def lot_expiring(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Lots in stock that expire within the threshold, and expired lots still on hand
    (critical until they are written off)."""
    out: list[Alert] = []
    for s in sorted(
        state.lots, key=lambda s: (s.expiry_date or date.max, s.depot_code, s.item_code, s.lot_id)
    ):
        if s.expiry_date is None or s.quantity <= 0:
            continue
        days_left = (s.expiry_date - state.today).days
        if days_left > thresholds.lot_expiry_days:
            continue
        values: dict[str, Value] = {
            "lot": s.lot_number,
            "item": s.item_code,
            "depot": s.depot_code,
            "expiry": s.expiry_date.isoformat(),
            "days": days_left,
            "quantity": s.quantity,
        }
        expired = days_left < 0
        link = (
            depot_page(s.depot_id)
            if expired
            else movement_page(s.depot_id, "issue", item_id=s.item_id, lot_number=s.lot_number)
        )
        out.append(
            Alert(
                key=f"lot_expiring:depot={s.depot_id}:lot={s.lot_id}",
                kind="lot_expiring",
                severity=_expiry_severity(days_left),
                text=LOT_EXPIRED if expired else LOT_EXPIRING,
                action_text=DO_WRITE_OFF if expired else DO_ISSUE_FIRST,
                values=values,
                link=link,
                depot_id=s.depot_id,
                item_id=s.item_id,
                lot_id=s.lot_id,
            )
        )
    return out


def document_expiring(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """The newest document of each kind a supplier holds, when it ends within the
    threshold or ended within the threshold's days before today (critical). A newer
    document of the same kind closes the alert; so does rejecting or revoking the supplier."""
    newest: dict[tuple[int, str], Document] = {}
    for d in state.documents:
        key = (d.supplier_id, d.kind)
        held = newest.get(key)
        if held is None or (d.valid_until, d.document_id) > (held.valid_until, held.document_id):
            newest[key] = d
    window = thresholds.document_expiry_days
    out: list[Alert] = []
    for d in sorted(newest.values(), key=lambda d: (d.valid_until, d.supplier_name, d.kind)):
        days_left = (d.valid_until - state.today).days
        if d.supplier_status in DONE_WITH or not -window <= days_left <= window:
            continue
        out.append(
            Alert(
                key=f"document_expiring:document={d.document_id}",
                kind="document_expiring",
                severity=_expiry_severity(days_left),
                text=DOCUMENT_EXPIRED if days_left < 0 else DOCUMENT_EXPIRING,
                action_text=DO_RENEW_DOCUMENT,
                values={
                    "supplier": d.supplier_name,
                    "kind": d.kind,
                    "number": d.number,
                    "valid_until": d.valid_until.isoformat(),
                    "days": days_left,
                },
                link=supplier_page(d.supplier_id),
                supplier_id=d.supplier_id,
                document_id=d.document_id,
            )
        )
    return out


def contract_expiring(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Agreements in force that end within the threshold, or ended within the threshold's
    days before today (critical), with no later agreement for the same supplier and item."""
    window = thresholds.document_expiry_days
    out: list[Alert] = []
    for c in sorted(state.contracts, key=lambda c: (c.valid_until, c.number)):
        days_left = (c.valid_until - state.today).days
        if c.valid_from > state.today or not -window <= days_left <= window:
            continue
        if any(
            o.contract_id != c.contract_id
            and o.supplier_id == c.supplier_id
            and o.item_id == c.item_id
            and o.valid_until > c.valid_until
            for o in state.contracts
        ):
            continue
        out.append(
            Alert(
                key=f"contract_expiring:contract={c.contract_id}",
                kind="contract_expiring",
                severity=_expiry_severity(days_left),
                text=CONTRACT_ENDED if days_left < 0 else CONTRACT_EXPIRING,
                action_text=DO_RENEW_CONTRACT,
                values={
                    "number": c.number,
                    "supplier": c.supplier_name,
                    "item": c.item_code,
                    "quantity": c.reserved_quantity,
                    "valid_until": c.valid_until.isoformat(),
                    "days": days_left,
                },
                link=supplier_page(c.supplier_id),
                supplier_id=c.supplier_id,
                contract_id=c.contract_id,
                item_id=c.item_id,
            )
        )
    return out


def agreement_unchecked(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Agreements in force whose reserve was not spot-checked within their period: the
    contract's own, capped by the threshold. Critical once a whole further period passed."""
    out: list[Alert] = []
    for c in sorted(state.contracts, key=lambda c: c.number):
        if not c.valid_from <= state.today <= c.valid_until:
            continue
        period = min(c.spot_check_every_days, thresholds.spot_check_days)
        since = c.last_checked_at.date() if c.last_checked_at is not None else c.valid_from
        due = since + timedelta(days=period)
        if due >= state.today:
            continue
        out.append(
            Alert(
                key=f"agreement_unchecked:contract={c.contract_id}",
                kind="agreement_unchecked",
                severity="critical" if (state.today - due).days >= period else "warning",
                text=UNCHECKED if c.last_checked_at is not None else NEVER_CHECKED,
                action_text=DO_SPOT_CHECK,
                values={
                    "number": c.number,
                    "supplier": c.supplier_name,
                    "item": c.item_code,
                    "quantity": c.reserved_quantity,
                    "since": since.isoformat(),
                    "due": due.isoformat(),
                },
                link=supplier_page(c.supplier_id),
                supplier_id=c.supplier_id,
                contract_id=c.contract_id,
                item_id=c.item_id,
            )
        )
    return out


def dispatch_overdue(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Manifests with unconfirmed lines past their expected time plus the grace period.
    Critical after a day: the shipment may be lost."""
    grace = timedelta(minutes=thresholds.dispatch_grace_minutes)
    out: list[Alert] = []
    for m in sorted(state.in_transit, key=lambda m: (m.expected_at, m.manifest_id)):
        if m.open_lines <= 0 or m.expected_at + grace >= state.now:
            continue
        minutes = int((state.now - m.expected_at).total_seconds() // 60)
        codes = [state.depot_codes.get(d, f"#{d}") for d in m.destination_depot_ids]
        first = m.destination_depot_ids[0] if m.destination_depot_ids else m.source_depot_id
        out.append(
            Alert(
                key=f"dispatch_overdue:manifest={m.manifest_id}",
                kind="dispatch_overdue",
                severity="critical" if minutes >= LOST_MINUTES else "warning",
                text=DISPATCH_OVERDUE,
                action_text=DO_CHASE_DISPATCH,
                values={
                    "manifest": m.manifest_id,
                    "vehicle": m.vehicle_id,
                    "source": state.depot_codes.get(m.source_depot_id, f"#{m.source_depot_id}"),
                    "expected": m.expected_at.strftime("%Y-%m-%d %H:%M UTC"),
                    "hours": f"{minutes / 60:.1f}",
                    "lines": m.open_lines,
                    "destinations": ", ".join(codes),
                },
                link=receipt_page(m.manifest_id, first),
                depot_id=first,
                manifest_id=m.manifest_id,
            )
        )
    return out


RULES: Final = (
    below_reserve,
    low_days_of_supply,
    lot_expiring,
    document_expiring,
    contract_expiring,
    dispatch_overdue,
    agreement_unchecked,
)


def order(alerts: Iterable[Alert]) -> list[Alert]:
    """Most severe first, then by kind, then by key."""
    return sorted(alerts, key=lambda a: (SEVERITIES.index(a.severity), KINDS.index(a.kind), a.key))


def evaluate(state: DistrictState, thresholds: Thresholds) -> list[Alert]:
    """Every rule over the district's state: one alert per key, most severe first."""
    found = [a for rule in RULES for a in rule(state, thresholds)]
    keys = [a.key for a in found]
    if len(keys) != len(set(keys)):  # a rule bug, not bad input
        raise AssertionError("two alerts share a key")
    return order(found)
