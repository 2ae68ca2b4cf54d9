"""The district page's alerts: severity, message, since, what to do with a link to the page
that does it, in Chinese and English; acknowledging one with the form; refusals that
change nothing; every message the rules can raise has its translation."""

from __future__ import annotations

import html
import re
from string import Formatter

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from alerts import facts, texts
from api.web.i18n import ZH
from core.settings import Settings
from tests.alerts.helpers import Troubled, count_rows, expected_keys, stored
from tests.alerts.helpers import troubled_district as build
from tests.inventory.factories import Small
from tests.web.conftest import csrf_of, sign_in

ACK = "/web/district/alerts/acknowledge"


@pytest.fixture
def t(session: Session, settings: Settings) -> Troubled:
    return build(session, settings.data_dir / "documents")


@pytest.fixture
def d(t: Troubled) -> Small:
    """The page fixtures' district (`people` scopes the coordinator to it)."""
    return t.d


def keys_on(page: str) -> list[str]:
    return re.findall(r'data-key="([^"]+)"', page)


def test_the_district_page_lists_the_alerts_with_what_to_do(
    web: TestClient, session: Session, t: Troubled, people: dict[str, str]
) -> None:
    sign_in(web, "coordinator")
    page = web.get("/web/district")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert sorted(keys_on(page.text)) == sorted(expected_keys(t, session))
    assert "另有 2 条提示" in text  # the document and the agreement ending: information
    assert "可供天数不足" in text
    assert "从 WH 调拨 11 到 DA。" in text
    assert "到 Hexi Water Co 抽查储备并记录结果。" in text
    assert (
        f'href="/web/depot/{t.d.warehouse_id}/move?kind=transfer&item_id={t.d.water_id}'
        f'&to_depot_id={t.d.depot_a_id}&quantity=11"'
    ) in text
    assert f'href="/web/suppliers/{t.supplier_id}"' in text
    assert text.count(">新<") == 5  # none recorded by a refresh yet
    assert count_rows(session) == 0  # showing the page records nothing

    web.cookies.set("relief_lang", "en", path="/web")
    english = html.unescape(web.get("/web/district").text)
    assert "2 more, for information" in english
    assert "Transfer 11 from WH to DA." in english
    assert "<strong>Few days of supply</strong>" in english
    assert "WATER at DA: 10 usable on hand lasts 3.3 days" in english


def test_acknowledging_from_the_page_records_who_and_when(
    web: TestClient, session: Session, t: Troubled, people: dict[str, str]
) -> None:
    sign_in(web, "coordinator")
    key = f"agreement_unchecked:contract={t.contract_id}"
    answer = web.post(ACK, data={"key": key, "csrf": csrf_of(web, "/web/district")})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/web/district#alerts"
    rows = {r.key: r for r in stored(session, t.d.district_id)}
    assert set(rows) == expected_keys(t, session)  # acknowledging recorded them all
    assert rows[key].acknowledged_by == "coordinator"
    assert rows[key].acknowledged_at is not None
    assert [r.key for r in rows.values() if r.acknowledged_by] == [key]

    page = web.get("/web/district").text
    row = re.search(rf'data-key="{re.escape(key)}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "coordinator" in row.group(1)
    assert ACK not in row.group(1)  # no second button
    assert page.count(f'action="{ACK}"') == 4

    twice = web.post(ACK, data={"key": key, "csrf": csrf_of(web, "/web/district")})
    assert twice.status_code == 409
    assert "已由 coordinator" in twice.text


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"key": "lot_expiring:depot=1:lot=999999"}, 409, "no longer open"),
        ({}, 422, "The form names no alert."),
        ({"key": "x" * 201}, 422, "The form names no alert."),
    ],
)
def test_a_refused_acknowledgement_is_shown_and_changes_nothing(
    web: TestClient,
    session: Session,
    t: Troubled,
    people: dict[str, str],
    form: dict[str, str],
    status: int,
    says: str,
) -> None:
    sign_in(web, "coordinator")
    web.cookies.set("relief_lang", "en", path="/web")
    answer = web.post(ACK, data={**form, "csrf": csrf_of(web, "/web/district")})
    assert answer.status_code == status
    assert says in answer.text
    assert "The alert was not acknowledged" in answer.text
    assert count_rows(session) == 0


def test_acknowledging_needs_the_csrf_token_and_the_coordinator_role(
    web: TestClient, session: Session, t: Troubled, people: dict[str, str]
) -> None:
    key = f"document_expiring:document={t.document_id}"
    sign_in(web, "coordinator")
    assert web.post(ACK, data={"key": key}).status_code == 403
    assert web.post(ACK, data={"key": key, "csrf": "0" * 64}).status_code == 403
    web.post("/web/sign-out", data={"csrf": csrf_of(web, "/web/district")})
    sign_in(web, "depot_manager")
    refused = web.post(ACK, data={"key": key, "csrf": csrf_of(web, "/web/depot")})
    assert refused.status_code == 403
    assert count_rows(session) == 0


def test_an_alerts_link_fills_in_the_form_it_opens(
    web: TestClient, t: Troubled, people: dict[str, str]
) -> None:
    sign_in(web, "coordinator")
    page = html.unescape(web.get("/web/district").text)
    link = re.search(r'href="(/web/depot/\d+/move\?kind=transfer[^"]+)"', page)
    assert link is not None
    form = web.get(link.group(1))
    assert form.status_code == 200
    assert f'<option value="{t.d.water_id}" selected>' in form.text
    assert f'<option value="{t.d.depot_a_id}" selected>' in form.text
    assert re.search(r'name="quantity" type="number" value="11"', form.text)
    issue = re.search(r'href="(/web/depot/\d+/move\?kind=issue[^"]+)"', page)
    assert issue is not None
    assert f'value="{t.water_lot_a}"' in web.get(issue.group(1)).text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_every_alert_text_kind_and_severity_has_a_chinese_translation() -> None:
    labels = [texts.KIND_LABELS[k] for k in facts.KINDS]
    missing = [s for s in (*texts.TEXTS, *labels, *facts.SEVERITIES) if s not in ZH]
    assert missing == []
    for template in texts.TEXTS:  # the same fields, so the values fill either language
        assert _fields(ZH[template]) == _fields(template), template
