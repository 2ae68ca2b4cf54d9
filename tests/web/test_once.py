"""Every page form that changes data runs once per form shown (`api.web.once`).

For each form: the same form sent twice changes data once and the second answer goes where
the first went; the same one-time key with other values (another quantity, another file,
another alert, another form) is refused with 409 and changes nothing; a first try refused
for bad input stores nothing, so the corrected form goes through with the same key. The
database is read after every answer."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from api.web import once
from core.idempotency import IdempotencyRecord
from core.settings import Settings
from inventory import schemas
from inventory import service as inventory
from inventory.models import Lot, Movement, StockCount, StockCountLine
from plans import service as plans
from tests.alerts.helpers import Troubled, stored
from tests.alerts.helpers import troubled_district as build
from tests.inventory.factories import Small
from tests.plans.helpers import district_with_history
from tests.web.conftest import post, sign_in
from tests.web.flows import draft_plan, fast_settings
from tests.web.stock import balances, movements_of_count, problem_rows, receive, snapshot

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r'\baction="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
HTMX = {"HX-Request": "true"}
USED = once.USED
UPLOAD = "/web/depot/upload"


def forms_on(web: TestClient, page: str) -> list[tuple[str, dict[str, str]]]:
    """Each POST form of a page as drawn: its action and hidden fields (CSRF, one-time key)."""
    answer = web.get(page)
    assert answer.status_code == 200, answer.text[:300]
    found = []
    for attrs, body in FORM.findall(answer.text):
        action = ACTION.search(attrs)
        if 'method="post"' in attrs and action:
            hidden = {k: html.unescape(v) for k, v in HIDDEN.findall(body)}
            found.append((html.unescape(action.group(1)), hidden))
    return found


def form_of(web: TestClient, page: str, action: str, **hidden: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action` (and holding `hidden`) on `page`."""
    for found, fields in forms_on(web, page):
        if found == action and all(fields.get(k) == v for k, v in hidden.items()):
            assert fields.get(once.FIELD), f"no one-time key in {action} on {page}"
            return fields
    raise AssertionError(f"no form to {action} {hidden} on {page}")


def in_english(web: TestClient) -> None:
    assert post(web, "/web/language", {"lang": "en", "back": "/web/audit"}).status_code == 303


def keys_kept(session: Session) -> int:
    session.expire_all()
    return len(session.execute(select(IdempotencyRecord)).scalars().all())


def refused_as_used(answer: httpx.Response) -> None:
    assert answer.status_code == 409, answer.text[:500]
    assert USED in html.unescape(answer.text)


@pytest.fixture
def stocked(session: Session, d: Small) -> Small:
    receive(session, d.depot_a_id, d.tent_id, "T-1", 10)
    receive(session, d.depot_a_id, d.water_id, "W-1", 20, date(2030, 1, 1))
    return d


# --- depot movements ------------------------------------------------------------------------


def _movement(d: Small, kind: str, quantity: str) -> dict[str, str]:
    if kind == "receipt":
        return {
            "item_id": str(d.water_id),
            "quantity": quantity,
            "lot_number": "W-9",
            "expiry_date": "2030-01-01",
        }
    if kind == "issue":
        return {"item_id": str(d.tent_id), "quantity": quantity, "lot_number": "T-1"}
    return {"item_id": str(d.tent_id), "quantity": quantity, "to_depot_id": str(d.depot_b_id)}


@pytest.mark.parametrize("kind", ["receipt", "issue", "transfer"])
def test_a_movement_form_sent_twice_records_once_and_other_values_are_refused(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str], kind: str
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    in_english(web)
    action = f"/web/depot/{d.depot_a_id}/move/{kind}"
    form = form_of(web, f"/web/depot/{d.depot_a_id}/move?kind={kind}", action)
    before = snapshot(session)
    first = web.post(action, data={**form, **_movement(d, kind, "3")})
    assert first.status_code == 303, first.text[:500]
    assert first.headers["location"] == f"/web/depot?depot_id={d.depot_a_id}&done={kind}"
    after = snapshot(session)
    assert len(after["movements"]) == len(before["movements"]) + (2 if kind == "transfer" else 1)

    again = web.post(action, data={**form, **_movement(d, kind, "3")})  # a double click
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert snapshot(session) == after

    other = web.post(action, data={**form, **_movement(d, kind, "4")})  # the key, reused
    refused_as_used(other)
    assert snapshot(session) == after
    expected = {
        "receipt": ((d.water_id, "W-9"), 3),
        "issue": ((d.tent_id, "T-1"), 7),
        "transfer": ((d.tent_id, "T-1"), 7),
    }[kind]
    assert balances(session, d.depot_a_id)[expected[0]] == expected[1]


@pytest.mark.parametrize(
    ("kind", "bad", "status"),
    [
        ("receipt", "abc", 422),  # not a number
        ("issue", "11", 409),  # more than the 10 tents held
        ("transfer", "0", 422),  # not above zero
    ],
)
def test_a_refused_movement_can_be_corrected_and_sent_with_the_same_key(
    web: TestClient,
    session: Session,
    stocked: Small,
    people: dict[str, str],
    kind: str,
    bad: str,
    status: int,
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    action = f"/web/depot/{d.depot_a_id}/move/{kind}"
    form = form_of(web, f"/web/depot/{d.depot_a_id}/move?kind={kind}", action)
    before = snapshot(session)
    refused = web.post(action, data={**form, **_movement(d, kind, bad)})
    assert refused.status_code == status, refused.text[:500]
    assert snapshot(session) == before
    assert keys_kept(session) == 0  # a refusal stores nothing, not even the key

    corrected = web.post(action, data={**form, **_movement(d, kind, "2")})
    assert corrected.status_code == 303, corrected.text[:500]
    assert len(snapshot(session)["movements"]) > len(before["movements"])
    assert keys_kept(session) == 1


def test_the_movement_form_draws_a_new_key_each_time(
    web: TestClient, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    page, action = f"/web/depot/{d.depot_a_id}/move", f"/web/depot/{d.depot_a_id}/move/receipt"
    assert form_of(web, page, action)["once"] != form_of(web, page, action)["once"]


# --- the spreadsheet upload -----------------------------------------------------------------

GOOD = "kind,depot,item,lot,expiry,quantity,to_depot,reason\nreceipt,DA,TENT,T-5,,10,,donation\n"
OTHER = "kind,depot,item,lot,expiry,quantity,to_depot,reason\nreceipt,DA,TENT,T-5,,11,,donation\n"
BAD = "kind,depot,item,lot,expiry,quantity,to_depot,reason\nreceipt,DA,TENT,T-5,,ten,,donation\n"


def send(web: TestClient, form: dict[str, str], name: str, body: str) -> httpx.Response:
    answer: httpx.Response = web.post(
        UPLOAD, data=form, files={"file": (name, body.encode(), "text/csv")}
    )
    return answer


def imported(session: Session) -> list[tuple[str, int, int]]:
    session.expire_all()
    rows = session.execute(select(Movement).order_by(col(Movement.id))).scalars()
    return [(m.kind, m.depot_id, m.quantity) for m in rows]


def test_an_upload_sent_twice_records_its_rows_once(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    sign_in(web, "depot_manager")
    form = form_of(web, UPLOAD, UPLOAD)
    first = send(web, form, "monday.csv", GOOD)
    assert first.status_code == 303, first.text[:500]
    assert imported(session) == [("receipt", d.depot_a_id, 10)]

    again = send(web, form, "monday.csv", GOOD)  # a double click, or a reload that re-sends
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"] == "/web/depot?done=import"
    assert imported(session) == [("receipt", d.depot_a_id, 10)]
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-5"): 10}

    # A new form (a new key) records the same file again: that is a second upload on purpose.
    fresh = send(web, form_of(web, UPLOAD, UPLOAD), "monday.csv", GOOD)
    assert fresh.status_code == 303
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-5"): 20}


@pytest.mark.parametrize(
    ("name", "body"),
    [("monday.csv", OTHER), ("tuesday.csv", GOOD)],
    ids=["other-content", "other-name"],
)
def test_the_same_upload_key_with_another_file_is_refused_and_records_nothing(
    web: TestClient, session: Session, d: Small, people: dict[str, str], name: str, body: str
) -> None:
    sign_in(web, "depot_manager")
    in_english(web)
    form = form_of(web, UPLOAD, UPLOAD)
    assert send(web, form, "monday.csv", GOOD).status_code == 303
    after = snapshot(session)
    refused = send(web, form, name, body)
    refused_as_used(refused)
    assert 'name="once"' in refused.text  # the page offers a new form to send it with
    assert snapshot(session) == after
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-5"): 10}


def test_a_refused_upload_stores_nothing_and_the_corrected_file_goes_with_the_same_key(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    sign_in(web, "depot_manager")
    in_english(web)
    form = form_of(web, UPLOAD, UPLOAD)
    before = snapshot(session)
    refused = send(web, form, "monday.csv", BAD)
    assert refused.status_code == 422, refused.text[:500]
    assert [row for row, _, _ in problem_rows(refused.text)] == ["2"]
    assert snapshot(session) == before
    assert keys_kept(session) == 0
    again = send(web, form, "monday.csv", BAD)  # the same bad file: refused the same way
    assert again.status_code == 422
    assert snapshot(session) == before

    corrected = send(web, form, "monday.csv", GOOD)
    assert corrected.status_code == 303, corrected.text[:500]
    assert imported(session) == [("receipt", d.depot_a_id, 10)]
    assert send(web, form, "monday.csv", GOOD).status_code == 303  # and sent again: once
    assert imported(session) == [("receipt", d.depot_a_id, 10)]


# --- counts ---------------------------------------------------------------------------------


def start_form(web: TestClient, depot_id: int) -> dict[str, str]:
    return form_of(web, f"/web/depot/{depot_id}/count", f"/web/depot/{depot_id}/count")


def start(web: TestClient, depot_id: int) -> int:
    """Start a count from a start form just drawn: the count's id."""
    answer = web.post(f"/web/depot/{depot_id}/count", data=start_form(web, depot_id))
    assert answer.status_code == 303, answer.text[:300]
    return int(answer.headers["location"].rsplit("/", 1)[1])


def lot_id_of(session: Session, item_id: int, lot_number: str) -> int:
    return int(
        session.execute(
            select(col(Lot.id)).where(
                col(Lot.item_id) == item_id, col(Lot.lot_number) == lot_number
            )
        ).scalar_one()
    )


def row_form(web: TestClient, count_id: int, lot: str) -> dict[str, str]:
    page = f"/web/depot/counts/{count_id}"
    return form_of(web, page, f"{page}/line", lot_number=lot)


def count_line(session: Session, count_id: int, lot_id: int) -> tuple[int, int | None]:
    session.expire_all()
    line = session.execute(
        select(StockCountLine).where(
            col(StockCountLine.count_id) == count_id, col(StockCountLine.lot_id) == lot_id
        )
    ).scalar_one()
    return line.expected, line.counted


def counts(session: Session) -> list[tuple[int, str]]:
    session.expire_all()
    rows = session.execute(select(StockCount).order_by(col(StockCount.id))).scalars()
    return [(c.id or 0, c.status) for c in rows]


def test_starting_a_count_sent_again_after_posting_goes_to_that_count_not_a_new_one(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    form = start_form(web, d.depot_a_id)
    action = f"/web/depot/{d.depot_a_id}/count"
    first = web.post(action, data=form)
    assert first.status_code == 303
    count_id = int(first.headers["location"].rsplit("/", 1)[1])
    assert counts(session) == [(count_id, "open")]
    page = f"/web/depot/counts/{count_id}"
    posted = web.post(f"{page}/post", data=form_of(web, page, f"{page}/post"))
    assert posted.status_code == 303
    assert counts(session) == [(count_id, "posted")]

    again = web.post(action, data=form)  # the old start form, re-sent
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert counts(session) == [(count_id, "posted")]
    # A start form drawn now starts a new count.
    fresh = web.post(action, data=start_form(web, d.depot_a_id))
    assert fresh.headers["location"] != first.headers["location"]
    assert len(counts(session)) == 2


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_counted_quantity_sent_again_later_keeps_the_books_it_was_counted_against(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str], htmx: bool
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    in_english(web)
    count_id = start(web, d.depot_a_id)
    lot_id = lot_id_of(session, d.tent_id, "T-1")
    page = f"/web/depot/counts/{count_id}"
    form = {**row_form(web, count_id, "T-1"), "counted": "10"}
    headers = HTMX if htmx else {}
    first = web.post(f"{page}/line", data=form, headers=headers)
    assert first.status_code == (200 if htmx else 303), first.text[:500]
    assert count_line(session, count_id, lot_id) == (10, 10)

    inventory.issue(  # 4 tents leave after they were counted
        session,
        schemas.IssueCreate(depot_id=d.depot_a_id, item_id=d.tent_id, quantity=4),
        actor="seed",
    )
    again = web.post(f"{page}/line", data=form, headers=headers)  # the answer was lost
    assert again.status_code == first.status_code
    if htmx:
        assert "data-variance>+0</td>" in again.text
        assert 'value="10"' in again.text
    else:
        assert again.headers["location"] == first.headers["location"]
    assert count_line(session, count_id, lot_id) == (10, 10)  # not taken afresh against 6

    other = web.post(f"{page}/line", data={**form, "counted": "9"}, headers=headers)
    assert USED in html.unescape(other.text)
    assert other.status_code == (200 if htmx else 422)  # htmx swaps the row only on 2xx
    assert count_line(session, count_id, lot_id) == (10, 10)

    posted = web.post(f"{page}/post", data=form_of(web, page, f"{page}/post"))
    assert posted.status_code == 303
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 6  # the issue is kept
    assert movements_of_count(session, count_id) == []


def test_a_bad_counted_quantity_can_be_corrected_and_sent_with_the_same_key(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    count_id = start(web, d.depot_a_id)
    lot_id = lot_id_of(session, d.tent_id, "T-1")
    page = f"/web/depot/counts/{count_id}"
    form = row_form(web, count_id, "T-1")
    kept = keys_kept(session)
    bad = web.post(f"{page}/line", data={**form, "counted": "1e3"}, headers=HTMX)
    assert 'aria-invalid="true"' in bad.text
    assert count_line(session, count_id, lot_id) == (10, None)
    assert keys_kept(session) == kept  # the start form's key only
    good = web.post(f"{page}/line", data={**form, "counted": "8"}, headers=HTMX)
    assert good.status_code == 200
    assert "data-variance>-2</td>" in good.text
    assert count_line(session, count_id, lot_id) == (10, 8)
    drawn = dict(HIDDEN.findall(good.text))  # the row drawn again has a new key
    assert drawn["once"] != form["once"]


def test_posting_a_count_twice_goes_to_the_first_answer_and_posts_once(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    count_id = start(web, d.depot_a_id)
    page = f"/web/depot/counts/{count_id}"
    row = {**row_form(web, count_id, "T-1"), "counted": "8"}
    assert web.post(f"{page}/line", data=row).status_code == 303
    form = form_of(web, page, f"{page}/post")
    first = web.post(f"{page}/post", data=form)
    assert first.status_code == 303
    after = snapshot(session)
    again = web.post(f"{page}/post", data=form)  # a double click: no 409 page
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert snapshot(session) == after
    assert [m.quantity for m in movements_of_count(session, count_id)] == [-2]
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 8

    # The post form's key sent to cancel the same count is another form: refused.
    in_english(web)
    refused_as_used(web.post(f"{page}/cancel", data=form))
    assert snapshot(session) == after


def test_a_refused_post_can_be_sent_again_with_the_same_key_once_the_lot_is_recounted(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    count_id = start(web, d.depot_a_id)
    page = f"/web/depot/counts/{count_id}"
    row = {**row_form(web, count_id, "T-1"), "counted": "2"}
    assert web.post(f"{page}/line", data=row).status_code == 303
    inventory.issue(  # 5 leave after counting 2 of 10: posting -8 would go below zero
        session,
        schemas.IssueCreate(depot_id=d.depot_a_id, item_id=d.tent_id, quantity=5),
        actor="seed",
    )
    form = form_of(web, page, f"{page}/post")
    before = snapshot(session)
    refused = web.post(f"{page}/post", data=form)
    assert refused.status_code == 409, refused.text[:500]
    assert snapshot(session) == before
    assert counts(session) == [(count_id, "open")]

    recount = {**row_form(web, count_id, "T-1"), "counted": "2"}  # counted again: 2 of 5
    assert web.post(f"{page}/line", data=recount).status_code == 303
    posted = web.post(f"{page}/post", data=form)  # the same post form as before
    assert posted.status_code == 303, posted.text[:500]
    assert counts(session) == [(count_id, "posted")]
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 2
    assert [m.quantity for m in movements_of_count(session, count_id)] == [-3]


def test_cancelling_a_count_twice_cancels_once_and_changes_no_stock(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    count_id = start(web, d.depot_a_id)
    page = f"/web/depot/counts/{count_id}"
    row = {**row_form(web, count_id, "T-1"), "counted": "3"}
    assert web.post(f"{page}/line", data=row).status_code == 303
    before = balances(session, d.depot_a_id)
    form = form_of(web, page, f"{page}/cancel")
    first = web.post(f"{page}/cancel", data=form)
    assert first.status_code == 303, first.text[:500]
    assert first.headers["location"] == page
    assert counts(session) == [(count_id, "cancelled")]
    session.expire_all()
    assert session.get_one(StockCount, count_id).posted_by == "depot_manager"
    again = web.post(f"{page}/cancel", data=form)
    assert again.status_code == 303
    assert again.headers["location"] == page
    assert counts(session) == [(count_id, "cancelled")]
    assert balances(session, d.depot_a_id) == before
    assert movements_of_count(session, count_id) == []
    shown = web.get(page).text
    assert f'action="{page}/cancel"' not in shown
    assert f'action="{page}/post"' not in shown
    # Another cancel form of the closed count is refused by the count itself.
    refused = web.post(f"{page}/cancel", data={**form, "once": once.new_key()})
    assert refused.status_code == 409
    assert counts(session) == [(count_id, "cancelled")]


# --- the district page ----------------------------------------------------------------------

ACK = "/web/district/alerts/acknowledge"


def acknowledged(session: Session, district_id: int) -> dict[str, str | None]:
    return {r.key: r.acknowledged_by for r in stored(session, district_id) if r.acknowledged_by}


class TestDistrictAlerts:
    """The alerts of a district in trouble (the page fixtures' `d` is its district)."""

    @pytest.fixture
    def t(self, session: Session, settings: Settings) -> Troubled:
        return build(session, settings.data_dir / "documents")

    @pytest.fixture
    def d(self, t: Troubled) -> Small:
        return t.d

    def test_acknowledging_an_alert_twice_goes_back_to_the_alerts_and_another_alert_is_refused(
        self, web: TestClient, session: Session, t: Troubled, people: dict[str, str]
    ) -> None:
        sign_in(web, "coordinator")
        in_english(web)
        key = f"agreement_unchecked:contract={t.contract_id}"
        other = f"document_expiring:document={t.document_id}"
        form = form_of(web, "/web/district", ACK, key=key)
        assert form["once"] != form_of(web, "/web/district", ACK, key=other)["once"]  # per form
        first = web.post(ACK, data=form)
        assert first.status_code == 303, first.text[:500]
        assert acknowledged(session, t.d.district_id) == {key: "coordinator"}
        rows = len(stored(session, t.d.district_id))

        again = web.post(ACK, data=form)  # no 409 'already acknowledged' page
        assert again.status_code == 303
        assert again.headers["location"] == "/web/district#alerts"
        refused_as_used(web.post(ACK, data={**form, "key": other}))
        assert acknowledged(session, t.d.district_id) == {key: "coordinator"}
        assert len(stored(session, t.d.district_id)) == rows

    def test_a_refused_acknowledgement_can_be_corrected_and_sent_with_the_same_key(
        self, web: TestClient, session: Session, t: Troubled, people: dict[str, str]
    ) -> None:
        sign_in(web, "coordinator")
        key = f"agreement_unchecked:contract={t.contract_id}"
        form = form_of(web, "/web/district", ACK, key=key)
        gone = web.post(ACK, data={**form, "key": "lot_expiring:depot=1:lot=999999"})
        assert gone.status_code == 409
        assert stored(session, t.d.district_id) == []
        assert keys_kept(session) == 0
        nameless = web.post(ACK, data={**form, "key": ""})  # the form names no alert
        assert nameless.status_code == 422
        assert keys_kept(session) == 0
        assert web.post(ACK, data=form).status_code == 303
        assert acknowledged(session, t.d.district_id) == {key: "coordinator"}


class TestDistrictPlan:
    """A district with a history to forecast from, and a draft plan for it."""

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return fast_settings(tmp_path)

    @pytest.fixture
    def d(self, session: Session) -> Small:
        return district_with_history(session)

    def test_approving_the_plan_from_the_district_page_twice_approves_once(
        self, web: TestClient, session: Session, d: Small, people: dict[str, str]
    ) -> None:
        plan_id = draft_plan(session, d)
        sign_in(web, "coordinator")
        in_english(web)
        action = f"/web/district/plans/{plan_id}/approve"
        form = form_of(web, "/web/district", action)
        first = web.post(action, data=form)
        assert first.status_code == 303, first.text[:500]
        session.expire_all()
        approved = plans.get_plan(session, plan_id)
        assert (approved.status, approved.approved_by) == ("approved", "coordinator")
        stamp = approved.approved_at
        again = web.post(action, data=form)  # no 409 'already approved' page
        assert again.status_code == 303
        assert again.headers["location"] == first.headers["location"] == "/web/district#plan"
        session.expire_all()
        assert plans.get_plan(session, plan_id).approved_at == stamp
        # The same key sent to another form (acknowledging an alert) is refused.
        refused_as_used(web.post(ACK, data={**form, "key": "anything"}))


def test_every_changing_form_on_the_pages_carries_a_one_time_key(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    """Sign-in, sign-out and the language switch only set this browser's cookies."""
    d = stocked
    sign_in(web, "depot_manager")
    count_page = f"/web/depot/counts/{start(web, d.depot_a_id)}"
    pages = [
        f"/web/depot/{d.depot_a_id}/move?kind=receipt",
        f"/web/depot/{d.depot_a_id}/move?kind=issue",
        f"/web/depot/{d.depot_a_id}/move?kind=transfer",
        UPLOAD,
        f"/web/depot/{d.depot_a_id}/count",
        count_page,
    ]
    cookie_only = {"/web/sign-out", "/web/language"}
    seen = 0
    for page in pages:
        for action, fields in forms_on(web, page):
            if action in cookie_only:
                continue
            seen += 1
            assert fields.get("once"), (page, action)
    assert seen >= 9  # 3 movements, upload, start, 2 count rows, post, cancel
