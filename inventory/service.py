"""The inventory's use cases, as other packages and the API call them.

Every function takes the caller's session and never commits: one user action is one
transaction, opened by the API's session dependency or the command line's `session_scope`.
"""

from __future__ import annotations

from inventory.counts import cancel as cancel_count
from inventory.counts import enter as enter_count_lines
from inventory.counts import post as post_count
from inventory.counts import start as start_count
from inventory.counts import view as view_count
from inventory.history import daily_issue_history
from inventory.imports import export_stock, import_count, import_movements
from inventory.movements import (
    issue,
    journal_discrepancies,
    list_balances,
    list_movements,
    rebuild_balances,
    receive,
    reverse_movement,
    transfer,
    write_off,
)
from inventory.registry import (
    create_community,
    create_depot,
    create_district,
    create_item,
    get_community,
    get_depot,
    get_district,
    get_item,
    list_communities,
    list_depots,
    list_districts,
    list_items,
    reorder_levels,
    safety_floors,
    set_reorder_levels,
)
from inventory.stock import find_movement as get_movement
from inventory.transit import TransitMove, deliver, lot_numbers, send, transit_depot
from inventory.views import below_reorder, expiring, stock_by_community, supply_days

__all__ = [
    "TransitMove",
    "below_reorder",
    "cancel_count",
    "create_community",
    "create_depot",
    "create_district",
    "create_item",
    "daily_issue_history",
    "deliver",
    "enter_count_lines",
    "expiring",
    "export_stock",
    "get_community",
    "get_depot",
    "get_district",
    "get_item",
    "get_movement",
    "import_count",
    "import_movements",
    "issue",
    "journal_discrepancies",
    "list_balances",
    "list_communities",
    "list_depots",
    "list_districts",
    "list_items",
    "list_movements",
    "lot_numbers",
    "post_count",
    "rebuild_balances",
    "receive",
    "reorder_levels",
    "reverse_movement",
    "safety_floors",
    "send",
    "set_reorder_levels",
    "start_count",
    "stock_by_community",
    "supply_days",
    "transfer",
    "transit_depot",
    "view_count",
    "write_off",
]
