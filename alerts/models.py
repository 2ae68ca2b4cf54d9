"""The alert table: since when each alert of a district has been seen, and who
acknowledged it. Other domains are referred to by id (district)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, text
from sqlmodel import Field, SQLModel

from alerts.facts import KINDS, SEVERITIES
from core.db import UTCDateTime


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class AlertRecord(SQLModel, table=True):
    """One stretch of time an alert key was open in a district.

    Open while `resolved_at` is null; at most one open row per district and key, so two
    refreshes at once cannot both open it. An alert that goes away is closed, never
    deleted; if it comes back it is a new row with its own `first_seen_at`."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="alert_kind_known"),
        CheckConstraint(_in("severity", SEVERITIES), name="alert_severity_known"),
        CheckConstraint("last_seen_at >= first_seen_at", name="alert_seen_in_order"),
        Index(
            "alert_one_open_per_key",
            "district_id",
            "key",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("alert_district_seen", "district_id", "last_seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(sa_column=Column(ForeignKey("district.id"), nullable=False))
    key: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    severity: str = Field(sa_column=Column(String(16), nullable=False))
    message: str = Field(max_length=1000)
    link: str = Field(max_length=500)
    first_seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=120)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


__all__ = ["AlertRecord"]
