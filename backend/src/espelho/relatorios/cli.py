"""`espelho relatorio --competencia MM/AAAA -o FILE.xlsx`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the `espelho` CLI."""

    @app.command("relatorio")
    def relatorio(
        competencia: str = typer.Option(..., "--competencia", help="The competência, MM/AAAA."),
        output: str = typer.Option(..., "--output", "-o", help="The workbook to write (.xlsx)."),
    ) -> None:
        """Write the competência's report: summary, open processes, obligations, contracts, workload."""
        import shutil
        from pathlib import Path

        from rich.console import Console

        from espelho.acessorias.queries import parse_competencia
        from espelho.cli import load_settings
        from espelho.db import Database
        from espelho.errors import InvalidInput
        from espelho.relatorios import relatorio as report

        err = Console(stderr=True)
        try:
            comp = parse_competencia(competencia)
        except InvalidInput as exc:
            raise typer.BadParameter(exc.message, param_hint="--competencia") from exc
        database = Database(load_settings().database_url)
        try:
            # Written beside the target and moved into place: a failed run never leaves half a workbook.
            partial = f"{output}.parcial"
            try:
                with database.session() as session:
                    counts = report.escrever(session, comp, partial)
                shutil.move(partial, output)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
        finally:
            database.dispose()
        detail = ", ".join(f"{k} {v}" for k, v in counts.items())
        err.print(f"[green]Relatório {comp}[/green] → {output} ({detail})")
