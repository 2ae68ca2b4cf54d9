"""The alert use cases: the district's alerts now, refreshing the stored record, and
acknowledging. Every function takes the caller's session and never commits.

How "computed on a schedule and on every change" is met:

* Reading (`current`, the API's ``GET /districts/{id}/alerts``, the district page)
  evaluates the rules over the district's state at that moment, so what it shows already
  reflects every change committed before it. It writes nothing; it merges the live
  alerts with the stored open rows, which say since when each has been seen and who
  acknowledged it.
* `refresh` persists: it opens a row for each new key, moves `last_seen_at` of the keys
  still there, and closes (``resolved_at``) the rows whose alert went away. It runs on a
  schedule (the API's background task every ``alerts_refresh_interval_s``, and
  ``relief alerts refresh`` for cron), before an acknowledgement from the page, and once
  at the end of ``relief demo``.
* Write transactions (a receipt, an issue, a plan) do not refresh. One evaluation reads
  the district's stock, consumption, forecast quantiles, suppliers and manifests; adding
  that to every stock movement would slow each write and make all writers of a district
  contend on its alert rows, for nothing a reader cannot compute itself. The cost is
  that `first_seen_at` is as precise as the schedule: an alert is recorded at the first
  refresh that sees it.

Two refreshes at once cannot open the same key twice: a partial unique index allows one
open row per district and key, and new rows are inserted with ON CONFLICT DO NOTHING.
An acknowledged alert whose severity rises is unacknowledged again: it asks once more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from alerts import facts, rules
from alerts.models import AlertRecord
from alerts.schemas import AlertPublic, RefreshPublic
from core.errors import Conflict, NotFound
from core.settings import Settings
from dispatch import service as dispatch
from inventory import service as inventory
from plans import service as plans
from suppliers import service as suppliers

MAX_MESSAGE = 1000
MAX_HISTORY = 1000


@dataclass(frozen=True)
class Config:
    """The rules' thresholds and how the data they read is gathered."""

    thresholds: facts.Thresholds
    service_level: float = 0.95
    supply_window_days: int = 30


def config(settings: Settings) -> Config:
    """The alert settings (`alerts_*`) as the service takes them."""
    return Config(
        thresholds=facts.Thresholds(
            days_of_supply=settings.alerts_days_of_supply,
            lot_expiry_days=settings.alerts_lot_expiry_days,
            document_expiry_days=settings.alerts_document_expiry_days,
            spot_check_days=settings.alerts_spot_check_days,
            dispatch_grace_minutes=settings.alerts_dispatch_grace_minutes,
        ),
        service_level=settings.alerts_service_level,
        supply_window_days=settings.alerts_supply_window_days,
    )


# --- gathering ----------------------------------------------------------------------------


def gather(
    session: Session, district_id: int, *, now: datetime, cfg: Config
) -> facts.DistrictState:
    """Everything the rules read about a district, in the caller's (one) session."""
    inventory.get_district(session, district_id)  # an unknown district is a 404
    depots = [d for d in inventory.list_depots(session, district_id) if d.kind != "in_transit"]
    codes = {d.id: d.code for d in depots if d.id is not None}
    lots = [
        facts.LotStock(
            depot_id=b.depot_id,
            depot_code=b.depot_code,
            item_id=b.item_id,
            item_code=b.item_code,
            lot_id=b.lot_id,
            lot_number=b.lot_number,
            expiry_date=b.expiry_date,
            quantity=b.quantity,
        )
        for b in inventory.list_balances(session, district_id=district_id)
        if b.depot_id in codes
    ]
    consumption = [
        facts.Consumption(
            depot_id=s.depot_id,
            depot_code=s.depot_code,
            item_id=s.item_id,
            item_code=s.item_code,
            consumed=s.consumed_in_window,
            window_days=s.window_days,
        )
        for s in inventory.supply_days(session, district_id, window_days=cfg.supply_window_days)
        if s.depot_id in codes and s.consumed_in_window > 0
    ]
    return facts.DistrictState(
        district_id=district_id,
        now=now,
        lots=lots,
        reserves=[
            *_reserves(session, district_id, cfg.service_level),
            *_reorder_levels(session, district_id, codes),
        ],
        consumption=consumption,
        documents=_documents(session, now.date(), cfg.thresholds.document_expiry_days),
        contracts=_contracts(session, district_id),
        in_transit=_in_transit(session, district_id, now, cfg.thresholds.dispatch_grace_minutes),
        depot_codes=codes,
    )


def _reserves(session: Session, district_id: int, service_level: float) -> list[facts.ReserveLevel]:
    """The reserve levels of the latest forecast of the active scenario; none without one."""
    scenario = plans.active_scenario(session, district_id)
    if scenario is None or scenario.id is None:
        return []
    try:
        run = plans.latest_run(session, district_id, scenario.id)
    except Conflict:  # no forecast for the active scenario yet
        return []
    return [
        facts.ReserveLevel(
            depot_id=r.depot_id,
            depot_code=r.depot_code,
            item_id=r.item_id,
            item_code=r.item_code,
            reserve=r.reserve,
        )
        for r in plans.reserve_levels(session, run.id or 0, service_level=service_level)
        if r.reserve > 0
    ]


def _reorder_levels(
    session: Session, district_id: int, codes: dict[int, str]
) -> list[facts.ReserveLevel]:
    """The depots' standing reorder levels (the reserve outside a crisis)."""
    levels = inventory.reorder_levels(session, district_id)
    if not levels:
        return []
    items = {i.id: i.code for i in inventory.list_items(session)}
    return [
        facts.ReserveLevel(
            depot_id=depot_id,
            depot_code=codes[depot_id],
            item_id=item_id,
            item_code=items.get(item_id, f"#{item_id}"),
            reserve=level,
            basis="reorder_level",
        )
        for (depot_id, item_id), level in sorted(levels.items())
        if level > 0 and depot_id in codes
    ]


def _documents(session: Session, today: date, window: int) -> list[facts.Document]:
    """Documents ending from `window` days ago on: every candidate and its successors."""
    known = {s.id: s for s in suppliers.list_suppliers(session)}
    return [
        facts.Document(
            document_id=d.id or 0,
            supplier_id=d.supplier_id,
            supplier_name=known[d.supplier_id].legal_name,
            supplier_status=known[d.supplier_id].status,
            kind=d.kind,
            number=d.number,
            valid_until=d.valid_until,
        )
        for d in suppliers.valid_until_on_or_after(session, today - timedelta(days=window))
    ]


def _contracts(session: Session, district_id: int) -> list[facts.Contract]:
    contracts = suppliers.list_contracts(session, district_id=district_id)
    if not contracts:
        return []
    names = {s.id: s.legal_name for s in suppliers.list_suppliers(session)}
    items = {i.id: i.code for i in inventory.list_items(session)}
    checked = suppliers.last_spot_checks(session, [c.id or 0 for c in contracts])
    return [
        facts.Contract(
            contract_id=c.id or 0,
            number=c.number,
            supplier_id=c.supplier_id,
            supplier_name=names.get(c.supplier_id, f"#{c.supplier_id}"),
            item_id=c.item_id,
            item_code=items.get(c.item_id, f"#{c.item_id}"),
            reserved_quantity=c.reserved_quantity,
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            spot_check_every_days=c.spot_check_every_days,
            last_checked_at=checked.get(c.id or 0),
        )
        for c in contracts
    ]


def _in_transit(
    session: Session, district_id: int, now: datetime, grace_minutes: int
) -> list[facts.InTransit]:
    return [
        facts.InTransit(
            manifest_id=m.manifest_id,
            vehicle_id=m.vehicle_id,
            source_depot_id=m.source_depot_id,
            expected_at=m.expected_at,
            open_lines=m.open_lines,
            destination_depot_ids=tuple(m.destination_depot_ids),
        )
        for m in dispatch.overdue(session, district_id, now=now, grace_minutes=grace_minutes)
    ]


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Current:
    """A live alert and its stored open row (None until a refresh records it)."""

    alert: facts.Alert
    record: AlertRecord | None


def live(session: Session, district_id: int, *, now: datetime, cfg: Config) -> list[facts.Alert]:
    """The district's alerts at `now`, computed from its current state; writes nothing."""
    return rules.evaluate(gather(session, district_id, now=now, cfg=cfg), cfg.thresholds)


def _open_rows(session: Session, district_id: int) -> dict[str, AlertRecord]:
    rows = session.execute(
        select(AlertRecord).where(
            col(AlertRecord.district_id) == district_id, col(AlertRecord.resolved_at).is_(None)
        )
    ).scalars()
    return {r.key: r for r in rows}


def current(session: Session, district_id: int, *, now: datetime, cfg: Config) -> list[Current]:
    """The live alerts, each with its stored open row when a refresh has recorded it."""
    found = live(session, district_id, now=now, cfg=cfg)
    stored = _open_rows(session, district_id)
    return [Current(a, stored.get(a.key)) for a in found]


def public(item: Current) -> AlertPublic:
    a, r = item.alert, item.record
    return AlertPublic(
        id=r.id if r is not None else None,
        key=a.key,
        kind=a.kind,
        severity=a.severity,
        message=a.message,
        action=a.action,
        link=a.link,
        depot_id=a.depot_id,
        item_id=a.item_id,
        lot_id=a.lot_id,
        supplier_id=a.supplier_id,
        document_id=a.document_id,
        contract_id=a.contract_id,
        manifest_id=a.manifest_id,
        first_seen_at=r.first_seen_at if r is not None else None,
        last_seen_at=r.last_seen_at if r is not None else None,
        acknowledged_by=r.acknowledged_by if r is not None else None,
        acknowledged_at=r.acknowledged_at if r is not None else None,
    )


def history(session: Session, district_id: int, *, limit: int = 100) -> Sequence[AlertRecord]:
    """The district's stored alerts, open and closed, most recently seen first."""
    inventory.get_district(session, district_id)
    limit = max(1, min(limit, MAX_HISTORY))
    return (
        session.execute(
            select(AlertRecord)
            .where(col(AlertRecord.district_id) == district_id)
            .order_by(col(AlertRecord.last_seen_at).desc(), col(AlertRecord.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def get(session: Session, alert_id: int, *, for_update: bool = False) -> AlertRecord:
    query = select(AlertRecord).where(col(AlertRecord.id) == alert_id)
    if for_update:
        query = query.with_for_update()
    found: AlertRecord | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Alert {alert_id} does not exist.", extra={"id": alert_id})
    return found


# --- writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    district_id: int
    opened: int
    still_open: int
    resolved: int
    alerts: list[Current]

    def public(self) -> RefreshPublic:
        return RefreshPublic(
            district_id=self.district_id,
            opened=self.opened,
            still_open=self.still_open,
            resolved=self.resolved,
            alerts=[public(c) for c in self.alerts],
        )


def refresh(session: Session, district_id: int, *, now: datetime, cfg: Config) -> Refreshed:
    """Record the district's alerts at `now`: open new keys, keep seen ones, close the
    rows of alerts that went away. Running it again at once changes only `last_seen_at`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    found = live(session, district_id, now=now, cfg=cfg)
    stored = _open_rows(session, district_id)
    fresh = [a for a in found if a.key not in stored]
    opened: set[str] = set()
    if fresh:
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        inserted = session.execute(
            module.insert(AlertRecord)
            .values(
                [
                    {
                        "district_id": district_id,
                        "key": a.key,
                        "kind": a.kind,
                        "severity": a.severity,
                        "message": a.message[:MAX_MESSAGE],
                        "link": a.link,
                        "first_seen_at": now,
                        "last_seen_at": now,
                    }
                    for a in fresh
                ]
            )
            .on_conflict_do_nothing(
                index_elements=["district_id", "key"],
                index_where=col(AlertRecord.resolved_at).is_(None),
            )
            .returning(col(AlertRecord.key))
        )
        # A key another refresh opened meanwhile is not inserted again (nor counted here).
        opened = set(inserted.scalars())
    live_keys = {a.key for a in found}
    for a in found:
        row = stored.get(a.key)
        if row is None:
            continue
        if facts.SEVERITIES.index(a.severity) < facts.SEVERITIES.index(row.severity):
            row.acknowledged_by = None  # it got worse: ask again
            row.acknowledged_at = None
        row.severity = a.severity
        row.kind = a.kind
        row.message = a.message[:MAX_MESSAGE]
        row.link = a.link
        row.last_seen_at = max(now, row.last_seen_at)
    gone = [row for key, row in stored.items() if key not in live_keys]
    for row in gone:
        row.resolved_at = max(now, row.last_seen_at)
    session.flush()
    after = _open_rows(session, district_id)
    return Refreshed(
        district_id=district_id,
        opened=len(opened),
        still_open=len(found) - len(opened),
        resolved=len(gone),
        alerts=[Current(a, after.get(a.key)) for a in found],
    )


def acknowledge(session: Session, alert_id: int, *, actor: str, now: datetime) -> AlertRecord:
    """Mark an open alert as seen and handled by `actor`; refused once closed or when
    someone already acknowledged it."""
    row = get(session, alert_id, for_update=True)
    if row.resolved_at is not None:
        raise Conflict(
            f"Alert {alert_id} was resolved at {row.resolved_at:%Y-%m-%d %H:%M} UTC; "
            "there is nothing to acknowledge.",
            extra={"id": alert_id},
        )
    if row.acknowledged_at is not None:
        raise Conflict(
            f"Alert {alert_id} was already acknowledged by {row.acknowledged_by} at "
            f"{row.acknowledged_at:%Y-%m-%d %H:%M} UTC.",
            extra={"id": alert_id},
        )
    row.acknowledged_by = actor
    row.acknowledged_at = now
    session.flush()
    return row


def acknowledge_key(
    session: Session, district_id: int, key: str, *, actor: str, now: datetime, cfg: Config
) -> AlertRecord:
    """Acknowledge the district's live alert `key` (the page's button): refresh first, so
    an alert the schedule has not recorded yet gets its row; refused if it is gone."""
    refreshed = refresh(session, district_id, now=now, cfg=cfg)
    row = next((c.record for c in refreshed.alerts if c.alert.key == key), None)
    if row is None or row.id is None:
        raise Conflict("This alert is no longer open; reload the page.", extra={"key": key})
    return acknowledge(session, row.id, actor=actor, now=now)
