"""Search: which qualified suppliers can deliver item X, quantity Q, to community C in T hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import InvalidInput
from inventory import service as inventory
from suppliers import ranking, schemas
from suppliers.models import AgreementContract, SupplierItem
from suppliers.performance import all_grades
from suppliers.qualification import qualified_for
from suppliers.registry import get_supplier


def search(
    session: Session,
    *,
    item_id: int,
    quantity: int,
    community_id: int,
    within_h: float,
    now: datetime,
) -> list[schemas.SearchHit]:
    """Qualified suppliers of the item that reach the community, ranked, each with a reason.

    A supplier counts with its production offer for the item and its agreement reserve for
    the community's district valid today, whichever it has.
    """
    if quantity <= 0 or within_h <= 0:
        raise InvalidInput("quantity and within_h must be positive")
    item = inventory.get_item(session, item_id)
    community = inventory.get_community(session, community_id)
    day = now.date()
    offers = {
        o.supplier_id: o
        for o in session.execute(
            select(SupplierItem).where(col(SupplierItem.item_id) == item_id)
        ).scalars()
    }
    contracts = {
        c.supplier_id: c
        for c in session.execute(
            select(AgreementContract).where(
                col(AgreementContract.item_id) == item_id,
                col(AgreementContract.district_id) == community.district_id,
                col(AgreementContract.valid_from) <= day,
                col(AgreementContract.valid_until) >= day,
            )
        ).scalars()
    }
    grades = all_grades(session, day)
    candidates = []
    for supplier_id in sorted(set(offers) | set(contracts)):
        supplier = get_supplier(session, supplier_id)
        if not qualified_for(session, supplier, item.category, now):
            continue
        offer, contract = offers.get(supplier_id), contracts.get(supplier_id)
        grade = grades.get((supplier_id, item.category))
        price = contract.unit_price_minor if contract else offer.unit_price_minor if offer else None
        candidates.append(
            ranking.Candidate(
                supplier_id=supplier_id,
                supplier_name=supplier.legal_name,
                latitude=supplier.latitude,
                longitude=supplier.longitude,
                delivery_radius_km=supplier.delivery_radius_km,
                grade=grade.grade if grade else None,
                unit_price_minor=price,
                reserved_quantity=contract.reserved_quantity if contract else 0,
                activation_lead_time_h=contract.activation_lead_time_h if contract else 0,
                surge_per_day=contract.surge_per_day if contract else 0,
                daily_capacity=offer.daily_capacity if offer else 0,
                lead_time_h=offer.lead_time_h if offer else 0,
                contract_id=contract.id if contract else None,
            )
        )
    ranked = ranking.rank(
        candidates,
        quantity=quantity,
        within_h=within_h,
        latitude=community.latitude,
        longitude=community.longitude,
    )
    return [
        schemas.SearchHit(
            rank=r.rank,
            supplier_id=r.candidate.supplier_id,
            supplier_name=r.candidate.supplier_name,
            contract_id=r.candidate.contract_id,
            feasible=r.feasible,
            hours_to_full=None if r.hours_to_full is None else round(r.hours_to_full, 2),
            quantity_within=r.quantity_within,
            distance_km=r.distance_km,
            grade=r.candidate.grade,
            unit_price_minor=r.candidate.unit_price_minor,
            reason=r.reason,
        )
        for r in ranked
    ]
