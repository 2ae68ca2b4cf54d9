"""Supplier tables. Other domains are referred to by id (district, item)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.db import UTCDateTime
from suppliers.rules import DOCUMENT_KINDS, STATUSES


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Supplier(SQLModel, table=True):
    """A company that supplies items; `status` is the last recorded qualification decision."""

    __tablename__ = "supplier"
    __table_args__ = (
        UniqueConstraint(
            "registration_scheme", "registration_number", name="supplier_registration_unique"
        ),
        CheckConstraint(_in("status", STATUSES), name="supplier_status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    legal_name: str = Field(max_length=200)
    registration_scheme: str = Field(sa_column=Column(String(32), nullable=False))
    registration_number: str = Field(sa_column=Column(String(64), nullable=False))
    is_producer: bool = False
    contact_name: str = Field(default="", max_length=120)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=400)
    latitude: float
    longitude: float
    delivery_radius_km: float | None = None
    status: str = Field(default="applied", sa_column=Column(String(16), nullable=False))
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SupplierItem(SQLModel, table=True):
    """What a supplier offers of one item: daily capacity, lead time and price."""

    __tablename__ = "supplier_item"
    __table_args__ = (
        UniqueConstraint("supplier_id", "item_id", name="supplier_item_unique"),
        CheckConstraint(
            "daily_capacity >= 0 AND lead_time_h >= 0 AND unit_price_minor >= 0",
            name="supplier_item_non_negative",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(sa_column=Column(ForeignKey("supplier.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False, index=True))
    daily_capacity: int = Field(sa_type=BigInteger)
    lead_time_h: int
    unit_price_minor: int = Field(sa_type=BigInteger)


class SupplierDocument(SQLModel, table=True):
    """An uploaded document; its file is stored content-addressed under its SHA-256."""

    __tablename__ = "supplier_document"
    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="supplier_document_kind_known"),
        CheckConstraint("valid_until >= valid_from", name="supplier_document_dates_ordered"),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(
        sa_column=Column(ForeignKey("supplier.id"), nullable=False, index=True)
    )
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    issuer: str = Field(max_length=200)
    number: str = Field(max_length=100)
    valid_from: date = Field(sa_column=Column(Date, nullable=False))
    valid_until: date = Field(sa_column=Column(Date, nullable=False))
    filename: str = Field(max_length=255)
    size_bytes: int = Field(sa_type=BigInteger)
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class QualificationDecision(SQLModel, table=True):
    """One decision of the workflow, with the ledger entry that records it."""

    __tablename__ = "qualification_decision"
    __table_args__ = (
        Index("qualification_supplier_time", "supplier_id", "decided_at"),
        CheckConstraint(_in("from_status", STATUSES), name="decision_from_known"),
        CheckConstraint(_in("to_status", STATUSES), name="decision_to_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(sa_column=Column(ForeignKey("supplier.id"), nullable=False))
    from_status: str = Field(sa_column=Column(String(16), nullable=False))
    to_status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str = Field(max_length=500)
    decided_by: str = Field(max_length=120)
    decided_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    document_hashes: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    ledger_seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))


class Delivery(SQLModel, table=True):
    """One delivery by a supplier, the record its grade is computed from."""

    __tablename__ = "supplier_delivery"
    __table_args__ = (
        Index("delivery_supplier_item", "supplier_id", "item_id"),
        CheckConstraint(
            "quantity >= 0 AND rejected_quantity >= 0 AND rejected_quantity <= quantity "
            "AND unit_price_minor >= 0 AND (ordered_quantity IS NULL OR ordered_quantity > 0)",
            name="delivery_quantities_valid",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(sa_column=Column(ForeignKey("supplier.id"), nullable=False))
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    quantity: int = Field(sa_type=BigInteger)
    rejected_quantity: int = Field(default=0, sa_type=BigInteger)
    # What a delivery order asked for (None: a delivery typed in from before the system).
    ordered_quantity: int | None = Field(default=None, sa_type=BigInteger)
    unit_price_minor: int = Field(sa_type=BigInteger)
    promised_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AgreementContract(SQLModel, table=True):
    """An agreement reserve (协议储备): the supplier holds stock ready for the district."""

    __tablename__ = "agreement_contract"
    __table_args__ = (
        Index("agreement_supplier_item", "supplier_id", "item_id"),
        CheckConstraint("valid_until >= valid_from", name="agreement_dates_ordered"),
        CheckConstraint(
            "reserved_quantity >= 0 AND surge_per_day >= 0 AND activation_lead_time_h >= 0 "
            "AND unit_price_minor >= 0 AND spot_check_every_days > 0",
            name="agreement_non_negative",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    supplier_id: int = Field(sa_column=Column(ForeignKey("supplier.id"), nullable=False))
    district_id: int = Field(
        sa_column=Column(ForeignKey("district.id"), nullable=False, index=True)
    )
    item_id: int = Field(sa_column=Column(ForeignKey("item.id"), nullable=False))
    reserved_quantity: int = Field(sa_type=BigInteger)
    surge_per_day: int = Field(sa_type=BigInteger)
    activation_lead_time_h: int
    unit_price_minor: int = Field(sa_type=BigInteger)
    valid_from: date = Field(sa_column=Column(Date, nullable=False))
    valid_until: date = Field(sa_column=Column(Date, nullable=False))
    spot_check_every_days: int = 90
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SpotCheck(SQLModel, table=True):
    """A check that a reserve's quantity was really there, with its ledger entry."""

    __tablename__ = "reserve_spot_check"
    __table_args__ = (
        Index("spot_check_contract_time", "contract_id", "checked_at"),
        CheckConstraint("expected >= 0 AND found >= 0", name="spot_check_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(sa_column=Column(ForeignKey("agreement_contract.id"), nullable=False))
    expected: int = Field(sa_type=BigInteger)
    found: int = Field(sa_type=BigInteger)
    checked_by: str = Field(max_length=120)
    checked_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    note: str | None = Field(default=None, max_length=500)
    ledger_seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))


__all__ = [
    "AgreementContract",
    "Delivery",
    "QualificationDecision",
    "SpotCheck",
    "Supplier",
    "SupplierDocument",
    "SupplierItem",
]
