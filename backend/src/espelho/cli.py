"""The `espelho` command line."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from espelho import __version__
from espelho.config import Settings
from espelho.logging_setup import configure_logging

app = typer.Typer(help="Espelho: a fast local mirror of Comprasnet Contratos and Acessórias.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)


def load_settings() -> Settings:
    """Fresh settings from the environment, with logging configured; for every command."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


def progress_bar(stderr: Console) -> Any:
    """The bar long syncs show on a terminal (on stderr, so `--json` output stays clean)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=stderr, transient=True)


@app.callback()
def main(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the migrations (idempotent: an up-to-date database is left as it is)."""
    from espelho import migrate

    settings = load_settings()
    migrate.upgrade(settings.database_url, revision)
    console.print(f"[green]Database at revision[/green] {migrate.current(settings.database_url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from espelho import migrate

    typer.echo(migrate.current(load_settings().database_url) or "(empty)")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the HTTP API (and the web app bundle when it is built)."""
    import uvicorn

    settings = load_settings()
    uvicorn.run("espelho.main:create_app", factory=True, host=host, port=port, reload=reload,
                log_level="warning", **proxy_options(settings))


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For/-Proto only from ESPELHO_TRUSTED_PROXIES (by default from nobody:
    uvicorn's own default trusts any local client)."""
    return {"proxy_headers": bool(settings.trusted_proxies),
            "forwarded_allow_ips": settings.trusted_proxies or None}


@app.command()
def openapi(
    output: str = typer.Option("-", "--output", "-o", help="File to write, or - for stdout."),
) -> None:
    """Print the HTTP API's OpenAPI schema (the web app's client is generated from it)."""
    import json

    from espelho.main import create_app

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
    """Serve fake Comprasnet (/comprasnet/api) and Acessórias (/acessorias) over loopback."""
    import uvicorn

    from espelho.simulator.app import create_simulator_app

    load_settings()
    base = f"http://{host}:{port}"
    console.print(f"Comprasnet simulator: [bold]{base}/comprasnet/api[/bold]")
    console.print(f"Acessórias simulator: [bold]{base}/acessorias[/bold]")
    sim = create_simulator_app(base_url=base, seed=seed, latency_ms=latency_ms, list_delay_s=list_delay_s,
                               rate_limit=rate_limit)
    uvicorn.run(sim, host=host, port=port, log_level="warning")


def _register_domains() -> None:
    from espelho.acessorias.cli import register as register_acessorias
    from espelho.auth.cli import register as register_auth
    from espelho.contratos.cli import register as register_contratos

    register_contratos(app)
    register_acessorias(app)
    register_auth(app)
    from espelho.worker import register as register_worker

    register_worker(app)


_register_domains()
