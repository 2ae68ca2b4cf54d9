"""A district's travel table: upload it as CSV, read it back, remove it.

The CSV has the columns `from,to,distance_m[,duration_s]` (metres, seconds), one row per
ordered pair of distinct places, where a place is the code of one of the district's depots
or communities. A code that is both a depot's and a community's is written `depot:CODE` or
`community:CODE`. A table with any problem — an unknown code, a bad number, a missing or
repeated pair, a non-zero distance from a place to itself — is refused whole with every
problem listed, and the stored table is left as it was.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.errors import Conflict, FieldProblem, InvalidInput, NotFound, ProblemList
from dispatch.models import TravelMatrix, TravelMatrixPlace
from dispatch.schemas import TravelMatrixPublic
from dispatch.travel import Place, TravelTable
from inventory import service as inventory
from inventory.spreadsheet import read_cell, safe_cell
from optimizer.routing.travel import MatrixTable, read_matrix_csv


@dataclass(frozen=True)
class _Names:
    """The district's depots and communities by code, and how the CSV writes each place."""

    depots: dict[str, int]
    communities: dict[str, int]

    @property
    def ambiguous(self) -> set[str]:
        return set(self.depots) & set(self.communities)

    def resolve(self, code: str) -> Place | None:
        """The place a CSV code names; None if it names none (or two)."""
        code = read_cell(code)  # as `export_csv` wrote it
        if code not in self.ambiguous:
            if code in self.depots:
                return Place("depot", self.depots[code])
            if code in self.communities:
                return Place("community", self.communities[code])
        kind, sep, rest = code.partition(":")
        if sep and kind == "depot" and rest in self.depots:
            return Place("depot", self.depots[rest])
        if sep and kind == "community" and rest in self.communities:
            return Place("community", self.communities[rest])
        return None

    def written(self) -> dict[Place, str]:
        """Each place's code as the CSV writes it (prefixed only when ambiguous)."""
        ambiguous = self.ambiguous
        out: dict[Place, str] = {}
        for kind, codes in (("depot", self.depots), ("community", self.communities)):
            for code, place_id in codes.items():
                place = Place("depot" if kind == "depot" else "community", place_id)
                out[place] = f"{kind}:{code}" if code in ambiguous else code
        return out


def _names(session: Session, district_id: int) -> _Names:
    return _Names(
        depots={d.code: d.id or 0 for d in inventory.list_depots(session, district_id)},
        communities={c.code: c.id or 0 for c in inventory.list_communities(session, district_id)},
    )


def import_travel_matrix(
    session: Session, district_id: int, data: bytes, *, actor: str, now: datetime
) -> TravelMatrixPublic:
    """Replace the district's travel table with the CSV in `data`, or refuse it whole."""
    district = inventory.get_district(session, district_id)
    places, table = _parse(_decode(data), _names(session, district_id), district.code)
    row = _find(session, district_id, for_update=True)
    if row is None:
        row = TravelMatrix(district_id=district_id, distances=[], uploaded_by=actor)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError as exc:
            raise Conflict(
                "Another travel table for this district was stored at the same time; upload again."
            ) from exc
    else:
        session.execute(delete(TravelMatrixPlace).where(col(TravelMatrixPlace.matrix_id) == row.id))
    row.distances = table.distances.tolist()
    row.durations = None if table.durations is None else table.durations.tolist()
    row.uploaded_by = actor
    row.uploaded_at = now
    session.add_all(
        TravelMatrixPlace(
            matrix_id=row.id or 0,
            position=position,
            depot_id=place.id if place.kind == "depot" else None,
            community_id=place.id if place.kind == "community" else None,
        )
        for position, place in enumerate(places)
    )
    session.flush()
    return travel_matrix(session, district_id)


def _parse(text: str, names: _Names, district: str) -> tuple[list[Place], MatrixTable]:
    """The table's places (in its order) and matrices, or every problem with it."""
    problems = ProblemList()
    _check_rows(text, names, district, problems)
    table: MatrixTable | None = None
    try:
        table = read_matrix_csv(text)
    except InvalidInput as exc:
        if not exc.problems:  # no header to read rows by: nothing else to say
            raise InvalidInput(f"{exc.detail}; nothing was stored.") from exc
        for p in exc.problems:
            problems.add(p)
    places: list[Place] = []
    if table is not None:
        seen: dict[Place, str] = {}
        for code in table.ids:
            place = names.resolve(code)
            if place is None:
                continue  # reported by _check_rows
            if place in seen:
                problems.add(FieldProblem(("rows",), f"{seen[place]} and {code} name one place"))
            seen[place] = code
            places.append(place)
    problems.raise_if_any("The travel table is not valid; nothing was stored.")
    assert table is not None
    if not places:
        raise InvalidInput("The travel table has no rows; nothing was stored.")
    return places, table


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "The travel table is not UTF-8 text; save the CSV as UTF-8 and upload it again."
        ) from exc


def _check_rows(text: str, names: _Names, district: str, problems: ProblemList) -> None:
    """Unknown codes (once each, where first seen) and distances from a place to itself."""
    reported: set[str] = set()
    reader = csv.DictReader(io.StringIO(text))
    for line, row in enumerate(reader, start=2):
        codes = []
        for column in ("from", "to"):
            code = (row.get(column) or "").strip()
            codes.append(code)
            if not code or code in reported or names.resolve(code) is not None:
                continue
            reported.add(code)
            if code in names.ambiguous:
                msg = (
                    f"{code} is both a depot and a community of district {district}; "
                    f"write depot:{code} or community:{code}"
                )
            else:
                msg = f"{code} is not a depot or community of district {district}"
            problems.add(FieldProblem(("rows", line), msg, line, column))
        a, b = codes
        if a and (
            a == b or (names.resolve(a) is not None and names.resolve(a) == names.resolve(b))
        ):
            for column in ("distance_m", "duration_s"):
                value = (row.get(column) or "").strip()
                if value not in ("", "0"):
                    problems.add(
                        FieldProblem(
                            ("rows", line), "a place's distance to itself must be 0", line, column
                        )
                    )


def _find(session: Session, district_id: int, *, for_update: bool = False) -> TravelMatrix | None:
    query = select(TravelMatrix).where(col(TravelMatrix.district_id) == district_id)
    query = query.with_for_update() if for_update else query
    found: TravelMatrix | None = session.execute(query).scalar_one_or_none()
    return found


def _places(session: Session, matrix_id: int) -> list[Place]:
    query = (
        select(TravelMatrixPlace)
        .where(col(TravelMatrixPlace.matrix_id) == matrix_id)
        .order_by(col(TravelMatrixPlace.position))
    )
    return [
        Place("depot", r.depot_id)
        if r.depot_id is not None
        else Place("community", r.community_id or 0)
        for r in session.execute(query).scalars()
    ]


def _get(session: Session, district_id: int) -> TravelMatrix:
    inventory.get_district(session, district_id)
    found = _find(session, district_id)
    if found is None:
        raise NotFound(f"District {district_id} has no travel table; upload one first.")
    return found


def travel_matrix(session: Session, district_id: int) -> TravelMatrixPublic:
    row = _get(session, district_id)
    written = _names(session, district_id).written()
    places = _places(session, row.id or 0)
    return TravelMatrixPublic(
        district_id=district_id,
        places=[written[p] for p in places],
        pairs=len(places) * (len(places) - 1),
        has_durations=row.durations is not None,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


def export_travel_matrix(session: Session, district_id: int) -> str:
    """The district's travel table as CSV, in the form `import_csv` reads."""
    row = _get(session, district_id)
    written = _names(session, district_id).written()
    codes = [written[p] for p in _places(session, row.id or 0)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    timed = row.durations is not None
    writer.writerow(["from", "to", "distance_m", *(["duration_s"] if timed else [])])
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            if i == j:
                continue
            extra = [row.durations[i][j]] if row.durations is not None else []
            writer.writerow([safe_cell(a), safe_cell(b), row.distances[i][j], *extra])
    return out.getvalue()


def remove_travel_matrix(session: Session, district_id: int) -> None:
    """Delete the district's travel table (routing falls back to OSRM or the estimate)."""
    row = _get(session, district_id)
    session.execute(delete(TravelMatrixPlace).where(col(TravelMatrixPlace.matrix_id) == row.id))
    session.delete(row)
    session.flush()


def version(session: Session, district_id: int) -> tuple[int, datetime] | None:
    """Which upload of the district's travel table is current (None: no table); a new
    upload or a removal changes it. Reads two columns, not the matrix itself."""
    query = select(col(TravelMatrix.id), col(TravelMatrix.uploaded_at)).where(
        col(TravelMatrix.district_id) == district_id
    )
    found = session.execute(query).one_or_none()
    return None if found is None else (int(found[0]), found[1])


def district_table(session: Session, district_id: int) -> TravelTable | None:
    """The district's travel table as plain data for routing; None when it has none."""
    row = _find(session, district_id)
    if row is None:
        return None
    return TravelTable(
        places=tuple(_places(session, row.id or 0)),
        distances=np.asarray(row.distances, dtype=np.int64),
        durations=None if row.durations is None else np.asarray(row.durations, dtype=np.int64),
    )
