"""Users, their depot scopes, API tokens, the login throttle, and the log of who was shown
residents' or suppliers' personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.db import UTCDateTime

ROLES = ("depot_manager", "coordinator", "procurement", "auditor", "admin", "community_worker")
#: The kinds of personal data whose reads are logged (`api.security.personal`).
PERSONAL_KINDS = ("community_groups", "supplier_contacts")


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('depot_manager', 'coordinator', 'procurement', 'auditor', 'admin', "
            "'community_worker')",
            name="user_role_known",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    full_name: str = Field(default="", max_length=200)
    role: str = Field(sa_column=Column(String(24), nullable=False))
    district_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("district.id"), nullable=True)
    )
    # A community worker's community: they act at its community depot and distribution points.
    community_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("community.id"), nullable=True)
    )
    password_hash: str = Field(max_length=200)
    active: bool = True
    # Bumped when the password is reset or the user disabled: older sign-in tokens stop working.
    token_version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UserDepot(SQLModel, table=True):
    """The depots a depot manager may change."""

    __tablename__ = "user_depot"
    __table_args__ = (UniqueConstraint("user_id", "depot_id", name="user_depot_unique"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False, index=True))
    depot_id: int = Field(sa_column=Column(ForeignKey("depot.id"), nullable=False))


class ApiToken(SQLModel, table=True):
    """A long-lived token for a machine; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False, index=True))
    name: str = Field(max_length=120)
    prefix: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per key (a username, or a client address), known users or not."""

    __tablename__ = "login_throttle"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccessLog(SQLModel, table=True):
    """One answer or page that showed personal data: who saw it (their name and the role
    they had then), when, what kind, whose records, through which route, from where.

    Append-only: nothing updates or deletes a row. The user is kept by name and role as
    they were at the time, whatever later becomes of the account."""

    __tablename__ = "access_log"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('community_groups', 'supplier_contacts')", name="access_log_kind_known"
        ),
        Index("access_log_user_time", "username", "at"),
        Index("access_log_kind_time", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    username: str = Field(sa_column=Column(String(64), nullable=False))
    role: str = Field(sa_column=Column(String(24), nullable=False))
    kind: str = Field(sa_column=Column(String(24), nullable=False))
    record_ids: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of ids
    route: str = Field(sa_column=Column(String(300), nullable=False))  # "GET /communities"
    client: str = Field(sa_column=Column(String(100), nullable=False))
