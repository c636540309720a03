"""`espelho sync-comprasnet --uasg CODE | --contrato ID [--abas …] [--json]`."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

EXIT_UPSTREAM = 1
EXIT_USAGE = 2


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `espelho` CLI."""

    @app.command("sync-comprasnet")
    def sync_comprasnet(
        uasg: str | None = typer.Option(
            None,
            "--uasg",
            help="Base sync of one UASG (6 digits): its contract list only, one upstream call.",
        ),
        contrato: int | None = typer.Option(
            None, "--contrato", help="Fetch the tabs of one stored contract (Comprasnet id)."
        ),
        abas: str | None = typer.Option(
            None, "--abas", help="With --contrato: comma-separated tabs (historico,empenhos,itens,arquivos)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
    ) -> None:
        """Mirror Comprasnet Contratos: a UASG's contract list, or one contract's tabs."""
        from sqlalchemy.exc import SQLAlchemyError

        from espelho.cli import load_settings
        from espelho.contratos import service
        from espelho.db import Database
        from espelho.errors import EspelhoError, InvalidInput, NotFound

        err = Console(stderr=True)

        def fail(code: int, message: str, **extra: Any) -> None:
            if as_json:
                typer.echo(json.dumps({"status": "ERRO", "erro": message, **extra}, ensure_ascii=False))
            else:
                err.print(f"[red]Error:[/red] {message}")
            raise typer.Exit(code)

        # Usage problems are settled before any database or upstream work.
        if (uasg is None) == (contrato is None):
            fail(EXIT_USAGE, "choose exactly one of --uasg CODE or --contrato ID")
        if abas is not None and contrato is None:
            fail(EXIT_USAGE, "--abas goes with --contrato")
        try:
            codigo = service.validate_uasg(uasg) if uasg is not None else None
            data_types = service.validate_abas(abas.split(",")) if abas is not None else None
        except InvalidInput as exc:
            fail(EXIT_USAGE, exc.message)
            return

        settings = load_settings()
        database = Database(settings.database_url)
        try:
            if codigo is not None:
                result = _sync_uasg(err, as_json, database, settings, codigo)
            else:
                assert contrato is not None
                result = _sync_contrato(err, as_json, database, settings, contrato, data_types)
        except NotFound as exc:
            fail(EXIT_USAGE, exc.message)
            return
        except (EspelhoError, OSError, SQLAlchemyError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            fail(EXIT_UPSTREAM, message, tipo=type(exc).__name__)
            return
        finally:
            database.dispose()

        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        if contrato is not None and result.get("erros"):
            raise typer.Exit(EXIT_UPSTREAM)


def _sync_uasg(err: Console, as_json: bool, database: Any, settings: Any, codigo: str) -> dict[str, Any]:
    from espelho.contratos import service
    from espelho.syncs.dispatch import run_locked

    def sync() -> dict[str, Any]:
        return run_locked(settings, database, f"uasg:{codigo}",
                          lambda: service.run_uasg_sync(database, settings, codigo))

    if as_json or not err.is_terminal:
        result = sync()
    else:
        # One call, possibly ~50 s to first byte on a big UASG: a spinner says we are waiting, not stuck.
        with err.status(f"Fetching the contract list of UASG {codigo} from Comprasnet…"):
            result = sync()
    if not as_json:
        err.print(
            f"[green]UASG {codigo} synced[/green] in {result['duration_s']:.1f} s: "
            f"{result['contratos_processados']} contracts kept ({result['contratos_novos']} new, "
            f"{result['contratos_atualizados']} updated), {result['fora_da_vigencia']} outside the vigência "
            f"window, {result['invalidos']} malformed, {result['api_calls']} upstream call(s)"
        )
        for problem in result["erros"]:
            err.print(
                f"  [yellow]skipped[/yellow] record #{problem['indice']} (id {problem['id']}): "
                f"{problem['erro']}"
            )
    return result


def _sync_contrato(
    err: Console, as_json: bool, database: Any, settings: Any, contrato: int, data_types: list[str] | None
) -> dict[str, Any]:
    from espelho.contratos import service
    from espelho.contratos.schemas import ABAS
    from espelho.syncs.dispatch import run_locked

    abas = data_types or list(ABAS)

    def sync(on_aba: Any = None) -> dict[str, Any]:
        # The contract's scope lock, as the job takes it: one recorded run per contract at a time.
        return run_locked(settings, database, f"contrato:{contrato}", lambda: service.run_contrato_sync(
            database, settings, contrato, abas, on_aba=on_aba))

    if as_json or not err.is_terminal:
        result = sync()
    else:
        from espelho.cli import progress_bar

        with progress_bar(err) as bar:
            task = bar.add_task(f"Contract {contrato}", total=len(abas))
            result = sync(lambda r: bar.update(
                task, advance=1, description=f"Contract {contrato}: {r.aba} {r.status}"))
    if not as_json:
        for aba, info in result["abas"].items():
            if info["status"] == "ok":
                err.print(f"  [green]{aba}[/green]: {info['registros']} rows ({info['api_calls']} call(s))")
            else:
                err.print(f"  [red]{aba}[/red]: {info['erro']}")
        err.print(
            f"Contract {contrato}: {result['api_calls']} upstream call(s) in {result['duration_s']:.1f} s"
        )
    return result
