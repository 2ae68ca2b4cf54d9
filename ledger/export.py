"""The export file: JSON lines that a verifier checks offline with nothing but a public key.

    {"format":"relief-ledger-export/v1","origin":"<log origin>"}
    {"entry":{...canonical body...},"hash":"<hex>","sig":"<base64>"}     one per entry, seq order
    {"checkpoint":"<signed note>"}

Every line is the RFC 8785 canonical JSON of its object and ends with a newline, so any
changed byte is either a parse error, a non-canonical line, or a changed value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ledger.canonical import canonical_json

FORMAT = "relief-ledger-export/v1"


def header_line(origin: str) -> bytes:
    return canonical_json({"format": FORMAT, "origin": origin})


def checkpoint_line(signed_note: str) -> bytes:
    return canonical_json({"checkpoint": signed_note})


def export_lines(origin: str, entry_lines: Iterable[bytes], signed_note: str) -> Iterator[bytes]:
    """The whole export, line by line, each with its newline."""
    yield header_line(origin) + b"\n"
    for line in entry_lines:
        yield line + b"\n"
    yield checkpoint_line(signed_note) + b"\n"
