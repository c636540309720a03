"""Comprasnet syncs, declared once for every entry point (HTTP, CLI, schedule, Celery; see syncs/spec.py):
the daily base sync of a UASG (a job), and a contract's tabs (on demand, in the caller's process)."""

from __future__ import annotations

from dataclasses import dataclass

from espelho.contratos import queries, sync
from espelho.contratos.schemas import ContratoSyncResult, UasgSyncResult
from espelho.jobs.registry import JobContext
from espelho.syncs.spec import SyncCall, SyncSpec, declare


@dataclass(frozen=True)
class UasgArgs:
    uasg: str
    inativos: bool | None = None  # also the inactive list; None: the setting contratos_incluir_inativos


def _check_uasg(_ctx: JobContext, args: UasgArgs) -> UasgArgs:
    return UasgArgs(queries.validate_uasg(args.uasg), args.inativos)


def _sync_uasg(call: SyncCall[UasgArgs]) -> UasgSyncResult:
    return sync.run_uasg_sync(call.ctx.database, call.ctx.settings, call.args.uasg,
                                 inativos=call.args.inativos, run_id=call.run_id)


# One run per UASG at a time.
UASG_SYNC = declare(SyncSpec(
    origem=sync.ORIGEM, args=UasgArgs, tipos={"UASG": "contratos.sync_uasg"},
    scope=lambda args: uasg_scope(args.uasg), check=_check_uasg, work=_sync_uasg,
))


def uasg_scope(codigo: str) -> str:
    return f"uasg:{codigo}"


@dataclass(frozen=True)
class ContratoArgs:
    contrato_id: int
    abas: tuple[str, ...] | None = None  # all four when None


def _check_contrato(ctx: JobContext, args: ContratoArgs) -> ContratoArgs:
    abas = tuple(queries.validate_abas(args.abas)) if args.abas is not None else None
    with ctx.database.session() as session:
        queries.get_contrato(session, args.contrato_id)
    return ContratoArgs(args.contrato_id, abas)


def _sync_contrato(call: SyncCall[ContratoArgs]) -> ContratoSyncResult:
    return sync.run_contrato_sync(call.ctx.database, call.ctx.settings, call.args.contrato_id,
                                     call.args.abas, run_id=call.run_id, progress=call.progress)


# One sync of a contract's tabs at a time; the on-demand tab sync of one tab (an HTTP request) takes the
# same lock (`contrato_scope`).
CONTRATO_SYNC = declare(SyncSpec(
    origem=sync.ORIGEM, args=ContratoArgs, tipos={"CONTRATO": None},
    scope=lambda args: contrato_scope(args.contrato_id), check=_check_contrato, work=_sync_contrato,
))


def contrato_scope(contrato_id: int) -> str:
    return f"contrato:{contrato_id}"
