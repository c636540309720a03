"""`espelho whatsapp vincular --email --numero` (`espelho whatsapp alertas` is alertas/cli.py's)."""

from __future__ import annotations

import re

import typer

from espelho.auth.service import find_by_email
from espelho.cli_support import console, fail
from espelho.jobs.cli import job_context
from espelho.whatsapp import service

whatsapp_app = typer.Typer(help="WhatsApp: alerts and linked phones.", no_args_is_help=True)


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
