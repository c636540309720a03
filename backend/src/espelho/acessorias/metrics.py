"""Dashboard metrics over `processos`, read through the `metricas_cache` table.

Each metric is ONE aggregate SQL statement. Its result is cached per (competencia, regime_tributario,
metrica_tipo) with `calculada_em` = the moment just before the statement ran (the data is at least that
fresh). A cached row is served only while it is valid:

* the sync deletes the rows of every competência it touched, plus the cross-competência rows
  (competencia NULL) — `acessorias.cache.mark_competencias_changed`, in the same transaction as the data;
* a row computed while an Acessórias sync run was in progress is not trusted (its aggregate may have read
  a snapshot taken just before a process commit of that run, and been inserted just after the run's
  delete); it is recomputed on the next read once the run ended, or on every read while the run lives.

So after any sync that changed a process, the next dashboard call reflects it, and a competência whose data
did not change keeps its cached figures.

Definitions (the API documents them; the rules are regras.py's): a process counts when it is not removed
(`removido_em` NULL) and not Excluído; `concluidos` are Concluído, `abertos` open
(`regras.processo_aberto`), `em_andamento` have the status "Em andamento" (one kind of open);
`taxa_conclusao` = concluidos / total × 100; `media_conclusao` = mean `porcentagem_conclusao`;
`media_dias` = mean `dias_corridos` of the concluded processes; `total_empresas` = distinct empresas.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from espelho.acessorias import regras
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import MetricaCache, Processo
from espelho.acessorias.queries import (
    COMPETENCIA_ORDEM,
    EM_ANDAMENTO,
    INDEFINIDO,
    canonical_regime,
    regime_condition,
)
from espelho.clock import now_utc, today_sao_paulo
from espelho.db import Database, count_if, upsert
from espelho.syncs.models import Sincronizacao

RESUMO = "resumo"
REGIMES = "regimes"
TIMELINE = "timeline"
TIMELINE_DIARIA = "timeline_diaria"
MESMO_DIA = "mesmo_dia"
RESUMO_FIELDS = (
    "total_processos",
    "concluidos",
    "abertos",
    "em_andamento",
    "taxa_conclusao",
    "media_conclusao",
    "media_dias",
    "total_empresas",
)
# A run whose heartbeat is older than this crashed; it no longer blocks the cache.
_LIVE_RUN_HEARTBEAT = timedelta(minutes=15)


def _active() -> ColumnElement[bool]:
    return and_(Processo.removido_em.is_(None), ~regras.processo_excluido())


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _rate(done: int, total: int) -> float:
    return round(done * 100.0 / total, 2) if total else 0.0


def scope(competencia: str | None, regime: str | None) -> list[ColumnElement[bool]]:
    conditions = [_active()]
    if competencia is not None:
        conditions.append(Processo.competencia == competencia)
    if regime is not None:
        conditions.append(regime_condition(Processo.regime_tributario, regime))
    return conditions


_concluido = regras.processo_concluido()


# ---- the aggregate statements -------------------------------------------------------------------------


def compute_resumo(session: Session, competencia: str | None, regime: str | None = None) -> dict[str, Any]:
    row = session.execute(
        select(
            func.count(),
            count_if(_concluido),
            count_if(regras.processo_aberto()),
            count_if(Processo.status == EM_ANDAMENTO),
            func.avg(Processo.porcentagem_conclusao),
            func.avg(case((_concluido, Processo.dias_corridos))),
            func.count(distinct(Processo.empresa_id)),
        ).where(*scope(competencia, regime))
    ).one()
    total, concluidos = int(row[0]), int(row[1])
    return {
        "total_processos": total,
        "concluidos": concluidos,
        "abertos": int(row[2]),
        "em_andamento": int(row[3]),
        "taxa_conclusao": _rate(concluidos, total),
        "media_conclusao": _num(row[4]),
        "media_dias": _num(row[5]),
        "total_empresas": int(row[6]),
    }


def _regime_label() -> Any:
    return func.coalesce(func.nullif(Processo.regime_tributario, ""), INDEFINIDO)


def compute_regimes(session: Session, competencia: str | None) -> list[dict[str, Any]]:
    label = _regime_label().label("regime")
    rows = session.execute(
        select(
            label,
            func.count(),
            count_if(_concluido),
            count_if(Processo.status == EM_ANDAMENTO),
            func.avg(Processo.porcentagem_conclusao),
            func.avg(case((_concluido, Processo.dias_corridos))),
        )
        .where(*scope(competencia, None))
        .group_by(label)
    ).all()
    items = [
        {
            "regime": r[0],
            "total": int(r[1]),
            "concluidos": int(r[2]),
            "em_andamento": int(r[3]),
            "taxa_conclusao": _rate(int(r[2]), int(r[1])),
            "media_conclusao": _num(r[4]),
            "media_dias": _num(r[5]),
        }
        for r in rows
    ]
    return sorted(items, key=lambda item: (-item["total"], item["regime"]))


def compute_timeline(session: Session, de: Competencia | None,
                     ate: Competencia | None) -> list[dict[str, Any]]:
    """Per competência in [de, ate] (inclusive; None = open): totals and completions."""
    conditions = [_active(), Processo.competencia.is_not(None)]
    if de:
        conditions.append(de.ordem <= COMPETENCIA_ORDEM)
    if ate:
        conditions.append(ate.ordem >= COMPETENCIA_ORDEM)
    rows = session.execute(
        select(Processo.competencia, func.count(), count_if(_concluido))
        .where(*conditions)
        .group_by(Processo.competencia)
    ).all()
    items = [
        {
            "competencia": r[0],
            "total": int(r[1]),
            "concluidos": int(r[2]),
            "taxa_conclusao": _rate(int(r[2]), int(r[1])),
        }
        for r in rows
    ]
    return sorted(items, key=lambda item: Competencia.parse(item["competencia"]).ordem)


def compute_timeline_diaria(session: Session, competencia: str) -> list[dict[str, Any]]:
    """Inside one competência, per day: processes started (`total`) and concluded (`concluidos`) that day."""
    in_scope = scope(competencia, None)
    started = select(
        Processo.data_inicio.label("dia"), literal(1).label("ini"), literal(0).label("fim")
    ).where(*in_scope, Processo.data_inicio.is_not(None))
    ended = select(
        Processo.data_conclusao.label("dia"), literal(0).label("ini"), literal(1).label("fim")
    ).where(*in_scope, _concluido, Processo.data_conclusao.is_not(None))
    both = union_all(started, ended).subquery()
    rows = session.execute(
        select(both.c.dia, func.sum(cast(both.c.ini, Integer)), func.sum(cast(both.c.fim, Integer)))
        .group_by(both.c.dia)
        .order_by(both.c.dia)
    ).all()
    return [{"data": _as_date(r[0]).isoformat(), "total": int(r[1]), "concluidos": int(r[2])} for r in rows]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---- the cache ----------------------------------------------------------------------------------------


def _same(column: Any, value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _trusted() -> ColumnElement[bool]:
    """No Acessórias run was in progress when the row was computed (or is in progress since)."""
    run = Sincronizacao
    return ~exists().where(
        run.origem == "ACESSORIAS",
        run.iniciada_em <= MetricaCache.calculada_em,
        or_(
            run.concluida_em >= MetricaCache.calculada_em,
            and_(
                run.concluida_em.is_(None),
                or_(
                    run.heartbeat_em >= MetricaCache.calculada_em,
                    run.heartbeat_em >= bindparam("live_since", type_=run.heartbeat_em.type),
                ),
            ),
        ),
    )


@cache
def _read_statement(with_values: bool, with_null: bool, regime_null: bool) -> Any:
    """The cache read, built once per shape (the dashboards call it on every request)."""
    by_comp = [MetricaCache.competencia.in_(bindparam("competencias", expanding=True))] if with_values else []
    if with_null:
        by_comp.append(MetricaCache.competencia.is_(None))
    regime = (
        MetricaCache.regime_tributario.is_(None)
        if regime_null
        else MetricaCache.regime_tributario == bindparam("regime")
    )
    return (
        select(MetricaCache.competencia, MetricaCache.valor, MetricaCache.calculada_em)
        .where(or_(*by_comp), regime, MetricaCache.metrica_tipo == bindparam("tipo"), _trusted())
        .order_by(MetricaCache.calculada_em.desc())
    )


def read_cached(
    session: Session, competencias: Sequence[str | None], regime: str | None, metrica_tipo: str
) -> dict[str | None, tuple[Any, datetime]]:
    """The trusted cached value of each competência (newest row wins), keyed by competência."""
    wanted = [c for c in competencias if c is not None]
    stmt = _read_statement(bool(wanted), None in competencias, regime is None)
    params: dict[str, Any] = {"tipo": metrica_tipo, "live_since": now_utc() - _LIVE_RUN_HEARTBEAT}
    if wanted:
        params["competencias"] = wanted
    if regime is not None:
        params["regime"] = regime
    found: dict[str | None, tuple[Any, datetime]] = {}
    for competencia, valor, calculada_em in session.execute(stmt, params):
        found.setdefault(competencia, (valor, calculada_em))
    return found


def run_in_progress(session: Session) -> bool:
    """An Acessórias sync is running (recent heartbeat). What is computed now would not be trusted once it
    ends, so it is served but not stored — which also keeps dashboard reads from queueing behind the sync's
    writes on SQLite."""
    run = Sincronizacao
    live = select(run.id).where(
        run.origem == "ACESSORIAS",
        run.concluida_em.is_(None),
        run.heartbeat_em >= now_utc() - _LIVE_RUN_HEARTBEAT,
    )
    return session.scalar(live.limit(1)) is not None


def store(
    session: Session,
    competencia: str | None,
    regime: str | None,
    metrica_tipo: str,
    valor: Any,
    calculada_em: datetime,
) -> None:
    """Replace the cached row. A concurrent writer of the same key wins harmlessly (same figures)."""
    try:
        with session.begin_nested():
            session.execute(
                delete(MetricaCache)
                .where(
                    _same(MetricaCache.competencia, competencia),
                    _same(MetricaCache.regime_tributario, regime),
                    MetricaCache.metrica_tipo == metrica_tipo,
                )
                .execution_options(synchronize_session=False)
            )
            upsert(
                session,
                MetricaCache,
                [
                    {
                        "competencia": competencia,
                        "regime_tributario": regime,
                        "metrica_tipo": metrica_tipo,
                        "valor": valor,
                        "calculada_em": calculada_em,
                    }
                ],
                index_elements=["competencia", "regime_tributario", "metrica_tipo"],
            )
    except IntegrityError:  # pragma: no cover - a racing insert of the same key
        pass


def _held(session: Session, competencias: Sequence[str | None], regime: str | None = None) -> bool:
    """Every given competência and the regime belong to some processo. The cache is keyed by them, so only
    values the mirror holds become keys: made-up ones a client asks for cannot grow the table (their
    figures, zeros, are computed and served but not stored)."""
    conditions = [Processo.competencia == c for c in competencias if c is not None]
    if regime is not None:
        conditions.append(regime_condition(Processo.regime_tributario, regime))
    return all(session.scalar(select(Processo.id).where(c).limit(1)) is not None for c in conditions)


def cached(
    session: Session,
    competencia: str | None,
    regime: str | None,
    metrica_tipo: str,
    compute: Any,
    key_competencias: Sequence[str | None],
) -> tuple[Any, datetime, bool]:
    """(value, calculada_em, hit) — computed with `compute()` and stored when missing or untrusted, if the
    competências the key is made of are `_held`."""
    found = read_cached(session, [competencia], regime, metrica_tipo).get(competencia)
    if found is not None:
        return found[0], found[1], True
    calculada_em = now_utc()
    value = compute()
    if not run_in_progress(session) and _held(session, key_competencias, regime):
        store(session, competencia, regime, metrica_tipo, value, calculada_em)
    return value, calculada_em, False


# ---- what the endpoints call --------------------------------------------------------------------------


def _variacao(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in RESUMO_FIELDS:
        now_value, before = current.get(name), previous.get(name)
        if now_value is None or before is None:
            out[name] = {"anterior": before, "diferenca": None, "percentual": None}
            continue
        diff = round(now_value - before, 2)
        percent = round(diff * 100.0 / float(before), 2) if before else None
        out[name] = {"anterior": before, "diferenca": diff, "percentual": percent}
    return out


def dashboard_metricas(
    session: Session, competencia: Competencia | None, regime: str | None = None
) -> dict[str, Any]:
    regime = canonical_regime(regime) if regime else None  # one cache key per regime, however spelled
    anterior = competencia.anterior() if competencia else None
    keys: list[str | None] = [competencia] if anterior is None else [competencia, anterior]
    found = read_cached(session, keys, regime, RESUMO)
    missing = [key for key in keys if key not in found]
    keep = bool(missing) and not run_in_progress(session)
    for key in missing:
        calculada_em = now_utc()
        value = compute_resumo(session, key, regime)
        if keep and _held(session, [key], regime):
            store(session, key, regime, RESUMO, value, calculada_em)
        found[key] = (value, calculada_em)
    current, calculada_em = found[competencia]
    result: dict[str, Any] = {
        "competencia": competencia,
        "regime": regime,
        **current,
        "competencia_anterior": anterior,
        "variacao": None,
        "mesmo_dia_anterior": None,
    }
    if anterior is not None:
        previous, previous_at = found[anterior]
        result["variacao"] = _variacao(current, previous)
        calculada_em = min(calculada_em, previous_at)
    if competencia is not None:
        result["mesmo_dia_anterior"] = mesmo_dia_anterior(session, competencia, regime)
    result["calculada_em"] = calculada_em
    return result


def compute_mesmo_dia(
    session: Session, competencia: str, corte: date, regime: str | None
) -> dict[str, Any]:
    """The competência's conclusion rate as it stood on `corte`: processes concluded on or before it."""
    row = session.execute(
        select(
            func.count().label("total"),
            count_if(and_(_concluido, Processo.data_conclusao <= corte)).label("concluidos"),
        ).where(*scope(competencia, regime))
    ).one()
    total, concluidos = int(row.total), int(row.concluidos)
    return {"total": total, "concluidos": concluidos, "taxa_conclusao": _rate(concluidos, total)}


def mesmo_dia_anterior(
    session: Session, competencia: Competencia, regime: str | None
) -> dict[str, Any] | None:
    """The previous competência on the same day of its cycle as today is of this one's (a fair comparison
    on day 10, not against a finished month). None before this competência's cycle began."""
    dia = (today_sao_paulo() - competencia.inicio_do_ciclo).days
    if dia < 0:
        return None
    anterior = competencia.anterior()
    corte = anterior.inicio_do_ciclo + timedelta(days=dia)
    value, _, _ = cached(
        session,
        anterior,
        regime,
        f"{MESMO_DIA}:{dia}",
        lambda: compute_mesmo_dia(session, anterior, corte, regime),
        [anterior],
    )
    return {"competencia": anterior, "dia_do_ciclo": dia, "data_corte": corte.isoformat(), **value}


def dashboard_regimes(session: Session, competencia: str | None) -> dict[str, Any]:
    items, calculada_em, _ = cached(
        session, competencia, None, REGIMES, lambda: compute_regimes(session, competencia), [competencia]
    )
    return {
        "competencia": competencia,
        "items": items,
        "total_processos": sum(i["total"] for i in items),
        "calculada_em": calculada_em,
    }


def dashboard_timeline(session: Session, de: Competencia | None, ate: Competencia | None) -> dict[str, Any]:
    # Cross-competência: cached under competencia NULL, which every changing sync drops.
    tipo = f"{TIMELINE}:{de.ordem if de else ''}:{ate.ordem if ate else ''}"
    items, calculada_em, _ = cached(
        session, None, None, tipo, lambda: compute_timeline(session, de, ate), [de, ate]
    )
    return {
        "granularidade": "competencia",
        "de": de,
        "ate": ate,
        "items": items,
        "calculada_em": calculada_em,
    }


def dashboard_timeline_diaria(session: Session, competencia: str) -> dict[str, Any]:
    items, calculada_em, _ = cached(
        session,
        competencia,
        None,
        TIMELINE_DIARIA,
        lambda: compute_timeline_diaria(session, competencia),
        [competencia],
    )
    return {"granularidade": "dia", "competencia": competencia, "items": items, "calculada_em": calculada_em}


def recompute_all(database: Database) -> int:
    """Rebuild the whole cache (the daily job): every competência's resumo and regimes, the totals over all
    competências and the full timeline. Returns the number of cache rows written."""
    written = 0
    with database.session() as session:
        session.execute(delete(MetricaCache))
        competencias: list[str | None] = list(
            session.scalars(
                select(Processo.competencia).distinct().where(_active(), Processo.competencia.is_not(None))
            )
        )
        for competencia in [None, *competencias]:
            calculada_em = now_utc()
            store(session, competencia, None, RESUMO, compute_resumo(session, competencia), calculada_em)
            store(session, competencia, None, REGIMES, compute_regimes(session, competencia), calculada_em)
            written += 2
        calculada_em = now_utc()
        store(session, None, None, f"{TIMELINE}::", compute_timeline(session, None, None), calculada_em)
        written += 1
    return written
