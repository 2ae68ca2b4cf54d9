"""C2SP signed notes, tlog checkpoints and witness cosignatures (Ed25519).

Formats, from c2sp.org/signed-note, c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature,
so that existing transparency-log tooling (and the public witness network) can read and
cosign our checkpoints:

* note: UTF-8 text ending in a newline, a blank line, then signature lines
  ``"— " name " " base64(4-byte key ID || signature) "\\n"``;
* verifier key: ``name+<8 hex key ID>+base64(type || public key)`` with the key ID
  ``SHA-256(name || "\\n" || type || public key)[:4]``; type 0x01 is an Ed25519 note
  signature, type 0x04 an Ed25519 cosignature/v1, whose signature is
  ``u64 big-endian timestamp || Ed25519 signature`` over
  ``"cosignature/v1\\ntime <timestamp>\\n" || text``;
* checkpoint text: origin line, decimal tree size, base64 of the 32-byte root hash, then
  optional non-empty extension lines.

Parsing follows golang.org/x/mod/sumdb/note: lines from unknown keys are ignored, a known
key whose signature fails rejects the whole note, and so does a note that no known key
signed. The checkpoint parser is strict (32-byte root, no empty extension lines).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass
from typing import Protocol

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from core.errors import InvalidInput

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100
_DASH = "\u2014 "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,19})")


class NoteError(InvalidInput):
    """A note or checkpoint that cannot be accepted."""


class MalformedNote(NoteError):
    """The text does not follow the signed-note or checkpoint format."""


class InvalidNoteSignature(NoteError):
    """A signature from a known key does not verify: the whole note is rejected."""


class UnverifiedNote(NoteError):
    """No signature on the note comes from any of the given keys."""


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """The 4-byte key ID of a verifier key."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


def valid_name(name: str) -> bool:
    """A key name is non-empty and has no whitespace and no ``+``."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


@dataclass(frozen=True)
class VerifierKey:
    """A parsed note verifier key."""

    name: str
    key_id: bytes
    key_type: int
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> VerifierKey:
        """Parse ``name+keyid+base64(type||key)``; raises MalformedNote when it is not one."""
        parts = vkey.strip().split("+", 2)
        if (
            len(parts) != 3
            or not valid_name(parts[0])
            or not re.fullmatch(r"[0-9a-f]{8}", parts[1])
        ):
            raise MalformedNote(f"not a note verifier key: {vkey!r}")
        name, hex_id, b64 = parts
        raw = _b64decode(b64)
        if raw is None or len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise MalformedNote(f"verifier key {name!r}: expected an Ed25519 key of type 1 or 4")
        if key_id(name, raw[0], raw[1:]) != bytes.fromhex(hex_id):
            raise MalformedNote(f"verifier key {name!r}: key ID does not match the key")
        return cls(name=name, key_id=bytes.fromhex(hex_id), key_type=raw[0], public_key=raw[1:])

    def encode(self) -> str:
        """Back to the ``name+keyid+base64`` text form."""
        blob = base64.b64encode(bytes([self.key_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Is ``signature`` (without the key ID) valid for ``text`` under this key?"""
        if self.key_type == COSIGNATURE_V1:
            if len(signature) != 72:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            message, signature = cosignature_message(text, timestamp), signature[8:]
        else:
            message = text
        if len(signature) != 64:
            return False
        try:
            VerifyKey(self.public_key).verify(message, signature)
        except BadSignatureError:
            return False
        return True


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: a header naming the time, then the checkpoint text."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class SignatureLine:
    """One signature line of a note: who (name, key ID) and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def encode(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed (not yet verified) signed note."""

    text: str
    signatures: tuple[SignatureLine, ...]

    def encode(self) -> str:
        return self.text + "\n" + "".join(line.encode() for line in self.signatures)


class NoteSigner(Protocol):
    """Something that can put one signature line on a note (a log key or a witness key)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign_note_text(self, text: bytes) -> bytes:
        """The signature bytes (without key ID) for this key's type."""
        ...


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def parse(note: str) -> Note:
    """Split a signed note into text and signature lines; raises MalformedNote."""
    try:
        note.encode()
    except UnicodeEncodeError as exc:
        raise MalformedNote("note is not valid UTF-8") from exc
    if _CONTROL.search(note):
        raise MalformedNote("note contains a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("note has no blank line before its signatures")
    text, sigs = note[: split + 1], note[split + 2 :]
    if not sigs or not sigs.endswith("\n"):
        raise MalformedNote("note has no signature lines, or they do not end with a newline")
    lines: list[SignatureLine] = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise MalformedNote(f"not a signature line: {line[:60]!r}")
        name, _, b64 = line[len(_DASH) :].partition(" ")
        raw = _b64decode(b64) if b64 else None
        if raw is None or not valid_name(name) or len(raw) < 5:
            raise MalformedNote(f"malformed signature line for {name[:60]!r}")
        lines.append(SignatureLine(name=name, key_id=raw[:4], signature=raw[4:]))
        if len(lines) > MAX_SIGNATURES:
            raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    return Note(text=text, signatures=tuple(lines))


def verify(text: str, verifier_keys: list[str] | list[VerifierKey]) -> set[str]:
    """The names of ``verifier_keys`` whose signatures on the note ``text`` are valid.

    Signatures from keys not in ``verifier_keys`` are ignored. Raises MalformedNote for a
    malformed note, InvalidNoteSignature when a known key's signature fails, and
    UnverifiedNote when no known key signed it.
    """
    keys = [k if isinstance(k, VerifierKey) else VerifierKey.parse(k) for k in verifier_keys]
    known = {(k.name, k.key_id): k for k in keys}
    note = parse(text)
    body = note.text.encode()
    names: set[str] = set()
    seen: set[tuple[str, bytes]] = set()
    for line in note.signatures:
        key = known.get((line.name, line.key_id))
        if key is None or (line.name, line.key_id) in seen:
            continue
        seen.add((line.name, line.key_id))
        if not key.verify(body, line.signature):
            raise InvalidNoteSignature(f"signature by {line.name!r} does not verify")
        names.add(line.name)
    if not names:
        raise UnverifiedNote("no signature on the note comes from a known key")
    return names


def sign(text: str, signers: list[NoteSigner]) -> str:
    """A signed note: ``text`` (which must end in a newline) signed by every signer."""
    if not text.endswith("\n") or _CONTROL.search(text) or "\n\n" in text:
        raise MalformedNote("note text must end in a newline, with no blank line or controls")
    body = text.encode()
    lines = [
        SignatureLine(name=s.name, key_id=s.key_id, signature=s.sign_note_text(body))
        for s in signers
    ]
    return Note(text=text, signatures=tuple(lines)).encode()


def add_signatures(note: str, signers: list[NoteSigner]) -> str:
    """Add signature lines (for example a witness's cosignature) to an existing note."""
    parsed = parse(note)
    body = parsed.text.encode()
    extra = tuple(
        SignatureLine(name=s.name, key_id=s.key_id, signature=s.sign_note_text(body))
        for s in signers
    )
    return Note(text=parsed.text, signatures=parsed.signatures + extra).encode()


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint: the log's origin, its size and the root hash at that size."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The checkpoint body, ready to be signed as a note."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body strictly (C2SP): 32-byte root, non-empty extension lines."""
    if not text.endswith("\n"):
        raise MalformedNote("checkpoint does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedNote("checkpoint needs an origin, a size and a root hash")
    origin, size, root_b64, *extensions = lines
    if not origin:
        raise MalformedNote("checkpoint origin is empty")
    if not _DECIMAL.fullmatch(size) or int(size) >= 1 << 64:
        raise MalformedNote(f"checkpoint size is not a decimal 64-bit number: {size[:30]!r}")
    root = _b64decode(root_b64)
    if root is None or len(root) != 32:
        raise MalformedNote("checkpoint root is not the base64 of 32 bytes")
    if any(not line for line in extensions):
        raise MalformedNote("checkpoint has an empty extension line")
    return Checkpoint(origin=origin, size=int(size), root=root, extensions=tuple(extensions))


def open_checkpoint(
    note: str, origin: str, verifier_keys: list[str] | list[VerifierKey]
) -> tuple[Checkpoint, set[str]]:
    """Verify a signed checkpoint for the log ``origin``: the checkpoint and who signed it."""
    names = verify(note, verifier_keys)
    checkpoint = parse_checkpoint(parse(note).text)
    if checkpoint.origin != origin:
        raise NoteError(f"checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, names
