"""`espelho whatsapp alertas [--dry-run] [--json]`: the alert run, now (what the schedule runs). It sits
under `espelho whatsapp`, the channel it sends through."""

from __future__ import annotations

import typer

from espelho.alertas import service as alertas
from espelho.alertas.schemas import AlertasResult
from espelho.cli_support import console, fail, print_json
from espelho.errors import EspelhoError
from espelho.jobs.cli import job_context
from espelho.syncs.exclusive import busy, holding
from espelho.whatsapp.cli import whatsapp_app


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
                with holding(ctx, alertas.SCOPE) as held:
                    if not held:
                        raise busy(ctx.database, alertas.SCOPE)
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
        console.print(f"{item.email} ({item.wa_id}, {item.escopo}): {item.resumo} — {state}")
    console.print(f"{result.com_alertas} of {result.destinatarios} linked users had news; "
                  f"{result.enviados} sent, {result.falhas} failed")


def register(_app: typer.Typer) -> None:
    """Add `alertas` to `espelho whatsapp` (register whatsapp/cli.py first)."""
    whatsapp_app.command("alertas")(alertas_now)
