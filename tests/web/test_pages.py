"""Every page for every role: redirects without sign-in, 403 for the wrong role, CSRF,
bad forms that show their error and change nothing, the language switch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from inventory import schemas
from inventory import service as inventory
from tests.inventory.factories import Small
from tests.web.conftest import csrf_of, post, sign_in

PAGES = {
    "/web/depot": {"depot_manager", "coordinator", "admin"},
    "/web/district": {"coordinator", "admin"},
    "/web/suppliers": {"procurement", "admin"},
    "/web/audit": {"depot_manager", "coordinator", "procurement", "auditor", "admin"},
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_redirect_to_sign_in_without_a_cookie(web: TestClient, page: str) -> None:
    answer = web.get(page)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/web/sign-in"


@pytest.mark.parametrize(
    "role", ["depot_manager", "coordinator", "procurement", "auditor", "admin"]
)
def test_each_role_sees_its_pages_and_is_refused_the_others(
    web: TestClient, people: dict[str, str], role: str
) -> None:
    sign_in(web, role)
    for page, roles in PAGES.items():
        answer = web.get(page)
        expected = 200 if role in roles else 403
        assert answer.status_code == expected, (role, page, answer.text[:300])


def test_sign_in_with_a_wrong_password_stays_on_the_form(
    web: TestClient, people: dict[str, str]
) -> None:
    answer = web.post(
        "/web/sign-in",
        data={"username": "auditor", "password": "wrong password!", "csrf": csrf_of(web)},
    )
    assert answer.status_code == 401
    assert "Wrong username or password" in answer.text or "用户名或密码错误" in answer.text
    assert "relief_session" not in web.cookies


def test_the_sign_in_cookie_is_secure_httponly_and_lax(
    web: TestClient, people: dict[str, str]
) -> None:
    answer = web.post(
        "/web/sign-in",
        data={"username": "auditor", "password": "correct horse battery", "csrf": csrf_of(web)},
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "relief_session=" in cookie
    assert "secure" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert answer.headers["location"] == "/web/audit"


def test_forms_without_the_csrf_token_are_refused_and_change_nothing(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    sign_in(web, "depot_manager")
    form = {"item_id": d.tent_id, "quantity": "5", "lot_number": "T-1"}
    for token in (None, "0" * 64):
        data = form if token is None else {**form, "csrf": token}
        answer = web.post(f"/web/depot/{d.depot_a_id}/move/receipt", data=data)
        assert answer.status_code == 403
    assert inventory.list_balances(session, depot_ids=[d.depot_a_id]) == []


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"quantity": "5", "lot_number": "T-1"}, "item_id", "此项必填。"),
        ({"item_id": "TENT", "quantity": "abc", "lot_number": "T-1"}, "quantity", "请输入整数"),
        ({"item_id": "TENT", "quantity": "0", "lot_number": "T-1"}, "quantity", "大于 0"),
        ({"item_id": "WATER", "quantity": "5", "lot_number": "W-1"}, None, "有保质期"),
    ],
)
def test_a_bad_receipt_shows_its_error_next_to_the_field_and_changes_nothing(
    web: TestClient,
    session: Session,
    d: Small,
    people: dict[str, str],
    form: dict[str, str],
    field: str | None,
    message: str,
) -> None:
    ids = {"TENT": str(d.tent_id), "WATER": str(d.water_id)}
    form = {k: ids.get(v, v) if k == "item_id" else v for k, v in form.items()}
    sign_in(web, "depot_manager")
    answer = post(web, f"/web/depot/{d.depot_a_id}/move/receipt", form, "/web/depot")
    assert answer.status_code == 422, answer.text
    assert message in answer.text
    if field:
        assert f'id="e-{field}"' in answer.text
    assert inventory.list_balances(session, depot_ids=[d.depot_a_id]) == []


def test_an_issue_beyond_the_stock_is_refused_on_the_page(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    inventory.receive(
        session,
        schemas.ReceiptCreate(depot_id=d.depot_a_id, item_id=d.tent_id, lot_number="T", quantity=3),
        actor="t",
    )
    sign_in(web, "depot_manager")
    answer = post(
        web, f"/web/depot/{d.depot_a_id}/move/issue", {"item_id": d.tent_id, "quantity": "9"}
    )
    assert answer.status_code == 409
    assert [b.quantity for b in inventory.list_balances(session, depot_ids=[d.depot_a_id])] == [3]


def test_a_depot_manager_cannot_open_another_depot(
    web: TestClient, d: Small, people: dict[str, str]
) -> None:
    sign_in(web, "depot_manager")
    assert web.get(f"/web/depot?depot_id={d.depot_b_id}").status_code == 403
    assert web.get(f"/web/depot/{d.depot_b_id}/move").status_code == 403


def test_the_language_switch_is_remembered(web: TestClient, people: dict[str, str]) -> None:
    sign_in(web, "auditor")
    assert "账本" in web.get("/web/audit").text
    answer = post(web, "/web/language", {"lang": "en", "back": "/web/audit"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/web/audit"
    page = web.get("/web/audit").text
    assert '<html lang="en">' in page
    assert "Latest checkpoint" in page


def test_an_address_no_page_has_is_a_page_in_chinese_not_json(web: TestClient) -> None:
    answer = web.get("/web/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "没有这个页面" in answer.text
    english = web.get("/web/no-such-page", headers={"accept-language": "en"})
    assert "There is no such page." in english.text


def test_a_method_a_page_does_not_take_is_a_page_naming_the_methods_it_does(
    web: TestClient,
) -> None:
    answer = web.delete("/web/sign-in")
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
    assert "此页面不接受这种请求" in answer.text
    assert {m.strip() for m in answer.headers["allow"].split(",")} == {"GET", "POST"}
