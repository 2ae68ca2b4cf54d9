"""Depot manager pages: a stock count (start, enter counted quantities, see the variance,
post) and a spreadsheet upload that lists every bad row.

Entering a counted quantity updates its row in place (htmx); without JavaScript the same
form posts and the page reloads.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.security import scope
from api.web import auth
from api.web.forms import attempt
from api.web.pages_depot import chosen_depot
from api.web.render import render
from core.errors import Conflict, InvalidInput
from inventory import schemas
from inventory import service as inventory
from inventory.rules import MAX_QUANTITY

router = APIRouter(prefix="/depot")

TOO_MANY = f"Enter {MAX_QUANTITY:,} or less."


@router.get("/{depot_id}/count", response_class=HTMLResponse)
def count_start_page(
    request: Request, session: SessionDep, who: auth.StockPage, depot_id: int
) -> Response:
    depot = chosen_depot(session, who, depot_id)
    return render(request, "count_start.html", {"depot": depot}, who=who)


@router.post("/{depot_id}/count")
def start_count(
    session: SessionDep, who: auth.StockPage, _csrf: auth.Csrf, depot_id: int
) -> Response:
    """Start a count of the depot (or go on with the one already open)."""
    scope.check_depot(session, who, depot_id)
    try:
        with session.begin_nested():
            count = inventory.start_count(
                session, schemas.CountCreate(depot_id=depot_id), actor=who.username
            )
        count_id = count.id
    except Conflict as exc:
        if "count_id" not in exc.extra:
            raise
        count_id = int(exc.extra["count_id"])
    return RedirectResponse(f"/web/depot/counts/{count_id}", status_code=303)


def _count_in_scope(session: SessionDep, who: Any, count_id: int) -> schemas.CountPublic:
    count = inventory.view_count(session, count_id)
    scope.check_depot(session, who, count.depot_id)
    return count


@router.get("/counts/{count_id}", response_class=HTMLResponse)
def count_page(
    request: Request, session: SessionDep, who: auth.StockPage, count_id: int
) -> Response:
    count = _count_in_scope(session, who, count_id)
    depot = inventory.get_depot(session, count.depot_id)
    return render(request, "count.html", {"count": count, "depot": depot, "errors": {}}, who=who)


@router.post("/counts/{count_id}/line", response_class=HTMLResponse)
def enter_line(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    count_id: int,
    item_id: Annotated[int, Form()],
    lot_number: Annotated[str, Form(max_length=64)],
    counted: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record one counted quantity; answers the row (htmx) or the whole count page."""
    _count_in_scope(session, who, count_id)
    error = None
    lot_number = lot_number.strip()
    text = counted.strip()
    # Decimal digits only (full-width ones too): "²" or "1e3" are not a count.
    if not text.isdecimal():
        error = "Enter a whole number, 0 or more."
    elif int(text) > MAX_QUANTITY:
        error = TOO_MANY
    elif not lot_number:
        error = "This is required."
    else:
        line = schemas.CountLineEntry(item_id=item_id, lot_number=lot_number, counted=int(text))
        outcome = attempt(
            session,
            lambda: inventory.enter_count_lines(session, count_id, [line], actor=who.username),
        )
        error = outcome.message
    count = inventory.view_count(session, count_id)
    row = next(
        (x for x in count.lines if x.item_id == item_id and x.lot_number == lot_number), None
    )
    if request.headers.get("hx-request") and row is not None:
        return render(
            request,
            "count_row.html",
            {"count": count, "line": row, "error": error, "typed": counted},
            who=who,
            status_code=200,
        )
    if error is None:
        return RedirectResponse(f"/web/depot/counts/{count_id}", status_code=303)
    depot = inventory.get_depot(session, count.depot_id)
    errors = {f"{item_id}/{lot_number}": error}
    message = error if row is None else None  # a lot the count does not list has no row
    return render(
        request,
        "count.html",
        {"count": count, "depot": depot, "errors": errors, "message": message},
        who=who,
        status_code=422,
    )


@router.post("/counts/{count_id}/post")
def post_count(
    request: Request, session: SessionDep, who: auth.StockPage, _csrf: auth.Csrf, count_id: int
) -> Response:
    """Adjust the books to the counted quantities; refused while a line is not counted."""
    count = _count_in_scope(session, who, count_id)
    outcome = attempt(session, lambda: inventory.post_count(session, count_id, actor=who.username))
    if not outcome.ok:
        depot = inventory.get_depot(session, count.depot_id)
        return render(
            request,
            "count.html",
            {"count": count, "depot": depot, "errors": {}, "message": outcome.message},
            who=who,
            status_code=outcome.status,
        )
    return RedirectResponse(f"/web/depot?depot_id={count.depot_id}&done=count", status_code=303)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, who: auth.StockPage) -> Response:
    return render(request, "upload.html", {"problems": [], "message": None}, who=who)


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Record every row of a movement sheet, or none: each bad row is listed with its reason."""
    data = await file.read(settings.import_max_bytes + 1)
    from starlette.concurrency import run_in_threadpool

    def work() -> Any:
        if len(data) > settings.import_max_bytes:
            raise InvalidInput(f"The file is larger than {settings.import_max_bytes} bytes.")
        return inventory.import_movements(
            session,
            data,
            file.filename or "upload.csv",
            actor=who.username,
            max_rows=settings.import_max_rows,
            allowed_depots=scope.allowed_depots(session, who),
        )

    outcome = await run_in_threadpool(attempt, session, work)
    if outcome.ok:
        return RedirectResponse("/web/depot?done=import", status_code=303)
    return render(
        request,
        "upload.html",
        {"problems": outcome.problems, "message": outcome.message, "filename": file.filename},
        who=who,
        status_code=outcome.status,
    )
