"""Alerts as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from alerts.facts import Kind, Severity


class AlertPublic(BaseModel):
    """An alert as it stands now, with since when it has been recorded.

    `id` and `first_seen_at` are null for an alert no refresh has recorded yet (it
    appeared since the last one); acknowledging needs the id."""

    id: int | None
    key: str
    kind: Kind
    severity: Severity
    message: str
    action: str
    link: str
    depot_id: int | None = None
    item_id: int | None = None
    lot_id: int | None = None
    supplier_id: int | None = None
    document_id: int | None = None
    contract_id: int | None = None
    manifest_id: int | None = None
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class AlertRecordPublic(BaseModel):
    """A stored alert: open (`resolved_at` null) or closed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    district_id: int
    key: str
    kind: Kind
    severity: Severity
    message: str
    link: str
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class RefreshPublic(BaseModel):
    """What one refresh did: alerts opened, kept open, closed; and the open ones now."""

    district_id: int
    opened: int
    still_open: int
    resolved: int
    alerts: list[AlertPublic]
