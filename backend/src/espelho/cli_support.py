"""What every `espelho` command shares (a leaf: the command modules import it, it imports none of them)."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from espelho.config import Settings
from espelho.logging_setup import configure_logging

# Messages and progress go to stderr, so `--json` output on stdout stays clean.
console = Console(stderr=True)


def load_settings() -> Settings:
    """Fresh settings from the environment, with logging configured; for every command."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


class _EtaColumn(ProgressColumn):
    """The sync's own estimate (`eta` field: seconds, from the calls left and the rate limit), when given."""

    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        if eta is None:
            return Text("")
        minutes, seconds = divmod(int(eta), 60)
        return Text(f"ETA {minutes}:{seconds:02d}", style="progress.remaining")


def progress_bar() -> Progress:
    """The bar long syncs show on a terminal."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    _EtaColumn(), console=console, transient=True)


def print_json(payload: Any) -> None:
    """The one JSON object a `--json` command prints as its last stdout line."""
    typer.echo(json.dumps(payload, ensure_ascii=False, default=str))


def fail(code: int, message: str, *, as_json: bool, **extra: Any) -> NoReturn:
    """End a command with `code`: `{"status": "ERRO", "erro": …}` with --json, a red line otherwise."""
    if as_json:
        print_json({"status": "ERRO", "erro": message, **extra})
    else:
        console.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code)
