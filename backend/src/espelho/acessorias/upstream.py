"""Upstream payloads (`Upstream...`), parsed apart from what the API serves, and their mapping to rows.

Everything on the wire is a string; zero dates mean "none"; companies/deliveries use ISO dates and
processes Brazilian ones; timestamps are Brasília wall-clock time. Parsers return None for "no value"
and the row builders never invent data the upstream did not send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from espelho.acessorias import regras
from espelho.acessorias.competencia import competencia_entrega, competencia_processo
from espelho.upstream import parsing

STATUS_OK = "OK"


def _lenient(value: Any) -> Any:
    """Scalars as strings (the API's own habit, and numbers some clients see); containers untouched."""
    if value is None or isinstance(value, str | list | dict):
        return value
    return str(value)


class _Upstream(BaseModel):
    # Unknown keys are kept (raw_json keeps the whole payload anyway) and never fail a sync.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class UpstreamCompany(_Upstream):
    ID: str
    Identificador: str | None = None
    Razao: str | None = None
    Fantasia: str | None = None
    Status: str | None = None
    UF: str | None = None
    ClienteDesde: str | None = None
    ClienteAte: str | None = None
    DtLastDH: str | None = None
    Regime: str | None = None
    Obrigacoes: list[Any] | None = None

    _coerce = field_validator("*", mode="before")(lambda cls, v: _lenient(v))

    @field_validator("Obrigacoes", mode="before")
    @classmethod
    def _obrigacoes(cls, value: Any) -> Any:
        return value if isinstance(value, list) else None


class UpstreamUser(_Upstream):
    """`/users/ListAll` and `/users/{id}`: lower-case keys, unlike every other resource (reference §4)."""

    id: str
    nome: str | None = None
    email: str | None = None
    status: str | None = None

    _coerce = field_validator("*", mode="before")(lambda cls, v: _lenient(v))


class UpstreamProcessHeader(_Upstream):
    ProcID: str
    ProcNome: str | None = None
    ProcTitulo: str | None = None
    ProcCriador: str | None = None
    ProcGestor: str | None = None
    ProcObservacoes: str | None = None
    ProcInicio: str | None = None
    ProcDiasCorridos: str | None = None
    ProcConclusao: str | None = None
    ProcDepartamento: str | None = None
    ProcStatus: str | None = None
    ProcPorcentagem: str | None = None
    DtLastDH: str | None = None
    EmpNome: str | None = None
    EmpID: str | None = None
    EmpCNPJ: str | None = None

    _coerce = field_validator("*", mode="before")(lambda cls, v: _lenient(v))

    @property
    def proc_id(self) -> int:
        value = parsing.integer(self.ProcID)
        if value is None:
            raise ValueError("process without ProcID")
        return value

    @property
    def excluido(self) -> bool:
        return regras.status_excluido(self.ProcStatus)

    @property
    def aberto(self) -> bool:
        """Still moving: its passos are what people are working on (a full sync fetches these first)."""
        return regras.status_aberto(self.ProcStatus)


class UpstreamProcess(UpstreamProcessHeader):
    ProcPassos: list[Any] = Field(default_factory=list)

    @field_validator("ProcPassos", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        # One client saw `[[...]]`; absent or "" means no steps.
        if not value:
            return []
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
            return value[0]
        return value


class UpstreamDeliveryConfig(_Upstream):
    EntID: str | None = None
    Tipo: str | None = None
    ID: str | None = None
    DptoNome: str | None = None
    RespPrazo: str | None = None

    _coerce = field_validator("*", mode="before")(lambda cls, v: _lenient(v))


class UpstreamDelivery(_Upstream):
    Nome: str = ""
    EntCompetencia: str | None = None
    EntDtPrazo: str | None = None
    EntDtAtraso: str | None = None
    EntDtEntrega: str | None = None
    EntDtFinalizacao: str | None = None
    EntMulta: str | None = None
    Status: str | None = None
    EntGuiaLida: str | None = None
    EntLastDH: str | None = None
    RespEntrega: str | None = None
    Anexos: list[Any] | None = None
    Config: UpstreamDeliveryConfig | None = None

    @field_validator(
        "Nome",
        "EntCompetencia",
        "EntDtPrazo",
        "EntDtAtraso",
        "EntDtEntrega",
        "EntDtFinalizacao",
        "EntMulta",
        "Status",
        "EntGuiaLida",
        "EntLastDH",
        "RespEntrega",
        mode="before",
    )
    @classmethod
    def _coerce(cls, value: Any) -> Any:
        return _lenient(value)

    @field_validator("Config", "Anexos", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return value or None


class UpstreamDeliveryBlock(_Upstream):
    ID: str | None = None
    Identificador: str | None = None
    Razao: str | None = None
    Fantasia: str | None = None
    Entregas: list[UpstreamDelivery] = Field(default_factory=list)

    _coerce = field_validator("ID", "Identificador", "Razao", "Fantasia", mode="before")(
        lambda cls, v: _lenient(v)
    )

    @field_validator("Entregas", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or []


# --- row builders --------------------------------------------------------------------------------


def stable_hash(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _safe(parser: Any, value: Any) -> Any:
    """A malformed field becomes None rather than failing the whole process (raw_json keeps it)."""
    try:
        return parser(value)
    except ValueError:
        return None


def process_hash(header: UpstreamProcessHeader) -> str:
    """Hash of the list fields that signal a change: status, porcentagem, DtLastDH, dias corridos, conclusão.

    Normalised so the list row and the detail of the same state hash alike ("30%" == "30.00")."""
    pct = _safe(parsing.percentage, header.ProcPorcentagem)
    return stable_hash(
        [
            (header.ProcStatus or "").strip(),
            str(pct.quantize(Decimal("0.01"))) if pct is not None else None,
            (header.DtLastDH or "").strip(),
            _safe(parsing.integer, header.ProcDiasCorridos),
            (header.ProcConclusao or "").strip(),
        ]
    )


# The company list's obligation counters (Obrigacoes[] keys) and the columns holding their sums.
CONTADORES_OBRIGACOES = {
    "Entregues": "obrigacoes_entregues",
    "Atrasadas": "obrigacoes_atrasadas",
    "Proximos30D": "obrigacoes_proximos_30d",
    "Futuras30+": "obrigacoes_futuras_30",
}


def contadores_obrigacoes(obrigacoes: list[Any] | None) -> dict[str, int | None]:
    """The sums of the company's own counters; all None when the list sent no Obrigacoes[]. A counter
    that cannot be read counts as nothing (raw_json keeps it)."""
    if obrigacoes is None:
        return dict.fromkeys(CONTADORES_OBRIGACOES.values())
    sums = dict.fromkeys(CONTADORES_OBRIGACOES.values(), 0)
    for item in obrigacoes:
        if not isinstance(item, dict):
            continue
        for key, column in CONTADORES_OBRIGACOES.items():
            sums[column] = (sums[column] or 0) + (_safe(parsing.integer, _lenient(item.get(key))) or 0)
    return dict(sums)


# Not hashed: bookkeeping, and the payload itself (what a change means is decided by the mirrored fields).
_NOT_HASHED = ("hash_snapshot", "raw_json", "sincronizada_em")


def empresa_row(company: UpstreamCompany, raw: dict[str, Any], now: datetime) -> dict[str, Any]:
    codigo = parsing.integer(company.ID)
    status = parsing.text(company.Status)
    row: dict[str, Any] = {
        "codigo": codigo,
        "nome": parsing.text(company.Razao) or parsing.text(company.Fantasia) or f"Empresa {codigo}",
        "fantasia": parsing.text(company.Fantasia),
        "cnpj": parsing.digits(company.Identificador),
        "identificador": parsing.text(company.Identificador),
        "regime_tributario": parsing.text(company.Regime),
        "ativa": (status or "Ativa").lower() == "ativa",
        "status": status,
        "uf": (parsing.text(company.UF) or "")[:2] or None,
        "cliente_desde": _safe(parsing.iso_date, company.ClienteDesde),
        "cliente_ate": _safe(parsing.iso_date, company.ClienteAte),
        "dt_last_dh": _safe(parsing.local_datetime, company.DtLastDH),
        **contadores_obrigacoes(company.Obrigacoes),
        "raw_json": raw,
        "completa": True,
        "sincronizada_em": now,
    }
    # The hash of the mirrored fields, not of the payload: per-obligation counters and keys nobody mirrors
    # change by themselves as days pass, and must not rewrite every company on every full sync.
    row["hash_snapshot"] = stable_hash({k: v for k, v in row.items() if k not in _NOT_HASHED})
    return row


def usuario_row(user: UpstreamUser, raw: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    codigo = parsing.integer(user.id)
    nome = parsing.text(user.nome)
    if codigo is None or not nome:
        return None
    return {
        "codigo": codigo,
        "nome": nome,
        "email": parsing.text(user.email),
        "status": parsing.text(user.status),
        "raw_json": raw,
        "sincronizado_em": now,
    }


def empresa_placeholder(header: UpstreamProcessHeader, now: datetime) -> dict[str, Any] | None:
    """What a process header tells about its company, for a company the list has not shown (yet)."""
    codigo = _safe(parsing.integer, header.EmpID)
    if codigo is None:
        return None
    return {
        "codigo": codigo,
        "nome": parsing.text(header.EmpNome) or f"Empresa {codigo}",
        "cnpj": parsing.digits(header.EmpCNPJ),
        "identificador": parsing.text(header.EmpCNPJ),
        "ativa": True,
        "completa": False,
        "sincronizada_em": now,
        "raw_json": {"EmpID": header.EmpID, "EmpNome": header.EmpNome, "EmpCNPJ": header.EmpCNPJ},
    }


@dataclass(frozen=True)
class BlockCompany:
    """The company a deliveries block names: its upstream code and CNPJ digits (either may be missing),
    and the placeholder row that makes it known to the mirror until the company list completes it."""

    codigo: int | None
    cnpj: str | None
    placeholder: dict[str, Any] | None


def block_company(block: UpstreamDeliveryBlock, now: datetime) -> BlockCompany:
    codigo = _safe(parsing.integer, block.ID)
    cnpj = parsing.digits(block.Identificador)
    placeholder = None if codigo is None else {
        "codigo": codigo,
        "nome": parsing.text(block.Razao) or f"Empresa {codigo}",
        "fantasia": parsing.text(block.Fantasia),
        "cnpj": cnpj,
        "identificador": parsing.text(block.Identificador),
        "ativa": True,
        "completa": False,
        "sincronizada_em": now,
        "raw_json": {"ID": block.ID, "Identificador": block.Identificador, "Razao": block.Razao},
    }
    return BlockCompany(codigo, cnpj, placeholder)


def header_row(proc: UpstreamProcessHeader) -> dict[str, Any]:
    """The processo columns a list header (or a detail's header) gives."""
    return {
        "proc_id": proc.proc_id,
        "nome": parsing.text(proc.ProcNome) or parsing.text(proc.ProcTitulo) or f"Processo {proc.ProcID}",
        "titulo": parsing.text(proc.ProcTitulo),
        "competencia": competencia_processo(proc.ProcTitulo, proc.ProcInicio, proc.ProcNome),
        "status": parsing.text(proc.ProcStatus),
        "porcentagem_conclusao": _safe(parsing.percentage, proc.ProcPorcentagem),
        "dias_corridos": _safe(parsing.integer, proc.ProcDiasCorridos),
        "data_inicio": _safe(parsing.any_date, proc.ProcInicio),
        "data_conclusao": _safe(parsing.any_date, proc.ProcConclusao),
        "departamento": parsing.text(proc.ProcDepartamento),
        "criador": parsing.text(proc.ProcCriador),
        "gestor": parsing.text(proc.ProcGestor),
        "observacoes": parsing.text(proc.ProcObservacoes),
        "dt_last_dh": _safe(parsing.local_datetime, proc.DtLastDH),
    }


def header_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """A process payload without its step tree: what `processos.raw_json` keeps. The tree lives in one
    place, the passos and desdobramentos rows (each with its own step's raw)."""
    return {key: value for key, value in raw.items() if key != "ProcPassos"}


def processo_row(proc: UpstreamProcess, raw: dict[str, Any]) -> dict[str, Any]:
    """The processo columns known from the detail alone (empresa_id, counts and stamps come later);
    `hash_snapshot` is the hash of the header the stored detail had, `hash_detalhe` of the whole detail
    (steps included): an unchanged hash means nothing to write."""
    return {**header_row(proc), "hash_snapshot": process_hash(proc), "hash_detalhe": stable_hash(raw),
            "raw_json": header_raw(raw)}


@dataclass
class FlatStep:
    caminho: str
    ordem: int
    nivel: int
    tipo: str | None
    nome: str
    status: str | None
    raw: dict[str, Any]
    descricao: str | None = None
    responsavel: str | None = None
    prazo: date | None = None
    bloqueante: bool | None = None
    entrega_tipo: str | None = None
    entrega_nome: str | None = None
    alternativas: list[dict[str, Any]] = field(default_factory=list)

    @property
    def concluido(self) -> bool:
        return (self.status or "").strip().upper() == STATUS_OK

    @property
    def counts(self) -> bool:
        """Sub-process containers carry no status; every other step counts towards the totals."""
        return self.status is not None


def flatten_steps(
    steps: list[Any], prefix: str = "", nivel: int = 0, counter: list[int] | None = None
) -> Iterator[FlatStep]:
    """Depth-first walk of `ProcPassos`; `caminho` is the 1-based ordinal path ("3.2")."""
    counter = counter if counter is not None else [0]
    for position, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            continue
        caminho = f"{prefix}{position}"
        counter[0] += 1
        tipo = parsing.text(step.get("Tipo"))
        children = step.get("ProcPassos") if isinstance(step.get("ProcPassos"), list) else []
        raw = {k: v for k, v in step.items() if k != "ProcPassos"}
        flat = FlatStep(
            caminho=caminho,
            ordem=counter[0],
            nivel=nivel,
            tipo=tipo,
            nome=parsing.text(step.get("Nome")) or "",
            status=parsing.text(step.get("Status")),
            raw=raw,
        )
        automacao = step.get("Automacao")
        kind = (tipo or "").lower()
        if kind.startswith("desdobramento") or isinstance(automacao, list):
            for alt in automacao if isinstance(automacao, list) else []:
                if isinstance(alt, dict):
                    acao_raw = alt.get("Acao")
                    acao: dict[str, Any] = acao_raw if isinstance(acao_raw, dict) else {}
                    flat.alternativas.append(
                        {
                            "nome": parsing.text(alt.get("Nome")),
                            "acao_tipo": parsing.text(acao.get("Tipo")),
                            "acao_nome": parsing.text(acao.get("Nome")),
                        }
                    )
        elif isinstance(automacao, dict):
            entrega = automacao.get("Entrega")
            if isinstance(entrega, dict):
                flat.entrega_tipo = parsing.text(entrega.get("Tipo"))
                flat.entrega_nome = parsing.text(entrega.get("Nome"))
                flat.responsavel = parsing.text(entrega.get("Responsavel"))
                flat.prazo = _safe(parsing.br_date, entrega.get("Prazo"))
                flat.descricao = (
                    " · ".join(
                        x
                        for x in (flat.entrega_tipo, flat.entrega_nome, parsing.text(entrega.get("Previsao")))
                        if x
                    )
                    or None
                )
            if "Bloqueante" in automacao:
                flat.bloqueante = _safe(parsing.sim_nao, automacao.get("Bloqueante"))
            if "Quando" in automacao or "Para" in automacao:  # follow up
                flat.descricao = (
                    " → ".join(
                        x
                        for x in (parsing.text(automacao.get("Quando")), parsing.text(automacao.get("Para")))
                        if x
                    )
                    or None
                )
        yield flat
        if children:
            yield from flatten_steps(children, f"{caminho}.", nivel + 1, counter)


def answered(step: FlatStep) -> tuple[str | None, str | None]:
    """The chosen answer of a desdobramento: an answered question lists only the branch taken."""
    if step.concluido and len(step.alternativas) == 1:
        return step.alternativas[0]["nome"], step.alternativas[0]["acao_tipo"]
    return None, None


def obrigacao_key(delivery: UpstreamDelivery, cnpj_digits: str | None) -> tuple[str, int | None]:
    ent_id = _safe(parsing.integer, delivery.Config.EntID) if delivery.Config else None
    if ent_id is not None:
        return f"ent:{ent_id}", ent_id
    comp = competencia_entrega(delivery.EntCompetencia) or (delivery.EntDtPrazo or "")
    return f"cnpj:{cnpj_digits or ''}|{delivery.Nome.strip()}|{comp}", None


def obrigacao_row(
    delivery: UpstreamDelivery, raw: dict[str, Any], cnpj_digits: str | None, empresa_id: int, now: datetime
) -> dict[str, Any]:
    chave, ent_id = obrigacao_key(delivery, cnpj_digits)
    config = delivery.Config
    categoria = parsing.text(config.Tipo) if config else None
    descricao = {"O": "Obrigação", "T": "Tarefa"}.get(categoria or "")
    departamento = parsing.text(config.DptoNome) if config else None
    url = None
    for anexo in delivery.Anexos or []:
        if isinstance(anexo, dict) and parsing.text(anexo.get("Url")):
            url = parsing.text(anexo.get("Url"))
            break
    return {
        "chave": chave,
        "ent_id": ent_id,
        "empresa_id": empresa_id,
        "tipo": delivery.Nome.strip() or "(sem nome)",
        "descricao": " · ".join(x for x in (descricao, departamento) if x) or None,
        "categoria": (categoria or "")[:1] or None,
        "status": parsing.text(delivery.Status),
        "competencia": competencia_entrega(delivery.EntCompetencia),
        "data_vencimento": _safe(parsing.iso_date, delivery.EntDtPrazo),
        "data_atraso": _safe(parsing.iso_date, delivery.EntDtAtraso),
        "data_entrega": _safe(parsing.iso_date, delivery.EntDtEntrega),
        "data_finalizacao": _safe(parsing.local_datetime, delivery.EntDtFinalizacao),
        "arquivo_url": url,
        "multa": _safe(parsing.sim_nao, delivery.EntMulta),
        "guia_lida": parsing.text(delivery.EntGuiaLida),
        "responsavel": parsing.text(delivery.RespEntrega)
        or (parsing.text(config.model_extra.get("RespEntrega")) if config and config.model_extra else None),
        "responsavel_prazo": parsing.text(config.RespPrazo) if config else None,
        "departamento": departamento,
        "ent_last_dh": _safe(parsing.local_datetime, delivery.EntLastDH),
        "hash_snapshot": stable_hash(raw),
        "raw_json": raw,
        "sincronizada_em": now,
    }
