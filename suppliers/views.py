"""The supplier as the API shows it: registry data, standing on the day, offers."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from suppliers import schemas
from suppliers.models import Supplier
from suppliers.qualification import standing
from suppliers.registry import offers


def supplier_public(session: Session, supplier: Supplier, day: date) -> schemas.SupplierPublic:
    found = standing(session, supplier, day)
    return schemas.SupplierPublic(
        id=supplier.id or 0,
        legal_name=supplier.legal_name,
        registration_scheme=supplier.registration_scheme,
        registration_number=supplier.registration_number,
        is_producer=supplier.is_producer,
        contact_name=supplier.contact_name,
        contact_phone=supplier.contact_phone,
        contact_email=supplier.contact_email,
        address=supplier.address,
        latitude=supplier.latitude,
        longitude=supplier.longitude,
        delivery_radius_km=supplier.delivery_radius_km,
        status=found.status,
        recorded_status=found.recorded_status,
        categories=found.categories,
        missing_documents=found.missing,
        offers=[schemas.OfferPublic.model_validate(o) for o in offers(session, supplier.id or 0)],
    )
