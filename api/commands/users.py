"""`relief users` and `relief tokens`: make the first administrator without the API."""

from __future__ import annotations

import secrets as pysecrets
import sys

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from accounts import service as users
from core.db import get_engine, session_scope
from core.errors import DomainError
from core.settings import get_settings
from inventory import service as inventory

users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Long-lived API tokens for machines.", no_args_is_help=True)
console = Console()


def _engine() -> Engine:
    return get_engine(get_settings().resolved_database_url)


def _password(from_stdin: bool, generate: bool) -> tuple[str, bool]:
    if generate:
        return pysecrets.token_urlsafe(15), True
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


def _fail(error: DomainError) -> None:
    console.print(f"[red]{error.title}:[/red] {error.detail}")
    raise typer.Exit(2)


@users_app.command("create")
def create(
    username: str,
    role: str = typer.Option(
        ..., help="depot_manager, community_worker, coordinator, procurement, auditor or admin"
    ),
    full_name: str = typer.Option("", help="The person's name."),
    district: str | None = typer.Option(None, help="District code (coordinators)."),
    depot: list[str] = typer.Option([], help="Depot code (depot managers); repeat for several."),
    community: str | None = typer.Option(None, help="Community code (community workers)."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
    generate_password: bool = typer.Option(False, help="Generate a password and print it once."),
) -> None:
    """Create a user."""
    password, generated = _password(password_stdin, generate_password)
    try:
        with session_scope(_engine()) as session:
            district_id = None
            if district:
                match = [d for d in inventory.list_districts(session) if d.code == district]
                if not match:
                    raise DomainError(f"District {district} does not exist.")
                district_id = match[0].id
            community_id = None
            if community:
                found = [c for c in inventory.list_communities(session) if c.code == community]
                if not found:
                    raise DomainError(f"Community {community} does not exist.")
                community_id = found[0].id
            depots = {d.code: d.id for d in inventory.list_depots(session)}
            unknown = [code for code in depot if code not in depots]
            if unknown:
                raise DomainError(f"Unknown depot(s): {', '.join(unknown)}.")
            users.create_user(
                session,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                district_id=district_id,
                depot_ids=[depots[code] or 0 for code in depot],
                community_id=community_id,
            )
    except DomainError as error:
        _fail(error)
    console.print(f"[green]user {username} created as {role}[/green]")
    if generated:
        console.print(f"password (shown once): [bold]{password}[/bold]")


@users_app.command("list")
def list_() -> None:
    """List users."""
    table = Table("username", "role", "district", "active", "created")
    with session_scope(_engine()) as session:
        for user in users.list_users(session):
            table.add_row(
                user.username,
                user.role,
                str(user.district_id or ""),
                "yes" if user.active else "no",
                user.created_at.isoformat(timespec="minutes"),
            )
    console.print(table)


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable a user: signing in, sign-in tokens and API tokens stop working."""
    try:
        with session_scope(_engine()) as session:
            users.disable_user(session, username)
    except DomainError as error:
        _fail(error)
    console.print(f"[yellow]user {username} disabled[/yellow]")


@users_app.command("reset-password")
def reset_password(
    username: str,
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
    generate_password: bool = typer.Option(False, help="Generate a password and print it once."),
) -> None:
    """Set a new password; sign-in tokens issued before stop working."""
    password, generated = _password(password_stdin, generate_password)
    try:
        with session_scope(_engine()) as session:
            users.reset_password(session, username, password)
    except DomainError as error:
        _fail(error)
    console.print(f"[green]password of {username} reset[/green]")
    if generated:
        console.print(f"password (shown once): [bold]{password}[/bold]")


@tokens_app.command("create")
def create_token(
    username: str,
    name: str = typer.Option(..., help="What the token is for, e.g. 'depot 3 scale'."),
    expires_in_days: int | None = typer.Option(None, help="Expire after this many days."),
) -> None:
    """Create an API token for USERNAME, scoped like its owner; printed once."""
    try:
        with session_scope(_engine()) as session:
            user = users.get_user(session, username)
            row, token = users.create_api_token(
                session, user, name=name, expires_in_days=expires_in_days
            )
            token_id = row.id
    except DomainError as error:
        _fail(error)
    console.print(f"token {token_id} for {username} (shown once):")
    print(token)


@tokens_app.command("revoke")
def revoke_token(token_id: int) -> None:
    """Revoke an API token by its id."""
    try:
        with session_scope(_engine()) as session:
            users.revoke_api_token(session, token_id)
    except DomainError as error:
        _fail(error)
    console.print(f"[yellow]token {token_id} revoked[/yellow]")
