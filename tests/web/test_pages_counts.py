"""Depot manager count pages: start a count, enter counted quantities row by row (htmx or a
plain form), post it; the books then hold what was counted. Bad quantities, other depots,
other roles and a second submit change nothing."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from accounts import service as users
from inventory import schemas
from inventory import service as inventory
from inventory.models import Lot, StockCount, StockCountLine
from tests.inventory.factories import Small
from tests.web.conftest import PASSWORD, csrf_of, post, sign_in
from tests.web.stock import balances, movements_of_count, receive, snapshot

HTMX = {"HX-Request": "true"}
WHOLE_NUMBER = "Enter a whole number, 0 or more."
TOO_MANY = "Enter 1,000,000,000 or less."


@pytest.fixture
def stocked(session: Session, d: Small) -> Small:
    """Depot A holds tents (no shelf life) and two lots of water; depot B some tents."""
    receive(session, d.depot_a_id, d.tent_id, "T-1", 10)
    receive(session, d.depot_a_id, d.water_id, "W-1", 20, date(2030, 1, 1))
    receive(session, d.depot_a_id, d.water_id, "W-2", 5, date(2030, 6, 1))
    receive(session, d.depot_b_id, d.tent_id, "T-B", 7)
    return d


def in_english(web: TestClient) -> None:
    """The services' messages are asserted as written, not as translated for the page."""
    assert post(web, "/web/language", {"lang": "en", "back": "/web/audit"}).status_code == 303


def start(web: TestClient, depot_id: int) -> int:
    """Start (or go on with) the depot's count from its page: the count's id."""
    page = f"/web/depot/{depot_id}/count"
    answer = web.post(page, data={"csrf": csrf_of(web, page)})
    assert answer.status_code == 303, answer.text[:300]
    location = answer.headers["location"]
    assert location.startswith("/web/depot/counts/"), location
    return int(location.rsplit("/", 1)[1])


def enter(
    web: TestClient, count_id: int, item_id: int, lot: str, counted: str, *, htmx: bool = True
) -> httpx.Response:
    page = f"/web/depot/counts/{count_id}"
    answer: httpx.Response = web.post(
        f"{page}/line",
        data={
            "csrf": csrf_of(web, page),
            "item_id": str(item_id),
            "lot_number": lot,
            "counted": counted,
        },
        headers=HTMX if htmx else {},
    )
    return answer


def post_count(web: TestClient, count_id: int) -> httpx.Response:
    page = f"/web/depot/counts/{count_id}"
    answer: httpx.Response = web.post(f"{page}/post", data={"csrf": csrf_of(web, page)})
    return answer


def lines(session: Session, count_id: int) -> dict[str, tuple[int, int | None]]:
    """Lot number → (expected, counted) as stored on the count's lines."""
    session.expire_all()
    rows = session.execute(
        select(col(Lot.lot_number), StockCountLine)
        .join(Lot, col(Lot.id) == col(StockCountLine.lot_id))
        .where(col(StockCountLine.count_id) == count_id)
    ).all()
    return {lot: (line.expected, line.counted) for lot, line in rows}


def test_a_manager_counts_the_depot_and_posting_sets_the_books_to_the_counted_quantities(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    opening = web.get(f"/web/depot/{d.depot_a_id}/count")
    assert opening.status_code == 200
    assert f'action="/web/depot/{d.depot_a_id}/count"' in opening.text

    count_id = start(web, d.depot_a_id)
    count = session.get_one(StockCount, count_id)
    assert (count.depot_id, count.status, count.started_by) == (
        d.depot_a_id,
        "open",
        "depot_manager",
    )
    assert lines(session, count_id) == {"T-1": (10, None), "W-1": (20, None), "W-2": (5, None)}
    assert start(web, d.depot_a_id) == count_id  # the open count goes on; no second one
    assert len(session.execute(select(StockCount)).scalars().all()) == 1

    page = web.get(f"/web/depot/counts/{count_id}")
    assert page.status_code == 200
    assert all(lot in page.text for lot in ("T-1", "W-1", "W-2"))

    row = enter(web, count_id, d.tent_id, "T-1", "12")  # two more tents than the books say
    assert row.status_code == 200
    assert "<tr" in row.text
    assert "<html" not in row.text
    assert "data-variance>+2</td>" in row.text
    assert 'value="12"' in row.text
    plain = enter(web, count_id, d.water_id, "W-1", "17", htmx=False)  # three bottles short
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/web/depot/counts/{count_id}"
    assert enter(web, count_id, d.water_id, "W-2", "5").status_code == 200
    assert lines(session, count_id) == {"T-1": (10, 12), "W-1": (20, 17), "W-2": (5, 5)}
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 10  # nothing posted yet
    shown = web.get(f"/web/depot/counts/{count_id}").text
    assert "data-variance>-3</td>" in shown
    assert "data-variance>+0</td>" in shown

    posted = post_count(web, count_id)
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/web/depot?depot_id={d.depot_a_id}&done=count"
    assert balances(session, d.depot_a_id) == {
        (d.tent_id, "T-1"): 12,
        (d.water_id, "W-1"): 17,
        (d.water_id, "W-2"): 5,
    }
    assert balances(session, d.depot_b_id) == {(d.tent_id, "T-B"): 7}
    adjustments = movements_of_count(session, count_id)
    assert sorted((m.kind, m.item_id, m.quantity) for m in adjustments) == sorted(
        [("count_adjustment", d.tent_id, 2), ("count_adjustment", d.water_id, -3)]
    )
    assert {m.depot_id for m in adjustments} == {d.depot_a_id}
    assert {m.actor for m in adjustments} == {"depot_manager"}
    assert len({m.action_id for m in adjustments}) == 1  # one action
    session.refresh(count)
    assert (count.status, count.posted_by) == ("posted", "depot_manager")
    assert count.posted_at is not None

    stock_page = web.get(posted.headers["location"]).text
    assert "已保存：盘点" in stock_page
    closed = web.get(f"/web/depot/counts/{count_id}").text
    assert f'action="/web/depot/counts/{count_id}/post"' not in closed
    assert 'name="counted"' not in closed


def test_posting_twice_posts_once(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    in_english(web)
    count_id = start(web, d.depot_a_id)
    enter(web, count_id, d.tent_id, "T-1", "8")
    first = post_count(web, count_id)
    assert first.status_code == 303
    after = snapshot(session)
    again = post_count(web, count_id)  # a double click, or the form sent again
    assert again.status_code == 409
    assert f"Count {count_id} is posted" in again.text
    assert 'role="alert"' in again.text
    assert snapshot(session) == after
    assert [m.quantity for m in movements_of_count(session, count_id)] == [-2]
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 8
    # A new count can be started once the last one is posted.
    assert start(web, d.depot_a_id) != count_id


BAD_QUANTITIES = [
    pytest.param("-3", id="negative"),
    pytest.param("abc", id="letters"),
    pytest.param("2.5", id="fraction"),
    pytest.param("1e3", id="exponent"),
    pytest.param("", id="blank"),
    pytest.param("   ", id="spaces"),
    pytest.param("+4", id="signed"),
    pytest.param("²", id="superscript-digit"),
    pytest.param("1000000001", id="over-the-quantity-limit"),
    pytest.param("99999999999999999999", id="twenty-digits"),
]


@pytest.mark.parametrize("typed", BAD_QUANTITIES)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_bad_counted_quantity_is_shown_on_its_row_and_changes_nothing(
    web: TestClient,
    session: Session,
    stocked: Small,
    people: dict[str, str],
    typed: str,
    htmx: bool,
) -> None:
    d = stocked
    sign_in(web, "depot_manager")
    in_english(web)
    count_id = start(web, d.depot_a_id)
    enter(web, count_id, d.tent_id, "T-1", "9")  # counted before: a bad entry keeps it
    before = snapshot(session)
    answer = enter(web, count_id, d.tent_id, "T-1", typed, htmx=htmx)
    # htmx swaps the row only on a 2xx answer; the plain form shows the page again with 422.
    assert answer.status_code == (200 if htmx else 422), answer.text[:300]
    text = answer.text
    assert ("<html" in text) != htmx
    assert 'aria-invalid="true"' in text
    assert (TOO_MANY if typed.isdecimal() else WHOLE_NUMBER) in text
    assert snapshot(session) == before
    assert lines(session, count_id)["T-1"] == (10, 9)


def test_a_lot_the_count_does_not_list_is_refused_with_a_message(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    """A perishable lot the books do not know needs an expiry date, which a row cannot give
    (the page offers only the listed lots; this is a form sent by hand). With no row to
    answer, the count page is shown again with the reason."""
    d = stocked
    sign_in(web, "depot_manager")
    in_english(web)
    count_id = start(web, d.depot_a_id)
    before = snapshot(session)
    for htmx in (True, False):
        answer = enter(web, count_id, d.water_id, "W-NEW", "4", htmx=htmx)
        assert answer.status_code == 422
        assert 'role="alert"' in answer.text
        assert "W-NEW" in answer.text
        assert "expiry_date" in answer.text
        assert snapshot(session) == before


def refused_everywhere(web: TestClient, count_id: int, depot_id: int, item_id: int) -> None:
    """Every count page and form of this count and depot answers 403."""
    csrf = csrf_of(web, "/web/audit")
    assert web.get(f"/web/depot/{depot_id}/count").status_code == 403
    assert web.post(f"/web/depot/{depot_id}/count", data={"csrf": csrf}).status_code == 403
    assert web.get(f"/web/depot/counts/{count_id}").status_code == 403
    line = {"csrf": csrf, "item_id": str(item_id), "lot_number": "T-B", "counted": "1"}
    for headers in (HTMX, {}):
        answer = web.post(f"/web/depot/counts/{count_id}/line", data=line, headers=headers)
        assert answer.status_code == 403
    assert web.post(f"/web/depot/counts/{count_id}/post", data={"csrf": csrf}).status_code == 403


def open_count_at_b(session: Session, d: Small) -> int:
    count = inventory.start_count(
        session, schemas.CountCreate(depot_id=d.depot_b_id), actor="manager_b"
    )
    inventory.enter_count_lines(
        session,
        count.id,
        [schemas.CountLineEntry(item_id=d.tent_id, lot_number="T-B", counted=6)],
        actor="manager_b",
    )
    return count.id


def test_another_depots_manager_can_neither_open_nor_change_its_count(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    count_id = open_count_at_b(session, d)
    before = snapshot(session)
    sign_in(web, "depot_manager")  # runs depot A only
    refused_everywhere(web, count_id, d.depot_b_id, d.tent_id)
    assert snapshot(session) == before
    assert balances(session, d.depot_b_id) == {(d.tent_id, "T-B"): 7}
    assert lines(session, count_id) == {"T-B": (7, 6)}


def test_depot_bs_manager_posts_depot_bs_count_but_cannot_touch_depot_as(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    users.create_user(
        session,
        username="manager_b",
        password=PASSWORD,
        role="depot_manager",
        depot_ids=[d.depot_b_id],
    )
    count_at_b = open_count_at_b(session, d)
    count_at_a = inventory.start_count(
        session, schemas.CountCreate(depot_id=d.depot_a_id), actor="depot_manager"
    ).id
    sign_in(web, "manager_b")
    before = snapshot(session)
    refused_everywhere(web, count_at_a, d.depot_a_id, d.tent_id)
    assert snapshot(session) == before
    assert post_count(web, count_at_b).status_code == 303
    assert balances(session, d.depot_b_id) == {(d.tent_id, "T-B"): 6}
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 10


@pytest.mark.parametrize("role", ["procurement", "auditor"])
def test_roles_without_stock_rights_get_403_and_change_nothing(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str], role: str
) -> None:
    d = stocked
    count_id = open_count_at_b(session, d)
    before = snapshot(session)
    sign_in(web, role)
    refused_everywhere(web, count_id, d.depot_b_id, d.tent_id)
    assert snapshot(session) == before


def test_the_coordinator_counts_any_depot_of_the_district(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    d = stocked
    sign_in(web, "coordinator")
    count_id = start(web, d.depot_b_id)
    assert enter(web, count_id, d.tent_id, "T-B", "0").status_code == 200
    assert post_count(web, count_id).status_code == 303
    assert balances(session, d.depot_b_id) == {}  # counted none: the lot is empty
    assert [m.quantity for m in movements_of_count(session, count_id)] == [-7]


def test_stock_that_moves_after_a_lot_was_counted_is_kept_when_the_count_is_posted(
    web: TestClient, session: Session, stocked: Small, people: dict[str, str]
) -> None:
    """The rule of `inventory.counts`: a line's variance is taken against the books when it
    was counted, and posting applies that variance, so later movements are not undone."""
    d = stocked
    sign_in(web, "depot_manager")
    count_id = start(web, d.depot_a_id)
    enter(web, count_id, d.tent_id, "T-1", "9")  # one short of the 10 on the books
    enter(web, count_id, d.water_id, "W-1", "20")  # as the books say
    # After counting, 4 tents go out and 6 bottles of water come in.
    page = f"/web/depot/{d.depot_a_id}/move"
    issued = web.post(
        f"{page}/issue",
        data={
            "csrf": csrf_of(web, page),
            "item_id": str(d.tent_id),
            "lot_number": "T-1",
            "quantity": "4",
        },
    )
    assert issued.status_code == 303, issued.text[:300]
    receive(session, d.depot_a_id, d.water_id, "W-1", 6, date(2030, 1, 1))
    assert balances(session, d.depot_a_id)[(d.tent_id, "T-1")] == 6

    shown = web.get(f"/web/depot/counts/{count_id}").text
    assert "data-variance>-1</td>" in shown  # 9 counted against the 10 on the books then

    assert post_count(web, count_id).status_code == 303
    stock = balances(session, d.depot_a_id)
    assert stock[(d.tent_id, "T-1")] == 5  # 6 now, one short
    assert stock[(d.water_id, "W-1")] == 26  # the 6 received after counting are kept
    assert stock[(d.water_id, "W-2")] == 5  # not counted: left as it was
    assert sorted((m.item_id, m.quantity) for m in movements_of_count(session, count_id)) == [
        (d.tent_id, -1)
    ]
    # The posted lines keep the books they were counted against.
    assert lines(session, count_id) == {"T-1": (10, 9), "W-1": (20, 20), "W-2": (5, None)}
