"""Turning browser forms into the services' request models, and errors back into messages
shown next to the fields they are about.

A change runs inside a savepoint: when the service refuses it, everything it did is rolled
back before the page is shown again, so a bad form changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from core.errors import DomainError

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass
class Outcome(Generic[R]):
    """What a form came to: the result, or messages per field and one for the whole form."""

    result: R | None = None
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    status: int = 200
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "This is required."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Enter a whole number."
    if kind == "greater_than":
        return f"Enter a number above {ctx.get('gt')}."
    if kind == "greater_than_equal":
        return f"Enter {ctx.get('ge')} or more."
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return "Enter a date as YYYY-MM-DD."
    if kind == "literal_error":
        return "Choose one of the offered values."
    return str(error.get("msg", "This value is not accepted."))


def parse(model: type[M], raw: Mapping[str, Any], *, ints: frozenset[str]) -> Outcome[M]:
    """Validate form fields into `model`; blank fields are left out, `ints` become integers."""
    data: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in model.model_fields or not isinstance(value, str):
            continue
        text = value.strip()
        if not text:
            continue
        data[name] = int(text) if name in ints and text.lstrip("-").isdigit() else text
    try:
        return Outcome(result=model.model_validate(data))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "form"
            errors.setdefault(name, _message(error))
        return Outcome(errors=errors, status=422)


def attempt(session: Session, action: Callable[[], R]) -> Outcome[R]:
    """Run one change in a savepoint; a domain error rolls it back and becomes messages."""
    try:
        with session.begin_nested():
            return Outcome(result=action())
    except DomainError as exc:
        return refusal(exc)


def refusal(exc: DomainError) -> Outcome[Any]:
    """A service's refusal as the form's messages: per field where it names one."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        names = [p for p in problem.loc if isinstance(p, str)]
        if names:
            errors.setdefault(names[-1], problem.msg)
    problems = [p.as_dict() for p in exc.problems]
    return Outcome(errors=errors, message=exc.detail, status=exc.status, problems=problems)


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (read once per request; the CSRF check reads it too)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]
