"""ledger.canonical: the fast path is byte-for-byte the RFC 8785 reference encoding."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from ledger.canonical import canonical_json

SAFE = 2**53 - 1
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-SAFE, SAFE)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


# Drawing deep values of arbitrary text is slow by nature (the first draw in a process
# also builds Hypothesis's Unicode tables), and slower still on a loaded machine.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_canonical_json_equals_the_rfc8785_reference(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(InvalidInput):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, None, "x"]}, b'{"a":[true,null,"x"],"b":1}'),
        (
            {"t": "tab\there \u001f \u007f é \u2028"},
            '{"t":"tab\\there \\u001f \u007f é \u2028"}'.encode(),
        ),
        (
            {"\u20ac": 1, "\U0001f600": 2, "a": 3},
            rfc8785.dumps({"\u20ac": 1, "\U0001f600": 2, "a": 3}),
        ),
        ({"f": 1.5e-7}, b'{"f":1.5e-7}'),
    ],
)
def test_known_encodings(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


@pytest.mark.parametrize("value", [{"n": 2**53}, {"s": "\ud800"}, {"x": float("inf")}, {1: 2}])
def test_values_outside_jcs_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput):
        canonical_json(value)
