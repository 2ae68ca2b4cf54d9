"""What the alert rules read about a district, and what they return: plain, frozen data.

`Alert.key` is made of ids only (``below_reserve:depot=3:item=12``), so the same problem
keeps the same key from one evaluation to the next, and a key that is gone means the
problem is. `text` and `action_text` are English templates with ``{fields}``; the web
pages translate the template (`api.web.i18n`) before filling it in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, Literal, get_args

Severity = Literal["critical", "warning", "info"]
Kind = Literal[
    "below_reserve",
    "low_days_of_supply",
    "lot_expiring",
    "document_expiring",
    "contract_expiring",
    "dispatch_overdue",
    "agreement_unchecked",
]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)

Value = str | int


@dataclass(frozen=True)
class Alert:
    """One thing that needs doing. `text` and `action_text` are English templates over
    `values`; `message` and `action` are the filled-in English sentences."""

    key: str
    kind: Kind
    severity: Severity
    text: str
    action_text: str
    values: Mapping[str, Value] = field(hash=False)
    link: str
    depot_id: int | None = None
    item_id: int | None = None
    lot_id: int | None = None
    supplier_id: int | None = None
    document_id: int | None = None
    contract_id: int | None = None
    manifest_id: int | None = None

    @property
    def message(self) -> str:
        return self.text.format(**self.values)

    @property
    def action(self) -> str:
        return self.action_text.format(**self.values)


@dataclass(frozen=True)
class Thresholds:
    """When something becomes an alert (the settings' `alerts_*` values)."""

    days_of_supply: float = 7.0
    lot_expiry_days: int = 30
    document_expiry_days: int = 30
    spot_check_days: int = 90
    dispatch_grace_minutes: int = 120

    def __post_init__(self) -> None:
        if self.days_of_supply <= 0:
            raise ValueError("days_of_supply must be positive")
        for name in ("lot_expiry_days", "document_expiry_days", "dispatch_grace_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more")
        if self.spot_check_days <= 0:
            raise ValueError("spot_check_days must be positive")


# --- what the rules read --------------------------------------------------------------------


@dataclass(frozen=True)
class LotStock:
    """On-hand stock of one lot in one depot (transit depots left out)."""

    depot_id: int
    depot_code: str
    item_id: int
    item_code: str
    lot_id: int
    lot_number: str
    expiry_date: date | None
    quantity: int


@dataclass(frozen=True)
class ReserveLevel:
    """The stock a depot should hold of an item: for the active scenario (`depot_id` None:
    no depot takes that demand), or its standing reorder level."""

    depot_id: int | None
    depot_code: str | None
    item_id: int
    item_code: str
    reserve: int
    basis: Literal["scenario", "reorder_level"] = "scenario"


@dataclass(frozen=True)
class Consumption:
    """Units of an item a depot issued or dispatched over the last `window_days`."""

    depot_id: int
    depot_code: str
    item_id: int
    item_code: str
    consumed: int
    window_days: int


@dataclass(frozen=True)
class Document:
    document_id: int
    supplier_id: int
    supplier_name: str
    supplier_status: str
    kind: str
    number: str
    valid_until: date


@dataclass(frozen=True)
class Contract:
    """An agreement reserve of the district, with its last spot check."""

    contract_id: int
    number: str
    supplier_id: int
    supplier_name: str
    item_id: int
    item_code: str
    reserved_quantity: int
    valid_from: date
    valid_until: date
    spot_check_every_days: int
    last_checked_at: datetime | None = None


@dataclass(frozen=True)
class InTransit:
    """A manifest with lines not yet confirmed by their destination depots."""

    manifest_id: int
    vehicle_id: int
    source_depot_id: int
    expected_at: datetime
    open_lines: int
    destination_depot_ids: tuple[int, ...]


@dataclass(frozen=True)
class DistrictState:
    district_id: int
    now: datetime
    lots: Sequence[LotStock] = ()
    reserves: Sequence[ReserveLevel] = ()
    consumption: Sequence[Consumption] = ()
    documents: Sequence[Document] = ()
    contracts: Sequence[Contract] = ()
    in_transit: Sequence[InTransit] = ()
    depot_codes: Mapping[int, str] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.date()
