"""Read queries of the Acessórias API: filter parsing (clear 422s) and the SELECTs behind each endpoint.

Every query here is a single indexed statement (plus a COUNT for list totals); nothing lazy-loads.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select
from sqlalchemy.orm import Session

from espelho.acessorias import regras
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import (
    Alteracao,
    Desdobramento,
    Empresa,
    Obrigacao,
    Passo,
    Processo,
    UsuarioAcessorias,
)
from espelho.api import (
    MAX_INT32,
    MAX_INT64,
    Listing,
    PageParams,
    PageRows,
    as_int,
    directed,
    ordering_key,
    paginate,
)
from espelho.clock import SAO_PAULO, today_sao_paulo
from espelho.db import contains_text, count_if, days_between, em_ordem_ptbr
from espelho.errors import InvalidInput, NotFound

INDEFINIDO = "Indefinido"
"""The regime label of processes/companies whose regime is unknown."""

CONCLUIDO = "Concluído"
EM_ANDAMENTO = "Em andamento"
EXCLUIDO = "Excluído"

# ProcStatus texts and the upstream's one-letter filter codes (reference §4.5).
_STATUS_BY_LETTER = {
    "A": EM_ANDAMENTO,
    "C": CONCLUIDO,
    "S": "Suspenso",
    "D": "Desistência",
    "P": "Agendado",
    "W": "Aguardando aprovação",
    "X": EXCLUIDO,
}


def fold(value: str) -> str:
    """Lower case without accents or separators: 'Em andamento' == 'em_andamento' == 'EM-ANDAMENTO'."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-]+", " ", plain).strip().lower()


PROCESSO_STATUS = tuple(_STATUS_BY_LETTER.values())
_STATUS_BY_FOLDED = {fold(label): label for label in PROCESSO_STATUS}

# The competência's (year, month) as one sortable text "YYYYMM". Written literally (no bound parameters)
# so PostgreSQL and SQLite match it against the expression index of migration 05.
COMPETENCIA_ORDEM: ColumnElement[str] = literal_column(
    "(substr(processos.competencia, 4, 4) || substr(processos.competencia, 1, 2))"
)

# The years a due-date filter can mean: a half-typed year ("0202") is a mistake to report, not a filter.
ANOS_PLAUSIVEIS = range(1900, 2101)


def parse_date(value: str, field: str) -> date:
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: expected a date as YYYY-MM-DD, got {value!r}", detail={"field": field, "input": value}
        ) from None
    if parsed.year not in ANOS_PLAUSIVEIS:
        raise InvalidInput(
            f"{field}: the year {parsed.year} is outside {ANOS_PLAUSIVEIS.start}–{ANOS_PLAUSIVEIS.stop - 1}",
            detail={"field": field, "input": value},
        )
    return parsed


def parse_status(value: str) -> str:
    """A ProcStatus text ('Concluído', 'concluido', 'em_andamento') or a filter letter ('C')."""
    raw = value.strip()
    if raw.upper() in _STATUS_BY_LETTER and len(raw) == 1:
        return _STATUS_BY_LETTER[raw.upper()]
    label = _STATUS_BY_FOLDED.get(fold(raw))
    if label is None:
        allowed = ", ".join(f"{label} ({letter})" for letter, label in _STATUS_BY_LETTER.items())
        raise InvalidInput(
            f"status: unknown process status {value!r}; use one of {allowed}",
            detail={"field": "status", "input": value},
        )
    return label


def canonical_regime(regime: str) -> str:
    """The label a regime filter stands for: every spelling of Indefinido is Indefinido."""
    return INDEFINIDO if fold(regime) == fold(INDEFINIDO) else regime


def regime_condition(column: Any, regime: str) -> ColumnElement[bool]:
    """`Indefinido` selects rows without a regime label; anything else is an exact label match."""
    if canonical_regime(regime) == INDEFINIDO:
        return or_(column.is_(None), column == "")
    return column == regime


def empresa_condition(column: Any, empresa: str) -> ColumnElement[bool]:
    """An empresa filter: the mirror's id (a short number) or a CNPJ/CPF (formatted or 11/14 digits)."""
    raw = empresa.strip()
    only_digits = re.sub(r"\D", "", raw)
    if (number := as_int(raw, MAX_INT32)) is not None and len(raw) <= 10:
        return column == number
    if len(only_digits) in (11, 14) and re.fullmatch(r"[\d./\-\s]+", raw):
        return column.in_(select(Empresa.id).where(Empresa.cnpj == only_digits).scalar_subquery())
    raise InvalidInput(
        f"empresa: expected the empresa's id or a CNPJ/CPF, got {empresa!r}",
        detail={"field": "empresa", "input": empresa},
    )


_UNIQUE: tuple[Any, ...] = (Processo.proc_id, Empresa.codigo)


def _directed(column: Any, tie: Any, desc: bool) -> list[Any]:
    return directed(column, tie, desc, unique=_UNIQUE)


def parse_ordering(value: str | None, allowed: dict[str, Any], default: str) -> list[Any]:
    """`ordering=campo` or `-campo` (descending); the id breaks ties so pages never overlap."""
    column, desc = ordering_key(value, allowed, default)
    return _directed(column, allowed["id"], desc)


# ---- processos ----------------------------------------------------------------------------------------

PROCESSO_ORDERING: dict[str, Any] = {
    "id": Processo.id,
    "proc_id": Processo.proc_id,
    "nome": em_ordem_ptbr(Processo.nome),
    "competencia": COMPETENCIA_ORDEM,
    "status": Processo.status,
    "porcentagem_conclusao": Processo.porcentagem_conclusao,
    "dias_corridos": Processo.dias_corridos,
    "data_inicio": Processo.data_inicio,
    "data_conclusao": Processo.data_conclusao,
    "dt_last_dh": Processo.dt_last_dh,
}


@dataclass(frozen=True)
class ProcessoFiltros:
    competencia: Competencia | None = None
    status: str | None = None
    empresa: str | None = None
    regime: str | None = None
    q: str | None = None
    incluir_removidos: bool = False
    aberto: bool | None = None  # regras.processo_aberto, or its negation
    responsavel: regras.Pessoa | None = None  # regras.processo_da_pessoa


def processos_conditions(session: Session, f: ProcessoFiltros) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not f.incluir_removidos:
        conditions.append(Processo.removido_em.is_(None))
    if f.competencia:
        conditions.append(Processo.competencia == f.competencia)
    if f.status:
        conditions.append(Processo.status == parse_status(f.status))
    if f.empresa:
        conditions.append(empresa_condition(Processo.empresa_id, f.empresa))
    if f.regime:
        conditions.append(regime_condition(Processo.regime_tributario, f.regime))
    if f.aberto is not None:
        conditions.append(regras.processo_aberto() if f.aberto else ~regras.processo_aberto())
    if f.responsavel is not None:
        conditions.append(regras.processo_da_pessoa(f.responsavel))
    if f.q and f.q.strip():
        matches: list[ColumnElement[bool]] = [
            contains_text(Processo.nome, f.q),
            contains_text(Processo.titulo, f.q),
        ]
        # The matching empresas first (their own trigram index): a literal id list keeps every branch of
        # the OR indexable on processos, where a sub-select would force a sequential scan.
        empresa_ids = list(
            session.scalars(select(Empresa.id).where(contains_text(Empresa.nome, f.q)))
        )
        if empresa_ids:
            matches.append(Processo.empresa_id.in_(empresa_ids))
        if (number := as_int(f.q, MAX_INT64)) is not None:
            matches.append(Processo.proc_id == number)
        conditions.append(or_(*matches))
    return conditions


# Up to this many matching rows, a list page sorts the filtered set instead of walking an ordering index.
SMALL_RESULT = 10_000

# What the API serves of a process: every column but the bulky upstream payload and the sync's hash.
_PROCESSO_COLUMNS = [c for c in Processo.__table__.columns if c.key not in ("raw_json", "hash_snapshot")]


def _processo_select() -> Select[Any]:
    return select(
        *_PROCESSO_COLUMNS, Empresa.nome.label("empresa_nome"), Empresa.cnpj.label("empresa_cnpj")
    ).outerjoin(Empresa, Empresa.id == Processo.empresa_id)


def list_processos(
    session: Session, f: ProcessoFiltros, paging: PageParams, ordering: str | None
) -> PageRows:
    key, desc = ordering_key(ordering, PROCESSO_ORDERING, "-id")
    conditions = processos_conditions(session, f)
    # The count needs no join: it is the processos filter alone (an index-only scan on PostgreSQL).
    total = session.scalar(select(func.count()).select_from(Processo).where(*conditions)) or 0
    if paging.offset >= total:
        return PageRows([], total)
    if total <= SMALL_RESULT and key is not Processo.id:
        # A selective filter: gather its (id, sort key) through the filter's index, then sort that small set.
        # Left alone, the planner may walk the ordering column's index and discard most of the table.
        filtrados = (
            select(Processo.id.label("id"), key.label("k"))
            .where(*conditions)
            .cte("filtrados")
            .prefix_with("MATERIALIZED")
        )
        pagina = (
            select(filtrados.c.id, filtrados.c.k)
            .order_by(*_directed(filtrados.c.k, filtrados.c.id, desc))
            .offset(paging.offset)
            .limit(paging.page_size)
            .subquery("pagina")
        )
        stmt = (
            _processo_select()
            .join(pagina, pagina.c.id == Processo.id)
            .order_by(*_directed(pagina.c.k, pagina.c.id, desc))
        )
    else:
        stmt = _processos_ordered(conditions, key, desc).offset(paging.offset).limit(paging.page_size)
    return PageRows([dict(row._mapping) for row in session.execute(stmt)], total)


def _processos_ordered(conditions: list[ColumnElement[bool]], key: Any, desc: bool) -> Select[Any]:
    return _processo_select().where(*conditions).order_by(*_directed(key, Processo.id, desc))


def processos_select(session: Session, f: ProcessoFiltros, ordering: str | None) -> Select[Any]:
    """Every process `list_processos` pages, in the same order (what an export streams)."""
    key, desc = ordering_key(ordering, PROCESSO_ORDERING, "-id")
    return _processos_ordered(processos_conditions(session, f), key, desc)


def get_processo(session: Session, processo_id: int) -> dict[str, Any]:
    row = session.execute(_processo_select().where(Processo.id == processo_id)).first()
    if row is None:
        raise NotFound(f"processo {processo_id} not found")
    item = dict(row._mapping)
    item["gestor_nome"] = gestor_nome(session, item["gestor"])
    return item


def gestor_nome(session: Session, gestor: str | None) -> str | None:
    """`ProcGestor` is a user id in real data (a name in the upstream's doc): the user's name when the
    mirror knows it, the raw value otherwise."""
    if not gestor or not gestor.strip().isdigit():
        return gestor
    nome = session.scalar(select(UsuarioAcessorias.nome).where(UsuarioAcessorias.codigo == int(gestor)))
    return nome or gestor


def _require_processo(session: Session, processo_id: int) -> None:
    if session.scalar(select(Processo.id).where(Processo.id == processo_id)) is None:
        raise NotFound(f"processo {processo_id} not found")


_PASSO_COLUMNS = [c for c in Passo.__table__.columns if c.key != "raw_json"]


def list_passos(session: Session, processo_id: int, paging: PageParams) -> PageRows:
    """Every step node in tree order; a node inside a sub-process points at it (`pai_id`, `pai_caminho`)."""
    passos = [
        dict(row._mapping)
        for row in session.execute(
            select(*_PASSO_COLUMNS).where(Passo.processo_id == processo_id).order_by(Passo.ordem, Passo.id)
        )
    ]
    if not passos:
        _require_processo(session, processo_id)
    # A process has tens of steps: resolving parents over all of them is cheaper than a self-join per page.
    id_by_caminho = {p["caminho"]: p["id"] for p in passos}
    items = passos[paging.offset : paging.offset + paging.page_size]
    for item in items:
        parent = item["caminho"].rsplit(".", 1)[0] if "." in item["caminho"] else None
        item["pai_caminho"], item["pai_id"] = parent, id_by_caminho.get(parent) if parent else None
    return PageRows(items, len(passos))


def list_desdobramentos(session: Session, processo_id: int, paging: PageParams) -> PageRows:
    _require_processo(session, processo_id)
    stmt = (
        select(Desdobramento, Passo.status, Passo.caminho)
        .join(Passo, Passo.id == Desdobramento.passo_id)
        .where(Desdobramento.processo_id == processo_id)
    )
    rows = paginate(session, stmt, paging, [Desdobramento.ordem, Desdobramento.id])
    items = []
    for desdobramento, passo_status, caminho in rows.items:
        item = {c.key: getattr(desdobramento, c.key) for c in Desdobramento.__table__.columns}
        item["caminho"] = caminho
        item["status"] = passo_status or ("OK" if desdobramento.respondido else "Pendente")
        if not desdobramento.respondido and item["status"] != "OK":
            item["resposta"] = None
        items.append(item)
    return PageRows(items, rows.total)


# ---- empresas -----------------------------------------------------------------------------------------

EMPRESA_ORDERING: dict[str, Any] = {
    "id": Empresa.id,
    "codigo": Empresa.codigo,
    "nome": em_ordem_ptbr(Empresa.nome),
    "regime_tributario": em_ordem_ptbr(Empresa.regime_tributario),
}


def empresa_q_condition(q: str) -> ColumnElement[bool]:
    """Text search over nome and fantasia; a CNPJ prefix (digits or formatted); the upstream code."""
    matches: list[ColumnElement[bool]] = [contains_text(Empresa.nome, q), contains_text(Empresa.fantasia, q)]
    cnpj_digits = re.sub(r"\D", "", q)
    if len(cnpj_digits) >= 3 and re.fullmatch(r"[\d./\-\s]+", q.strip()):
        matches.append(Empresa.cnpj.startswith(cnpj_digits))
    if (number := as_int(q, MAX_INT64)) is not None:
        matches.append(Empresa.codigo == number)
    return or_(*matches)


# What the API serves of a company: every column but the bulky upstream payload and the sync's hash.
_EMPRESA_COLUMNS = [c for c in Empresa.__table__.columns if c.key not in ("raw_json", "hash_snapshot")]


def empresas_listing(
    *, regime: str | None, ativa: bool | None, q: str | None, ordering: str | None
) -> Listing:
    """The filtered companies and their order: the JSON page reads one page, the export all of them."""
    conditions: list[ColumnElement[bool]] = []
    if regime:
        conditions.append(regime_condition(Empresa.regime_tributario, regime))
    if ativa is not None:
        conditions.append(Empresa.ativa.is_(ativa))
    if q and q.strip():
        conditions.append(empresa_q_condition(q))
    return Listing(
        select(*_EMPRESA_COLUMNS).where(*conditions), parse_ordering(ordering, EMPRESA_ORDERING, "nome")
    )


def get_empresa(session: Session, empresa_id: int) -> Empresa:
    empresa = session.get(Empresa, empresa_id)
    if empresa is None:
        raise NotFound(f"empresa {empresa_id} not found")
    return empresa


# ---- obrigações ---------------------------------------------------------------------------------------

PROXIMIDADE = "proximidade"
"""The obrigações ordering by distance of the due date from today, either side (the web's default): the
dates an office is working on first, not the oldest deliveries."""

OBRIGACAO_ORDERING: dict[str, Any] = {
    PROXIMIDADE: None,  # depends on the day: built by obrigacoes_listing
    "id": Obrigacao.id,
    "data_vencimento": Obrigacao.data_vencimento,
    "data_entrega": Obrigacao.data_entrega,
    "tipo": Obrigacao.tipo,
    "status": Obrigacao.status,
}


@dataclass(frozen=True)
class ObrigacaoFiltros:
    status: str | None = None
    tipo: str | None = None
    empresa: str | None = None
    competencia: Competencia | None = None
    de: str | None = None
    ate: str | None = None
    situacao: str | None = None  # a regras.SituacaoFiltro
    responsavel: regras.Pessoa | None = None  # regras.obrigacao_da_pessoa


# What the API serves of an obligation: every column but the upstream payload and the sync's hash.
_OBRIGACAO_COLUMNS = [c for c in Obrigacao.__table__.columns if c.key not in ("raw_json", "hash_snapshot")]


def obrigacoes_listing(f: ObrigacaoFiltros, ordering: str | None, hoje: date | None = None) -> Listing:
    """The filtered obligations (with their company's name and their situação as of `hoje`, today by
    default) and their order: the JSON page reads one page, the export all of them."""
    hoje = hoje or today_sao_paulo()
    column, desc = ordering_key(ordering, OBRIGACAO_ORDERING, "data_vencimento")
    if column is None:
        # An obligation without a due date is farthest from every day.
        column = func.coalesce(func.abs(days_between(Obrigacao.data_vencimento, hoje)), MAX_INT32)
    order = _directed(column, Obrigacao.id, desc)
    conditions: list[ColumnElement[bool]] = []
    if f.situacao:
        conditions.append(regras.situacao_condition(f.situacao, hoje))
    if f.responsavel is not None:
        conditions.append(regras.obrigacao_da_pessoa(f.responsavel))
    if f.status:
        conditions.append(Obrigacao.status == f.status.strip())
    if f.tipo:
        conditions.append(Obrigacao.tipo == f.tipo.strip())
    if f.empresa:
        conditions.append(empresa_condition(Obrigacao.empresa_id, f.empresa))
    if f.competencia:
        conditions.append(Obrigacao.competencia == f.competencia)
    de = parse_date(f.de, "de") if f.de else None
    ate = parse_date(f.ate, "ate") if f.ate else None
    if de and ate and de > ate:
        raise InvalidInput(f"de ({de}) is after ate ({ate})", detail={"field": "de", "input": f.de})
    if de:
        conditions.append(Obrigacao.data_vencimento >= de)
    if ate:
        conditions.append(Obrigacao.data_vencimento <= ate)
    stmt = select(
        *_OBRIGACAO_COLUMNS,
        Empresa.nome.label("empresa_nome"),
        regras.situacao(hoje).label("situacao"),
        regras.situacao(hoje, rotulo=True).label("situacao_rotulo"),
    ).join(Empresa, Empresa.id == Obrigacao.empresa_id)
    return Listing(stmt.where(*conditions), order)


class ObrigacaoItem(NamedTuple):
    id: int
    tipo: str
    empresa: str
    vencimento: date | None
    situacao: str


def obrigacoes_onde(
    session: Session, condicao: ColumnElement[bool], hoje: date, *, empresa_id: int | None = None,
    limite: int | None = None, pessoa: regras.Pessoa | None = None,
) -> tuple[list[ObrigacaoItem], int]:
    """The obligations meeting `condicao` (a rule of regras.py), of `pessoa` when given, nearest deadline
    first (none last), and how many there are: what the WhatsApp commands and the alerts list."""
    conditions = [condicao, *([Obrigacao.empresa_id == empresa_id] if empresa_id is not None else []),
                  *([regras.obrigacao_da_pessoa(pessoa)] if pessoa is not None else [])]
    total = session.scalar(select(func.count()).select_from(Obrigacao).where(*conditions)) or 0
    columns = (Obrigacao.id, Obrigacao.tipo, Empresa.nome, Obrigacao.data_vencimento, regras.situacao(hoje))
    stmt = (select(*columns).join(Empresa, Empresa.id == Obrigacao.empresa_id).where(*conditions)
            .order_by(Obrigacao.data_vencimento.is_(None), Obrigacao.data_vencimento, Obrigacao.id))
    if limite is not None:
        stmt = stmt.limit(limite)
    return [ObrigacaoItem(*row) for row in session.execute(stmt)], total


def resumo(session: Session, hoje: date, pessoa: regras.Pessoa | None = None) -> dict[str, Any]:
    """The office (or, with `pessoa`, what is that person's) at a glance as of `hoje`, over every
    competência: open processos and the obligations by situação (GET /api/v1/resumo; the WhatsApp commands
    and the alerts count the same rows)."""
    processos_abertos = session.scalar(
        select(func.count()).select_from(Processo)
        .where(*processos_conditions(session, ProcessoFiltros(aberto=True, responsavel=pessoa)))
    ) or 0
    da_pessoa = [regras.obrigacao_da_pessoa(pessoa)] if pessoa is not None else []
    row = session.execute(select(
        count_if(regras.atrasada(hoje)).label("atrasadas"),
        count_if(regras.vencem_em(hoje)).label("vencem_7_dias"),
        count_if(regras.pendente()).label("pendentes"),
        count_if(regras.dispensada()).label("dispensadas"),
        count_if(regras.entregue()).label("entregues"),
    ).select_from(Obrigacao).where(*da_pessoa)).one()
    return {
        "data": hoje,
        "competencia": regras.competencia_atual(hoje),
        "responsavel": pessoa,
        "processos_abertos": processos_abertos,
        "obrigacoes": {key: int(value) for key, value in row._mapping.items()},
    }


# ---- change history -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlteracaoFiltros:
    processo_id: int | None = None
    desde: datetime | None = None  # a bare date or time means Brasília time
    empresa: str | None = None
    tipo: str | None = None


# The changes a person hears of at once (alertas/avisos.py): their processo moved on or changed status, their
# obrigação was delivered or turned late.
TIPOS_AVISO = ("passo_concluido", "processo_status", "obrigacao_entregue", "obrigacao_atrasada")


class Novidade(NamedTuple):
    id: int
    tipo: str
    descricao: str | None
    valor_novo: str | None
    processo_titulo: str | None
    empresa_nome: str | None


def novidades_da_pessoa(session: Session, pessoa: regras.Pessoa, desde: datetime) -> list[Novidade]:
    """The person's changes (TIPOS_AVISO) seen since `desde`, oldest first: regras' "mine" for the processo
    or, for an obrigação's change, the obrigação."""
    da_pessoa = or_(
        (Alteracao.obrigacao_id.is_not(None)) & regras.obrigacao_da_pessoa(pessoa),
        (Alteracao.obrigacao_id.is_(None)) & regras.processo_da_pessoa(pessoa),
    )
    stmt = (
        select(Alteracao.id, Alteracao.tipo, Alteracao.descricao, Alteracao.valor_novo,
               func.coalesce(Processo.titulo, Processo.nome).label("processo_titulo"),
               Empresa.nome.label("empresa_nome"))
        .outerjoin(Processo, Processo.id == Alteracao.processo_id)
        .outerjoin(Obrigacao, Obrigacao.id == Alteracao.obrigacao_id)
        .outerjoin(Empresa, Empresa.id == Alteracao.empresa_id)
        .where(Alteracao.tipo.in_(TIPOS_AVISO), Alteracao.visto_em >= desde, da_pessoa)
        .order_by(Alteracao.id)
    )
    return [Novidade(*row) for row in session.execute(stmt)]


def list_alteracoes(session: Session, f: AlteracaoFiltros, paging: PageParams) -> PageRows:
    """Changes the syncs saw, newest first, with the process and empresa they concern."""
    conditions: list[ColumnElement[bool]] = []
    if f.processo_id is not None:
        _require_processo(session, f.processo_id)
        conditions.append(Alteracao.processo_id == f.processo_id)
    if f.desde is not None:
        desde = f.desde if f.desde.tzinfo else f.desde.replace(tzinfo=SAO_PAULO)
        conditions.append(Alteracao.visto_em >= desde)
    if f.empresa:
        conditions.append(empresa_condition(Alteracao.empresa_id, f.empresa))
    if f.tipo:
        conditions.append(Alteracao.tipo == f.tipo)
    stmt = (
        select(*Alteracao.__table__.columns, Processo.proc_id,
               func.coalesce(Processo.titulo, Processo.nome).label("processo_titulo"),
               Empresa.nome.label("empresa_nome"))
        .outerjoin(Processo, Processo.id == Alteracao.processo_id)
        .outerjoin(Empresa, Empresa.id == Alteracao.empresa_id)
        .where(*conditions)
    )
    return paginate(session, stmt, paging, [Alteracao.visto_em.desc(), Alteracao.id.desc()])
