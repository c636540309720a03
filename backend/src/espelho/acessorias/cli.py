"""`espelho sync-acessorias --full | --incremental [--competencia MM/YYYY] [--json]`."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `espelho` CLI."""

    @app.command("sync-acessorias")
    def sync_acessorias(
        full: bool = typer.Option(
            False, "--full", help="Everything: empresas, every process detail, obrigações company by company."
        ),
        incremental: bool = typer.Option(
            False, "--incremental", help="Only what changed since the last run."
        ),
        competencia: str | None = typer.Option(
            None, "--competencia", help="Limit to one competência, MM/YYYY."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
    ) -> None:
        """Mirror Acessórias into the database and record the run in `sincronizacoes`."""
        from sqlalchemy.exc import SQLAlchemyError

        from espelho.acessorias.service import run_sync
        from espelho.cli import load_settings
        from espelho.db import Database
        from espelho.errors import EspelhoError
        from espelho.syncs.dispatch import run_locked
        from espelho.syncs.models import Sincronizacao
        from espelho.syncs.service import start_run

        if full == incremental:
            raise typer.BadParameter("choose exactly one of --full or --incremental")
        tipo = "FULL" if full else "INCREMENTAL"
        settings = load_settings()
        err = Console(stderr=True)
        database = Database(settings.database_url)
        run_id: int | None = None
        try:
            from espelho.acessorias.service import validate_competencia

            competencia = validate_competencia(competencia)

            def sync(progress: Any = None) -> dict[str, Any]:
                # The office's lock, as the jobs take it: a CLI run never overlaps a scheduled one. The
                # run is recorded only once the lock is held.
                def work() -> dict[str, Any]:
                    nonlocal run_id
                    run_id = start_run(
                        database, origem="ACESSORIAS", tipo=tipo, escopo="acessorias", competencia=competencia
                    )
                    return run_sync(
                        database, settings, tipo, competencia=competencia, run_id=run_id, progress=progress
                    )

                return run_locked(settings, database, "acessorias", work)

            result = sync() if as_json or not err.is_terminal else _with_progress(err, sync)
        except (EspelhoError, OSError, SQLAlchemyError) as exc:
            failed: dict[str, Any] = {
                "status": "ERRO",
                "tipo": tipo,
                "competencia": competencia,
                "run_id": run_id,
                "erro": str(exc),
            }
            if run_id is not None:
                with database.session() as session:
                    row = session.get(Sincronizacao, run_id)
                    if row is not None and row.estatisticas:
                        failed = {**row.estatisticas, **failed}
            database.dispose()
            if as_json:
                typer.echo(json.dumps(failed, ensure_ascii=False, default=str))
            else:
                err.print(f"[red]Sync failed:[/red] {exc}")
            raise typer.Exit(1) from exc
        database.dispose()
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, default=str))
            return
        err.print(
            f"[green]{tipo} sync done[/green] in {result['duration_s']:.1f} s — novos {result['novos']}, "
            f"atualizados {result['atualizados']}, removidos {result['removidos']}, "
            f"total {result['total_processos']} processos, {result['api_calls']} upstream calls"
        )


def _with_progress(console: Console, work: Any) -> Any:
    from espelho.cli import progress_bar

    with progress_bar(console) as bar:
        task = bar.add_task("Acessórias", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, description=f"Acessórias: {label}", completed=done, total=total or None)

        return work(progress)
