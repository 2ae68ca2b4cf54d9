"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for ledger entries.

Hashes and signatures are computed over these bytes, so two parties that hold the same
value always hash the same bytes. Values are limited to what JCS can represent exactly:
strings, booleans, null, lists, objects with string keys, integers within ±(2**53 - 1)
(quantities and money are integers) and finite floats.
"""

from __future__ import annotations

from typing import Any

import rfc8785

from core.errors import InvalidInput


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 encoding of ``value``; raises InvalidInput for what JCS cannot encode."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"value cannot be canonicalised as RFC 8785 JSON: {exc}") from exc
