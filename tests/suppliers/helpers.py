"""Building blocks for the supplier tests: valid codes, a supplier, its documents."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from core.clock import utcnow

# Real unified social credit codes (published on the companies' licences).
VALID_USCC = ("91350100M000100Y43", "91110000802100433B", "914403001922038216")


def today() -> date:
    return utcnow().date()


def days(n: int) -> date:
    return today() + timedelta(days=n)


def supplier_body(n: int = 0, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "legal_name": f"Hexi Medical Supplies {n}",
        "registration_scheme": "uscc",
        "registration_number": VALID_USCC[n % len(VALID_USCC)],
        "is_producer": False,
        "contact_name": "Li Wei",
        "contact_phone": "+86 27 5555 0100",
        "latitude": 30.60 + n * 0.01,
        "longitude": 114.30,
        "delivery_radius_km": 200,
    }
    body.update(over)
    return body


def register(client: TestClient, n: int = 0, **over: Any) -> int:
    answer = client.post("/suppliers", json=supplier_body(n, **over))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def upload(
    client: TestClient,
    supplier_id: int,
    kind: str = "business_licence",
    *,
    valid_from: date | None = None,
    valid_until: date | None = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        f"/suppliers/{supplier_id}/documents",
        files={"file": ("licence.pdf", content or f"%PDF {kind} {supplier_id}".encode())},
        data={
            "kind": kind,
            "issuer": "Wuhan Administration for Market Regulation",
            "number": f"{kind.upper()}-{supplier_id}",
            "valid_from": (valid_from or days(-365)).isoformat(),
            "valid_until": (valid_until or days(365)).isoformat(),
        },
        headers=headers or {},
    )


def decide(client: TestClient, supplier_id: int, to: str, reason: str = "reviewed") -> Any:
    return client.post(
        f"/suppliers/{supplier_id}/decisions", json={"to_status": to, "reason": reason}
    )


def qualified_supplier(
    client: TestClient, n: int = 0, *, kinds: tuple[str, ...] = ("business_licence",), **over: Any
) -> int:
    """A supplier with the documents `kinds`, moved through review to qualified."""
    supplier_id = register(client, n, **over)
    for kind in kinds:
        assert upload(client, supplier_id, kind).status_code == 201
    assert decide(client, supplier_id, "under_review").status_code == 201
    answer = decide(client, supplier_id, "qualified", "all documents checked")
    assert answer.status_code == 201, answer.text
    return supplier_id


def contract_body(
    supplier_id: int, district_id: int, item_id: int, number: str = "AG-1", **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": number,
        "supplier_id": supplier_id,
        "district_id": district_id,
        "item_id": item_id,
        "reserved_quantity": 5000,
        "surge_per_day": 2000,
        "activation_lead_time_h": 12,
        "unit_price_minor": 250,
        "valid_from": days(-30).isoformat(),
        "valid_until": days(335).isoformat(),
        "spot_check_every_days": 90,
    }
    body.update(over)
    return body
