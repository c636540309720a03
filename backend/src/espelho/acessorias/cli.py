"""`espelho sync-acessorias --full | --incremental [--competencia MM/YYYY] [--json]`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.sync import SyncResult
from espelho.acessorias.tasks import OFFICE_SYNC, OfficeArgs
from espelho.cli_support import console, print_json, progress_bar
from espelho.errors import EspelhoError
from espelho.jobs.cli import job_context
from espelho.jobs.registry import JobContext
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import Progresso
from espelho.syncs.spec import run_now


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
        restart: bool = typer.Option(
            False, "--restart", help="With --full: fetch every detail again, not resuming an interrupted run."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
    ) -> None:
        """Mirror Acessórias into the database and record the run in `sincronizacoes`."""
        if full == incremental:
            raise typer.BadParameter("choose exactly one of --full or --incremental")
        if restart and not full:
            raise typer.BadParameter("--restart goes with --full")
        tipo = "FULL" if full else "INCREMENTAL"
        run_ids: list[int] = []
        with job_context() as ctx:
            try:
                scope = Competencia.parse(competencia, slash_only=True) if competencia is not None else None
                result = _sync(ctx, tipo, OfficeArgs(scope, restart), run_ids.append, bar=not as_json)
            except (EspelhoError, OSError, SQLAlchemyError) as exc:
                failure = {"status": "ERRO", "tipo": tipo, "competencia": competencia, "erro": str(exc)}
                failed = _failed(ctx, run_ids[0] if run_ids else None, failure)
                if as_json:
                    print_json(failed)
                else:
                    console.print(f"[red]Sync failed:[/red] {exc}")
                raise typer.Exit(1) from exc
        if as_json:
            print_json(result.estatisticas())
            return
        resumed = f", resumed ({result.detalhes_pulados} details kept)" if result.retomada else ""
        console.print(
            f"[green]{tipo} sync done[/green] in {result.duration_s:.1f} s — novos {result.novos}, "
            f"atualizados {result.atualizados}, removidos {result.removidos}, "
            f"total {result.total_processos} processos, {result.api_calls} upstream calls{resumed}"
        )


def _sync(ctx: JobContext, tipo: str, args: OfficeArgs, recorded: Callable[[int], None], *,
          bar: bool) -> SyncResult:
    """The office's lock, as the jobs take it: a CLI run never overlaps a scheduled one."""
    if not bar or not console.is_terminal:
        return run_now(ctx, OFFICE_SYNC, tipo, args, recorded=recorded)
    with progress_bar() as progress:
        task = progress.add_task("Acessórias", total=None)

        def report(at: Progresso) -> None:
            progress.update(task, description=f"Acessórias: {at.fase}", completed=at.feitos, total=at.total,
                            eta=at.eta_s)

        return run_now(ctx, OFFICE_SYNC, tipo, args, progress=report, recorded=recorded)


def _failed(ctx: JobContext, run_id: int | None, failure: dict[str, Any]) -> dict[str, Any]:
    """A failed run as `--json` prints it: what the run recorded before it failed, then the failure."""
    stored: dict[str, Any] = {}
    if run_id is not None:
        with ctx.database.session() as session:
            row = session.get(Sincronizacao, run_id)
            stored = (row.estatisticas if row is not None else None) or {}
    return {**stored, **failure, "run_id": run_id}
