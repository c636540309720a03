"""What is worth telling: obligations overdue or due soon, contracts whose vigência ends soon, failed syncs.

Read from the mirror as it is now. Each fact has a stable key (`Alerta.chave`) so it is announced once;
a fact that moves into a nearer band (7 → 3 → 1 days, 90 → 60 → 30 days) is a new fact. The WhatsApp
commands `atrasadas`, `semana` and `contratos` list the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from espelho.acessorias.models import Empresa, Obrigacao
from espelho.clock import now_utc
from espelho.contratos.models import Contrato
from espelho.syncs import service as runs
from espelho.syncs.models import Sincronizacao

FAIXAS_OBRIGACAO = (1, 3, 7)
FAIXAS_CONTRATO = (30, 60, 90)
# A failed sync is news for a day; older failures are not announced to a newly linked admin.
SYNC_RECENTE = timedelta(hours=24)
# Labels that close an obligation without a delivery date (as the web app's Obrigações page reads them).
_FECHADA = ("entregue", "ent.", "dispensad", "atraso justificado")


def pendente() -> ColumnElement[bool]:
    status = func.lower(func.coalesce(Obrigacao.status, ""))
    return and_(Obrigacao.data_entrega.is_(None), *(~status.startswith(label) for label in _FECHADA))


@dataclass(frozen=True)
class ObrigacaoPendente:
    id: int
    tipo: str
    empresa: str
    vencimento: date  # never None: the query requires it


def obrigacoes_pendentes(session: Session, *, de: date | None = None, ate: date | None = None,
                         antes_de: date | None = None, empresa_id: int | None = None,
                         limite: int | None = None) -> tuple[list[ObrigacaoPendente], int]:
    """Pending obligations due in [de, ate] (or before `antes_de`), soonest first, and how many there are."""
    conditions: list[ColumnElement[bool]] = [pendente(), Obrigacao.data_vencimento.is_not(None)]
    if de is not None:
        conditions.append(Obrigacao.data_vencimento >= de)
    if ate is not None:
        conditions.append(Obrigacao.data_vencimento <= ate)
    if antes_de is not None:
        conditions.append(Obrigacao.data_vencimento < antes_de)
    if empresa_id is not None:
        conditions.append(Obrigacao.empresa_id == empresa_id)
    total = session.scalar(select(func.count()).select_from(Obrigacao).where(*conditions)) or 0
    stmt = (select(Obrigacao.id, Obrigacao.tipo, Empresa.nome, Obrigacao.data_vencimento)
            .join(Empresa, Empresa.id == Obrigacao.empresa_id).where(*conditions)
            .order_by(Obrigacao.data_vencimento, Obrigacao.id))
    if limite is not None:
        stmt = stmt.limit(limite)
    return [ObrigacaoPendente(i, tipo, empresa, venc) for i, tipo, empresa, venc in session.execute(stmt)
            if venc is not None], total


def atrasadas(session: Session, hoje: date, limite: int | None = None) -> tuple[list[ObrigacaoPendente], int]:
    return obrigacoes_pendentes(session, antes_de=hoje, limite=limite)


def a_vencer(session: Session, hoje: date, dias: int,
             limite: int | None = None) -> tuple[list[ObrigacaoPendente], int]:
    return obrigacoes_pendentes(session, de=hoje, ate=hoje + timedelta(days=dias), limite=limite)


def contratos_a_vencer(session: Session, hoje: date, dias: int = FAIXAS_CONTRATO[-1],
                       limite: int | None = None) -> tuple[list[Contrato], int]:
    """Contracts whose vigência ends in [hoje, hoje + dias], soonest first."""
    conditions = [Contrato.vigencia_fim >= hoje, Contrato.vigencia_fim <= hoje + timedelta(days=dias)]
    total = session.scalar(select(func.count()).select_from(Contrato).where(*conditions)) or 0
    stmt = select(Contrato).where(*conditions).order_by(Contrato.vigencia_fim, Contrato.id)
    if limite is not None:
        stmt = stmt.limit(limite)
    return list(session.scalars(stmt)), total


def faixa(dias: int, faixas: Sequence[int]) -> int | None:
    """The nearest band `dias` falls in (1, 3, 7 or 30, 60, 90), None beyond the last."""
    return next((f for f in faixas if 0 <= dias <= f), None)


@dataclass(frozen=True)
class Alerta:
    chave: str
    # atrasada | vence:<faixa> | contrato:<faixa> | sync
    tipo: str
    descricao: str


def alertas_atuais(session: Session, hoje: date, *, admin: bool) -> list[Alerta]:
    """Every fact worth telling today (the caller drops those already told)."""
    found: list[Alerta] = []
    vencidas, _ = atrasadas(session, hoje)
    for o in vencidas:
        found.append(Alerta(f"obrigacao:{o.id}:atrasada", "atrasada",
                            f"{o.tipo} de {o.empresa} venceu em {o.vencimento:%d/%m}"))
    proximas, _ = a_vencer(session, hoje, FAIXAS_OBRIGACAO[-1])
    for o in proximas:
        banda = faixa((o.vencimento - hoje).days, FAIXAS_OBRIGACAO)
        found.append(Alerta(f"obrigacao:{o.id}:vence:{banda}", f"vence:{banda}",
                            f"{o.tipo} de {o.empresa} vence em {o.vencimento:%d/%m}"))
    contratos, _ = contratos_a_vencer(session, hoje)
    for c in contratos:
        if c.vigencia_fim is None:  # excluded by the query; narrows the type
            continue
        banda = faixa((c.vigencia_fim - hoje).days, FAIXAS_CONTRATO)
        # The end date is in the key: a contract extended (new vigência) is announced again.
        found.append(Alerta(f"contrato:{c.id}:{c.vigencia_fim.isoformat()}:{banda}", f"contrato:{banda}",
                            f"contrato {c.numero or c.id} termina em {c.vigencia_fim:%d/%m/%Y}"))
    if admin:
        for run in session.scalars(select(Sincronizacao).where(
                Sincronizacao.status == runs.ERRO, Sincronizacao.concluida_em >= now_utc() - SYNC_RECENTE)
                .order_by(Sincronizacao.id)):
            found.append(Alerta(f"sync:{run.id}", "sync", f"sincronização {run.origem} {run.escopo} falhou"))
    return found


def resumo(alertas: Sequence[Alerta]) -> str:
    """One line (template parameters take no line breaks): how many of each kind."""
    counts: dict[str, int] = {}
    for alerta in alertas:
        counts[alerta.tipo] = counts.get(alerta.tipo, 0) + 1
    partes: list[str] = []

    def plural(n: int, um: str, varios: str) -> str:
        return f"{n} {um if n == 1 else varios}"

    if n := counts.get("atrasada"):
        partes.append(plural(n, "obrigação atrasada", "obrigações atrasadas"))
    for banda in FAIXAS_OBRIGACAO:
        if n := counts.get(f"vence:{banda}"):
            dia = "1 dia" if banda == 1 else f"{banda} dias"
            partes.append(plural(n, f"obrigação vence em até {dia}", f"obrigações vencem em até {dia}"))
    for banda in FAIXAS_CONTRATO:
        if n := counts.get(f"contrato:{banda}"):
            partes.append(plural(n, f"contrato termina em até {banda} dias",
                                 f"contratos terminam em até {banda} dias"))
    if n := counts.get("sync"):
        partes.append(plural(n, "sincronização falhou", "sincronizações falharam"))
    return "; ".join(partes)
