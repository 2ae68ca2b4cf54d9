"""Qualification rules as data: the workflow's transitions and the documents it requires.

Pure: plain values in, plain values out. The service applies them to what it stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

STATUSES: Final = (
    "applied",
    "under_review",
    "qualified",
    "rejected",
    "suspended",
    "revoked",
    "expired",
)

# applied → under review → qualified / rejected; qualified → suspended / revoked / expired.
# A suspension can be lifted or end in revocation; an expired or rejected supplier goes
# back to review once it has new documents. Revocation is final.
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "applied": frozenset({"under_review"}),
    "under_review": frozenset({"qualified", "rejected"}),
    "qualified": frozenset({"suspended", "revoked", "expired"}),
    "suspended": frozenset({"qualified", "revoked"}),
    "expired": frozenset({"under_review"}),
    "rejected": frozenset({"under_review"}),
    "revoked": frozenset(),
}

DOCUMENT_KINDS: Final = (
    "business_licence",
    "production_licence",
    "iso9001",
    "iso13485",
    "medical_device_licence",
    "test_report",
    "other_certificate",
)


@dataclass(frozen=True)
class Requirement:
    """One document a supplier must hold: any one of `any_of`, valid on the day asked."""

    name: str
    any_of: tuple[str, ...]
    producers_only: bool = False
    category: str | None = None  # None: whatever the supplier supplies

    def applies(self, *, is_producer: bool, categories: Iterable[str]) -> bool:
        if self.producers_only and not is_producer:
            return False
        return self.category is None or self.category in set(categories)


REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    Requirement("business licence", ("business_licence",)),
    Requirement("production licence", ("production_licence",), producers_only=True),
    Requirement(
        "ISO 13485 or a medical device licence",
        ("iso13485", "medical_device_licence"),
        category="medical",
    ),
)


@dataclass(frozen=True)
class HeldDocument:
    """What the rules need to know of a stored document."""

    document_id: int
    kind: str
    valid_from: date
    valid_until: date

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def required(*, is_producer: bool, categories: Iterable[str]) -> list[Requirement]:
    cats = set(categories)
    return [r for r in REQUIREMENTS if r.applies(is_producer=is_producer, categories=cats)]


def unmet(
    requirements: Sequence[Requirement], documents: Sequence[HeldDocument], day: date
) -> list[Requirement]:
    """The requirements that no document valid on `day` satisfies."""
    kinds = {d.kind for d in documents if d.valid_on(day)}
    return [r for r in requirements if not kinds.intersection(r.any_of)]


def lapsed(
    requirements: Sequence[Requirement], documents: Sequence[HeldDocument], day: date
) -> list[Requirement]:
    """Unmet requirements that some document of the right kind did meet before `day`.

    This is what "expired" means: the supplier held the document, and its validity ended.
    A requirement never met at all is missing, not expired.
    """
    return [
        r
        for r in unmet(requirements, documents, day)
        if any(d.kind in r.any_of and d.valid_until < day for d in documents)
    ]


def effective_status(
    stored: str,
    *,
    is_producer: bool,
    categories: Iterable[str],
    documents: Sequence[HeldDocument],
    day: date,
) -> str:
    """The status to show on `day`: a qualified supplier whose required document lapsed
    shows as expired even before the sweep has recorded it."""
    if stored != "qualified":
        return stored
    needs = required(is_producer=is_producer, categories=categories)
    return "expired" if unmet(needs, documents, day) else "qualified"


def completeness(
    requirements: Sequence[Requirement], documents: Sequence[HeldDocument], day: date
) -> float:
    """The share of `requirements` met on `day` (1.0 when nothing is required)."""
    if not requirements:
        return 1.0
    return 1 - len(unmet(requirements, documents, day)) / len(requirements)
