"""The Chinese unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters from a 31-symbol alphabet (digits and capital letters without I, O,
S, V, Z): registration authority, organisation type, six-digit administrative division,
nine-character organisation code, and a check character. The check character is
``31 - (Σ value(c_i) · 3^(i-1) mod 31) mod 31`` over the first seventeen characters; since
31 is prime and every weight is non-zero modulo 31, any single wrong character is caught.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    """The check character for the first seventeen characters `body`."""
    if len(body) != LENGTH - 1 or any(c not in _VALUE for c in body):
        raise ValueError("the body must be 17 characters of the USCC alphabet")
    total = sum(_VALUE[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, or None when it is."""
    if len(code) != LENGTH:
        return f"a unified social credit code has {LENGTH} characters, not {len(code)}"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"characters not allowed in a unified social credit code: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3 to 8 (the administrative division code) must be digits"
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return f"the check character is {code[-1]!r}, but the code's body requires {expected!r}"
    return None


def normalise(code: str) -> str:
    """Codes are written in capitals; surrounding spaces are not part of them."""
    return code.strip().upper()
