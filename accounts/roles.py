"""The role matrix: the one place that decides which role may do what.

Every route names one permission (see `api.security.deps.require`); the README's table is
generated from `MATRIX` and a test walks every route × role against it. Depot managers are
further limited to their own depots, community workers to their community's receiving depots,
and coordinators to their district, for the stock they change (`accounts.areas`). The
`personal.*` permissions name no route: they decide which fields of an answer a role is
shown, further limited by whose record it is (`api.security.personal`).
"""

from __future__ import annotations

from typing import Final

ALL: Final = frozenset(
    {"depot_manager", "coordinator", "procurement", "auditor", "admin", "community_worker"}
)

MATRIX: Final[dict[str, frozenset[str]]] = {
    # reading the inventory, the ledger and plans
    "read": ALL,
    # districts are created by the administrator
    "district.create": frozenset({"admin"}),
    # communities, depots, catalogue items, reorder levels
    "registry.write": frozenset({"coordinator", "admin"}),
    # receipts, issues, transfers, write-offs, reversals, counts, spreadsheet imports
    "stock.write": frozenset({"depot_manager", "community_worker", "coordinator", "admin"}),
    # suppliers, documents, qualification, grades, agreement reserves
    "suppliers.write": frozenset({"procurement", "admin"}),
    # forecasts, allocation and routing plans, dispatch
    "plans.write": frozenset({"coordinator", "admin"}),
    # users and their tokens
    "users.manage": frozenset({"admin"}),
    # one's own API tokens
    "tokens.own": ALL,
    # residents' personal data, each further limited by whose it is (`api.security.personal`)
    "personal.groups": frozenset({"coordinator", "community_worker", "admin"}),
    "personal.contacts": frozenset({"procurement", "coordinator", "admin"}),
    # the log of who was shown personal data
    "access_log.read": frozenset({"auditor", "admin"}),
}

DESCRIPTIONS: Final[dict[str, str]] = {
    "read": "read stock, views, ledger, plans",
    "district.create": "create districts",
    "registry.write": "communities, depots, items, reorder levels",
    "stock.write": (
        "stock movements, counts, imports, distributions (depot managers: own depots only; "
        "community workers: their community's depots and distribution points)"
    ),
    "suppliers.write": "suppliers, documents, qualification, agreements",
    "plans.write": "forecasts, allocation, routes, dispatch",
    "users.manage": "users, roles, scopes, others' tokens",
    "tokens.own": "create and revoke one's own API tokens",
    "personal.groups": (
        "see a community's vulnerable-group counts (coordinators: their district's; "
        "community workers: their community's); others see its population only"
    ),
    "personal.contacts": (
        "see a supplier's contact person, phone and e-mail (coordinators: suppliers holding "
        "an agreement reserve of their district)"
    ),
    "access_log.read": "read the log of who was shown personal data",
}


def allowed(role: str, permission: str) -> bool:
    return role in MATRIX[permission]


def markdown_table() -> str:
    roles = sorted(ALL)
    head = "| permission | " + " | ".join(roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| `{p}` ({DESCRIPTIONS[p]}) | "
        + " | ".join("✓" if r in MATRIX[p] else "" for r in roles)
        + " |"
        for p in MATRIX
    ]
    return "\n".join([head, rule, *rows])
