"""How fresh each mirror is, and what the syncs may spend between full sweeps.

- `atualizado_ate`: every upstream change made before it is mirrored. A sync run reads the upstream's lists
  after it starts, so a successful base run (a full or incremental office sync, a UASG list) proves its
  start; over several scopes (UASGs) the oldest of their latest proofs counts. The probe (acessorias/sync.py
  `run_probe`) proves its own start, so the newer of the two is the answer.
- The budget: the office's probe and incrementals use at most `acessorias_budget_pct` % of
  `acessorias_rate_limit`, averaged over BUDGET_WINDOW. The probe asks before it runs and backs off when the
  budget is short; the 15-minute incremental, the safety net, always runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from espelho.config import Settings
from espelho.syncs import service as runs
from espelho.syncs.models import Sincronizacao, Sondagem

BUDGET_WINDOW = timedelta(minutes=15)
ORIGENS = ("ACESSORIAS", "COMPRASNET")
# On-demand runs (a contract's tabs) and runs of one competência say nothing about the whole list.
PARTIAL_TIPOS = ("CONTRATO",)
# The runs that spend the budget beside the probe (a full sync is manual and left outside it).
BUDGETED_TIPOS = ("INCREMENTAL", "MANUAL")


class Budget(NamedTuple):
    rate_limit_calls: float  # what the rate limit allows over BUDGET_WINDOW
    pct: int

    @property
    def calls(self) -> float:
        """The syncs' share of it."""
        return self.rate_limit_calls * self.pct / 100


def budget(settings: Settings, origem: str) -> Budget | None:
    """The syncs' share of an upstream's rate limit, for the upstreams that have a probe."""
    if origem != "ACESSORIAS":
        return None
    window_minutes = BUDGET_WINDOW.total_seconds() / 60
    return Budget(settings.acessorias_rate_limit * window_minutes, settings.acessorias_budget_pct)


def _probe_row(session: Session, origem: str) -> Sondagem | None:
    return session.get(Sondagem, origem)


def base_runs_fresh_until(session: Session, origem: str) -> datetime | None:
    """The oldest of the latest successful base runs of each scope of `origem` (None: never synced)."""
    latest = (
        select(Sincronizacao.escopo, func.max(Sincronizacao.iniciada_em).label("em"))
        .where(Sincronizacao.origem == origem, Sincronizacao.status == runs.CONCLUIDA,
               Sincronizacao.competencia.is_(None), Sincronizacao.tipo.not_in(PARTIAL_TIPOS))
        .group_by(Sincronizacao.escopo)
        .subquery()
    )
    return session.scalar(select(func.min(latest.c.em)))


def atualizado_ate(session: Session, origem: str) -> datetime | None:
    base = base_runs_fresh_until(session, origem)
    row = _probe_row(session, origem)
    probed = row.atualizado_ate if row is not None else None
    if base is None or probed is None:
        return base or probed
    return max(base, probed)


def calls_spent(session: Session, origem: str, now: datetime) -> int:
    """Upstream calls of the probe and the incrementals over the last BUDGET_WINDOW."""
    since = now - BUDGET_WINDOW
    row = _probe_row(session, origem)
    probes = sum(int(calls) for at, calls in (row.chamadas if row else []) if at > since.timestamp())
    incrementals = session.scalar(
        select(func.coalesce(func.sum(Sincronizacao.api_calls), 0))
        .where(Sincronizacao.origem == origem, Sincronizacao.tipo.in_(BUDGETED_TIPOS),
               Sincronizacao.concluida_em > since))
    return probes + int(incrementals or 0)


def budget_used_pct(session: Session, settings: Settings, origem: str, now: datetime) -> float | None:
    """The share of the rate limit the syncs used over the last window (None: no budget for it)."""
    allowed = budget(settings, origem)
    if allowed is None:
        return None
    return round(100 * calls_spent(session, origem, now) / allowed.rate_limit_calls, 1)


def probe_may_run(session: Session, settings: Settings, origem: str, now: datetime, cost: int) -> bool:
    allowed = budget(settings, origem)
    return allowed is None or calls_spent(session, origem, now) + cost <= allowed.calls


def _row(session: Session, origem: str) -> Sondagem:
    row = _probe_row(session, origem)
    if row is None:
        row = Sondagem(origem=origem, chamadas=[])
        session.add(row)
    return row


def record_probe(session: Session, origem: str, *, started: datetime, calls: int, now: datetime,
                 changed: bool) -> None:
    """A probe that ran to its end: it proves `started`, its calls join the ledger, and `changed` (it wrote
    something into the mirror) moves `mudou_em`."""
    row = _row(session, origem)
    if changed:
        row.mudou_em = now
    if row.atualizado_ate is None or started > row.atualizado_ate:
        row.atualizado_ate = started
    row.executada_em, row.adiada_em = now, None
    since = (now - BUDGET_WINDOW).timestamp()
    row.chamadas = [entry for entry in row.chamadas if entry[0] > since] + [[now.timestamp(), calls]]


def record_postponed(session: Session, origem: str, now: datetime) -> None:
    _row(session, origem).adiada_em = now


class FrescorOut(BaseModel):
    origem: str
    atualizado_ate: datetime | None = Field(description="Every upstream change made before this moment is "
                                            "mirrored (null: never synced)")
    atraso_s: float | None = Field(description="Seconds since `atualizado_ate`: the freshness lag")
    sondagem: Literal["ativa", "adiada", "sem_sondagem"] = Field(description=(
        "The probe between syncs: running, backing off because the budget ran short, or none for this "
        "upstream"))
    sondagem_em: datetime | None = Field(description="The last probe that ran to its end")
    mudou_em: datetime | None = Field(description=(
        "The last probe that wrote a change into the mirror (a sync run that did is in `ultimas`): when it "
        "moves, the data is worth reloading"))
    orcamento_pct: int | None = Field(description="The share (%) of the rate limit the syncs may use")
    orcamento_usado_pct: float | None = Field(description="The share (%) of the rate limit the probe and the "
                                              "incrementals used over the last 15 minutes")
    aviso: str | None = Field(description="What an operator should know, in Portuguese")


def frescor(session: Session, settings: Settings, now: datetime) -> list[FrescorOut]:
    out = []
    for origem in ORIGENS:
        until = atualizado_ate(session, origem)
        row = _probe_row(session, origem)
        allowed = budget(settings, origem)
        postponed = row is not None and row.adiada_em is not None
        estado: Literal["ativa", "adiada", "sem_sondagem"] = (
            "sem_sondagem" if allowed is None else "adiada" if postponed else "ativa")
        aviso = ("Orçamento de chamadas esgotado: a sondagem espera; a sincronização de 15 minutos continua."
                 if postponed else None)
        out.append(FrescorOut(
            origem=origem, atualizado_ate=until,
            atraso_s=None if until is None else round((now - until).total_seconds(), 1),
            sondagem=estado, sondagem_em=row.executada_em if row else None,
            mudou_em=row.mudou_em if row else None,
            orcamento_pct=allowed.pct if allowed else None,
            orcamento_usado_pct=budget_used_pct(session, settings, origem, now), aviso=aviso))
    return out
