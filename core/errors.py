"""Domain errors. Services raise these; one handler renders them as RFC 9457 problem JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with the input: where (a location path or a spreadsheet cell) and why."""

    loc: tuple[str | int, ...]
    msg: str
    line: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loc": list(self.loc), "msg": self.msg}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        problems: list[FieldProblem] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []
        self.extra = extra or {}


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class InsufficientStock(Conflict):
    title = "Insufficient stock"
    type_slug = "insufficient-stock"


class NotPermitted(DomainError):
    status = 403
    title = "Not permitted"
    type_slug = "not-permitted"


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"
    type_slug = "not-authenticated"


@dataclass
class ProblemList:
    """Collects problems while validating many rows, then raises them all at once."""

    problems: list[FieldProblem] = field(default_factory=list)

    def add(self, problem: FieldProblem) -> None:
        self.problems.append(problem)

    def raise_if_any(self, detail: str) -> None:
        if self.problems:
            raise InvalidInput(detail, problems=self.problems)
