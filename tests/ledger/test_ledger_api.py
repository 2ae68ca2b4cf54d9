"""The ledger's HTTP routes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from core.settings import Settings
from ledger import keys, merkle, note, service
from ledger.export import checkpoint_line, header_line
from ledger.verify import verify_export_bytes


def _signer(settings: Settings) -> keys.LogSigner:
    return keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)


def test_checkpoint_entries_proofs_and_export(
    client: TestClient, session: Session, settings: Settings
) -> None:
    signer = _signer(settings)
    for i in range(9):
        service.append(session, signer, kind="dispatch.sent", actor="c:1", payload={"plan": i})

    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200
    checkpoint, _ = note.open_checkpoint(
        response.text, settings.ledger_origin, [signer.verifier_key]
    )
    assert checkpoint.size == 9
    assert client.get("/ledger/key").text.strip() == signer.verifier_key

    entry = client.get("/ledger/entries/4").json()
    assert (entry["seq"], entry["payload"]) == (4, {"plan": 4})

    proof = client.get("/ledger/proofs/inclusion/4").json()
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        4,
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["path"]],
        checkpoint.root,
    )
    cons = client.get("/ledger/proofs/consistency", params={"old_size": 3}).json()
    assert merkle.verify_consistency(
        3,
        9,
        bytes.fromhex(cons["old_root"]),
        checkpoint.root,
        [bytes.fromhex(h) for h in cons["path"]],
    )

    first = client.get("/ledger/export", params={"limit": 5})
    assert first.headers["content-type"].startswith("application/x-ndjson")
    assert 'rel="next"' in first.headers["link"]
    second = client.get("/ledger/export", params={"start": 5, "limit": 5})
    assert "link" not in second.headers
    export = b"".join(
        [
            header_line(settings.ledger_origin) + b"\n",
            first.content,
            second.content,
            checkpoint_line(response.text) + b"\n",
        ]
    )
    assert verify_export_bytes(export, signer.verifier_key).ok


def test_missing_entries_and_bad_sizes_are_problems(client: TestClient) -> None:
    missing = client.get("/ledger/entries/0")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/ledger/proofs/inclusion/3").status_code == 404
    assert client.get("/ledger/proofs/consistency", params={"old_size": 0}).status_code == 422
    assert client.get("/ledger/entries/-1").status_code == 422
