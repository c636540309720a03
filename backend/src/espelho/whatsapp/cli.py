"""`espelho whatsapp alertas [--dry-run] [--json]` and `espelho whatsapp vincular --email --numero`."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

whatsapp_app = typer.Typer(help="WhatsApp: alerts and linked phones.", no_args_is_help=True)
console = Console(stderr=True)


@whatsapp_app.command("alertas")
def alertas(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; send nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
) -> None:
    """Send each linked, opted-in user the alerts not sent before (what the schedule runs)."""
    from espelho.alertas.service import SCOPE, executar
    from espelho.cli import load_settings
    from espelho.db import Database
    from espelho.errors import EspelhoError
    from espelho.syncs.dispatch import run_locked

    settings = load_settings()
    database = Database(settings.database_url)
    try:
        # The scheduled run's lock: a CLI run never overlaps it (a dry run sends nothing and needs none).
        result: dict[str, Any] = (executar(database, settings, dry_run=True) if dry_run else
                                  run_locked(settings, database, SCOPE,
                                             lambda: executar(database, settings)))
    except EspelhoError as exc:
        if as_json:
            typer.echo(json.dumps({"status": "ERRO", "erro": exc.message}, ensure_ascii=False))
        else:
            console.print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    for item in result["itens"]:
        state = ("dry run" if dry_run else "[green]sent[/green]" if item.get("enviado")
                 else f"[red]failed ({item.get('erro_codigo')})[/red]")
        console.print(f"{item['email']} ({item['wa_id']}): {item['resumo']} — {state}")
    console.print(f"{result['com_alertas']} of {result['destinatarios']} linked users had news; "
                  f"{result['enviados']} sent, {result['falhas']} failed")


@whatsapp_app.command("vincular")
def vincular(
    email: str = typer.Option(..., "--email", help="The user's login email."),
    numero: str = typer.Option(..., "--numero", help="WhatsApp number, country code first (5511987654321)."),
) -> None:
    """Link a phone to a user without the code exchange (operators, the demo)."""
    import re

    from espelho.auth.service import find_by_email
    from espelho.cli import load_settings
    from espelho.db import Database
    from espelho.whatsapp import service

    digits = re.sub(r"\D", "", numero)
    if not 10 <= len(digits) <= 15:
        raise typer.BadParameter("expected 10 to 15 digits, country code first", param_hint="--numero")
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            user = find_by_email(session, email)
            if user is None:
                console.print(f"[red]Error:[/red] no user with email {email}")
                raise typer.Exit(1)
            # Through a code, as from the phone: the number leaves any other user it was linked to.
            codigo = service.novo_codigo(session, settings, user.id).codigo
            assert codigo is not None  # just set
            service.vincular_por_codigo(session, codigo, digits, None)
        console.print(f"[green]Linked[/green] {digits} to {email}")
    finally:
        database.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(whatsapp_app, name="whatsapp")
