"""Two answers the fuzzer caught the API giving wrong: a 405 whose Allow header named one
route's methods where the path has several, and times that were numbers (read as Unix
time) or that leave Python's datetime range once moved to UTC (a server error)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlmodel import Session

from api import problems
from core.errors import InvalidInput
from core.inputs import Day, Moment
from suppliers.models import Delivery
from tests.inventory.factories import Small, small_district
from tests.suppliers.helpers import supplier_body


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


@pytest.mark.parametrize(
    ("template", "method", "allowed"),
    [
        ("/users", "OPTIONS", {"GET", "POST"}),
        ("/users", "DELETE", {"GET", "POST"}),
        ("/districts/{district_id}/travel-matrix", "POST", {"GET", "PUT", "DELETE"}),
        ("/suppliers/{supplier_id}/documents", "PATCH", {"GET", "POST"}),
        ("/plans/{plan_id}/routes", "DELETE", {"GET", "POST"}),
        # also GET /suppliers/{supplier_id}, but the literal path is its own resource
        ("/suppliers/sweep", "OPTIONS", {"POST"}),
    ],
)
def test_a_405_names_every_method_the_path_serves(
    client: TestClient, template: str, method: str, allowed: set[str]
) -> None:
    path = template.format(district_id=1, supplier_id=1, plan_id=1)
    answer = client.request(method, path)
    assert answer.status_code == 405, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    named = {m.strip() for m in answer.headers["allow"].split(",")}
    assert named == allowed
    documented = client.get("/openapi.json").json()["paths"][template]
    assert named == {m.upper() for m in documented}


NOT_TIMES = [
    pytest.param(0, "not a number", id="zero"),
    pytest.param(1.5e9, "not a number", id="unix-seconds"),
    pytest.param("1700000000", "not a number", id="unix-seconds-as-text"),
    pytest.param("0.5", "not a number", id="fraction-as-text"),
    pytest.param(True, "not a number", id="boolean"),
    pytest.param("2026-03-01T08:00:00", "timezone", id="naive"),
    pytest.param("0001-01-01T00:30:00+01:00", "between", id="year-zero-in-utc"),
    pytest.param("9999-12-31T23:30:00-01:00", "between", id="year-10000-in-utc"),
    pytest.param("1899-12-31T23:59:59Z", "between", id="before-1900"),
    pytest.param("3000-01-01T00:00:00Z", "between", id="after-2999"),
]


@pytest.mark.parametrize(("value", "says"), NOT_TIMES)
def test_a_moment_is_an_iso_time_with_its_zone_in_range(value: Any, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        TypeAdapter(Moment).validate_python(value)


def test_a_moment_in_range_is_kept_as_given() -> None:
    adapter = TypeAdapter(Moment)
    moment = adapter.validate_python("2026-03-01T08:00:00+08:00")
    assert moment.isoformat() == "2026-03-01T08:00:00+08:00"
    assert adapter.validate_json('"1900-01-01T00:00:00Z"').year == 1900


@pytest.mark.parametrize(("value", "says"), NOT_TIMES)
def test_queries_refuse_what_is_not_a_time(
    client: TestClient, d: Small, value: Any, says: str
) -> None:
    for path, name in (
        (f"/districts/{d.district_id}/dispatch-alerts", "at"),
        ("/access-log", "since"),
        ("/agreements/sources", "as_of"),
    ):
        params = {name: str(value).lower() if isinstance(value, bool) else str(value)}
        if path == "/agreements/sources":
            params["district_id"] = str(d.district_id)
        answer = client.get(path, params=params)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["loc"] == ["query", name]


@pytest.mark.parametrize(("value", "says"), NOT_TIMES)
def test_a_delivery_with_a_wrong_time_is_refused_and_records_nothing(
    client: TestClient, session: Session, d: Small, value: Any, says: str
) -> None:
    supplier = client.post("/suppliers", json=supplier_body())
    assert supplier.status_code == 201, supplier.text
    before = session.execute(select(func.count()).select_from(Delivery)).scalar_one()
    answer = client.post(
        f"/suppliers/{supplier.json()['id']}/deliveries",
        json={
            "item_id": d.tent_id,
            "quantity": 10,
            "unit_price_minor": 100,
            "promised_at": "2026-03-01T08:00:00Z",
            "delivered_at": value,
        },
    )
    assert answer.status_code == 422, answer.text
    assert says in answer.text
    assert session.execute(select(func.count()).select_from(Delivery)).scalar_one() == before


def test_allow_counts_routes_of_a_router_included_with_a_prefix() -> None:
    app = FastAPI()
    problems.install(app)
    router = APIRouter()

    @router.get("/x")
    def read() -> dict[str, str]:
        return {}

    @router.post("/x")
    def write() -> dict[str, str]:
        return {}

    app.include_router(router, prefix="/v1")
    answer = TestClient(app).delete("/v1/x")
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} == {"GET", "POST"}


NOT_DAYS = [
    pytest.param(0, "not a number", id="zero"),
    pytest.param("20260301", "not a number", id="digits"),
    pytest.param("9999-12-31", "between", id="year-9999"),
    pytest.param("1899-12-31", "between", id="before-1900"),
]


@pytest.mark.parametrize(("value", "says"), NOT_DAYS)
def test_a_day_is_an_iso_date_in_range(value: Any, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        TypeAdapter(Day).validate_python(value)
    assert TypeAdapter(Day).validate_python("2999-12-31").year == 2999


@pytest.mark.parametrize(("value", "says"), NOT_DAYS)
def test_a_receipt_or_a_forecast_with_a_day_out_of_range_is_refused(
    client: TestClient, d: Small, value: Any, says: str
) -> None:
    receipt = client.post(
        "/movements/receipts",
        json={
            "depot_id": d.depot_a_id,
            "item_id": d.water_id,
            "lot_number": "W-9",
            "expiry_date": value,
            "quantity": 1,
        },
    )
    assert receipt.status_code == 422, receipt.text
    assert says in receipt.text
    forecast = client.post(f"/districts/{d.district_id}/forecasts", json={"start": value})
    assert forecast.status_code == 422, forecast.text


def test_a_scenario_starting_at_the_end_of_time_is_refused() -> None:
    from optimizer.demand.scenario import parse_scenario

    raw = {
        "id": "late",
        "kind": "flood",
        "name": "Late flood",
        "affected_share": 0.1,
        "duration_days": 30,
        "severity": 1.0,
        "start": date(9999, 12, 31),
    }
    with pytest.raises(InvalidInput) as refused:
        parse_scenario(raw)
    assert ("start",) in [p.loc for p in refused.value.problems]
