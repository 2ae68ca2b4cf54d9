"""ledger.keys: the key file is created once, owner-only, and rotation is two-phase."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger import keys, note


def test_key_file_is_created_owner_only_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ledger.key"
    first = keys.load_or_create(path, "relief.example/log")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+relief.example/log+")
    again = keys.load_or_create(path, "relief.example/log")
    assert again.verifier_key == first.verifier_key
    assert note.VerifierKey.parse(first.verifier_key).key_type == note.ED25519


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    keys.load_or_create(path, "relief.example/log")
    path.chmod(0o644)
    with pytest.raises(keys.KeyFileError, match="chmod 600"):
        keys.load_or_create(path, "relief.example/log")


def test_a_key_for_another_origin_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    keys.load_or_create(path, "relief.example/log")
    with pytest.raises(keys.KeyFileError, match=r"not 'other\.example/log'"):
        keys.load_or_create(path, "other.example/log")


def test_rotation_prepares_then_replaces_the_key(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    original = keys.load_or_create(path, "relief.example/log")
    current, upcoming = keys.prepare_rotation(path)
    assert current == original
    assert upcoming != original
    assert upcoming.name == original.name
    assert keys.prepare_rotation(path)[1] == upcoming  # a retry reuses the prepared key
    assert keys.finish_rotation(path) == upcoming
    assert keys.read_key_file(path) == upcoming
    assert not keys.next_key_path(path).exists()


@pytest.mark.parametrize(
    "text",
    ["", "PRIVATE+KEY+x", "PRIVATE+KEY+name+00000000+AQ==", "PRIVATE+KEY+name+00000000+!!!!"],
)
def test_malformed_private_keys_are_refused(text: str) -> None:
    with pytest.raises(keys.KeyFileError):
        keys.LogSigner.parse_private(text)
