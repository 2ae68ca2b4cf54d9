"""Supplier errors: the domain errors of `core.errors`, named for what went wrong here."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput


class InvalidRegistration(InvalidInput):
    title = "Invalid registration number"
    type_slug = "invalid-registration-number"


class WrongState(Conflict):
    title = "Decision not allowed in this state"
    type_slug = "supplier-wrong-state"


class OverlappingContract(Conflict):
    title = "Overlapping agreement"
    type_slug = "overlapping-agreement"


class DocumentsMissing(Conflict):
    title = "Required documents missing"
    type_slug = "documents-missing"
