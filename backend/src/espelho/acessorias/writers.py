"""The row writers of the Acessórias sync: they turn upstream payloads into rows and write what changed,
each unit in its own transaction (a company list, one process with its passos and desdobramentos, one
block of deliveries). What to fetch, and when, is the planner's (sync.py); what was written is counted
in `Counts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from espelho.acessorias import models, upstream
from espelho.acessorias.brutos import Brutos, treinar_pendentes
from espelho.acessorias.client import ListStats, parse_block, parse_company
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.historico import ATRASADA, TipoAlteracao, alteracao
from espelho.acessorias.models import Alteracao, Desdobramento, Empresa, Obrigacao, Passo, Processo
from espelho.db import Database, upsert
from espelho.logging_setup import get_logger

log = get_logger(__name__)


class Counters(BaseModel):
    """What a run reports having done."""

    novos: int = 0
    atualizados: int = 0
    removidos: int = 0
    inalterados: int = 0
    detalhes: int = 0
    ausentes: int = 0  # details that came back empty (ids that do not exist)
    ignorados: int = 0  # malformed rows skipped
    empresas_novas: int = 0
    empresas_atualizadas: int = 0
    obrigacoes_novas: int = 0
    obrigacoes_atualizadas: int = 0
    paginas: int = 0
    duplicados: int = 0
    paginas_vazias_recuperadas: int = 0
    alteracoes: int = 0  # changes recorded in the history
    retomada: bool = False  # a full sync that resumed an interrupted one
    detalhes_pulados: int = 0  # details a resumed run did not fetch again (stored by the interrupted run)
    # A full sync's phase 1 (lists and dashboards complete): its upstream calls and seconds.
    chamadas_ate_paineis: int | None = None
    segundos_ate_paineis: float | None = None
    varredura_completa: bool | None = None
    obrigacoes_delta_completo: bool | None = None


    @property
    def wrote(self) -> bool:
        """Whether the run changed what the mirror holds (not merely read it)."""
        return any((self.novos, self.atualizados, self.removidos, self.empresas_novas,
                    self.empresas_atualizadas, self.obrigacoes_novas, self.obrigacoes_atualizadas))


class Counts(Counters):
    """The counters as a run goes, and the competências it touched (their cached metrics go stale)."""

    competencias: set[str] = Field(default_factory=set)
    cross_competencia: bool = False

    def add_list(self, stats: ListStats) -> None:
        self.paginas += stats.pages
        self.duplicados += stats.duplicates
        self.paginas_vazias_recuperadas += stats.suspicious_empty

    def counters(self) -> dict[str, Any]:
        return self.model_dump(include=set(Counters.model_fields))

    def touch(self, *competencias: str | None) -> None:
        for competencia in competencias:
            if competencia:
                self.competencias.add(competencia)
            else:
                self.cross_competencia = True


class EmpresaRef(NamedTuple):
    id: int
    regime: str | None


class Company(NamedTuple):
    """A company an obligation belongs to: the mirror's id and the CNPJ digits."""

    empresa_id: int | None
    cnpj: str | None


class ProcessLink(NamedTuple):
    """What links an obligation to a process of its company."""

    processo_id: int
    competencia: str | None
    inicio: date | None
    entregas: set[str]  # folded names of what its steps deliver


class Done(NamedTuple):
    """A step's (or a question's) stored completion: done or answered, and since when."""

    done: bool
    at: datetime | None


class StoredObrigacao(NamedTuple):
    id: int
    hash_snapshot: str | None
    processo_id: int | None
    competencia: str | None
    status: str | None
    data_entrega: date | None


def _stored_rows(session: Session, model: type[Passo] | type[Desdobramento],
                 processo_id: int) -> dict[str, dict[str, Any]]:
    """A process's stored passos (or desdobramentos), every column, by `chave`."""
    table = model.__table__
    return {row.chave: dict(row._mapping) for row in session.execute(
        select(table).where(table.c.processo_id == processo_id))}


def _changed(rows: list[dict[str, Any]], stored: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that are new or differ in some column from the stored ones."""
    return [row for row in rows
            if (before := stored.get(row["chave"])) is None or any(before[k] != v for k, v in row.items())]


# The header columns a list row gives (and a detail repeats), compared to tell a change.
HEADER_COLUMNS = ("nome", "titulo", "competencia", "status", "porcentagem_conclusao", "dias_corridos",
                  "data_inicio", "data_conclusao", "departamento", "criador", "gestor", "observacoes",
                  "dt_last_dh")
# Header changes the history records, by column.
HEADER_EVENTS: dict[str, TipoAlteracao] = {"status": "processo_status",
                                           "porcentagem_conclusao": "processo_porcentagem"}
_HEADER_CHUNK = 500  # list headers written per transaction
TREINO_A_CADA = 100  # write transactions between two looks for a table ready for its dictionary


@dataclass
class Writers:
    """The row writers of one run; they share its clock, its counts and the lookups they build."""

    database: Database
    now: datetime
    counts: Counts
    competencia: Competencia | None = None  # a run scoped to one competência writes only its obligations
    run_id: int | None = None  # the run the history's changes are attributed to
    # Before the mirror's first successful sync every process is part of the initial load, not "new".
    initial_load: bool = False
    placeholders: int = 0  # companies first seen in a process header or a delivery block
    _empresas: dict[int, EmpresaRef] = field(default_factory=dict)  # by upstream codigo
    _empresas_by_cnpj: dict[str, int] = field(default_factory=dict)
    _links: dict[int, list[ProcessLink]] | None = None  # by empresa id
    _gestores: set[int] = field(default_factory=set)  # ProcGestor user ids of the processes written
    _gestores_pedidos: set[int] = field(default_factory=set)  # already handed out by unknown_gestores
    brutos: Brutos = field(init=False)  # the raws' dictionaries (trained during the run when missing)
    _escritas: int = 0  # write transactions, to try training every TREINO_A_CADA of them

    def __post_init__(self) -> None:
        self.brutos = Brutos.do_banco(self.database)

    def _vai_escrever(self) -> None:
        """Before a write: a table that has rows enough but no dictionary gets one now, so the rest of a
        first full sync is written packed (recompressing the first rows costs little; all of them, a
        database's worth of dead tuples)."""
        self._escritas += 1
        if self._escritas % TREINO_A_CADA or self.brutos.completo():
            return
        if treinar_pendentes(self.database):
            self.brutos = Brutos.do_banco(self.database)

    # --- empresas ---------------------------------------------------------------------------------------
    def companies(self, raws: list[dict[str, Any]]) -> None:
        """Write the company list (new or changed companies only); processes carry their company's regime."""
        rows: dict[int, dict[str, Any]] = {}
        for raw in raws:
            try:
                row = upstream.empresa_row(parse_company(raw), raw, self.now)
            except (ValueError, TypeError):
                self.counts.ignorados += 1
                continue
            if row["codigo"] is not None:
                rows[row["codigo"]] = row
        with self.database.session() as session:
            existing = {r.codigo: r for r in session.execute(
                select(Empresa.codigo, Empresa.hash_snapshot, Empresa.completa))}
            changed = []
            for codigo, row in rows.items():
                before = existing.get(codigo)
                if before is None:
                    self.counts.empresas_novas += 1
                elif not before.completa:
                    pass  # a placeholder made in this run (already counted as new) gets its data
                elif before.hash_snapshot != row["hash_snapshot"]:
                    self.counts.empresas_atualizadas += 1
                else:
                    continue
                changed.append(row)
            upsert(session, Empresa, self.brutos.packed(Empresa, changed), index_elements=["codigo"])
            for row in changed:
                # Only the processes whose regime differs: a company's other changes leave them as they are.
                session.execute(
                    update(Processo)
                    .where(Processo.empresa_id
                           == select(Empresa.id).where(Empresa.codigo == row["codigo"]).scalar_subquery(),
                           Processo.regime_tributario.is_distinct_from(row["regime_tributario"]))
                    .values(regime_tributario=row["regime_tributario"])
                )
            if changed:
                self.counts.cross_competencia = True
        self._empresas.clear()

    def _load_empresas(self, session: Session) -> None:
        if not self._empresas:
            query = select(Empresa.id, Empresa.codigo, Empresa.regime_tributario, Empresa.cnpj)
            for row in session.execute(query):
                self._empresas[row.codigo] = EmpresaRef(row.id, row.regime_tributario)
                if row.cnpj:
                    self._empresas_by_cnpj[row.cnpj] = row.id

    def _empresa_for(self, session: Session, placeholder: dict[str, Any] | None) -> EmpresaRef | None:
        """The mirrored company of `placeholder["codigo"]`, made from the placeholder when it is new."""
        if placeholder is None:
            return None
        self._load_empresas(session)
        codigo = placeholder["codigo"]
        if codigo not in self._empresas:
            upsert(session, Empresa, self.brutos.packed(Empresa, [placeholder]), index_elements=["codigo"],
                   update_columns=[])
            self.placeholders += 1
            self.counts.empresas_novas += 1
            id_ = int(session.scalar(select(Empresa.id).where(Empresa.codigo == codigo)))  # type: ignore[arg-type]
            self._empresas[codigo] = EmpresaRef(id_, None)
            if placeholder.get("cnpj"):
                self._empresas_by_cnpj[placeholder["cnpj"]] = id_
        return self._empresas[codigo]

    # --- usuários (ProcGestor gives a user id) ----------------------------------------------------------
    def users(self, raws: list[dict[str, Any]]) -> None:
        """Write users (`/users`) that parse; a malformed one is skipped and logged."""
        rows = []
        for raw in raws:
            try:
                row = upstream.usuario_row(upstream.UpstreamUser.model_validate(raw), raw, self.now)
            except (ValueError, TypeError) as exc:
                log.warning("acessorias.user_malformed", error=str(exc), user_id=raw.get("id"))
                continue
            if row is not None:
                rows.append(row)
        if rows:
            with self.database.session() as session:
                upsert(session, models.UsuarioAcessorias, self.brutos.packed(models.UsuarioAcessorias, rows),
                       index_elements=["codigo"])

    def unknown_gestores(self) -> list[int]:
        """The manager ids of the processes this run wrote that the mirror has no user for, each handed out
        once per run (a full sync asks after its list pages and again after the details)."""
        wanted = self._gestores - self._gestores_pedidos
        if not wanted:
            return []
        with self.database.session() as session:
            users = models.UsuarioAcessorias
            known = set(session.scalars(select(users.codigo).where(users.codigo.in_(wanted))))
        self._gestores_pedidos |= wanted
        return sorted(wanted - known)

    # --- history ----------------------------------------------------------------------------------------
    def _record(self, session: Session, events: list[dict[str, Any]]) -> None:
        """Add changes to the history, in the transaction of the change itself."""
        if events:
            session.execute(insert(Alteracao), events)
            self.counts.alteracoes += len(events)

    def _header_events(self, before: Any, row: dict[str, Any], processo_id: int) -> list[dict[str, Any]]:
        """Status and porcentagem changes between a stored process and its new header."""
        return [alteracao(tipo, run_id=self.run_id, processo_id=processo_id, empresa_id=before.empresa_id,
                          competencia=row["competencia"], antes=getattr(before, column), depois=row[column])
                for column, tipo in HEADER_EVENTS.items() if getattr(before, column) != row[column]]

    def _note_gestor(self, gestor: str | None) -> None:
        """A header or detail names its manager by user id: remember it for `unknown_gestores`."""
        if gestor and gestor.isdigit():
            self._gestores.add(int(gestor))

    # --- processos --------------------------------------------------------------------------------------
    def headers(self, headers: list[upstream.UpstreamProcessHeader]) -> None:
        """Write list headers (new processes, changed header fields): everything the processos list and the
        dashboards read. Passos wait for the detail: a process known only by its header has
        `detalhes_atualizados_em` NULL, and `hash_snapshot` stays the hash of its stored detail's header,
        so whatever compares it still asks for the detail."""
        for start in range(0, len(headers), _HEADER_CHUNK):
            self._headers_chunk(headers[start:start + _HEADER_CHUNK])

    def _headers_chunk(self, headers: list[upstream.UpstreamProcessHeader]) -> None:
        self._vai_escrever()
        with self.database.session() as session:
            ids = [h.proc_id for h in headers]
            columns = [getattr(Processo, c) for c in HEADER_COLUMNS]
            existing = {r.proc_id: r for r in session.execute(
                select(Processo.id, Processo.proc_id, Processo.removido_em, Processo.empresa_id, *columns)
                .where(Processo.proc_id.in_(ids)))}
            events: list[dict[str, Any]] = []
            for header in headers:
                if header.excluido:
                    continue  # a removal is believed from the detail (or a validated sweep), not a list row
                row = upstream.header_row(header)
                self._note_gestor(row["gestor"])
                before = existing.get(row["proc_id"])
                if before is None:
                    empresa = self._empresa_for(session, upstream.empresa_placeholder(header, self.now))
                    processo_id = session.scalar(insert(Processo).values(
                        **row, empresa_id=empresa.id if empresa else None,
                        regime_tributario=empresa.regime if empresa else None, total_passos=0,
                        passos_concluidos=0,
                        raw_json=self.brutos.pack(Processo, header.model_dump(exclude_none=True)),
                        sincronizado_em=self.now).returning(Processo.id))
                    self.counts.novos += 1
                    self.counts.touch(row["competencia"])
                    if not self.initial_load:
                        events.append(alteracao("processo_novo", run_id=self.run_id, processo_id=processo_id,
                                                empresa_id=empresa.id if empresa else None,
                                                competencia=row["competencia"], depois=row["status"]))
                    continue
                revived = before.removido_em is not None
                if not revived and all(getattr(before, c) == row[c] for c in HEADER_COLUMNS):
                    continue
                session.execute(update(Processo).where(Processo.id == before.id)
                                .values(**row, removido_em=None, sincronizado_em=self.now))
                self.counts.touch(before.competencia, row["competencia"])
                if not revived:
                    events.extend(self._header_events(before, row, before.id))
            self._record(session, events)
            self._links = None  # obligations link to processes: rebuild the lookup when next needed

    def mark_removed(self, proc_id: int) -> None:
        with self.database.session() as session:
            row = session.execute(select(Processo.id, Processo.competencia, Processo.empresa_id,
                                         Processo.status).where(
                Processo.proc_id == proc_id, Processo.removido_em.is_(None))).first()
            if row is None:
                return
            session.execute(update(Processo).where(Processo.id == row.id).values(removido_em=self.now))
            self.counts.removidos += 1
            self.counts.touch(row.competencia)
            self._record(session, [alteracao("processo_removido", run_id=self.run_id, processo_id=row.id,
                                             empresa_id=row.empresa_id, competencia=row.competencia,
                                             antes=row.status)])

    def process(self, raw: dict[str, Any], *, restaurar: bool = False) -> None:
        """Replace one process (header, passos, desdobramentos) in its own transaction. An unchanged detail
        is not written, unless `restaurar` and the retention pruned its step tree (the tree is stored
        again, without history: its steps were done long before)."""
        try:
            proc = upstream.UpstreamProcess.model_validate(raw)
            row = upstream.processo_row(proc, raw)
        except (ValueError, TypeError) as exc:
            self.counts.ignorados += 1
            log.warning("acessorias.process_malformed", error=str(exc), proc_id=raw.get("ProcID"))
            return
        self._vai_escrever()
        with self.database.session() as session:
            existing = session.execute(
                select(Processo.id, Processo.hash_detalhe, Processo.removido_em, Processo.empresa_id,
                       Processo.detalhes_atualizados_em, Processo.passos_podados_em,
                       *[getattr(Processo, c) for c in HEADER_COLUMNS])
                .where(Processo.proc_id == row["proc_id"])
            ).first()
            if proc.excluido:
                if existing is not None and existing.removido_em is None:
                    session.execute(
                        update(Processo).where(Processo.id == existing.id).values(
                            removido_em=self.now, status=row["status"],
                            raw_json=self.brutos.pack(Processo, row["raw_json"]),
                            hash_snapshot=row["hash_snapshot"], hash_detalhe=row["hash_detalhe"],
                            dt_last_dh=row["dt_last_dh"], sincronizado_em=self.now,
                        )
                    )
                    self.counts.removidos += 1
                    self.counts.touch(existing.competencia)
                    self._record(session, [alteracao(
                        "processo_removido", run_id=self.run_id, processo_id=existing.id,
                        empresa_id=existing.empresa_id, competencia=existing.competencia,
                        antes=existing.status, depois=row["status"])])
                return
            podado = existing is not None and existing.passos_podados_em is not None
            if (existing is not None and existing.removido_em is None
                    and existing.hash_detalhe == row["hash_detalhe"] and not (restaurar and podado)):
                self.counts.inalterados += 1
                return
            # A process known before only by its list header gets its first detail: not a change; nor does
            # a pruned tree stored again record its steps as done now.
            had_detail = existing is not None and existing.detalhes_atualizados_em is not None
            empresa = self._empresa_for(session, upstream.empresa_placeholder(proc, self.now))
            steps = list(upstream.flatten_steps(proc.ProcPassos))
            counted = [s for s in steps if s.counts]
            row.update(
                empresa_id=empresa.id if empresa else None,
                regime_tributario=empresa.regime if empresa else None,
                total_passos=len(counted),
                passos_concluidos=sum(1 for s in counted if s.concluido),
                detalhes_atualizados_em=self.now,
                removido_em=None,
                passos_podados_em=None,
                sincronizado_em=self.now,
            )
            upsert(session, Processo, self.brutos.packed(Processo, [row]), index_elements=["proc_id"])
            self._note_gestor(row["gestor"])
            processo_id = int(existing.id if existing is not None else session.scalar(  # type: ignore[arg-type]
                select(Processo.id).where(Processo.proc_id == row["proc_id"])))
            events = self._steps(session, processo_id, row["proc_id"], steps,
                                 observed=had_detail and not podado)
            empresa_id = empresa.id if empresa else None
            if existing is None:
                self.counts.novos += 1
                if not self.initial_load:
                    events.append(alteracao("processo_novo", run_id=self.run_id, processo_id=processo_id,
                                            empresa_id=empresa_id, competencia=row["competencia"],
                                            depois=row["status"]))
            else:
                if had_detail:
                    self.counts.atualizados += 1
                if existing.removido_em is None:
                    events.extend(self._header_events(existing, row, processo_id))
                self.counts.touch(existing.competencia)
            for event in events:
                event["empresa_id"] = empresa_id
                event["competencia"] = row["competencia"]
            self._record(session, events)
            self.counts.touch(row["competencia"])
            self._links = None  # obligations link to processes: rebuild the lookup when next needed

    def _steps(self, session: Session, processo_id: int, proc_id: int, steps: list[upstream.FlatStep], *,
               observed: bool) -> list[dict[str, Any]]:
        """Bring the process's passos and desdobramentos to `steps`, writing only the rows that changed
        (an unchanged row is never rewritten: no dead tuples, no index churn); returns the history of what
        was done or answered since the stored detail (`observed`: there was one)."""
        stored_passos = _stored_rows(session, Passo, processo_id)
        stored_questions = _stored_rows(session, Desdobramento, processo_id)
        before = {chave: Done(r["concluido"], r["data_conclusao"]) for chave, r in stored_passos.items()}
        answered_before = {chave: Done(r["respondido"], r["data_resposta"])
                           for chave, r in stored_questions.items()}

        def done_at(done: bool, previous: Done | None) -> datetime | None:
            # The upstream has no step timestamps: keep the first time a sync saw the step done. Steps
            # already done when the process is first mirrored have no known date.
            if not done:
                return None
            if previous is not None and previous.done:
                return previous.at
            return self.now if observed else None

        def newly(done: bool, previous: Done | None) -> bool:
            return observed and done and not (previous is not None and previous.done)

        events = []
        rows, keys = [], set()
        for step in steps:
            chave = f"{proc_id}:{step.caminho}"
            keys.add(chave)
            question = (step.tipo or "").lower().startswith("desdobramento")
            if not question and newly(step.concluido, before.get(chave)):
                events.append(alteracao("passo_concluido", run_id=self.run_id, processo_id=processo_id,
                                        descricao=step.nome, antes="Pendente", depois=step.status))
            rows.append({
                "processo_id": processo_id,
                "chave": chave,
                "caminho": step.caminho,
                "ordem": step.ordem,
                "nivel": step.nivel,
                "tipo": step.tipo,
                "nome": step.nome,
                "descricao": step.descricao,
                "status": step.status,
                "concluido": step.concluido,
                "responsavel": step.responsavel,
                "prazo": step.prazo,
                "data_conclusao": done_at(step.concluido, before.get(chave)),
                "observacoes": None,
                "bloqueante": step.bloqueante,
                "entrega_tipo": step.entrega_tipo,
                "entrega_nome": (step.entrega_nome or "")[:300] or None,
                "raw_json": self.brutos.pack(Passo, step.raw),
            })
        stale = [k for k in before if k not in keys]
        if stale:
            session.execute(delete(Desdobramento).where(Desdobramento.chave.in_(stale)))
            session.execute(delete(Passo).where(Passo.chave.in_(stale)))
        upsert(session, Passo, _changed(rows, stored_passos), index_elements=["chave"])
        questions = [s for s in steps if (s.tipo or "").lower().startswith("desdobramento")]
        if not questions:
            if stored_questions:
                session.execute(delete(Desdobramento).where(Desdobramento.processo_id == processo_id))
            return events
        ids = {r.chave: r.id for r in session.execute(
            select(Passo.chave, Passo.id).where(Passo.processo_id == processo_id))}
        drows = []
        for step in questions:
            chave = f"{proc_id}:{step.caminho}"
            resposta, acao_tipo = upstream.answered(step)
            if newly(step.concluido, answered_before.get(chave)):
                events.append(alteracao("desdobramento_respondido", run_id=self.run_id,
                                        processo_id=processo_id, descricao=step.nome, depois=resposta))
            drows.append({
                "passo_id": ids[chave],
                "processo_id": processo_id,
                "chave": chave,
                "pergunta": step.nome,
                "resposta": resposta,
                "alternativas": step.alternativas,
                "tipo": acao_tipo,
                "ordem": step.ordem,
                "respondido": step.concluido,
                "data_resposta": done_at(step.concluido, answered_before.get(chave)),
            })
        gone = [k for k in answered_before if k not in {r["chave"] for r in drows}]
        if gone:
            session.execute(delete(Desdobramento).where(Desdobramento.chave.in_(gone)))
        upsert(session, Desdobramento, _changed(drows, stored_questions), index_elements=["chave"])
        return events

    # --- obrigações -------------------------------------------------------------------------------------
    def deliveries(self, blocks: list[dict[str, Any]], *, default: Company | None) -> None:
        """Write the new or changed obligations of deliveries blocks (one company each), in one transaction;
        `default` is the company a company-by-company sweep asked for."""
        self._vai_escrever()
        with self.database.session() as session:
            rows: dict[str, dict[str, Any]] = {}
            for raw_block in blocks:
                try:
                    block = parse_block(raw_block)
                except (ValueError, TypeError):
                    self.counts.ignorados += 1
                    continue
                company = self._block_company(session, block, default)
                if company.empresa_id is None:
                    self.counts.ignorados += len(block.Entregas)
                    continue
                for delivery, raw in zip(block.Entregas, raw_block.get("Entregas") or [], strict=False):
                    of = upstream.competencia_entrega(delivery.EntCompetencia)
                    if self.competencia and of != self.competencia:
                        continue
                    row = upstream.obrigacao_row(delivery, raw, company.cnpj, company.empresa_id, self.now)
                    rows[row["chave"]] = row  # deduplicated by key (EntID)
            if not rows:
                return
            stored = select(Obrigacao.chave, Obrigacao.id, Obrigacao.hash_snapshot, Obrigacao.processo_id,
                            Obrigacao.competencia, Obrigacao.status, Obrigacao.data_entrega)
            existing = {
                r.chave: StoredObrigacao(r.id, r.hash_snapshot, r.processo_id, r.competencia, r.status,
                                         r.data_entrega)
                for r in session.execute(stored.where(Obrigacao.chave.in_(list(rows))))}
            changed, events = [], []
            for chave, row in rows.items():
                row["processo_id"] = self._link(session, row)
                before = existing.get(chave)
                if (before is not None and before.hash_snapshot == row["hash_snapshot"]
                        and before.processo_id == row["processo_id"]):
                    continue
                if before is None:
                    self.counts.obrigacoes_novas += 1
                else:
                    self.counts.obrigacoes_atualizadas += 1
                    self.counts.touch(before.competencia)
                    events.extend(self._delivery_events(before, row))
                self.counts.touch(row["competencia"])
                changed.append(row)
            upsert(session, Obrigacao, self.brutos.packed(Obrigacao, changed), index_elements=["chave"])
            self._record(session, events)

    def _delivery_events(self, before: StoredObrigacao, row: dict[str, Any]) -> list[dict[str, Any]]:
        """An obligation delivered (a delivery date appeared) or become overdue (the upstream's label)."""
        tipo: TipoAlteracao | None = None
        if before.data_entrega is None and row["data_entrega"] is not None:
            tipo = "obrigacao_entregue"
        elif row["status"] == ATRASADA and before.status != ATRASADA:
            tipo = "obrigacao_atrasada"
        if tipo is None:
            return []
        return [alteracao(tipo, run_id=self.run_id, obrigacao_id=before.id, processo_id=row["processo_id"],
                          empresa_id=row["empresa_id"], competencia=row["competencia"], descricao=row["tipo"],
                          antes=before.status, depois=row["status"])]

    def _block_company(self, session: Session, block: upstream.UpstreamDeliveryBlock,
                       default: Company | None) -> Company:
        self._load_empresas(session)
        named = upstream.block_company(block, self.now)
        if named.codigo is not None and named.codigo in self._empresas:
            return Company(self._empresas[named.codigo].id, named.cnpj)
        if named.cnpj and named.cnpj in self._empresas_by_cnpj:
            return Company(self._empresas_by_cnpj[named.cnpj], named.cnpj)
        if default is not None:
            return default
        empresa = self._empresa_for(session, named.placeholder)
        return Company(empresa.id if empresa else None, named.cnpj)

    def _process_links(self, session: Session) -> dict[int, list[ProcessLink]]:
        if self._links is None:
            names: dict[int, set[str]] = {}
            for processo_id, nome in session.execute(
                select(Passo.processo_id, Passo.entrega_nome).where(Passo.entrega_nome.is_not(None))
            ):
                names.setdefault(processo_id, set()).add((nome or "").strip().lower())
            links: dict[int, list[ProcessLink]] = {}
            for row in session.execute(
                select(Processo.id, Processo.empresa_id, Processo.competencia, Processo.data_inicio).where(
                    Processo.removido_em.is_(None), Processo.empresa_id.is_not(None))
                # By id: when two processes could take an obligation the first wins, whatever the rows'
                # physical order (a rewrite of the processos rows moved it on PostgreSQL).
                .order_by(Processo.id)
            ):
                links.setdefault(int(row.empresa_id or 0), []).append(
                    ProcessLink(row.id, row.competencia, row.data_inicio, names.get(row.id, set())))
            self._links = links
        return self._links

    def _link(self, session: Session, row: dict[str, Any]) -> int | None:
        """The process an obligation belongs to: same empresa, a step that delivers it, same competência
        (or, for monthly routines that run in the following month, started between the competência and the
        deadline); else the only process of that empresa and competência."""
        candidates = self._process_links(session).get(row["empresa_id"], [])
        nome = row["tipo"].strip().lower()
        competencia = row["competencia"]
        same = [c for c in candidates if competencia and c.competencia == competencia]
        for c in same:
            if nome in c.entregas:
                return c.processo_id
        if competencia:
            first = Competencia.parse(competencia).first_day
            last = row["data_vencimento"] or first + timedelta(days=62)
            delivering = [c for c in candidates
                          if nome in c.entregas and c.inicio and first <= c.inicio <= last]
            if len(delivering) == 1:
                return delivering[0].processo_id
        return same[0].processo_id if len(same) == 1 else None
