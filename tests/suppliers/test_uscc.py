"""The unified social credit code check (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suppliers import uscc
from tests.suppliers.helpers import VALID_USCC

bodies = st.builds(
    lambda head, division, org: head + division + org,
    st.text(alphabet=uscc.ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=uscc.ALPHABET, min_size=9, max_size=9),
)


@pytest.mark.parametrize("code", VALID_USCC)
def test_published_codes_are_valid(code: str) -> None:
    assert uscc.problem(code) is None


@given(bodies)
def test_a_body_with_its_check_character_is_valid(body: str) -> None:
    assert uscc.problem(body + uscc.check_character(body)) is None


@given(bodies, st.integers(0, 16), st.sampled_from(uscc.ALPHABET))
def test_any_single_changed_character_is_caught(body: str, at: int, new: str) -> None:
    code = body + uscc.check_character(body)
    changed = code[:at] + new + code[at + 1 :]
    if changed != code and (changed[2:8].isdigit()):
        assert uscc.problem(changed) is not None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y430", "18 characters"),
        ("91350100M000100I43", "not allowed"),  # I is not in the alphabet
        ("9135O100M000100Y43", "not allowed"),  # nor is O
        ("9135A100M000100Y43", "administrative division"),
        ("91350100M000100Y42", "check character"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code: str, why: str) -> None:
    problem = uscc.problem(code)
    assert problem is not None
    assert why in problem


def test_codes_are_read_in_capitals_without_spaces() -> None:
    assert uscc.normalise(" 91350100m000100y43 ") == "91350100M000100Y43"
