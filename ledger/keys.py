"""The log's Ed25519 signing key: its file, its verifier key, its rotation.

The key file holds one line in the signed-note private-key format that Go's
golang.org/x/mod/sumdb/note also reads, ``PRIVATE+KEY+<name>+<key ID>+base64(0x01 || seed)``,
and is created with owner-only permissions (0600). Its public half is published as a note
verifier key ``<name>+<key ID>+base64(0x01 || public key)``; the name is the log's origin.

Rotation is two-phase so that a crash never leaves the database and the file disagreeing
without a way back: `prepare_rotation` writes the next key beside the current one
(``<file>.next``), the ledger service appends a rotation entry signed by the old key in the
caller's transaction, and after the commit `finish_rotation` moves the next key into place.
The old key is not kept: once the rotation is logged, nothing valid can be signed with it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

from nacl.signing import SigningKey

from ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    VerifierKey,
    cosignature_message,
    key_id,
    valid_name,
)

PRIVATE_PREFIX = "PRIVATE+KEY+"


class KeyFileError(Exception):
    """The key file is missing, unreadable, malformed or readable by others."""


@dataclass(frozen=True)
class LogSigner:
    """An Ed25519 key that signs ledger entries and checkpoints (note type 0x01)."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise ValueError(f"not a valid key name: {self.name!r}")
        if len(self.seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        object.__setattr__(self, "_key", SigningKey(self.seed))

    @classmethod
    def generate(cls, name: str) -> LogSigner:
        return cls(name=name, seed=os.urandom(32))

    @property
    def public_key(self) -> bytes:
        return bytes(self._signing_key.verify_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, ED25519, self.public_key)

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self.key_id, ED25519, self.public_key)

    @property
    def verifier_key(self) -> str:
        """The public key as a note verifier key string."""
        return self.verifier.encode()

    @property
    def _signing_key(self) -> SigningKey:
        key: SigningKey = self.__dict__["_key"]
        return key

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return bytes(self._signing_key.sign(message).signature)

    def sign_note_text(self, text: bytes) -> bytes:
        return self.sign(text)

    def encode_private(self) -> str:
        """The key file's one line (secret: keep it owner-only)."""
        blob = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"{PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse_private(cls, text: str) -> LogSigner:
        """Read ``PRIVATE+KEY+name+keyid+base64(0x01||seed)``; raises KeyFileError."""
        text = text.strip()
        parts = text[len(PRIVATE_PREFIX) :].split("+", 2) if text.startswith(PRIVATE_PREFIX) else []
        if len(parts) != 3:
            raise KeyFileError("not a signed-note private key")
        name, hex_id, b64 = parts
        try:
            raw = base64.b64decode(b64, validate=True)
            signer = cls(name=name, seed=raw[1:])
        except (binascii.Error, ValueError) as exc:
            raise KeyFileError(f"malformed private key: {exc}") from exc
        if raw[0] != ED25519 or signer.key_id.hex() != hex_id:
            raise KeyFileError("private key type or key ID does not match")
        return signer


@dataclass(frozen=True)
class WitnessCosigner:
    """A witness's Ed25519 cosignature/v1 key (note type 0x04), cosigning at one time."""

    name: str
    seed: bytes = field(repr=False)
    timestamp: int = 0

    @property
    def public_key(self) -> bytes:
        return bytes(SigningKey(self.seed).verify_key)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, COSIGNATURE_V1, self.public_key)

    @property
    def verifier_key(self) -> str:
        return VerifierKey(self.name, self.key_id, COSIGNATURE_V1, self.public_key).encode()

    def sign_note_text(self, text: bytes) -> bytes:
        message = cosignature_message(text, self.timestamp)
        return struct.pack(">Q", self.timestamp) + SigningKey(self.seed).sign(message).signature


def _write_new(path: Path, content: str) -> None:
    """Create ``path`` with mode 0600 holding ``content``; FileExistsError if it exists.

    Written to a temporary file first and linked into place, so that a concurrent reader
    never sees a half-written key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_key_file(path: Path) -> LogSigner:
    """Load a key file; refuses one that group or others may read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyFileError(f"no key file at {path}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"key file {path} is accessible to others; chmod 600 it")
    return LogSigner.parse_private(path.read_text(encoding="ascii"))


def load_or_create(path: Path, name: str) -> LogSigner:
    """The log's signer from ``path``, creating a new key named ``name`` on first run."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it first
            _write_new(path, LogSigner.generate(name).encode_private())
    signer = read_key_file(path)
    if signer.name != name:
        raise KeyFileError(f"key file {path} is for {signer.name!r}, not {name!r}")
    return signer


def next_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".next")


def prepare_rotation(path: Path) -> tuple[LogSigner, LogSigner]:
    """The current signer and the next one (created at ``<file>.next`` if not yet there)."""
    current = read_key_file(path)
    pending = next_key_path(path)
    if not pending.exists():
        with contextlib.suppress(FileExistsError):
            _write_new(pending, LogSigner.generate(current.name).encode_private())
    return current, read_key_file(pending)


def finish_rotation(path: Path) -> LogSigner:
    """Move the next key into place once its rotation entry is committed."""
    pending = next_key_path(path)
    signer = read_key_file(pending)
    os.replace(pending, path)
    return signer
