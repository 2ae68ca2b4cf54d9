"""Allocation: who sends how much of what to whom, fair first, then cheap, and why.

A pure solver over plain data: `solve(AllocationProblem, time_limit_s=...)` returns an
`AllocationPlan`. `io` reads and writes the documented JSON forms.
"""

from optimizer.allocation.errors import AllocationNotSolved
from optimizer.allocation.model import (
    Agreement,
    AllocationProblem,
    Community,
    Demand,
    Holding,
    Item,
    Location,
    Lot,
    Source,
    SourceKind,
    Tier,
)
from optimizer.allocation.result import (
    AllocationPlan,
    CommunityReport,
    Fill,
    Reason,
    ReasonCode,
    Shipment,
)
from optimizer.allocation.solver import solve

__all__ = [
    "Agreement",
    "AllocationNotSolved",
    "AllocationPlan",
    "AllocationProblem",
    "Community",
    "CommunityReport",
    "Demand",
    "Fill",
    "Holding",
    "Item",
    "Location",
    "Lot",
    "Reason",
    "ReasonCode",
    "Shipment",
    "Source",
    "SourceKind",
    "Tier",
    "solve",
]
