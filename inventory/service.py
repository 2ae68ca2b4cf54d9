"""The inventory's use cases, as other packages and the API call them.

Every function takes the caller's session and never commits: one user action is one
transaction, opened by the API's session dependency or the command line's `session_scope`.
"""

from __future__ import annotations

from inventory.counts import cancel_count, enter_count_lines, post_count, start_count, view_count
from inventory.distributions import handed_out, list_distributions, record_distribution
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
from inventory.points import community_receiving, create_point, list_points, receiving_depots
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
from inventory.stock import get_movement
from inventory.transit import TransitMove, deliver, lot_numbers, send, transit_depot
from inventory.views import below_reorder, expiring, stock_by_community, supply_days

__all__ = [
    "TransitMove",
    "below_reorder",
    "cancel_count",
    "community_receiving",
    "create_community",
    "create_depot",
    "create_district",
    "create_item",
    "create_point",
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
    "handed_out",
    "import_count",
    "import_movements",
    "issue",
    "journal_discrepancies",
    "list_balances",
    "list_communities",
    "list_depots",
    "list_distributions",
    "list_districts",
    "list_items",
    "list_movements",
    "list_points",
    "lot_numbers",
    "post_count",
    "rebuild_balances",
    "receive",
    "receiving_depots",
    "record_distribution",
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
