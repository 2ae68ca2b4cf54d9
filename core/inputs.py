"""What every request model and route parameter accepts: ids in the databases' range, and
text without control characters.

An id beyond the column's range is not "not found" to the database: SQLite cannot bind an
integer above 2^63-1 and PostgreSQL refuses one above 2^31-1 in an INTEGER column, and
both would surface as a server error. Request models and route parameters type ids as `Id`,
so such a value is refused as invalid input before any query.

NUL cannot be stored in PostgreSQL text at all, and the other C0/C1 control characters
(but tab, line feed and carriage return) are never typed by a person: they come from a
broken file or a probe, and they would break exports and pages. `Strict` refuses them in
every string it is given, nested lists and dicts included, with the field they were in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

#: The largest id both databases can hold: PostgreSQL's INTEGER (int4) is the narrower.
ID_MAX = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=ID_MAX)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character of `text` as U+XXXX, or None when there is none."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def control_message(text: str) -> str | None:
    """Why `text` is refused, or None when it has no control character."""
    code = control_character(text)
    return None if code is None else f"control characters are not allowed (found {code})"


def first_control(value: Any) -> str | None:
    """Why a value (a string, or strings nested in dicts and lists) is refused, or None."""
    if isinstance(value, str):
        return control_message(value)
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_control(key) or first_control(item)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for item in value:
            found = first_control(item)
            if found:
                return found
    return None


class Strict(BaseModel):
    """A request body: unknown fields and control characters are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        problem = first_control(value)
        if problem:
            raise ValueError(problem)
        return value


def refuse_control_characters(text: str) -> str:
    """`text` itself, or a ValueError naming its first control character."""
    problem = control_message(text)
    if problem:
        raise ValueError(problem)
    return text


def without_control_characters(text: str) -> str:
    """`text` with its control characters removed (for names that come from a file)."""
    return _CONTROL.sub("", text)


#: A form field or parameter of plain text: control characters are refused.
Text = Annotated[str, AfterValidator(refuse_control_characters)]


#: The instants a request may name: wide enough for any record of stock or delivery,
#: narrow enough that converting one to UTC or moving it by a year or two cannot leave
#: the range Python's datetime holds (0001-01-01T00:30+01:00 is year 0 in UTC).
MOMENT_MIN = datetime(1900, 1, 1, tzinfo=UTC)
MOMENT_MAX = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _not_a_number(what: str) -> Callable[[Any], Any]:
    """A validator refusing a bare number (JSON's 0 or a query's ?at=0.5): pydantic would
    read it as a Unix time, while the document says an ISO 8601 `what`."""
    message = f"give {what} in ISO 8601, not a number"

    def refuse(value: Any) -> Any:
        if isinstance(value, bool | int | float):
            raise ValueError(message)
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return value
            raise ValueError(message)
        return value

    return refuse


def _in_range(value: datetime) -> datetime:
    if not MOMENT_MIN <= value <= MOMENT_MAX:
        raise ValueError(
            f"a date and time between {MOMENT_MIN:%Y-%m-%d} and {MOMENT_MAX:%Y-%m-%d} (UTC)"
        )
    return value


#: An instant in a request: an ISO 8601 date-time with its zone, between MOMENT_MIN and
#: MOMENT_MAX. Not a number, not a naive time (a time without a zone is a guess).
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_not_a_number("a date and time with its zone")),
    AfterValidator(_in_range),
]


#: The days a request may name (an expiry, a validity, a scenario's start): the same
#: years as `Moment`, so adding a scenario's duration or a shelf life stays in range.
DAY_MIN = MOMENT_MIN.date()
DAY_MAX = MOMENT_MAX.date()


def day_problem(value: date) -> str | None:
    """Why a day is refused, or None when it is in range."""
    if DAY_MIN <= value <= DAY_MAX:
        return None
    return f"a date between {DAY_MIN} and {DAY_MAX}"


def _day_in_range(value: date) -> date:
    problem = day_problem(value)
    if problem:
        raise ValueError(problem)
    return value


#: A day in a request: an ISO 8601 date between DAY_MIN and DAY_MAX, not a number.
Day = Annotated[
    date, BeforeValidator(_not_a_number("a date, YYYY-MM-DD")), AfterValidator(_day_in_range)
]
