"""`relief ledger`: export the log, verify an export offline, prove entries and growth."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.db import get_engine, session_scope
from core.errors import DomainError
from core.settings import get_settings
from ledger import keys, proofs, service
from ledger.verify import verify_export

app = typer.Typer(help="The signed, hash-chained ledger.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _signer_and_engine() -> tuple[keys.LogSigner, str]:
    settings = get_settings()
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    return signer, settings.resolved_database_url


@app.command()
def key() -> None:
    """Print the log's current public key (a note verifier key)."""
    signer, url = _signer_and_engine()
    with session_scope(get_engine(url)) as session:
        console.print(service.current_key(session) or signer.verifier_key, soft_wrap=True)


@app.command("rotate-key")
def rotate_key(
    actor: Annotated[str, typer.Option(help="Who orders the rotation (recorded in the entry).")],
) -> None:
    """Replace the log's signing key: the old key signs an entry announcing the new one.

    Safe to re-run after a crash: the prepared key is kept beside the current one until
    the rotation entry is committed, then moved into place.
    """
    settings = get_settings()
    path = settings.resolved_ledger_key_file
    old, new = keys.prepare_rotation(path)
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        if service.current_key(session) != new.verifier_key:
            service.rotate_key(session, old, new, actor=actor)
    keys.finish_rotation(path)
    console.print(f"new key: {new.verifier_key}", soft_wrap=True)


@app.command()
def export(file: Annotated[Path, typer.Argument(help="Where to write the export.")]) -> None:
    """Write the whole log as JSON lines, ending with its signed checkpoint."""
    signer, url = _signer_and_engine()
    origin = get_settings().ledger_origin
    tmp = file.with_name(file.name + ".partial")
    count = -2  # header and checkpoint lines are not entries
    with session_scope(get_engine(url)) as session, tmp.open("wb") as out:
        for line in service.export(session, signer, origin):
            out.write(line)
            count += 1
    tmp.replace(file)
    console.print(f"wrote {count} entries and the checkpoint to {file}")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="An export file.", exists=True, dir_okay=False)],
    key: Annotated[str, typer.Option("--key", help="The log's first public key (verifier key).")],
    workers: Annotated[int, typer.Option(min=1, help="Processes to verify with.")] = (
        os.cpu_count() or 1
    ),
) -> None:
    """Check an export offline: every hash, link, signature, key rotation and the root.

    Exit 0 when all holds; otherwise exit 1 naming the first entry that fails.
    """
    with file.open("rb") as lines:
        report = verify_export(lines, key, workers=workers)
    if report.ok:
        size = report.checkpoint.size if report.checkpoint else 0
        console.print(f"OK: {report.entries} entries; checkpoint size {size} verified")
        return
    where = f"entry {report.seq}" if report.seq is not None else "export"
    err.print(f"FAILED at {where}: {report.reason}")
    raise typer.Exit(1)


@app.command()
def prove(
    seq: Annotated[int | None, typer.Argument(help="Prove this entry is in the log.")] = None,
    old_size: Annotated[
        int | None, typer.Option(help="Instead prove the log extends its tree of this size.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the proof here (default: stdout).")
    ] = None,
) -> None:
    """Write a proof bundle (with the current signed checkpoint) for `check-proof`."""
    if (seq is None) == (old_size is None):
        err.print("give either SEQ or --old-size")
        raise typer.Exit(2)
    signer, url = _signer_and_engine()
    origin = get_settings().ledger_origin
    try:
        with session_scope(get_engine(url)) as session:
            signed = service.checkpoint(session, signer, origin)
            if seq is not None:
                proof = service.inclusion_proof(session, seq)
                line = service.export_page(session, seq, 1)[0]
                bundle = proofs.inclusion_bundle(signed, seq, line, proof.path)
            else:
                assert old_size is not None
                cons = service.consistency_proof(session, old_size)
                bundle = proofs.consistency_bundle(signed, old_size, cons.old_root, cons.path)
    except DomainError as exc:
        err.print(f"cannot prove: {exc.detail}")
        raise typer.Exit(1) from exc
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@app.command("check-proof")
def check_proof(
    file: Annotated[Path, typer.Argument(help="A proof bundle from `prove`.", exists=True)],
    key: Annotated[
        list[str], typer.Option("--key", help="Public key(s) that may sign the checkpoints.")
    ],
    old_checkpoint: Annotated[
        Path | None,
        typer.Option(help="For a consistency proof: the older checkpoint (or older export)."),
    ] = None,
) -> None:
    """Check a proof bundle offline. Exit 0 when it holds, 1 when it does not."""
    try:
        bundle = json.loads(file.read_text(encoding="utf-8"))
        old = None
        if old_checkpoint is not None:
            old = proofs.checkpoint_from_file_text(old_checkpoint.read_text(encoding="utf-8"))
        if not isinstance(bundle, dict):
            raise proofs.ProofError("a proof bundle is a JSON object")
        console.print("OK: " + proofs.check_bundle(bundle, key, old_checkpoint=old))
    except (DomainError, ValueError) as exc:
        detail = exc.detail if isinstance(exc, DomainError) else str(exc)
        err.print(f"FAILED: {detail}")
        raise typer.Exit(1) from exc
