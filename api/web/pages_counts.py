"""Depot manager pages: a stock count (start, enter counted quantities, see the variance,
post or cancel) and a spreadsheet upload that lists every bad row.

Entering a counted quantity updates its row in place (htmx); without JavaScript the same
form posts and the page reloads.

Every form here runs once per form shown (`api.web.once`). Starting a count sent again
goes to the count it started, not to a new one once that is posted; posting or cancelling
sent again goes to where the first went instead of a 409 page; an upload sent again (same
key, same file: name and SHA-256 of its bytes) records nothing more, and the same key with
another file is refused. Entering a counted quantity carries a key too, one per row drawn,
although setting a quantity twice looks harmless: each entry takes the books' quantity at
that moment as what the count is measured against (`inventory.counts`), so a late re-send
of "90" after 5 were issued would be measured against 85 and posting would put the 5 back.
With the key the re-send answers the row as it stands and takes nothing afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import areas
from api.deps import SessionDep, SettingsDep
from api.routers.ledger import LedgerSignerDep
from api.web import auth, once
from api.web.forms import FormFields, attempt
from api.web.pages_depot import chosen_depot
from api.web.render import render
from core.errors import Conflict, InvalidInput
from core.inputs import ID_MAX, Id
from inventory import schemas
from inventory import service as inventory
from inventory.models import Depot
from inventory.rules import MAX_QUANTITY

router = APIRouter(prefix="/depot")

TOO_MANY = f"Enter {MAX_QUANTITY:,} or less."


@router.get("/{depot_id}/count", response_class=HTMLResponse)
def count_start_page(
    request: Request, session: SessionDep, who: auth.StockPage, depot_id: Id
) -> Response:
    depot = chosen_depot(session, who, depot_id)
    context = {"depot": depot, "once_field": once.FIELD, "once_key": once.new_key()}
    return render(request, "count_start.html", context, who=who)


@router.post("/{depot_id}/count")
def start_count(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    depot_id: Id,
) -> Response:
    """Start a count of the depot (or go on with the one already open)."""
    areas.check_depot(session, who, depot_id)

    def change() -> str:
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
        return f"/web/depot/counts/{count_id}"

    location = once.run(
        session, actor=who.username, path=request.url.path, form=form, action=change
    )
    return RedirectResponse(location, status_code=303)


def _count_in_scope(session: SessionDep, who: Any, count_id: int) -> schemas.CountPublic:
    count = inventory.view_count(session, count_id)
    areas.check_depot(session, who, count.depot_id)
    return count


def _count_context(count: schemas.CountPublic, depot: Depot | None = None) -> dict[str, Any]:
    """What the count page and its rows draw; each changing form gets its own one-time key."""
    return {
        "count": count,
        "depot": depot,
        "errors": {},
        "once_field": once.FIELD,
        "new_once_key": once.new_key,
    }


@router.get("/counts/{count_id}", response_class=HTMLResponse)
def count_page(
    request: Request, session: SessionDep, who: auth.StockPage, count_id: Id
) -> Response:
    count = _count_in_scope(session, who, count_id)
    depot = inventory.get_depot(session, count.depot_id)
    return render(request, "count.html", _count_context(count, depot), who=who)


@router.post("/counts/{count_id}/line", response_class=HTMLResponse)
def enter_line(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    count_id: Id,
    item_id: Annotated[int, Form(ge=1, le=ID_MAX)],
    lot_number: Annotated[str, Form(max_length=64)],
    counted: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record one counted quantity, once per row drawn; answers the row (htmx) or the whole
    count page."""
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

        def change() -> str:
            inventory.enter_count_lines(session, count_id, [line], actor=who.username)
            return f"/web/depot/counts/{count_id}"

        outcome = attempt(
            session,
            lambda: once.run(
                session, actor=who.username, path=request.url.path, form=form, action=change
            ),
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
            {**_count_context(count), "line": row, "error": error, "typed": counted},
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
        {**_count_context(count, depot), "errors": errors, "message": message},
        who=who,
        status_code=422,
    )


@router.post("/counts/{count_id}/post")
def post_count(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    count_id: Id,
    signer: LedgerSignerDep,
) -> Response:
    """Adjust the books to the counted quantities; refused while a line is not counted."""
    count = _count_in_scope(session, who, count_id)

    def change() -> str:
        inventory.post_count(session, count_id, actor=who.username, signer=signer)
        return f"/web/depot?depot_id={count.depot_id}&done=count"

    return _count_change(request, session, who, count, form, change)


@router.post("/counts/{count_id}/cancel")
def cancel_count(
    request: Request,
    session: SessionDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    count_id: Id,
) -> Response:
    """Close the count without changing the books; it stays listed as cancelled."""
    count = _count_in_scope(session, who, count_id)

    def change() -> str:
        inventory.cancel_count(session, count_id, actor=who.username)
        return f"/web/depot/counts/{count_id}"

    return _count_change(request, session, who, count, form, change)


def _count_change(
    request: Request,
    session: SessionDep,
    who: Any,
    count: schemas.CountPublic,
    form: dict[str, str],
    change: Callable[[], str],
) -> Response:
    """Run a count's post or cancel once per form; a refusal redraws the count's page."""
    outcome = attempt(
        session,
        lambda: once.run(
            session, actor=who.username, path=request.url.path, form=form, action=change
        ),
    )
    if not outcome.ok or outcome.result is None:
        depot = inventory.get_depot(session, count.depot_id)
        fresh = inventory.view_count(session, count.id)
        return render(
            request,
            "count.html",
            {**_count_context(fresh, depot), "message": outcome.message},
            who=who,
            status_code=outcome.status,
        )
    return RedirectResponse(outcome.result, status_code=303)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, who: auth.StockPage) -> Response:
    return render(request, "upload.html", _upload_context(), who=who)


def _upload_context() -> dict[str, Any]:
    return {"problems": [], "message": None, "once_field": once.FIELD, "once_key": once.new_key()}


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.StockPage,
    _csrf: auth.Csrf,
    form: FormFields,
    file: Annotated[UploadFile, File()],
    signer: LedgerSignerDep,
) -> Response:
    """Record every row of a movement sheet, or none: each bad row is listed with its reason.

    Once per form shown: the key's fingerprint holds the file's name and content hash, so
    the same file sent again goes to the first answer and another file is refused."""
    data = await file.read(settings.import_max_bytes + 1)
    filename = file.filename or "upload.csv"
    fields = {**form, "file": once.file_field(filename, data)}
    from starlette.concurrency import run_in_threadpool

    def change() -> str:
        if len(data) > settings.import_max_bytes:
            raise InvalidInput(f"The file is larger than {settings.import_max_bytes} bytes.")
        inventory.import_movements(
            session,
            data,
            filename,
            actor=who.username,
            max_rows=settings.import_max_rows,
            signer=signer,
            allowed_depots=areas.allowed_depots(session, who),
        )
        return "/web/depot?done=import"

    def work() -> str:
        return once.run(
            session, actor=who.username, path=request.url.path, form=fields, action=change
        )

    outcome = await run_in_threadpool(attempt, session, work)
    if outcome.ok and outcome.result is not None:
        return RedirectResponse(outcome.result, status_code=303)
    return render(
        request,
        "upload.html",
        {
            **_upload_context(),
            "problems": outcome.problems,
            "message": outcome.message,
            "filename": file.filename,
        },
        who=who,
        status_code=outcome.status,
    )
