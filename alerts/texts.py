"""The alerts' English messages and actions, and the links to the pages that do it.

`api.web.i18n` holds every template of `TEXTS` in Chinese (a test checks it).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from alerts.facts import Kind, Value

#: What each kind of alert is called on the pages.
KIND_LABELS: Final[dict[Kind, str]] = {
    "below_reserve": "Below the reserve",
    "low_days_of_supply": "Few days of supply",
    "lot_expiring": "Lot expiring",
    "document_expiring": "Supplier document expiring",
    "contract_expiring": "Agreement expiring",
    "dispatch_overdue": "Dispatch overdue",
    "agreement_unchecked": "Reserve not spot-checked",
}

# --- the messages (English; `api.web.i18n` has them in Chinese) ----------------------------

BELOW_RESERVE = (
    "{item} at {depot}: {on_hand} usable on hand, below the reserve of {reserve} "
    "for the active scenario (short {shortfall})."
)
BELOW_REORDER = (
    "{item} at {depot}: {on_hand} usable on hand, below its reorder level of {reserve} "
    "(short {shortfall})."
)
BELOW_RESERVE_NO_DEPOT = (
    "{item}: the active scenario needs a reserve of {reserve} that no depot takes "
    "(no community depot and no district warehouse)."
)
LOW_DAYS = (
    "{item} at {depot}: {on_hand} usable on hand lasts {days} days at the use of the "
    "last {window} days, under the {threshold}-day threshold."
)
LOT_EXPIRING = (
    "Lot {lot} of {item} at {depot} expires on {expiry}: {days} days left, {quantity} on hand."
)
LOT_EXPIRED = "Lot {lot} of {item} at {depot} expired on {expiry}; {quantity} still on hand."
DOCUMENT_EXPIRING = "{supplier}: {kind} {number} is valid until {valid_until} ({days} days left)."
DOCUMENT_EXPIRED = "{supplier}: {kind} {number} expired on {valid_until} and has no successor."
CONTRACT_EXPIRING = (
    "Agreement {number} with {supplier} ({quantity} {item} reserved) ends on {valid_until} "
    "({days} days left) and has no successor."
)
CONTRACT_ENDED = (
    "Agreement {number} with {supplier} ended on {valid_until}: {quantity} {item} are no "
    "longer reserved, and no successor is in place."
)
UNCHECKED = (
    "Agreement {number} with {supplier} ({quantity} {item} reserved): not spot-checked since "
    "{since}; a check was due on {due}."
)
NEVER_CHECKED = (
    "Agreement {number} with {supplier} ({quantity} {item} reserved): never spot-checked since "
    "it began on {since}; a check was due on {due}."
)
DISPATCH_OVERDUE = (
    "Manifest {manifest} (vehicle #{vehicle} from {source}) was expected at {expected}; "
    "{hours} h overdue with {lines} lines not confirmed at {destinations}."
)

DO_TRANSFER = "Transfer {move} from {source} to {depot}."
DO_TRANSFER_AND_ORDER = "Transfer {move} from {source} to {depot} and order the other {rest}."
DO_ORDER = (
    "Order {shortfall} from a supplier or call on an agreement reserve, then record the receipt."
)
DO_ASSIGN_DEPOT = "Set up a community depot or a district warehouse to hold this reserve."
DO_ISSUE_FIRST = "Issue this lot first, or transfer it to where it will be used before it expires."
DO_WRITE_OFF = "Write the expired lot off and replace it."
DO_RENEW_DOCUMENT = "Ask {supplier} for a new {kind} and upload it."
DO_RENEW_CONTRACT = "Renew the agreement or sign a new one for {item}."
DO_SPOT_CHECK = "Spot-check the reserve at {supplier} and record what you find."
DO_CHASE_DISPATCH = "Call the driver, then have {destinations} confirm the receipt."

#: Every template the rules use, for the translation test.
TEXTS: Final = (
    BELOW_RESERVE,
    BELOW_REORDER,
    BELOW_RESERVE_NO_DEPOT,
    LOW_DAYS,
    LOT_EXPIRING,
    LOT_EXPIRED,
    DOCUMENT_EXPIRING,
    DOCUMENT_EXPIRED,
    CONTRACT_EXPIRING,
    CONTRACT_ENDED,
    UNCHECKED,
    NEVER_CHECKED,
    DISPATCH_OVERDUE,
    DO_TRANSFER,
    DO_TRANSFER_AND_ORDER,
    DO_ORDER,
    DO_ASSIGN_DEPOT,
    DO_ISSUE_FIRST,
    DO_WRITE_OFF,
    DO_RENEW_DOCUMENT,
    DO_RENEW_CONTRACT,
    DO_SPOT_CHECK,
    DO_CHASE_DISPATCH,
)


# --- links to the pages that do it ---------------------------------------------------------


def _page(path: str, **query: Value) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def depot_page(depot_id: int) -> str:
    return _page("/web/depot", depot_id=depot_id)


def movement_page(depot_id: int, kind: str, **query: Value) -> str:
    return _page(f"/web/depot/{depot_id}/move", kind=kind, **query)


def receipt_page(manifest_id: int, depot_id: int) -> str:
    return f"/web/receipts/{manifest_id}/{depot_id}"


def supplier_page(supplier_id: int) -> str:
    return f"/web/suppliers/{supplier_id}"


DISTRICT_PAGE: Final = "/web/district"
