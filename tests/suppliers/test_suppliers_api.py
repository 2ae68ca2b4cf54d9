"""Suppliers through the API, on SQLite and PostgreSQL: the issue's "Must hold" list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from accounts import service as users
from core.clock import utcnow
from core.settings import Settings
from ledger import service as ledger
from ledger.models import LedgerEntry
from suppliers import service
from suppliers.models import (
    AgreementContract,
    QualificationDecision,
    SpotCheck,
    Supplier,
    SupplierDocument,
)
from tests.api.test_auth import PASSWORD, token_for
from tests.inventory.factories import Small, small_district
from tests.suppliers.helpers import (
    contract_body,
    days,
    decide,
    qualified_supplier,
    register,
    supplier_body,
    upload,
)


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


def count(session: Session, model: type[SQLModel]) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def snapshot(session: Session) -> dict[str, int]:
    """Row counts of every supplier table and the ledger's size."""
    tables: list[type[SQLModel]] = [
        Supplier,
        SupplierDocument,
        QualificationDecision,
        AgreementContract,
        SpotCheck,
    ]
    out = {m.__name__: count(session, m) for m in tables}
    out["ledger"] = ledger.tree_size(session)
    return out


def entries(session: Session, kind: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(col(LedgerEntry.body)).where(col(LedgerEntry.kind) == kind)
    ).scalars()
    return [json.loads(body) for body in rows]


# --- refusals: clear error, nothing changed, nothing on the ledger --------------------------


def _bad_uscc(client: TestClient, d: Small, sid: int) -> Any:
    return client.post(
        "/suppliers", json=supplier_body(5, registration_number="91350100M000100Y42")
    )


def _bad_uscc_alphabet(client: TestClient, d: Small, sid: int) -> Any:
    return client.post(
        "/suppliers", json=supplier_body(5, registration_number="91350100M000100I43")
    )


def _overlap(client: TestClient, d: Small, sid: int) -> Any:
    first = client.post("/agreements", json=contract_body(sid, d.district_id, d.mask_id))
    assert first.status_code == 201, first.text
    body = contract_body(
        sid,
        d.district_id,
        d.mask_id,
        "AG-2",
        valid_from=days(300).isoformat(),
        valid_until=days(700).isoformat(),
    )
    return client.post("/agreements", json=body)


def _wrong_state(client: TestClient, d: Small, sid: int) -> Any:
    return decide(client, sid, "qualified")  # applied → qualified skips the review


def _document_ends_before_it_starts(client: TestClient, d: Small, sid: int) -> Any:
    return upload(client, sid, valid_from=days(10), valid_until=days(9))


def _contract_ends_before_it_starts(client: TestClient, d: Small, sid: int) -> Any:
    body = contract_body(sid, d.district_id, d.mask_id, valid_until=days(-31).isoformat())
    return client.post("/agreements", json=body)


def _qualify_without_documents(client: TestClient, d: Small, sid: int) -> Any:
    assert decide(client, sid, "under_review").status_code == 201
    return decide(client, sid, "qualified")


REFUSED: list[tuple[str, Callable[[TestClient, Small, int], Any], int, str]] = [
    ("bad check character", _bad_uscc, 422, "invalid-registration-number"),
    ("letter outside the alphabet", _bad_uscc_alphabet, 422, "invalid-registration-number"),
    ("overlapping agreement", _overlap, 409, "overlapping-agreement"),
    ("decision in the wrong state", _wrong_state, 409, "supplier-wrong-state"),
    ("document ends before it starts", _document_ends_before_it_starts, 422, "invalid-input"),
    ("agreement ends before it starts", _contract_ends_before_it_starts, 422, "invalid-input"),
    ("qualified without documents", _qualify_without_documents, 409, "documents-missing"),
]


@pytest.mark.parametrize(("case", "act", "status", "slug"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_changes_change_nothing_and_write_nothing_to_the_ledger(
    client: TestClient,
    session: Session,
    d: Small,
    case: str,
    act: Callable[[TestClient, Small, int], Any],
    status: int,
    slug: str,
) -> None:
    sid = register(client)
    before = snapshot(session)
    # Some cases make one valid change first (the first agreement, the review); the refused
    # request is the last one, and must add nothing beyond those.
    answer = act(client, d, sid)
    after = snapshot(session)
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert problem["type"].endswith("/" + slug)
    assert problem["detail"]
    assert answer.headers["content-type"].startswith("application/problem+json")
    expected = dict(before)
    if act is _overlap:
        expected["AgreementContract"] += 1
    if act is _qualify_without_documents:
        expected["QualificationDecision"] += 1
        expected["ledger"] += 1
    assert after == expected


def test_a_revoked_supplier_can_never_be_decided_on_again(
    client: TestClient, session: Session, d: Small
) -> None:
    sid = qualified_supplier(client)
    assert decide(client, sid, "revoked", "fraudulent test report").status_code == 201
    before = snapshot(session)
    for to in ("qualified", "under_review", "suspended"):
        answer = decide(client, sid, to)
        assert answer.status_code == 409
        assert answer.json()["allowed"] == []
    assert snapshot(session) == before


def test_only_procurement_and_admin_may_decide_and_a_refusal_writes_nothing(
    anonymous_client: TestClient, session: Session, d: Small
) -> None:
    for role in ("procurement", "coordinator", "depot_manager", "auditor"):
        scopes: dict[str, dict[str, Any]] = {
            "coordinator": {"district_id": d.district_id},
            "depot_manager": {"depot_ids": [d.depot_a_id]},
        }
        extra = scopes.get(role, {})
        users.create_user(session, username=role, password=PASSWORD, role=role, **extra)
    buyer = token_for(anonymous_client, "procurement")
    created = anonymous_client.post("/suppliers", json=supplier_body(), headers=buyer)
    sid = created.json()["id"]
    assert upload(anonymous_client, sid, headers=buyer).status_code == 201
    before = snapshot(session)
    for role in ("coordinator", "depot_manager", "auditor"):
        answer = anonymous_client.post(
            f"/suppliers/{sid}/decisions",
            json={"to_status": "under_review", "reason": "looks fine"},
            headers=token_for(anonymous_client, role),
        )
        assert answer.status_code == 403, (role, answer.text)
        assert answer.json()["permission"] == "suppliers.write"
        assert (
            upload(anonymous_client, sid, headers=token_for(anonymous_client, role)).status_code
            == 403
        )
    assert snapshot(session) == before
    answer = anonymous_client.post(
        f"/suppliers/{sid}/decisions",
        json={"to_status": "under_review", "reason": "complete file"},
        headers=buyer,
    )
    assert answer.status_code == 201, answer.text
    assert entries(session, "supplier.qualification")[-1]["actor"] == "procurement"


# --- the workflow and its ledger entries ----------------------------------------------------


def test_documents_are_stored_by_hash_and_decisions_sign_the_hashes_they_relied_on(
    client: TestClient, session: Session, settings: Settings, d: Small
) -> None:
    sid = register(client, is_producer=True)
    contents = {"business_licence": b"%PDF business", "production_licence": b"%PDF production"}
    hashes = {}
    for kind, content in contents.items():
        answer = upload(client, sid, kind, content=content)
        assert answer.status_code == 201, answer.text
        hashes[kind] = answer.json()["sha256"]
        assert hashes[kind] == hashlib.sha256(content).hexdigest()
        stored = Path(settings.data_dir) / "documents" / hashes[kind]
        assert stored.read_bytes() == content
    assert decide(client, sid, "under_review").status_code == 201
    answer = decide(client, sid, "qualified", "licences verified with the issuer")
    assert answer.status_code == 201, answer.text
    decision = answer.json()
    assert sorted(decision["document_hashes"]) == sorted(hashes.values())

    entry = ledger.get_entry(session, decision["ledger_seq"])
    assert entry.kind == "supplier.qualification"
    assert entry.payload["from"] == "under_review"
    assert entry.payload["to"] == "qualified"
    assert entry.payload["reason"] == "licences verified with the issuer"
    assert entry.payload["decided_by"] == "test-admin"
    assert sorted(doc["sha256"] for doc in entry.payload["documents"]) == sorted(hashes.values())
    assert set(entry.payload["documents"][0]) == {
        "sha256",
        "kind",
        "issuer",
        "number",
        "valid_from",
        "valid_until",
    }  # the file's hash and description, never the file
    assert client.get(f"/suppliers/{sid}").json()["status"] == "qualified"


def test_a_producer_needs_its_production_licence_and_medical_items_need_iso_13485(
    client: TestClient, d: Small, session: Session
) -> None:
    from inventory import schemas as inv
    from inventory import service as inventory

    gloves = inventory.create_item(
        session,
        inv.ItemCreate(
            code="GLOVES",
            name_zh="手套",
            name_en="Gloves",
            category="medical",
            base_unit="pair",
            unit_weight_g=10,
            unit_volume_cm3=20,
        ),
    )
    sid = register(client, is_producer=True)
    put = client.put(
        f"/suppliers/{sid}/offers",
        json=[
            {
                "item_id": gloves.id,
                "daily_capacity": 1000,
                "lead_time_h": 24,
                "unit_price_minor": 80,
            }
        ],
    )
    assert put.status_code == 200, put.text
    upload(client, sid, "business_licence")
    decide(client, sid, "under_review")
    refused = decide(client, sid, "qualified")
    assert refused.status_code == 409
    assert set(refused.json()["missing"]) == {
        "production licence",
        "ISO 13485 or a medical device licence",
    }
    upload(client, sid, "production_licence")
    upload(client, sid, "medical_device_licence")
    assert decide(client, sid, "qualified").status_code == 201


def test_a_lapsed_document_shows_expired_until_the_sweep_records_it(
    client: TestClient, session: Session, settings: Settings, d: Small
) -> None:
    sid = register(client)
    upload(client, sid, valid_from=days(-400), valid_until=days(-1))  # relied on, now lapsed
    current = upload(client, sid)
    decide(client, sid, "under_review")
    # Qualify on the valid licence, then let it lapse by replacing the documents' dates.
    assert decide(client, sid, "qualified").status_code == 201
    doc = session.get(SupplierDocument, current.json()["id"])
    assert doc is not None
    doc.valid_until = days(-1)
    session.flush()

    shown = client.get(f"/suppliers/{sid}").json()
    assert (shown["status"], shown["recorded_status"]) == ("expired", "qualified")
    assert shown["missing_documents"] == ["business licence"]

    before = ledger.tree_size(session)
    swept = client.post("/suppliers/sweep")
    assert swept.status_code == 200, swept.text
    [decision] = swept.json()["expired"]
    assert (decision["from_status"], decision["to_status"]) == ("qualified", "expired")
    assert ledger.tree_size(session) == before + 1
    assert client.post("/suppliers/sweep").json()["expired"] == []  # once only
    assert client.get(f"/suppliers/{sid}").json()["recorded_status"] == "expired"
    # Re-qualification goes through review again.
    assert decide(client, sid, "qualified").status_code == 409
    assert decide(client, sid, "under_review").status_code == 201


def test_a_retried_decision_is_answered_once_and_signed_once(
    client: TestClient, session: Session, d: Small
) -> None:
    sid = register(client)
    before = ledger.tree_size(session)
    body = {"to_status": "under_review", "reason": "file complete"}
    headers = {"Idempotency-Key": "decision-1"}
    first = client.post(f"/suppliers/{sid}/decisions", json=body, headers=headers)
    again = client.post(f"/suppliers/{sid}/decisions", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ledger.tree_size(session) == before + 1


# --- agreement reserves ---------------------------------------------------------------------


def test_agreement_sources_are_valid_agreements_of_qualified_suppliers(
    client: TestClient, session: Session, d: Small
) -> None:
    good = qualified_supplier(client, 0)
    suspended = qualified_supplier(client, 1)
    pending = register(client, 2)
    for n, sid in enumerate((good, suspended, pending)):
        body = contract_body(sid, d.district_id, d.mask_id, f"AG-{n}")
        assert client.post("/agreements", json=body).status_code == 201
    ended = contract_body(
        good,
        d.district_id,
        d.water_id,
        "AG-OLD",
        valid_from=days(-400).isoformat(),
        valid_until=days(-1).isoformat(),
    )
    assert client.post("/agreements", json=ended).status_code == 201
    assert decide(client, suspended, "suspended", "failed a spot check").status_code == 201

    sources = service.agreement_sources(session, district_id=d.district_id, as_of=utcnow())
    assert [(s.supplier_id, s.item_id) for s in sources] == [(good, d.mask_id)]
    [source] = sources
    assert source.reserved_quantity == 5000
    assert source.surge_per_day == 2000
    assert source.activation_lead_time_h == 12
    assert source.unit_price_minor == 250
    assert source.valid_until == days(335)
    assert source.supplier_name == "Hexi Medical Supplies 0"
    # Before the agreement began there was nothing to draw on; before qualification neither.
    assert (
        service.agreement_sources(
            session, district_id=d.district_id, as_of=utcnow() - timedelta(days=31)
        )
        == []
    )
    # The old water agreement was valid then, but the supplier was not yet qualified.
    assert (
        service.agreement_sources(
            session, district_id=d.district_id, as_of=utcnow() - timedelta(days=2)
        )
        == []
    )
    api = client.get("/agreements/sources", params={"district_id": d.district_id})
    assert [s["contract_id"] for s in api.json()] == [source.contract_id]


def test_a_medical_agreement_needs_a_valid_iso_13485_even_when_the_supplier_is_qualified(
    client: TestClient, session: Session, d: Small
) -> None:
    from inventory import schemas as inv
    from inventory import service as inventory

    gloves = inventory.create_item(
        session,
        inv.ItemCreate(
            code="GLOVES",
            name_zh="手套",
            name_en="Gloves",
            category="medical",
            base_unit="pair",
            unit_weight_g=10,
            unit_volume_cm3=20,
        ),
    )
    sid = qualified_supplier(client, kinds=("business_licence", "iso13485"))
    assert gloves.id is not None
    for item_id, number in ((gloves.id, "AG-MED"), (d.mask_id, "AG-PPE")):
        body = contract_body(sid, d.district_id, item_id, number)
        assert client.post("/agreements", json=body).status_code == 201
    iso = session.execute(
        select(SupplierDocument).where(col(SupplierDocument.kind) == "iso13485")
    ).scalar_one()
    iso.valid_until = days(-1)
    session.flush()
    sources = service.agreement_sources(session, district_id=d.district_id, as_of=utcnow())
    assert [s.item_id for s in sources] == [d.mask_id]
    shown = client.get(f"/suppliers/{sid}").json()
    assert shown["categories"] == {"medical": "expired", "ppe": "qualified"}


def test_spot_checks_go_on_the_ledger_and_overdue_reserves_raise_alerts(
    client: TestClient, session: Session, d: Small
) -> None:
    sid = qualified_supplier(client)
    body = contract_body(
        sid,
        d.district_id,
        d.mask_id,
        valid_from=days(-200).isoformat(),
        valid_until=days(20).isoformat(),
        spot_check_every_days=90,
    )
    contract = client.post("/agreements", json=body).json()
    alerts = client.get("/suppliers/alerts").json()
    assert [a["contract_id"] for a in alerts["spot_checks_overdue"]] == [contract["id"]]
    assert [a["contract_id"] for a in alerts["contracts_expiring"]] == [contract["id"]]
    assert alerts["contracts_expiring"][0]["days_left"] == 20

    before = ledger.tree_size(session)
    check = client.post(
        f"/agreements/{contract['id']}/spot-checks", json={"found": 4800, "note": "one bay short"}
    )
    assert check.status_code == 201, check.text
    assert ledger.tree_size(session) == before + 1
    entry = ledger.get_entry(session, check.json()["ledger_seq"])
    assert entry.kind == "reserve.spot_check"
    assert (entry.payload["expected"], entry.payload["found"]) == (5000, 4800)
    assert entry.payload["checked_by"] == "test-admin"
    assert entry.payload["contract_id"] == contract["id"]
    assert client.get("/suppliers/alerts").json()["spot_checks_overdue"] == []

    future = (utcnow() + timedelta(hours=2)).isoformat()
    refused = client.post(
        f"/agreements/{contract['id']}/spot-checks", json={"found": 1, "checked_at": future}
    )
    assert refused.status_code == 422
    assert ledger.tree_size(session) == before + 1


def test_a_blank_issuer_is_a_clear_422(client: TestClient, session: Session, d: Small) -> None:
    sid = register(client)
    answer = client.post(
        f"/suppliers/{sid}/documents",
        files={"file": ("a.pdf", b"%PDF")},
        data={
            "kind": "iso9001",
            "issuer": "   ",
            "number": "Q-1",
            "valid_from": days(-1).isoformat(),
            "valid_until": days(1).isoformat(),
        },
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["body", "issuer"]
    assert count(session, SupplierDocument) == 0


def test_documents_expiring_within_30_days_are_alerted(client: TestClient, d: Small) -> None:
    sid = register(client)
    upload(client, sid, valid_until=days(29))
    upload(client, sid, "iso9001", valid_until=days(31))
    found = client.get("/suppliers/alerts").json()["documents_expiring"]
    assert [(a["kind"], a["days_left"]) for a in found] == [("business_licence", 29)]


def test_every_decision_and_spot_check_has_exactly_one_ledger_entry(
    client: TestClient, session: Session, d: Small
) -> None:
    a = qualified_supplier(client, 0)
    b = qualified_supplier(client, 1)
    decide(client, b, "suspended", "late deliveries")
    decide(client, b, "qualified", "improvement plan met")
    contract = client.post("/agreements", json=contract_body(a, d.district_id, d.mask_id)).json()
    for found in (5000, 4990):
        client.post(f"/agreements/{contract['id']}/spot-checks", json={"found": found})
    decide(client, a, "qualified")  # refused: already qualified

    for column, kind in (
        (col(QualificationDecision.ledger_seq), "supplier.qualification"),
        (col(SpotCheck.ledger_seq), "reserve.spot_check"),
    ):
        seqs = session.execute(select(column)).scalars().all()
        logged = session.execute(
            select(col(LedgerEntry.seq)).where(col(LedgerEntry.kind) == kind)
        ).scalars()
        assert sorted(seqs) == sorted(logged)
        assert len(set(seqs)) == len(seqs)
    assert count(session, QualificationDecision) == 6
    assert count(session, SpotCheck) == 2


# --- grades and search ----------------------------------------------------------------------


def _deliver(
    client: TestClient, sid: int, item_id: int, *, late: bool, rejected: int, price: int
) -> None:
    promised = utcnow() - timedelta(days=3)
    delivered = promised + timedelta(hours=5 if late else -1)
    answer = client.post(
        f"/suppliers/{sid}/deliveries",
        json={
            "item_id": item_id,
            "quantity": 100,
            "rejected_quantity": rejected,
            "unit_price_minor": price,
            "promised_at": promised.isoformat(),
            "delivered_at": delivered.isoformat(),
        },
    )
    assert answer.status_code == 201, answer.text


def test_grades_come_with_their_inputs(client: TestClient, d: Small) -> None:
    good = qualified_supplier(client, 0)
    poor = qualified_supplier(client, 1)
    for sid, cap in ((good, 1000), (poor, 500)):
        client.put(
            f"/suppliers/{sid}/offers",
            json=[
                {
                    "item_id": d.mask_id,
                    "daily_capacity": cap,
                    "lead_time_h": 24,
                    "unit_price_minor": 100,
                }
            ],
        )
    for _ in range(4):
        _deliver(client, good, d.mask_id, late=False, rejected=0, price=100)
        _deliver(client, poor, d.mask_id, late=True, rejected=20, price=200)
    [g] = client.get(f"/suppliers/{good}/grades").json()
    [p] = client.get(f"/suppliers/{poor}/grades").json()
    assert (g["category"], g["grade"], g["score"]) == ("ppe", "A", 100.0)
    assert p["grade"] == "C"
    assert p["inputs"]["deliveries"] == 4
    assert p["inputs"]["on_time"] == 0
    assert p["inputs"]["rejected_units"] == 80
    assert p["parts"]["quality"] == pytest.approx(0.8)
    assert p["parts"]["capacity"] == pytest.approx(0.5)
    assert p["score"] == pytest.approx(sum(p["points"].values()))
    assert sum(p["weights"].values()) == 100


def test_search_ranks_suppliers_that_can_deliver_in_time_first_and_says_why(
    client: TestClient, d: Small
) -> None:
    near = qualified_supplier(client, 0, latitude=30.52, longitude=114.31)
    far = qualified_supplier(client, 1, latitude=31.50, longitude=114.31)  # ~110 km
    unqualified = register(client, 2, latitude=30.52, longitude=114.31)
    for sid in (near, far, unqualified):
        client.put(
            f"/suppliers/{sid}/offers",
            json=[
                {
                    "item_id": d.mask_id,
                    "daily_capacity": 2400,
                    "lead_time_h": 6,
                    "unit_price_minor": 100,
                }
            ],
        )
    body = contract_body(
        far, d.district_id, d.mask_id, activation_lead_time_h=2, reserved_quantity=10_000
    )
    assert client.post("/agreements", json=body).status_code == 201
    params = {
        "item_id": d.mask_id,
        "quantity": 5000,
        "community_id": d.community_ids[0],
        "within_h": 12,
    }
    hits = client.get("/suppliers/search", params=params).json()
    assert [h["supplier_id"] for h in hits] == [far, near]
    assert hits[0]["feasible"]
    assert not hits[1]["feasible"]
    assert "agreement reserve" in hits[0]["reason"]
    assert hits[1]["quantity_within"] < 5000
    assert "delivers" in hits[1]["reason"]
    assert "km away" in hits[1]["reason"]
