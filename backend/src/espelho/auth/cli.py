"""`espelho user …`: create and list users from the command line (the first ADMIN comes from here)."""

from __future__ import annotations

import typer
from sqlalchemy import select

from espelho.auth import service
from espelho.auth.models import Usuario
from espelho.cli_support import console, load_settings
from espelho.db import Database
from espelho.errors import EspelhoError

user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)


@user_app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="Login email (any syntactically valid address)."),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                 help="Password (prompted when omitted)."),
    role: str = typer.Option("USER", "--role", help="ADMIN | MANAGER | USER."),
    nome: str | None = typer.Option(None, "--nome", help="Display name."),
) -> None:
    """Create a user (exit 1 if the email exists or the input is invalid)."""
    database = Database(load_settings().database_url)
    try:
        with database.session() as session:
            user = service.create_user(session, email=email, password=password, role=role, nome=nome)
            console.print(f"[green]Created[/green] user {user.id} {user.email} ({user.role})")
    except EspelhoError as exc:
        console.print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()


@user_app.command("list")
def list_users() -> None:
    """List users (id, email, role, active, last login)."""
    database = Database(load_settings().database_url)
    try:
        with database.session() as session:
            for u in session.scalars(select(Usuario).order_by(Usuario.id)):
                typer.echo(f"{u.id}\t{u.email}\t{u.role}\t{'active' if u.ativo else 'inactive'}\t"
                           f"{u.ultimo_acesso.isoformat() if u.ultimo_acesso else '-'}")
    finally:
        database.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
