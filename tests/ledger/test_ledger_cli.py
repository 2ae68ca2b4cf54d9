"""`relief ledger ...`: export, verify, prove and check-proof, end to end on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import migrations
from api.cli import app
from core.db import dispose_engines, get_engine, session_scope
from core.settings import get_settings
from ledger import service
from ledger.keys import load_or_create

runner = CliRunner()


@pytest.fixture
def relief_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings pointing at a migrated SQLite file and a key file under tmp_path."""

    def use(name: str) -> None:
        url = f"sqlite:///{tmp_path / name}"
        migrations.upgrade(url)
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path / "data"))
        get_settings.cache_clear()

    use("relief.db")
    yield tmp_path
    get_settings.cache_clear()
    dispose_engines()


def _append(n: int, label: str = "plan") -> None:
    settings = get_settings()
    signer = load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        for i in range(n):
            service.append(session, signer, kind="dispatch.sent", actor="c:1", payload={label: i})


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", *args])
    return result.exit_code, result.output


def test_export_verify_prove_and_check(relief_env: Path) -> None:
    _append(5)
    old_export, new_export = relief_env / "old.jsonl", relief_env / "new.jsonl"
    assert _run("export", str(old_export))[0] == 0
    code, pubkey = _run("key")
    pubkey = pubkey.strip()
    assert code == 0

    code, out = _run("verify", str(old_export), "--key", pubkey, "--workers", "1")
    assert (code, out.startswith("OK: 5 entries")) == (0, True)

    proof = relief_env / "p.json"
    assert _run("prove", "2", "--out", str(proof))[0] == 0
    code, out = _run("check-proof", str(proof), "--key", pubkey)
    assert (code, "entry 2 is included" in out) == (0, True)

    _append(4)
    assert _run("export", str(new_export))[0] == 0
    assert _run("prove", "--old-size", "5", "--out", str(proof))[0] == 0
    code, out = _run(
        "check-proof", str(proof), "--key", pubkey, "--old-checkpoint", str(old_export)
    )
    assert (code, "size 9 extends the one of size 5" in out) == (0, True)

    tampered = relief_env / "tampered.jsonl"
    tampered.write_bytes(new_export.read_bytes().replace(b'"plan":3', b'"plan":7', 1))
    code, out = _run("verify", str(tampered), "--key", pubkey)
    assert code == 1
    assert "entry 3" in out


def test_a_rewritten_history_is_not_consistent_with_an_old_checkpoint(
    relief_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(5)
    old_export = relief_env / "old.jsonl"
    assert _run("export", str(old_export))[0] == 0
    pubkey = _run("key")[1].strip()
    # The same key, a new database: history rewritten from the start, then grown.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rewritten.db'}")
    migrations.upgrade(f"sqlite:///{tmp_path / 'rewritten.db'}")
    get_settings.cache_clear()
    _append(8, label="forged")
    proof = relief_env / "p.json"
    assert _run("prove", "--old-size", "5", "--out", str(proof))[0] == 0
    code, out = _run(
        "check-proof", str(proof), "--key", pubkey, "--old-checkpoint", str(old_export)
    )
    assert code == 1
    assert "FAILED" in out


def test_prove_refuses_an_entry_that_is_not_there(relief_env: Path) -> None:
    _append(2)
    code, out = _run("prove", "7")
    assert code == 1
    assert "no entry 7" in out


def test_rotate_key_then_the_export_verifies_from_the_first_key(relief_env: Path) -> None:
    _append(3)
    first_key = _run("key")[1].strip()
    code, out = _run("rotate-key", "--actor", "admin:1")
    assert code == 0
    second_key = _run("key")[1].strip()
    assert second_key != first_key
    assert second_key in out.replace("\n", "")
    _append(2)
    export = relief_env / "rotated.jsonl"
    assert _run("export", str(export))[0] == 0
    code, out = _run("verify", str(export), "--key", first_key, "--workers", "1")
    assert (code, out.startswith("OK: 6 entries")) == (0, True)
    code, _ = _run("verify", str(export), "--key", second_key, "--workers", "1")
    assert code == 1
