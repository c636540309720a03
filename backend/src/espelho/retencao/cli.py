"""`espelho db prune [--dry-run] [--json]` and `espelho db status [--json]`."""

from __future__ import annotations

import typer
from rich.table import Table

from espelho.cli_support import console, print_json
from espelho.jobs.cli import job_context
from espelho.retencao import service


def register(db_app: typer.Typer) -> None:
    """Add the retention and size commands to `espelho db`."""

    @db_app.command("prune")
    def prune(
        dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be removed; remove nothing."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
    ) -> None:
        """Delete change history and sync runs older than their retention (ESPELHO_RETENCAO_*_DIAS), and the
        step trees of processes concluded with a detail unchanged as long as the history is kept (fetched
        again when opened). Failed runs, and the last successful run of each scope, are kept."""
        with job_context() as ctx:
            result = service.prune(ctx.database, ctx.settings, dry_run=dry_run)
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        verb = "Would remove" if dry_run else "Removed"
        for table, count in result.removed.items():
            cutoff = f"{result.cutoff[table]:%Y-%m-%d %H:%M} UTC"
            steps = table in service.STEP_TABLES
            age = "of processes concluded, detail unchanged since" if steps else "older than"
            console.print(f"{verb} {count} rows of {table} ({age} {cutoff})")

    @db_app.command("status")
    def status(
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
    ) -> None:
        """The database's size, its biggest tables and their indexes, rows per table, and the months left
        until ESPELHO_DB_QUOTA_MB at the last 30 days' growth."""
        with job_context() as ctx:
            result = service.status(ctx.database, ctx.settings)
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        console.print(f"{result.database}: [bold]{result.size_mb:.1f} MiB[/bold]")
        table = Table("table", "MiB", "rows", "indexes (MiB)")
        for t in result.biggest_tables:
            indexes = ", ".join(f"{i.index} {i.bytes / service.MIB:.2f}" for i in t.indexes)
            table.add_row(t.table, f"{t.bytes / service.MIB:.2f}", str(result.rows.get(t.table, "")), indexes)
        console.print(table)
        if result.growth_30d_mb is None:
            console.print("Growth: unknown until the daily job has stored the size of an earlier day")
        else:
            console.print(f"Growth: {result.growth_30d_mb:+.1f} MiB per 30 days "
                          f"(measured over {result.growth_measured_days} days)")
        if result.quota_mb is None:
            console.print("No quota (ESPELHO_DB_QUOTA_MB unset)")
        elif result.months_left is None:
            console.print(f"Quota {result.quota_mb:.0f} MiB: not approaching it at this growth")
        else:
            console.print(f"Quota {result.quota_mb:.0f} MiB: "
                          f"[bold]{result.months_left:.1f} months left[/bold]")
