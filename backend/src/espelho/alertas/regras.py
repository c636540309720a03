"""What is worth telling: obligations overdue or due soon, contracts whose vigência ends soon, failed syncs.

Read from the mirror as it is now, through the domains' rules (acessorias/regras.py, the contract bands of
contratos/queries.py), so an alert counts what the WhatsApp commands and the web app list. Each fact has a
stable key (`Alerta.chave`) so it is announced once; a fact that moves into a nearer band (7 → 3 → 1
days, 90 → 60 → 30 days) is a new fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from espelho.acessorias import queries, regras
from espelho.clock import now_utc
from espelho.contratos import queries as contratos
from espelho.syncs import service as runs
from espelho.syncs.models import Sincronizacao

# Bands of "due soon", within regras.VENCEM_DIAS: an obligation is announced again in a nearer one.
FAIXAS_OBRIGACAO = (1, 3, regras.VENCEM_DIAS)
# A failed sync is news for a day; older failures are not announced to a newly linked admin.
SYNC_RECENTE = timedelta(hours=24)


def faixa_obrigacao(dias: int) -> int | None:
    return next((faixa for faixa in FAIXAS_OBRIGACAO if 0 <= dias <= faixa), None)


@dataclass(frozen=True)
class Alerta:
    chave: str
    # atrasada | vence:<faixa> | contrato:<faixa> | sync
    tipo: str
    descricao: str


def alertas_atuais(session: Session, hoje: date, *, admin: bool, escritorio: bool = True,
                   pessoa: regras.Pessoa | None = None) -> list[Alerta]:
    """Every fact worth telling today (the caller drops those already told). Obligations: the whole
    office's with `escritorio` (those with no responsável included), else `pessoa`'s, else none."""
    found: list[Alerta] = []
    if escritorio or pessoa is not None:
        found += _obrigacoes(session, hoje, None if escritorio else pessoa)
    found += _contratos(session, hoje)
    if admin:
        for run in session.scalars(select(Sincronizacao).where(
                Sincronizacao.status == runs.ERRO, Sincronizacao.concluida_em >= now_utc() - SYNC_RECENTE)
                .order_by(Sincronizacao.id)):
            found.append(Alerta(f"sync:{run.id}", "sync", f"sincronização {run.origem} {run.escopo} falhou"))
    return found


def _obrigacoes(session: Session, hoje: date, pessoa: regras.Pessoa | None) -> list[Alerta]:
    """Overdue and due-soon obligations (of `pessoa` when given: regras' "mine")."""
    found: list[Alerta] = []
    vencidas, _ = queries.obrigacoes_onde(session, regras.atrasada(hoje), hoje, pessoa=pessoa)
    for o in vencidas:
        found.append(Alerta(f"obrigacao:{o.id}:atrasada", "atrasada",
                            f"{o.tipo} de {o.empresa} venceu em {o.vencimento:%d/%m}"))
    proximas, _ = queries.obrigacoes_onde(session, regras.vencem_em(hoje), hoje, pessoa=pessoa)
    for o in proximas:
        if o.vencimento is None:  # excluded by the rule; narrows the type
            continue
        banda = faixa_obrigacao((o.vencimento - hoje).days)
        found.append(Alerta(f"obrigacao:{o.id}:vence:{banda}", f"vence:{banda}",
                            f"{o.tipo} de {o.empresa} vence em {o.vencimento:%d/%m}"))
    return found


def _contratos(session: Session, hoje: date) -> list[Alerta]:
    found: list[Alerta] = []
    a_vencer, _ = contratos.contratos_a_vencer(session)
    for c in a_vencer:
        if c.vigencia_fim is None:  # excluded by the query; narrows the type
            continue
        banda = contratos.faixa_vigencia((c.vigencia_fim - hoje).days)
        # The end date is in the key: a contract extended (new vigência) is announced again.
        found.append(Alerta(f"contrato:{c.id}:{c.vigencia_fim.isoformat()}:{banda}", f"contrato:{banda}",
                            f"contrato {c.numero or c.id} termina em {c.vigencia_fim:%d/%m/%Y}"))
    return found


def _plural(n: int, um: str, varios: str) -> str:
    return f"{n} {um if n == 1 else varios}"


def resumo(alertas: Sequence[Alerta]) -> str:
    """One line (template parameters take no line breaks): how many of each kind. "Vencem em até 7 dias"
    counts every band, as `semana` and the web app's window do: due from today to today + 7 days."""
    counts: dict[str, int] = {}
    for alerta in alertas:
        counts[alerta.tipo] = counts.get(alerta.tipo, 0) + 1
    partes: list[str] = []
    if n := counts.get("atrasada"):
        partes.append(_plural(n, "obrigação atrasada", "obrigações atrasadas"))
    if n := sum(counts.get(f"vence:{banda}", 0) for banda in FAIXAS_OBRIGACAO):
        prazo = f"em até {regras.VENCEM_DIAS} dias"
        partes.append(_plural(n, f"obrigação vence {prazo}", f"obrigações vencem {prazo}"))
    for banda in contratos.FAIXAS_VIGENCIA:
        if n := counts.get(f"contrato:{banda}"):
            faixa = f"em {contratos.rotulo_faixa(banda)}"
            partes.append(_plural(n, f"contrato termina {faixa}", f"contratos terminam {faixa}"))
    if n := counts.get("sync"):
        partes.append(_plural(n, "sincronização falhou", "sincronizações falharam"))
    return "; ".join(partes)
