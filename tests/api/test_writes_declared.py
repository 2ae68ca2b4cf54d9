"""A write answers with its route's `response_model`: FastAPI does not apply it to the
`JSONResponse` a write returns, so `api.writes.declared` does, for the answer and for what
is kept for replays."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from api.writes import declared
from tests.inventory.factories import small_district


class ThingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


@dataclass
class ThingRow:
    id: int
    name: str
    password_hash: str


def _request(model: Any) -> Any:
    return SimpleNamespace(scope={"route": SimpleNamespace(response_model=model)})


def test_a_row_is_answered_as_the_declared_model_and_nothing_more() -> None:
    row = ThingRow(id=1, name="tent", password_hash="secret")
    assert declared(_request(ThingPublic), row) == {"id": 1, "name": "tent"}
    assert declared(_request(list[ThingPublic]), [row]) == [{"id": 1, "name": "tent"}]


def test_without_a_declared_model_the_result_is_encoded_as_it_is() -> None:
    assert declared(_request(None), {"a": 1}) == {"a": 1}


def test_a_write_and_its_replay_answer_the_declared_shape(
    client: TestClient, session: Session
) -> None:
    d = small_district(session)
    body = {"depot_id": d.depot_a_id, "item_id": d.tent_id, "lot_number": "L", "quantity": 5}
    headers = {"Idempotency-Key": "declared-1"}
    first = client.post("/movements/receipts", json=body, headers=headers)
    again = client.post("/movements/receipts", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    document = client.get("/openapi.json").json()
    schema = document["components"]["schemas"]["ActionResult"]
    assert set(first.json()) == set(schema["properties"])
