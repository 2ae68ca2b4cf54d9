"""The documented JSON forms of a problem and a plan.

`problem_from_json` reads a problem document (see `optimizer/schemas/
allocation-problem.schema.json`) and raises `InvalidInput` with one `FieldProblem` per
mistake, whether the mistake is in the document's shape (a missing field, a negative
number, a word that is not a tier) or in its meaning (an unknown item or community).
`plan_to_json` writes a plan document (`allocation-plan.schema.json`). The pydantic models
here are the single definition of both forms: the schema files are generated from them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import FieldProblem, InvalidInput
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
from optimizer.allocation.result import AllocationPlan, ReasonCode

SCHEMA_BASE = "https://relief-reserve.example/schemas/"
Count = Annotated[int, Field(ge=0)]
Hours = Annotated[int, Field(ge=0, description="Whole hours from the start of the plan.")]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationDoc(_Doc):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ItemDoc(_Doc):
    code: str = Field(min_length=1)
    unit_weight_g: Count


class CommunityDoc(_Doc):
    id: str = Field(min_length=1)
    location: LocationDoc
    name: str = ""
    population: Count = 0


class LotDoc(_Doc):
    lot: str = Field(min_length=1)
    quantity: Count
    expires_in_h: Hours | None = Field(default=None, description="Omitted: does not expire.")


class HoldingDoc(_Doc):
    item: str
    floor: Count = Field(default=0, description="Safety floor the depot keeps of this item.")
    lots: list[LotDoc]


class AgreementDoc(_Doc):
    contract: str = Field(min_length=1)
    item: str
    reserved: Count
    surge_per_day: Count = 0
    lead_time_h: Hours = 0
    unit_price: Count = Field(default=0, description="Minor currency units per base unit.")


class SourceDoc(_Doc):
    id: str = Field(min_length=1)
    kind: SourceKind
    location: LocationDoc
    stock: list[HoldingDoc] = Field(default_factory=list, description="Depots only.")
    agreements: list[AgreementDoc] = Field(
        default_factory=list, description="Agreement sources only."
    )


class DemandDoc(_Doc):
    community: str
    item: str
    tier: Tier
    quantity: Count
    deadline_h: Hours


class ProblemDoc(_Doc):
    """An allocation problem: items, sources, communities and their demand."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="Relief Reserve allocation problem",
    )

    transport_cost_per_tonne_km: Count = Field(
        default=50, description="Minor currency units per tonne-kilometre."
    )
    items: list[ItemDoc]
    communities: list[CommunityDoc]
    sources: list[SourceDoc]
    demands: list[DemandDoc]


class ShipmentDoc(_Doc):
    source: str
    community: str
    item: str
    quantity: Count
    lot: str | None
    contract: str | None
    cost: Count = Field(description="Minor currency units: transport plus supplier price.")


class FillDoc(_Doc):
    community: str
    item: str
    tier: Tier
    demanded: Count
    delivered: Count
    unmet: Count
    rate: float = Field(ge=0, le=1)
    fair_level: float = Field(ge=0, le=1, description="Leximin fill rate of the LP stage.")
    deadline_h: Hours


class ReasonDoc(_Doc):
    code: ReasonCode
    text: str
    item: str | None
    source: str | None


class CommunityReportDoc(_Doc):
    community: str
    summary: str
    reasons: list[ReasonDoc]


class SummaryDoc(_Doc):
    demanded: Count
    delivered: Count
    cost: Count
    min_priority_fill: float
    min_general_fill: float
    solve_seconds: float


class PlanDoc(_Doc):
    """An allocation plan: shipments, fill rates, unmet demand and reasons per community."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Relief Reserve allocation plan")

    summary: SummaryDoc
    shipments: list[ShipmentDoc]
    fills: list[FillDoc]
    unmet: list[FillDoc]
    communities: list[CommunityReportDoc]


def problem_from_json(data: Any) -> AllocationProblem:
    """A validated problem from a parsed JSON document."""
    try:
        doc = ProblemDoc.model_validate(data)
    except ValidationError as exc:
        problems = [FieldProblem(tuple(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
        raise InvalidInput("the allocation problem is not valid", problems=problems) from exc

    def loc(x: LocationDoc) -> Location:
        return Location(x.lat, x.lon)

    return AllocationProblem(
        items=tuple(Item(i.code, i.unit_weight_g) for i in doc.items),
        communities=tuple(
            Community(c.id, loc(c.location), c.name, c.population) for c in doc.communities
        ),
        sources=tuple(
            Source(
                id=s.id,
                kind=s.kind,
                location=loc(s.location),
                stock=tuple(
                    Holding(
                        h.item,
                        tuple(Lot(x.lot, x.quantity, x.expires_in_h) for x in h.lots),
                        h.floor,
                    )
                    for h in s.stock
                ),
                agreements=tuple(
                    Agreement(
                        a.contract,
                        a.item,
                        a.reserved,
                        a.surge_per_day,
                        a.lead_time_h,
                        a.unit_price,
                    )
                    for a in s.agreements
                ),
            )
            for s in doc.sources
        ),
        demands=tuple(
            Demand(d.community, d.item, d.tier, d.quantity, d.deadline_h) for d in doc.demands
        ),
        transport_cost_per_tonne_km=doc.transport_cost_per_tonne_km,
    )


def plan_to_json(plan: AllocationPlan) -> dict[str, Any]:
    """The plan document (plain JSON-ready dicts and lists)."""

    def fill(f: Any) -> dict[str, Any]:
        return {
            "community": f.community,
            "item": f.item,
            "tier": str(f.tier),
            "demanded": f.demanded,
            "delivered": f.delivered,
            "unmet": f.unmet,
            "rate": round(f.rate, 6),
            "fair_level": round(min(1.0, max(0.0, f.fair_level)), 6),
            "deadline_h": f.deadline_h,
        }

    return {
        "summary": {
            "demanded": plan.demanded,
            "delivered": plan.delivered,
            "cost": plan.cost,
            "min_priority_fill": round(plan.min_fill(Tier.PRIORITY), 6),
            "min_general_fill": round(plan.min_fill(Tier.GENERAL), 6),
            "solve_seconds": round(plan.solve_seconds, 3),
        },
        "shipments": [
            {
                "source": s.source,
                "community": s.community,
                "item": s.item,
                "quantity": s.quantity,
                "lot": s.lot,
                "contract": s.contract,
                "cost": s.cost,
            }
            for s in plan.shipments
        ],
        "fills": [fill(f) for f in plan.fills],
        "unmet": [fill(f) for f in plan.unmet],
        "communities": [
            {
                "community": r.community,
                "summary": r.summary,
                "reasons": [
                    {"code": str(x.code), "text": x.text, "item": x.item, "source": x.source}
                    for x in r.reasons
                ],
            }
            for r in plan.communities
        ],
    }


def json_schema(kind: Literal["problem", "plan"]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a problem or a plan document."""
    model = ProblemDoc if kind == "problem" else PlanDoc
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}allocation-{kind}.schema.json",
        **schema,
    }
