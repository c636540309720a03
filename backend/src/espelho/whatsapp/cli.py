"""`espelho whatsapp alertas [--dry-run] [--json]` and `espelho whatsapp vincular --email --numero`."""

from __future__ import annotations

import re

import typer

from espelho.alertas import service as alertas
from espelho.alertas.schemas import AlertasResult
from espelho.auth.service import find_by_email
from espelho.cli_support import console, fail, job_context, print_json
from espelho.errors import EspelhoError
from espelho.syncs.exclusive import holding
from espelho.whatsapp import service

whatsapp_app = typer.Typer(help="WhatsApp: alerts and linked phones.", no_args_is_help=True)


@whatsapp_app.command("alertas")
def alertas_now(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; send nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
) -> None:
    """Send each linked, opted-in user the alerts not sent before (what the schedule runs)."""
    with job_context() as ctx:
        try:
            if dry_run:  # sends nothing, so it needs no lock
                result = alertas.executar(ctx.database, ctx.settings, dry_run=True)
            else:  # the scheduled run's lock: a CLI run never overlaps it (Conflict when it is running)
                with holding(ctx, alertas.SCOPE):
                    result = alertas.executar(ctx.database, ctx.settings)
        except EspelhoError as exc:
            fail(1, exc.message, as_json=as_json)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    _print(result)


def _print(result: AlertasResult) -> None:
    for item in result.itens:
        state = ("dry run" if result.dry_run else "[green]sent[/green]" if item.enviado
                 else f"[red]failed ({item.erro_codigo})[/red]")
        console.print(f"{item.email} ({item.wa_id}): {item.resumo} — {state}")
    console.print(f"{result.com_alertas} of {result.destinatarios} linked users had news; "
                  f"{result.enviados} sent, {result.falhas} failed")


@whatsapp_app.command("vincular")
def vincular(
    email: str = typer.Option(..., "--email", help="The user's login email."),
    numero: str = typer.Option(..., "--numero", help="WhatsApp number, country code first (5511987654321)."),
) -> None:
    """Link a phone to a user without the code exchange (operators, the demo)."""
    digits = re.sub(r"\D", "", numero)
    if not 10 <= len(digits) <= 15:
        raise typer.BadParameter("expected 10 to 15 digits, country code first", param_hint="--numero")
    with job_context() as ctx, ctx.database.session() as session:
        user = find_by_email(session, email)
        if user is None:
            fail(1, f"no user with email {email}", as_json=False)
        # Through a code, as from the phone: the number leaves any other user it was linked to.
        codigo = service.novo_codigo(session, ctx.settings, user.id).codigo
        assert codigo is not None  # just set
        service.vincular_por_codigo(session, codigo, digits, None)
    console.print(f"[green]Linked[/green] {digits} to {email}")


def register(app: typer.Typer) -> None:
    """Add `espelho whatsapp …` to the `espelho` CLI."""
    app.add_typer(whatsapp_app, name="whatsapp")
