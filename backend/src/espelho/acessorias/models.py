"""Acessórias mirror tables: empresas, processos, passos, desdobramentos, obrigações, metricas_cache.

Column names follow the seed (the issue's list); the extra columns are what the real API needs:
upstream ids, `raw_json` of every mirrored row (a zstd frame: brutos.py), `hash_snapshot` + upstream
`DtLastDH` on processos, a stable key for passos (ProcID + ordinal path through sub-processes) and
obrigações keyed by `Config.EntID` (fallback CNPJ + name + competência). `sincronizacoes` and `usuarios`
live in syncs/models.py and auth/models.py.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from espelho.db import Base, JSONType


class Empresa(Base):
    """A client company of the office (`/companies/ListAll`). `codigo` is the upstream `ID`."""

    __tablename__ = "empresas"
    __table_args__ = (Index("ix_empresas_cnpj", "cnpj"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[int] = mapped_column(BigInteger, unique=True)  # upstream ID ("283")
    nome: Mapped[str] = mapped_column(String(300))  # Razao
    fantasia: Mapped[str | None] = mapped_column(String(300))
    cnpj: Mapped[str | None] = mapped_column(String(20))  # digits only (CNPJ, CPF or CAEPF)
    identificador: Mapped[str | None] = mapped_column(String(30))  # as the upstream formats it
    regime_tributario: Mapped[str | None] = mapped_column(String(200))  # the office's free-text label
    ativa: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str | None] = mapped_column(String(40))  # Ativa | Inativa | Bloqueada
    uf: Mapped[str | None] = mapped_column(String(2))
    cliente_desde: Mapped[date | None] = mapped_column(Date)
    cliente_ate: Mapped[date | None] = mapped_column(Date)
    dt_last_dh: Mapped[datetime | None]
    # The company list's own obligation counters (Obrigacoes[]: Entregues, Atrasadas, Proximos30D,
    # Futuras30+), summed over its obligations as Acessórias counts them; NULL when the list sent none.
    # Espelho's own counts come from the mirrored deliveries (regras.py).
    obrigacoes_entregues: Mapped[int | None] = mapped_column(Integer)
    obrigacoes_atrasadas: Mapped[int | None] = mapped_column(Integer)
    obrigacoes_proximos_30d: Mapped[int | None] = mapped_column(Integer)
    obrigacoes_futuras_30: Mapped[int | None] = mapped_column(Integer)
    hash_snapshot: Mapped[str | None] = mapped_column(String(64))
    raw_json: Mapped[bytes | None] = mapped_column(LargeBinary)  # brutos.py
    # False while the row only knows what a process header said about it (EmpID, EmpNome, EmpCNPJ).
    completa: Mapped[bool] = mapped_column(Boolean, default=True)
    sincronizada_em: Mapped[datetime]

    processos: Mapped[list[Processo]] = relationship(back_populates="empresa", lazy="raise")


class Processo(Base):
    """A process (`/processes/{ProcID}`): the header plus derived step counts; passos hang below it.
    Its indexes are the migrations' (05, reviewed by 20261207_26 and 26d): each serves a filter or an
    ordering of the read API, and none a column the work changes (tests/acessorias_api/test_indexes.py)."""

    __tablename__ = "processos"

    id: Mapped[int] = mapped_column(primary_key=True)
    proc_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # upstream ProcID
    empresa_id: Mapped[int | None] = mapped_column(ForeignKey("empresas.id", ondelete="SET NULL"))
    nome: Mapped[str] = mapped_column(String(300))  # ProcNome (template name)
    titulo: Mapped[str | None] = mapped_column(String(300))  # ProcTitulo
    competencia: Mapped[str | None] = mapped_column(String(7))  # MM/YYYY, see competencia.py
    status: Mapped[str | None] = mapped_column(String(40))  # ProcStatus text, raw
    porcentagem_conclusao: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # 0..100
    total_passos: Mapped[int] = mapped_column(Integer, default=0)
    passos_concluidos: Mapped[int] = mapped_column(Integer, default=0)
    dias_corridos: Mapped[int | None]
    data_inicio: Mapped[date | None] = mapped_column(Date)
    data_conclusao: Mapped[date | None] = mapped_column(Date)  # completion, or forecast while open
    regime_tributario: Mapped[str | None] = mapped_column(String(200))  # the empresa's, at sync time
    departamento: Mapped[str | None] = mapped_column(String(120))
    criador: Mapped[str | None] = mapped_column(String(200))
    gestor: Mapped[str | None] = mapped_column(String(200))
    observacoes: Mapped[str | None] = mapped_column(Text)
    dt_last_dh: Mapped[datetime | None]  # upstream DtLastDH (Brasília time, stored as UTC)
    # sha256 of the list-header fields that signal change; an incremental run compares it.
    hash_snapshot: Mapped[str | None] = mapped_column(String(64))
    # sha256 of the whole stored detail (steps included): a detail that hashes the same is not rewritten.
    hash_detalhe: Mapped[str | None] = mapped_column(String(64))
    # The header only: the step tree is stored once, in passos and desdobramentos.
    raw_json: Mapped[bytes | None] = mapped_column(LargeBinary)  # brutos.py
    # When the detail (passos, desdobramentos) was last stored; NULL while only the list header is known.
    detalhes_atualizados_em: Mapped[datetime | None]
    # Set only by a complete, validated sweep that no longer sees the process (never by an empty page).
    removido_em: Mapped[datetime | None]
    # When the retention removed its step tree (concluded, detail unchanged for the history's retention);
    # the passos tab fetches it again on demand (sync.restaurar_passos). NULL: the tree is in the rows.
    passos_podados_em: Mapped[datetime | None]
    sincronizado_em: Mapped[datetime]

    empresa: Mapped[Empresa | None] = relationship(back_populates="processos", lazy="raise")
    passos: Mapped[list[Passo]] = relationship(
        back_populates="processo",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Passo.ordem",
    )


class Passo(Base):
    """One entry of `ProcPassos`, flattened. The upstream has no step ids: the stable key is the
    process id plus the ordinal path through sub-processes (`caminho` "3.2" = 2nd step of the 3rd)."""

    __tablename__ = "passos"
    __table_args__ = (UniqueConstraint("processo_id", "caminho"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    processo_id: Mapped[int] = mapped_column(ForeignKey("processos.id", ondelete="CASCADE"))
    chave: Mapped[str] = mapped_column(String(120), unique=True)  # "<ProcID>:<caminho>"
    caminho: Mapped[str] = mapped_column(String(100))
    ordem: Mapped[int]  # depth-first position in the process (sort key)
    nivel: Mapped[int] = mapped_column(Integer, default=0)  # 0 top level, 1 inside a sub-process, …
    tipo: Mapped[str | None] = mapped_column(
        String(40)
    )  # Passo simples | Sub processo | Follow up | Desdobramento
    nome: Mapped[str] = mapped_column(Text)
    descricao: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))  # OK | Pendente (none on sub-processes)
    concluido: Mapped[bool] = mapped_column(Boolean, default=False)
    responsavel: Mapped[str | None] = mapped_column(String(200))
    prazo: Mapped[date | None] = mapped_column(Date)  # Automacao.Entrega.Prazo
    # The upstream has no step timestamps: first time a sync saw the step OK.
    data_conclusao: Mapped[datetime | None]
    observacoes: Mapped[str | None] = mapped_column(Text)
    bloqueante: Mapped[bool | None] = mapped_column(Boolean)
    entrega_tipo: Mapped[str | None] = mapped_column(String(40))  # Tarefa | Obrigação
    entrega_nome: Mapped[str | None] = mapped_column(String(300))
    raw_json: Mapped[bytes | None] = mapped_column(LargeBinary)  # brutos.py

    processo: Mapped[Processo] = relationship(back_populates="passos", lazy="raise")


class Desdobramento(Base):
    """A branch question (a `Desdobramento` step). Answered questions list only the taken branch."""

    __tablename__ = "desdobramentos"

    id: Mapped[int] = mapped_column(primary_key=True)
    passo_id: Mapped[int] = mapped_column(ForeignKey("passos.id", ondelete="CASCADE"), unique=True)
    processo_id: Mapped[int] = mapped_column(ForeignKey("processos.id", ondelete="CASCADE"))
    chave: Mapped[str] = mapped_column(String(120), unique=True)  # same as the passo's
    pergunta: Mapped[str] = mapped_column(Text)
    resposta: Mapped[str | None] = mapped_column(Text)
    alternativas: Mapped[list[Any] | None]  # [{"nome", "acao_tipo", "acao_nome"}]
    tipo: Mapped[str | None] = mapped_column(String(40))  # Acao.Tipo of the taken branch
    ordem: Mapped[int]
    respondido: Mapped[bool] = mapped_column(Boolean, default=False)
    data_resposta: Mapped[datetime | None]  # first time a sync saw it answered
    # No raw of its own: a question is a step, and its passo keeps the step's raw.


class Obrigacao(Base):
    """A delivery (`Entregas[]` of `/deliveries/...`): DAS, EFD-Reinf, tasks… keyed by `Config.EntID`."""

    __tablename__ = "obrigacoes"
    __table_args__ = (
        Index("ix_obrigacoes_empresa_id", "empresa_id"),
        Index("ix_obrigacoes_processo_id", "processo_id"),
        Index("ix_obrigacoes_competencia", "competencia"),
        Index("ix_obrigacoes_data_vencimento", "data_vencimento"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "ent:<EntID>", or "cnpj:<digits>|<Nome>|<competência>" when the payload has no Config.
    chave: Mapped[str] = mapped_column(String(400), unique=True)
    ent_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    empresa_id: Mapped[int] = mapped_column(ForeignKey("empresas.id", ondelete="CASCADE"))
    processo_id: Mapped[int | None] = mapped_column(ForeignKey("processos.id", ondelete="SET NULL"))
    tipo: Mapped[str] = mapped_column(String(300))  # Nome: "DAS", "EFD-REINF", "FECHAMENTO CONTÁBIL"
    descricao: Mapped[str | None] = mapped_column(Text)
    categoria: Mapped[str | None] = mapped_column(String(1))  # Config.Tipo: O obrigação | T tarefa
    status: Mapped[str | None] = mapped_column(String(40))  # raw label: Pendente, Atrasada!, Entregue…
    competencia: Mapped[str | None] = mapped_column(String(7))  # MM/YYYY from EntCompetencia
    data_vencimento: Mapped[date | None] = mapped_column(Date)  # EntDtPrazo (the office deadline)
    data_atraso: Mapped[date | None] = mapped_column(Date)  # EntDtAtraso (legal deadline)
    data_entrega: Mapped[date | None] = mapped_column(Date)  # EntDtEntrega
    data_finalizacao: Mapped[datetime | None]
    valor: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # not exposed by the API: NULL
    codigo_recibo: Mapped[str | None] = mapped_column(String(120))  # not exposed by the API: NULL
    arquivo_url: Mapped[str | None] = mapped_column(Text)  # first Anexos[].Url (a temporary link)
    multa: Mapped[bool | None] = mapped_column(Boolean)
    guia_lida: Mapped[str | None] = mapped_column(String(120))
    responsavel: Mapped[str | None] = mapped_column(String(200))
    responsavel_prazo: Mapped[str | None] = mapped_column(String(200))  # Config.RespPrazo
    departamento: Mapped[str | None] = mapped_column(String(120))
    ent_last_dh: Mapped[datetime | None]
    hash_snapshot: Mapped[str | None] = mapped_column(String(64))
    raw_json: Mapped[bytes | None] = mapped_column(LargeBinary)  # brutos.py
    sincronizada_em: Mapped[datetime]


class UsuarioAcessorias(Base):
    """A user of the office in Acessórias (`/users`): maps the ids the API gives (`ProcGestor`) to names."""

    __tablename__ = "acessorias_usuarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[int] = mapped_column(BigInteger, unique=True)  # upstream `id`
    nome: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str | None] = mapped_column(String(40))  # "Ativo"…
    raw_json: Mapped[bytes | None] = mapped_column(LargeBinary)  # brutos.py
    sincronizado_em: Mapped[datetime]


class DicionarioBruto(Base):
    """A zstd dictionary trained on one table's raw JSON (brutos.py); frames name it by `dict_id`."""

    __tablename__ = "dicionarios_brutos"

    id: Mapped[int] = mapped_column(primary_key=True)
    tabela: Mapped[str] = mapped_column(String(40))
    dict_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # zstd's id, written in every frame
    dados: Mapped[bytes] = mapped_column(LargeBinary)
    amostras: Mapped[int]  # rows it was trained on
    criado_em: Mapped[datetime]


class MetricaCache(Base):
    """Dashboard figures computed by the read API; syncs delete the competências they touched.

    `competencia`/`regime_tributario` NULL mean "all"; NULLs compare equal in the unique constraint on
    PostgreSQL (NULLS NOT DISTINCT) — on SQLite the reader must treat duplicates itself.
    """

    __tablename__ = "metricas_cache"
    __table_args__ = (
        UniqueConstraint(
            "competencia", "regime_tributario", "metrica_tipo", postgresql_nulls_not_distinct=True
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competencia: Mapped[str | None] = mapped_column(String(7))
    regime_tributario: Mapped[str | None] = mapped_column(String(200))
    metrica_tipo: Mapped[str] = mapped_column(String(80))
    valor: Mapped[Any] = mapped_column(JSONType, nullable=True)  # any JSON: a number, a list, an object
    calculada_em: Mapped[datetime]


class Alteracao(Base):
    """A change a sync saw, recorded once: on a process (new, status, porcentagem, a passo done, a
    desdobramento answered, removed) or an obrigação (delivered, became overdue). Values are as the mirror
    shows them, as text; `visto_em` is when the sync saw the change (the upstream keeps no history)."""

    __tablename__ = "alteracoes"
    __table_args__ = (
        Index("ix_alteracoes_visto_em", "visto_em", "id"),
        Index("ix_alteracoes_processo_id", "processo_id", "visto_em"),
        Index("ix_alteracoes_empresa_id", "empresa_id", "visto_em"),
        Index("ix_alteracoes_obrigacao_id", "obrigacao_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo: Mapped[str] = mapped_column(String(40))  # see acessorias.historico.TIPOS
    processo_id: Mapped[int | None] = mapped_column(ForeignKey("processos.id", ondelete="CASCADE"))
    obrigacao_id: Mapped[int | None] = mapped_column(ForeignKey("obrigacoes.id", ondelete="CASCADE"))
    empresa_id: Mapped[int | None] = mapped_column(ForeignKey("empresas.id", ondelete="SET NULL"))
    competencia: Mapped[str | None] = mapped_column(String(7))
    descricao: Mapped[str | None] = mapped_column(Text)  # the passo, the question, the obrigação
    valor_anterior: Mapped[str | None] = mapped_column(Text)
    valor_novo: Mapped[str | None] = mapped_column(Text)
    visto_em: Mapped[datetime]
    sincronizacao_id: Mapped[int | None] = mapped_column(ForeignKey("sincronizacoes.id", ondelete="SET NULL"))
