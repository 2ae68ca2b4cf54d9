"""Empty, unknown or negative inputs give a clear InvalidInput, never a crash."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import InvalidInput
from optimizer.allocation.io import problem_from_json

EXAMPLE = json.loads(Path(__file__).with_name("example_problem.json").read_text())


def _edit(path: list[str | int], value: Any) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(EXAMPLE)
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "where", "message"),
    [
        (_edit(["sources"], []), ("sources",), "no sources"),
        (_edit(["demands"], []), ("demands",), "no demand"),
        (_edit(["demands", 0, "item"], "NOPE"), ("demands", 0, "item"), "unknown item"),
        (_edit(["demands", 0, "community"], "x"), ("demands", 0, "community"), "unknown community"),
        (
            _edit(["sources", 0, "stock", 0, "item"], "NOPE"),
            ("sources", 0, "stock", 0, "item"),
            "unknown item",
        ),
        (
            _edit(["demands", 1, "quantity"], -5),
            ("demands", 1, "quantity"),
            "greater than or equal",
        ),
        (
            _edit(["sources", 0, "stock", 0, "lots", 0, "quantity"], -1),
            ("sources", 0, "stock", 0, "lots", 0, "quantity"),
            "greater than or equal",
        ),
        (
            _edit(["sources", 1, "agreements", 0, "lead_time_h"], -24),
            ("sources", 1, "agreements", 0, "lead_time_h"),
            "greater than or equal",
        ),
        (_edit(["demands", 0, "tier"], "urgent"), ("demands", 0, "tier"), "priority"),
        (_edit(["sources", 0, "kind"], "warehouse"), ("sources", 0, "kind"), "depot"),
        (_edit(["items"], [{"code": "X", "unit_weight_g": 1}] * 2), ("items", 1), "duplicate"),
        (_edit(["demands", 1, "tier"], "priority"), ("demands", 1), "duplicate demand"),
        (_edit(["communities", 0, "location", "lat"], 123.0), None, "less than or equal"),
        (
            _edit(["sources", 0, "agreements"], [EXAMPLE["sources"][1]["agreements"][0]]),
            None,
            "a depot holds stock",
        ),
        ({"items": []}, ("communities",), "Field required"),
        ([1, 2, 3], (), "valid dictionary"),
    ],
)
def test_bad_input_is_invalid_input_with_its_place(
    doc: Any, where: tuple[str | int, ...] | None, message: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        problem_from_json(doc)
    problems = err.value.problems
    assert problems, "every invalid input names at least one problem"
    assert any(message in p.msg for p in problems), [p.msg for p in problems]
    if where is not None:
        assert any(p.loc == where for p in problems), [p.loc for p in problems]


def test_every_problem_is_listed_at_once() -> None:
    doc = _edit(["demands", 0, "item"], "NOPE")
    doc["demands"][2]["community"] = "nowhere"
    with pytest.raises(InvalidInput) as err:
        problem_from_json(doc)
    assert {p.loc for p in err.value.problems} >= {
        ("demands", 0, "item"),
        ("demands", 2, "community"),
    }
