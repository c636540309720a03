"""`espelho relatorio --competencia MM/AAAA -o FILE.xlsx`."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from espelho.acessorias.competencia import Competencia
from espelho.cli_support import console
from espelho.errors import InvalidInput
from espelho.jobs.cli import job_context
from espelho.relatorios import relatorio as report


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `espelho` CLI."""

    @app.command("relatorio")
    def relatorio(
        competencia: str = typer.Option(..., "--competencia", help="The competência, MM/AAAA."),
        output: str = typer.Option(..., "--output", "-o", help="The workbook to write (.xlsx)."),
    ) -> None:
        """Write the competência's report: summary, open processes, obligations, contracts, workload."""
        try:
            comp = Competencia.parse(competencia, field="--competencia", slash_only=True)
        except InvalidInput as exc:
            raise typer.BadParameter(exc.message, param_hint="--competencia") from exc
        # Written beside the target and moved into place: a failed run never leaves half a workbook.
        partial = f"{output}.parcial"
        try:
            with job_context() as ctx, ctx.database.session() as session:
                counts = report.escrever(session, comp, partial)
            shutil.move(partial, output)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        detail = ", ".join(f"{k} {v}" for k, v in counts.items())
        console.print(f"[green]Relatório {comp}[/green] → {output} ({detail})")
