"""The office's rules, in one home: what is open, delivered, dispensed, late or due soon, and which
competência is current. Each rule is one SQL expression evaluated against `hoje` (today in Brasília, from
the one clock); the dashboard, Responsáveis, the lists and their exports, the report, the WhatsApp
commands, the alerts and the web app (through GET /api/v1/regras) all read these, so the same question
gets the same number everywhere. Upstream labels are stored raw and trusted only for what no date tells.

**Obrigação `situacao`** — one of four, decided in this order:

1. `entregue`: it has a real delivery date (`EntDtEntrega` not the zero date), whatever the label;
2. `dispensada`: no delivery date and a label starting "Dispensad" (not required this period); it is in
   no total (not pending, not delivered);
3. `atrasada`: otherwise, when its deadline (`EntDtPrazo`, the office's) is before today. The label is a
   snapshot (`EntLastDH` does not move when a deadline merely passes), so a stale "Pendente" is late here;
4. `a_vencer`: otherwise (due today or later, or no deadline).

`pendente` = `atrasada` + `a_vencer`. Where each label of the upstream reference (§6) lands:

* Entregue, Ent. antecipada, Ent. PzTéc, Ent. atrasada, Ent. justificada: `entregue` (they carry a
  delivery date; one without a date is read by its deadline like any pending one);
* Dispensada: `dispensada` (with a delivery date, `entregue`);
* Pendente, Atrasada!: `atrasada` or `a_vencer`, by the deadline;
* Atraso justificado: not delivered, so `atrasada` or `a_vencer` by the deadline (the justification
  explains a delay, it delivers nothing);
* Prazo técnico: past the office's deadline, before the legal one (`EntDtAtraso`): `atrasada`.

**Vencem em N dias**: pending and due in [today, today + N] (today included); `VENCEM_DIAS` (7) is the
window of the dashboard, `semana`, the alerts and the report.

**Processo aberto**: its status is not Concluído, Desistência or Excluído, compared ignoring case and
accents (each matched by its accent-free stem). Em andamento, Suspenso, Agendado and Aguardando
aprovação are open; so is a process whose status the upstream left empty.

**Mine** (a person of the office, the Acessórias user an Espelho user is tied to): an obrigação whose
responsável is the person; a passo whose responsável is the person; a processo whose gestor is the person
(`ProcGestor` is the person's id in real data, a name in the upstream's doc: either matches), or that holds
a pending passo whose responsável is the person. Names match ignoring case and surrounding blanks. A fact
with no responsável is no one's: it belongs to the office.

**Parado desde**: an open processo stands on its first pending passo since its last upstream change
(`DtLastDH`, in Brasília; its start date when there is none): the upstream dates no step, and every step
done moves `DtLastDH`.

**The current competência** is the previous month, every day of the month: in month M+1 the office works
on competência M (its processes open on day 1 of M+1; its DAS, DCTFWeb and EFD-Reinf fall due in M+1),
and the current month has no work of its own until it ends. Every page, command and report opens on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, not_, or_

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import Obrigacao, Passo, Processo
from espelho.clock import SAO_PAULO

# ---- obrigações -----------------------------------------------------------------------------------------

ENTREGUE = "entregue"
DISPENSADA = "dispensada"
ATRASADA = "atrasada"
A_VENCER = "a_vencer"
PENDENTE = "pendente"  # a filter: atrasada + a_vencer

Situacao = Literal["entregue", "dispensada", "atrasada", "a_vencer"]
SituacaoFiltro = Literal["entregue", "dispensada", "atrasada", "a_vencer", "pendente"]
# What the web app, the exports and the report call each value.
ROTULOS: dict[str, str] = {
    ENTREGUE: "Entregue",
    DISPENSADA: "Dispensada",
    ATRASADA: "Atrasada",
    A_VENCER: "A vencer",
    PENDENTE: "Pendente",
}
VENCEM_DIAS = 7

_DISPENSADA = "dispensad"  # the label's stem: Dispensada, DISPENSADO…


def _rotulo_dispensada() -> ColumnElement[bool]:
    return func.lower(func.coalesce(Obrigacao.status, "")).startswith(_DISPENSADA)


def entregue() -> ColumnElement[bool]:
    return Obrigacao.data_entrega.is_not(None)


def dispensada() -> ColumnElement[bool]:
    return and_(Obrigacao.data_entrega.is_(None), _rotulo_dispensada())


def pendente() -> ColumnElement[bool]:
    return and_(Obrigacao.data_entrega.is_(None), not_(_rotulo_dispensada()))


def atrasada(hoje: date) -> ColumnElement[bool]:
    return and_(pendente(), Obrigacao.data_vencimento < hoje)


def a_vencer(hoje: date) -> ColumnElement[bool]:
    return and_(pendente(), or_(Obrigacao.data_vencimento >= hoje, Obrigacao.data_vencimento.is_(None)))


def vencem_em(hoje: date, dias: int = VENCEM_DIAS) -> ColumnElement[bool]:
    """Pending and due in [hoje, hoje + dias]."""
    return and_(pendente(), Obrigacao.data_vencimento.between(hoje, hoje + timedelta(days=dias)))


_CONDICAO = {ENTREGUE: lambda _h: entregue(), DISPENSADA: lambda _h: dispensada(), ATRASADA: atrasada,
             A_VENCER: a_vencer, PENDENTE: lambda _h: pendente()}


def situacao_condition(valor: str, hoje: date) -> ColumnElement[bool]:
    """The obligations whose situação is `valor` (or, for `pendente`, atrasada or a_vencer)."""
    return _CONDICAO[valor](hoje)


def situacao(hoje: date, *, rotulo: bool = False) -> ColumnElement[str]:
    """Each obligation's situação (the value, or with `rotulo` its pt-BR label), as a column."""
    name = ROTULOS.__getitem__ if rotulo else str
    return case(
        (entregue(), name(ENTREGUE)),
        (_rotulo_dispensada(), name(DISPENSADA)),
        (Obrigacao.data_vencimento < hoje, name(ATRASADA)),
        else_=name(A_VENCER),
    )


# ---- processos ------------------------------------------------------------------------------------------

PROCESSO_FECHADO = ("Concluído", "Desistência", "Excluído")
# Accent-free stems of the closing statuses: they match "Concluído", "CONCLUIDO" and "concluído" alike on
# both databases (SQLite's lower() folds ASCII only, and no stem holds an accented letter).
_FECHADO = ("conclu", "desist", "exclu")
_EXCLUIDO = "exclu"
_CONCLUIDO = "conclu"


def _status_comeca(*stems: str) -> ColumnElement[bool]:
    status = func.lower(func.trim(func.coalesce(Processo.status, "")))
    return or_(*(status.startswith(stem) for stem in stems))


def processo_aberto() -> ColumnElement[bool]:
    return not_(_status_comeca(*_FECHADO))


def status_aberto(status: str | None) -> bool:
    """`processo_aberto` of a status not stored yet (the sync plans on upstream payloads)."""
    return not (status or "").strip().lower().startswith(_FECHADO)


def status_excluido(status: str | None) -> bool:
    return (status or "").strip().lower().startswith(_EXCLUIDO)


def processo_concluido() -> ColumnElement[bool]:
    return _status_comeca(_CONCLUIDO)


def processo_excluido() -> ColumnElement[bool]:
    return _status_comeca(_EXCLUIDO)


def passo_pendente() -> ColumnElement[bool]:
    """A step waiting to be done (`Status` "Pendente"; sub-process nodes carry none)."""
    return func.lower(func.coalesce(Passo.status, "")) == "pendente"


def parado_desde(ultima_mudanca: datetime | None, inicio: date | None) -> date | None:
    """The day an open processo started standing on its pending passo (see the module's docstring)."""
    return ultima_mudanca.astimezone(SAO_PAULO).date() if ultima_mudanca is not None else inicio


def dias_parado(ultima_mudanca: datetime | None, inicio: date | None, hoje: date) -> int:
    desde = parado_desde(ultima_mudanca, inicio)
    return max((hoje - desde).days, 0) if desde else 0


# ---- mine -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pessoa:
    """A person of the office in Acessórias: `codigo` is the upstream id (what `ProcGestor` gives), `nome`
    what passos and obrigações name as their responsável."""

    codigo: int
    nome: str


def _nomeia(column: Any, pessoa: Pessoa) -> ColumnElement[bool]:
    # lower() on both sides: SQLite folds ASCII only, and then folds both alike.
    return func.lower(func.trim(column)) == func.lower(literal(pessoa.nome.strip()))


def obrigacao_da_pessoa(pessoa: Pessoa) -> ColumnElement[bool]:
    return _nomeia(Obrigacao.responsavel, pessoa)


def passo_da_pessoa(pessoa: Pessoa) -> ColumnElement[bool]:
    return _nomeia(Passo.responsavel, pessoa)


def processo_da_pessoa(pessoa: Pessoa) -> ColumnElement[bool]:
    gestor = or_(Processo.gestor == str(pessoa.codigo), _nomeia(Processo.gestor, pessoa))
    passo = exists().where(Passo.processo_id == Processo.id, passo_pendente(), passo_da_pessoa(pessoa))
    return or_(gestor, passo)


# ---- competência ----------------------------------------------------------------------------------------


def competencia_atual(hoje: date) -> Competencia:
    """The competência the office works on today: the previous month (see the module's docstring)."""
    return Competencia.of(hoje.month, hoje.year).anterior()
