"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for ledger entries.

Hashes and signatures are computed over these bytes, so two parties that hold the same
value always hash the same bytes. Values are limited to what JCS can represent exactly:
strings, booleans, null, lists, objects with string keys, integers within ±(2**53 - 1)
(quantities and money are integers) and finite floats.

The `rfc8785` package is the reference encoder. For the common case (no floats, ASCII
object keys) the standard library's compact, key-sorted JSON is byte-for-byte the JCS
encoding: both escape exactly ``"``, ``\\`` and the controls below U+0020 (as ``\\b \\t \\n
\\f \\r`` or lowercase ``\\u00xx``) and sort ASCII keys the same way. That fast path is
several times quicker, which matters when verifying a million entries; anything outside it
goes to `rfc8785`.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from core.errors import InvalidInput

MAX_SAFE_INTEGER = 2**53 - 1
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _plain(value: Any) -> bool:
    """True when `value` is in the domain where compact sorted JSON equals JCS."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return False


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 encoding of ``value``; raises InvalidInput for what JCS cannot encode."""
    if _plain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference encoder name the problem
    try:
        return rfc8785.dumps(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"value cannot be canonicalised as RFC 8785 JSON: {exc}") from exc
