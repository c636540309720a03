"""The `espelho` command line."""

from __future__ import annotations

import json
from typing import Any

import typer
import uvicorn

from espelho import __version__
from espelho.acessorias import cli as acessorias_cli
from espelho.alertas import cli as alertas_cli
from espelho.api import ClientAddress
from espelho.auth import cli as auth_cli
from espelho.cli_support import console, load_settings
from espelho.config import Settings
from espelho.contratos import cli as contratos_cli
from espelho.jobs import cli as jobs_cli
from espelho.relatorios import cli as relatorios_cli
from espelho.retencao import cli as retencao_cli
from espelho.whatsapp import cli as whatsapp_cli

app = typer.Typer(help="Espelho: a fast local mirror of Comprasnet Contratos and Acessórias.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="Database schema, retention and size.", no_args_is_help=True)
app.add_typer(db_app, name="db")
retencao_cli.register(db_app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    # Eager, so it answers before Click asks for a command (containers run `espelho --version` as a check).
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_print_version, is_eager=True),
) -> None:
    del version  # handled by _print_version


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the migrations (idempotent: an up-to-date database is left as it is)."""
    from espelho import migrate  # alembic loads in ~1 s: only the db commands pay for it
    settings = load_settings()
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]Database at revision[/green] {migrate.current(settings.database_url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from espelho import migrate  # alembic loads in ~1 s: only the db commands pay for it
    typer.echo(migrate.current(load_settings().database_url) or "(empty)")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the HTTP API (and the web app bundle when it is built)."""
    settings = load_settings()
    uvicorn.run("espelho.main:create_app", factory=True, host=host, port=port, reload=reload,
                log_level="warning", **proxy_options(settings))


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For/-Proto only from the listed ESPELHO_TRUSTED_PROXIES (by default from
    nobody: uvicorn's own default trusts any local client). "*" and ESPELHO_CLIENT_IP_HEADER are the app's
    (api.ClientAddress): uvicorn's "*" would believe the leftmost hop, the one the client wrote."""
    listed = bool(settings.trusted_proxies) and not ClientAddress.installed(settings)
    return {"proxy_headers": listed, "forwarded_allow_ips": settings.trusted_proxies if listed else None}


@app.command()
def openapi(
    output: str = typer.Option("-", "--output", "-o", help="File to write, or - for stdout."),
) -> None:
    """Print the HTTP API's OpenAPI schema (the web app's client is generated from it)."""
    from espelho.main import create_app  # every router: only this command needs the app itself
    schema = json.dumps(create_app(Settings(demo_mode=True)).openapi(), indent=2, ensure_ascii=False) + "\n"
    if output == "-":
        typer.echo(schema, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(schema)


@app.command()
def simulate(
    host: str = typer.Option("127.0.0.1", help="Interface (keep it on loopback)."),
    port: int = typer.Option(8001, help="Port to listen on."),
    seed: int = typer.Option(42, help="Seed of the generated data (same seed, same world)."),
    latency_ms: float = typer.Option(0.0, help="Added latency per call, in milliseconds."),
    list_delay_s: float = typer.Option(
        0.0, help="Comprasnet: slow first byte of a UASG list, in seconds for the biggest UASG."),
    rate_limit: int = typer.Option(100, help="Acessórias: requests per minute before throttling."),
) -> None:
    """Serve fake Comprasnet, Acessórias and WhatsApp Graph APIs over loopback."""
    from espelho.simulator.app import create_simulator_app  # the fake worlds: only `simulate` needs them
    load_settings()
    base = f"http://{host}:{port}"
    console.print(f"Comprasnet simulator: [bold]{base}/comprasnet/api[/bold]")
    console.print(f"Acessórias simulator: [bold]{base}/acessorias[/bold]")
    console.print(f"WhatsApp Graph API simulator: [bold]{base}/whatsapp/v23.0[/bold]")
    sim = create_simulator_app(base_url=base, seed=seed, latency_ms=latency_ms, list_delay_s=list_delay_s,
                               rate_limit=rate_limit)
    uvicorn.run(sim, host=host, port=port, log_level="warning")


# whatsapp before alertas: `espelho whatsapp alertas` joins the whatsapp group.
for domain_cli in (contratos_cli, acessorias_cli, auth_cli, whatsapp_cli, alertas_cli, relatorios_cli,
                   jobs_cli):
    domain_cli.register(app)
