"""Errors of the allocation solver beyond bad input (which is `core.errors.InvalidInput`)."""

from __future__ import annotations

from core.errors import DomainError


class AllocationNotSolved(DomainError):
    """A solver stage stopped without an optimal answer (time limit or numerical trouble).

    The problem itself was valid; no partial plan is returned, because a plan whose fairness
    stages did not finish would not carry the guarantees the plan promises.
    """

    status = 503
    title = "Allocation not solved"
    type_slug = "allocation-not-solved"
