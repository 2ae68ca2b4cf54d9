"""The suppliers' use cases, as the API, the command line and the optimiser call them.

Every function takes the caller's session and never commits: one user action is one
transaction, and a ledger entry commits or rolls back with the change it records.
"""

from __future__ import annotations

from suppliers.agreements import (
    agreement_sources,
    alerts,
    create_contract,
    get_contract,
    last_spot_checks,
    list_contracts,
    list_spot_checks,
    record_spot_check,
)
from suppliers.documents import list_documents, upload, valid_until_on_or_after
from suppliers.performance import grades, record_delivery, record_order_delivery
from suppliers.qualification import decide, decision_public, decisions, standing, sweep
from suppliers.registry import create_supplier, get_supplier, list_suppliers, offers, set_offers
from suppliers.search import search
from suppliers.views import supplier_public

__all__ = [
    "agreement_sources",
    "alerts",
    "create_contract",
    "create_supplier",
    "decide",
    "decision_public",
    "decisions",
    "get_contract",
    "get_supplier",
    "grades",
    "last_spot_checks",
    "list_contracts",
    "list_documents",
    "list_spot_checks",
    "list_suppliers",
    "offers",
    "record_delivery",
    "record_order_delivery",
    "record_spot_check",
    "search",
    "set_offers",
    "standing",
    "supplier_public",
    "sweep",
    "upload",
    "valid_until_on_or_after",
]
