"""An append-only log held in memory: the ledger's rules without a database.

Used to build exports for tests and benchmarks, and by auditors' scripts that want to
replay a log. The database store (`ledger.service`) follows the same rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger import merkle, note
from ledger.entries import GENESIS_PREV, KEY_ROTATED, Entry, make_entry
from ledger.export import export_lines
from ledger.keys import LogSigner


@dataclass
class MemoryLog:
    """Entries, their leaf hashes and the signer in force, for the log ``origin``."""

    origin: str
    signer: LogSigner
    entries: list[Entry] = field(default_factory=list)
    leaves: list[bytes] = field(default_factory=list)

    @property
    def head(self) -> str:
        return self.entries[-1].hash if self.entries else GENESIS_PREV

    def append(self, *, kind: str, actor: str, payload: dict[str, Any], moment: datetime) -> Entry:
        entry, body = make_entry(
            seq=len(self.entries),
            moment=moment,
            kind=kind,
            actor=actor,
            payload=payload,
            prev=self.head,
            signer=self.signer,
        )
        self.entries.append(entry)
        self.leaves.append(merkle.leaf_hash(body))
        return entry

    def rotate(self, new_signer: LogSigner, *, actor: str, moment: datetime) -> Entry:
        """Announce ``new_signer`` in an entry signed by the current key, then switch."""
        entry = self.append(
            kind=KEY_ROTATED,
            actor=actor,
            payload={"new_key": new_signer.verifier_key},
            moment=moment,
        )
        self.signer = new_signer
        return entry

    def checkpoint(self, size: int | None = None) -> str:
        """A signed checkpoint of the first ``size`` entries (default: all)."""
        size = len(self.entries) if size is None else size
        cp = note.Checkpoint(self.origin, size, merkle.root(self.leaves[:size]))
        return note.sign(cp.text(), [self.signer])

    def export(self) -> Iterator[bytes]:
        """The export file's lines, with a checkpoint of the whole log."""
        lines = (entry.export_line() for entry in self.entries)
        return export_lines(self.origin, lines, self.checkpoint())
