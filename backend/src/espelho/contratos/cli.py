"""`espelho sync-comprasnet --uasg CODE [--inativos] | --contrato ID [--abas …] [--json]`."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from espelho.cli_support import console, fail, print_json, progress_bar
from espelho.contratos import queries
from espelho.contratos.abas import ABAS
from espelho.contratos.schemas import ContratoSyncResult, UasgSyncResult
from espelho.contratos.tasks import CONTRATO_SYNC, UASG_SYNC, ContratoArgs, UasgArgs
from espelho.errors import EspelhoError, InvalidInput, NotFound
from espelho.jobs.cli import job_context
from espelho.jobs.registry import JobContext
from espelho.syncs.service import Progresso
from espelho.syncs.spec import run_now

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
        inativos: bool = typer.Option(
            False,
            "--inativos",
            help="With --uasg: also fetch the inactive list (/contrato/inativo/ug/CODE): two upstream calls. "
            "Default: the setting ESPELHO_CONTRATOS_INCLUIR_INATIVOS.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object as the last stdout line."),
    ) -> None:
        """Mirror Comprasnet Contratos: a UASG's contract list, or one contract's tabs."""
        # Usage problems are settled before any database or upstream work.
        if (uasg is None) == (contrato is None):
            fail(EXIT_USAGE, "choose exactly one of --uasg CODE or --contrato ID", as_json=as_json)
        if abas is not None and contrato is None:
            fail(EXIT_USAGE, "--abas goes with --contrato", as_json=as_json)
        if inativos and uasg is None:
            fail(EXIT_USAGE, "--inativos goes with --uasg", as_json=as_json)
        try:
            codigo = queries.validate_uasg(uasg) if uasg is not None else None
            tabs = tuple(queries.validate_abas(abas.split(","))) if abas is not None else None
        except InvalidInput as exc:
            fail(EXIT_USAGE, exc.message, as_json=as_json)

        with job_context() as ctx:
            try:
                if codigo is not None:
                    result: UasgSyncResult | ContratoSyncResult = _sync_uasg(
                        ctx, as_json, UasgArgs(codigo, True if inativos else None))
                else:
                    assert contrato is not None
                    result = _sync_contrato(ctx, as_json, ContratoArgs(contrato, tabs))
            except NotFound as exc:
                fail(EXIT_USAGE, exc.message, as_json=as_json)
            except (EspelhoError, OSError, SQLAlchemyError) as exc:
                message = exc.message if isinstance(exc, EspelhoError) else str(exc)
                fail(EXIT_UPSTREAM, message, as_json=as_json, tipo=type(exc).__name__)

        if as_json:
            print_json(result.model_dump(mode="json"))
        if isinstance(result, ContratoSyncResult) and result.erros:
            raise typer.Exit(EXIT_UPSTREAM)


def _sync_uasg(ctx: JobContext, as_json: bool, args: UasgArgs) -> UasgSyncResult:
    codigo = args.uasg
    if as_json or not console.is_terminal:
        result = run_now(ctx, UASG_SYNC, "UASG", args)
    else:
        # One call, possibly ~50 s to first byte on a big UASG: a spinner says we are waiting, not stuck.
        with console.status(f"Fetching the contract list of UASG {codigo} from Comprasnet…"):
            result = run_now(ctx, UASG_SYNC, "UASG", args)
    if not as_json:
        console.print(
            f"[green]UASG {codigo} synced[/green] in {result.duration_s:.1f} s: "
            f"{result.contratos_processados} contracts kept ({result.contratos_novos} new, "
            f"{result.contratos_atualizados} updated), {result.fora_da_vigencia} outside the vigência "
            f"window, {result.invalidos} malformed, {result.api_calls} upstream call(s)"
            + (f" ({result.inativos_recebidos} from the inactive list)" if result.inativos else "")
        )
        if result.campos_invalidos:
            fields = ", ".join(f"{campo} ×{n}" for campo, n in sorted(result.campos_invalidos.items()))
            console.print(f"  [yellow]unreadable fields stored as empty[/yellow]: {fields}")
        for problem in result.erros:
            console.print(
                f"  [yellow]skipped[/yellow] record #{problem.indice} (id {problem.id}): {problem.erro}")
    return result


def _sync_contrato(ctx: JobContext, as_json: bool, args: ContratoArgs) -> ContratoSyncResult:
    if as_json or not console.is_terminal:
        result = run_now(ctx, CONTRATO_SYNC, "CONTRATO", args)
    else:
        with progress_bar() as bar:
            task = bar.add_task(f"Contract {args.contrato_id}", total=len(args.abas or ABAS))

            def progress(at: Progresso) -> None:
                bar.update(task, completed=at.feitos, description=f"Contract {args.contrato_id}: {at.fase}")

            result = run_now(ctx, CONTRATO_SYNC, "CONTRATO", args, progress=progress)
    if not as_json:
        for aba, info in result.abas.items():
            if info.status == "ok":
                console.print(f"  [green]{aba}[/green]: {info.registros} rows ({info.api_calls} call(s))")
            else:
                console.print(f"  [red]{aba}[/red]: {info.erro}")
        console.print(
            f"Contract {args.contrato_id}: {result.api_calls} upstream call(s) in {result.duration_s:.1f} s"
        )
    return result
