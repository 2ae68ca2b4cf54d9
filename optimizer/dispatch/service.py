"""The dispatch use cases, as the API and the command line call them.

Every function takes the caller's session and never commits. Routing is CPU-bound: call
`create_routes` from a worker thread (a sync route), never on the event loop.
"""

from __future__ import annotations

from optimizer.dispatch.manifests import approve as approve_routes
from optimizer.dispatch.manifests import for_depots as manifests_for_depots
from optimizer.dispatch.manifests import get as get_manifest
from optimizer.dispatch.manifests import list_for as list_manifests
from optimizer.dispatch.manifests import manifest_document
from optimizer.dispatch.manifests import public as manifest_public
from optimizer.dispatch.matrix import export_csv as export_travel_matrix
from optimizer.dispatch.matrix import import_csv as import_travel_matrix
from optimizer.dispatch.matrix import public as travel_matrix
from optimizer.dispatch.matrix import remove as remove_travel_matrix
from optimizer.dispatch.receipts import DEFAULT_GRACE_MINUTES, overdue, receive
from optimizer.dispatch.routes import create as create_routes
from optimizer.dispatch.routes import get as get_routes
from optimizer.dispatch.routes import get_trip
from optimizer.dispatch.routes import list_for as list_routes
from optimizer.dispatch.routes import public as routes_public
from optimizer.dispatch.vehicles import create as create_vehicle
from optimizer.dispatch.vehicles import get as get_vehicle
from optimizer.dispatch.vehicles import list_for as list_vehicles
from optimizer.dispatch.vehicles import update as update_vehicle
from optimizer.dispatch.views import map_svg, route_sheet, sheet_html

__all__ = [
    "DEFAULT_GRACE_MINUTES",
    "approve_routes",
    "create_routes",
    "create_vehicle",
    "export_travel_matrix",
    "get_manifest",
    "get_routes",
    "get_trip",
    "get_vehicle",
    "import_travel_matrix",
    "list_manifests",
    "list_routes",
    "list_vehicles",
    "manifest_document",
    "manifest_public",
    "manifests_for_depots",
    "map_svg",
    "overdue",
    "receive",
    "remove_travel_matrix",
    "route_sheet",
    "routes_public",
    "sheet_html",
    "travel_matrix",
    "update_vehicle",
]
