"""Workload per responsável and the passos where open processes stand still, for one competência.

Definitions (the API documents them; the totals are computed by their own statements, so a test can check
that the rows add up); every rule is regras.py's:

* a process is in scope as on the dashboards (`metrics.scope`: not removed, not Excluído, of the
  competência); it is *open* by `regras.processo_aberto`;
* a passo is *pendente* by `regras.passo_pendente` and *concluído* when it is done (sub-process nodes carry
  no status and count as neither); its responsável is the step's `Responsavel`;
* an obrigação of the competência is *pendente* or *entregue* by its situação (a dispensada is in no
  count); *atrasadas* are a person's overdue obrigações of **any** competência as of today, since what is
  late from an earlier month is still theirs to do; its responsável is the delivery's;
* a person without a name is grouped under "Sem responsável";
* an open process *stands* on its first pending passo in tree order, since its last upstream change
  (`DtLastDH`; the start date when there is none): the upstream dates no step, and every step done
  moves `DtLastDH`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from espelho.acessorias import regras
from espelho.acessorias.metrics import scope
from espelho.acessorias.models import Obrigacao, Passo, Processo
from espelho.clock import today_sao_paulo
from espelho.db import count_if

SEM_RESPONSAVEL = "Sem responsável"
CAMPOS = (
    "passos_pendentes",
    "passos_concluidos",
    "obrigacoes_pendentes",
    "obrigacoes_atrasadas",
    "obrigacoes_entregues",
)


def _pessoa(column: Any) -> Any:
    return func.coalesce(func.nullif(func.trim(column), ""), SEM_RESPONSAVEL)


def _da_competencia(competencia: str | None) -> ColumnElement[bool]:
    return Obrigacao.competencia == competencia if competencia else true()


def _eu(condicao: ColumnElement[bool] | None, grouped: bool) -> list[Any]:
    """With the rows grouped by person, how many of a row's are the caller's (regras' "mine")."""
    return [count_if(condicao if condicao is not None else false())] if grouped else []


def _passos_stmt(competencia: str | None, grouped: bool, eu: regras.Pessoa | None = None) -> Any:
    pessoa = _pessoa(Passo.responsavel).label("pessoa")
    columns = [
        count_if(regras.passo_pendente()),
        count_if(and_(Passo.concluido.is_(True), Passo.status.is_not(None))),
        *_eu(regras.passo_da_pessoa(eu) if eu else None, grouped),
    ]
    stmt = select(*([pessoa] if grouped else []), *columns).join(Processo, Processo.id == Passo.processo_id)
    stmt = stmt.where(*scope(competencia, None))
    return stmt.group_by(pessoa) if grouped else stmt


def _obrigacoes_stmt(competencia: str | None, hoje: date, grouped: bool,
                     eu: regras.Pessoa | None = None) -> Any:
    pessoa = _pessoa(Obrigacao.responsavel).label("pessoa")
    da_competencia = _da_competencia(competencia)
    columns = [
        count_if(and_(da_competencia, regras.pendente())),
        count_if(regras.atrasada(hoje)),
        count_if(and_(da_competencia, regras.entregue())),
        *_eu(regras.obrigacao_da_pessoa(eu) if eu else None, grouped),
    ]
    # Rows of the competência, plus the overdue ones of any competência.
    stmt = select(*([pessoa] if grouped else []), *columns).where(or_(da_competencia, regras.atrasada(hoje)))
    return stmt.group_by(pessoa) if grouped else stmt


def responsaveis(session: Session, competencia: str | None,
                 eu: regras.Pessoa | None = None) -> dict[str, Any]:
    """Per person; with `eu` (the caller's person), the row that is theirs says `eu: true`."""
    hoje = today_sao_paulo()
    people: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CAMPOS, 0))
    meus: set[str] = set()
    for nome, pendentes, concluidos, mine in session.execute(_passos_stmt(competencia, True, eu)):
        meus |= {nome} if mine else set()
        people[nome].update(passos_pendentes=int(pendentes), passos_concluidos=int(concluidos))
    for nome, pendentes, atrasadas, entregues, mine in session.execute(
            _obrigacoes_stmt(competencia, hoje, True, eu)):
        meus |= {nome} if mine else set()
        people[nome].update(
            obrigacoes_pendentes=int(pendentes),
            obrigacoes_atrasadas=int(atrasadas),
            obrigacoes_entregues=int(entregues),
        )
    passos = session.execute(_passos_stmt(competencia, False)).one()
    obrigacoes = session.execute(_obrigacoes_stmt(competencia, hoje, False)).one()
    totais = dict(zip(CAMPOS, (int(v) for v in (*passos, *obrigacoes)), strict=True))
    items: list[dict[str, Any]] = [
        {
            "responsavel": nome,
            **counts,
            "concluidos": counts["passos_concluidos"] + counts["obrigacoes_entregues"],
            "eu": nome in meus,
        }
        for nome, counts in people.items()
        if any(counts.values())
    ]
    items.sort(key=lambda i: (-(i["passos_pendentes"] + i["obrigacoes_pendentes"]), i["responsavel"]))
    totais["concluidos"] = totais["passos_concluidos"] + totais["obrigacoes_entregues"]
    return {"competencia": competencia, "data": hoje, "items": items, "totais": totais}


def gargalos(session: Session, competencia: str | None) -> dict[str, Any]:
    hoje = today_sao_paulo()
    abertos = [*scope(competencia, None), regras.processo_aberto()]
    ordem = (
        func.row_number().over(partition_by=Passo.processo_id, order_by=(Passo.ordem, Passo.id)).label("n")
    )
    pendentes = (
        select(
            Processo.nome.label("modelo"),
            Passo.nome.label("passo"),
            Processo.dt_last_dh,
            Processo.data_inicio,
            ordem,
        )
        .join(Processo, Processo.id == Passo.processo_id)
        .where(*abertos, regras.passo_pendente())
        .subquery()
    )
    waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
    rows = session.execute(
        select(pendentes.c.modelo, pendentes.c.passo, pendentes.c.dt_last_dh, pendentes.c.data_inicio).where(
            pendentes.c.n == 1
        )
    )
    for modelo, passo, last_change, inicio in rows:
        waiting[(modelo, passo)].append(regras.dias_parado(last_change, inicio, hoje))
    total_abertos = session.scalar(select(func.count()).select_from(Processo).where(*abertos)) or 0
    items: list[dict[str, Any]] = [
        {
            "modelo": modelo,
            "passo": passo,
            "processos": len(days),
            "mediana_dias": float(median(days)),
            "max_dias": max(days),
        }
        for (modelo, passo), days in waiting.items()
    ]
    items.sort(key=lambda i: (-i["processos"], -i["mediana_dias"], i["modelo"], i["passo"]))
    parados = sum(i["processos"] for i in items)
    return {
        "competencia": competencia,
        "data": hoje,
        "em_andamento": total_abertos,
        "sem_passo_pendente": total_abertos - parados,
        "items": items,
    }
