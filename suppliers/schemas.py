"""Request and response models of the suppliers API, and the optimiser's source record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.inputs import Day, Id, Moment, Strict

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Count = Annotated[int, Field(strict=True, ge=0, le=10**12)]
Positive = Annotated[int, Field(strict=True, gt=0, le=10**12)]
Hours = Annotated[int, Field(strict=True, ge=0, le=24 * 365)]
Money = Annotated[int, Field(strict=True, ge=0, le=10**15)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Status = Literal[
    "applied", "under_review", "qualified", "rejected", "suspended", "revoked", "expired"
]
DocumentKind = Literal[
    "business_licence",
    "production_licence",
    "iso9001",
    "iso13485",
    "medical_device_licence",
    "test_report",
    "other_certificate",
]


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- registry -----------------------------------------------------------------------------


class SupplierCreate(Strict):
    legal_name: Name
    registration_scheme: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[a-z0-9_.-]+$"
        ),
    ] = Field(
        default="uscc",
        description="'uscc' (unified social credit code, check character verified) or the "
        "name of another scheme, whose numbers are kept as given.",
    )
    registration_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    is_producer: bool = False
    contact_name: Short = ""
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    contact_email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)] = ""
    latitude: Latitude
    longitude: Longitude
    delivery_radius_km: Annotated[float, Field(gt=0, le=20_000, allow_inf_nan=False)] | None = None


class OfferSet(Strict):
    item_id: Id
    daily_capacity: Count
    lead_time_h: Hours
    unit_price_minor: Money


class OfferPublic(Public):
    item_id: int
    daily_capacity: int
    lead_time_h: int
    unit_price_minor: int


CONTACT_SHOWN_TO = (
    "Null unless the caller's work needs the supplier's contact person: procurement, "
    "administrators, and coordinators of a district the supplier holds an agreement reserve "
    "for (each read is logged)."
)


class SupplierPublic(BaseModel):
    id: int
    legal_name: str
    registration_scheme: str
    registration_number: str
    is_producer: bool
    contact_name: str | None = Field(description=CONTACT_SHOWN_TO)
    contact_phone: str | None = Field(description=CONTACT_SHOWN_TO)
    contact_email: str | None = Field(description=CONTACT_SHOWN_TO)
    address: str
    latitude: float
    longitude: float
    delivery_radius_km: float | None
    status: str = Field(
        description="The status shown: 'expired' once a required document "
        "lapsed, even before the sweep records it."
    )
    recorded_status: str
    categories: dict[str, str] = Field(
        description="Each category supplied and the supplier's standing for it."
    )
    missing_documents: list[str]
    offers: list[OfferPublic]


# --- documents and decisions --------------------------------------------------------------


class DocumentMeta(Strict):
    kind: DocumentKind
    issuer: Name
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    valid_from: Day
    valid_until: Day


class DocumentPublic(Public):
    id: int
    supplier_id: int
    kind: str
    sha256: str
    issuer: str
    number: str
    valid_from: date
    valid_until: date
    filename: str
    size_bytes: int
    uploaded_by: str
    uploaded_at: datetime


class DecisionCreate(Strict):
    to_status: Status
    reason: Reason
    document_ids: list[Id] | None = Field(
        default=None,
        description="The documents the decision relies on (default: all the supplier's "
        "documents valid today).",
    )


class DecisionPublic(BaseModel):
    id: int
    supplier_id: int
    from_status: str
    to_status: str
    reason: str
    decided_by: str
    decided_at: datetime
    document_hashes: list[str]
    ledger_seq: int


# --- deliveries and grades ----------------------------------------------------------------


class DeliveryCreate(Strict):
    item_id: Id
    quantity: Positive
    rejected_quantity: Count = 0
    unit_price_minor: Money
    promised_at: Moment
    delivered_at: Moment


class DeliveryPublic(Public):
    id: int
    supplier_id: int
    item_id: int
    quantity: int
    rejected_quantity: int
    unit_price_minor: int
    promised_at: datetime
    delivered_at: datetime
    recorded_by: str


class GradePublic(BaseModel):
    category: str
    grade: str | None
    score: float | None
    reason: str
    inputs: dict[str, float | int | None]
    parts: dict[str, float]
    points: dict[str, float]
    weights: dict[str, int]


# --- agreement reserves -------------------------------------------------------------------


class ContractCreate(Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    supplier_id: Id
    district_id: Id
    item_id: Id
    reserved_quantity: Count
    surge_per_day: Count
    activation_lead_time_h: Hours
    unit_price_minor: Money
    valid_from: Day
    valid_until: Day
    spot_check_every_days: Annotated[int, Field(strict=True, gt=0, le=3650)] = 90


class ContractPublic(Public):
    id: int
    number: str
    supplier_id: int
    district_id: int
    item_id: int
    reserved_quantity: int
    surge_per_day: int
    activation_lead_time_h: int
    unit_price_minor: int
    valid_from: date
    valid_until: date
    spot_check_every_days: int
    created_by: str


class SpotCheckCreate(Strict):
    found: Count
    checked_at: Moment | None = Field(
        default=None, description="When it was checked (timezone-aware); defaults to now."
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class SpotCheckPublic(Public):
    id: int
    contract_id: int
    expected: int
    found: int
    checked_by: str
    checked_at: datetime
    note: str | None
    ledger_seq: int


# --- search and alerts --------------------------------------------------------------------


class SearchHit(BaseModel):
    rank: int
    supplier_id: int
    supplier_name: str
    contract_id: int | None
    feasible: bool
    hours_to_full: float | None
    quantity_within: int
    distance_km: float
    grade: str | None
    unit_price_minor: int | None
    reason: str


class ExpiringDocument(BaseModel):
    supplier_id: int
    supplier_name: str
    document_id: int
    kind: str
    number: str
    valid_until: date
    days_left: int


class ExpiringContract(BaseModel):
    contract_id: int
    number: str
    supplier_id: int
    item_id: int
    valid_until: date
    days_left: int


class SpotCheckDue(BaseModel):
    contract_id: int
    number: str
    supplier_id: int
    last_checked_at: datetime | None
    due_on: date
    days_overdue: int


class Alerts(BaseModel):
    documents_expiring: list[ExpiringDocument]
    contracts_expiring: list[ExpiringContract]
    spot_checks_overdue: list[SpotCheckDue]


class SweepResult(BaseModel):
    expired: list[DecisionPublic]


@dataclass(frozen=True)
class AgreementSource:
    """One agreement reserve the allocation optimiser may draw on."""

    contract_id: int
    supplier_id: int
    supplier_name: str
    item_id: int
    reserved_quantity: int  # base units held ready
    surge_per_day: int  # extra base units per day after activation
    activation_lead_time_h: int
    unit_price_minor: int  # integer minor units (fen)
    latitude: float
    longitude: float
    valid_until: date


class AgreementSourcePublic(BaseModel):
    """`AgreementSource` as the API answers it."""

    model_config = ConfigDict(from_attributes=True)

    contract_id: int
    supplier_id: int
    supplier_name: str
    item_id: int
    reserved_quantity: int
    surge_per_day: int
    activation_lead_time_h: int
    unit_price_minor: int
    latitude: float
    longitude: float
    valid_until: date
