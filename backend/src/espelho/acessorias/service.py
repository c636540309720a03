"""Full and incremental sync of the Acessórias mirror.

- FULL: empresas (ListAll) → process list sweep → one detail per process (listed, gaps in the id range
  that the unstable pagination may have skipped, and stored ones the list did not show) → 2 probes above
  the highest id → obrigações company by company over a deadline window.
- INCREMENTAL (and MANUAL, a user-triggered incremental): process list narrowed by `DtLastDH` (last
  successful run − a safety margin, Brasília time) → details only for new or changed headers (hash of
  the fields that signal change) → 2 probes above the highest id → obrigações from the deliveries
  `ListAll` delta. Without a previous run the list is swept whole and compared the same way.

Each process is written in its own transaction (never half-written); a failure leaves what was written
before it and the run is recorded as ERRO. A stored process is marked removed only when the detail says
`Excluído`, or when a complete, validated list sweep did not show it *and* its detail is confirmed gone.
Unchanged rows are not rewritten, so running a sync twice changes nothing.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from espelho.acessorias import schemas
from espelho.acessorias.cache import mark_competencias_changed
from espelho.acessorias.client import (
    MAX_IN_FLIGHT,
    AcessoriasClient,
    ListResult,
    ListStats,
    parse_block,
    parse_company,
)
from espelho.acessorias.competencia import competencia_processo
from espelho.acessorias.models import Desdobramento, Empresa, Obrigacao, Passo, Processo, UsuarioAcessorias
from espelho.clock import SAO_PAULO, now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.db import Database, upsert
from espelho.errors import InvalidInput
from espelho.logging_setup import get_logger
from espelho.syncs import service as runs
from espelho.syncs.models import Sincronizacao
from espelho.upstream.http import counting_calls

log = get_logger(__name__)

ORIGEM = "ACESSORIAS"
ESCOPO = "acessorias"
TIPOS = ("FULL", "INCREMENTAL", "MANUAL")
# DtLastDH is second-granular and upstream clocks drift: re-read the last hour (unchanged rows cost nothing).
SAFETY_MARGIN = timedelta(hours=1)
PROBES = 2  # consecutive misses above the highest known id before believing there is nothing newer
HEARTBEAT_EVERY_S = 20.0
_COMPETENCIA = re.compile(r"^(0[1-9]|1[0-2])/\d{4}$")

Progress = Callable[[int, int, str], None]
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Counts:
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
    varredura_completa: bool | None = None
    obrigacoes_delta_completo: bool | None = None
    competencias: set[str] = field(default_factory=set)
    cross_competencia: bool = False

    def add_list(self, stats: ListStats) -> None:
        self.paginas += stats.pages
        self.duplicados += stats.duplicates
        self.paginas_vazias_recuperadas += stats.suspicious_empty

    def touch(self, *competencias: str | None) -> None:
        for competencia in competencias:
            if competencia:
                self.competencias.add(competencia)
            else:
                self.cross_competencia = True


def validate_competencia(competencia: str | None) -> str | None:
    if competencia is None:
        return None
    value = competencia.strip()
    if re.match(r"^\d/\d{4}$", value):
        value = f"0{value}"
    if not _COMPETENCIA.match(value):
        raise InvalidInput("competência must be MM/YYYY", detail=competencia)
    return value


def run_sync(
    database: Database,
    settings: Settings,
    tipo: str,
    *,
    competencia: str | None = None,
    run_id: int | None = None,
    progress: Progress | None = None,
    client: AcessoriasClient | None = None,
) -> dict[str, Any]:
    """Run one sync and record it in `sincronizacoes`. Returns the result printed by `--json`; raises
    (after recording the run as ERRO) when the upstream or the database fails."""
    tipo = (tipo or "").strip().upper()
    if tipo not in TIPOS:
        raise InvalidInput(f"tipo must be one of {', '.join(TIPOS)}", detail=tipo)
    competencia = validate_competencia(competencia)
    started = time.perf_counter()
    with (
        runs.recorded_run(
            database, origem=ORIGEM, tipo=tipo, escopo=ESCOPO, competencia=competencia, run_id=run_id
        ) as handle,
        counting_calls() as calls,
    ):
        if client is None and not (
            settings.acessorias_token and settings.acessorias_token.get_secret_value()
        ):
            raise InvalidInput("ESPELHO_ACESSORIAS_TOKEN is not set")
        own_client = client is None
        active = client or AcessoriasClient(settings)
        sync = _Sync(database, settings, active, handle.id, progress, competencia)
        handle.result.update(
            {"status": runs.INICIADA, "tipo": tipo, "competencia": competencia, "run_id": handle.id}
        )
        try:
            if tipo == "FULL":
                sync.full()
            else:
                sync.incremental()
            handle.result["status"] = runs.CONCLUIDA
        except BaseException as exc:
            handle.result["status"] = runs.ERRO
            handle.result["erro"] = str(exc) or exc.__class__.__name__
            raise
        finally:
            handle.result.update(sync.result(calls.calls, time.perf_counter() - started))
            if own_client:
                active.close()
    log.info("acessorias.sync", **{k: v for k, v in handle.result.items() if not isinstance(v, list)})
    return handle.result


def _parallel(items: Iterable[T], fn: Callable[[T], R]) -> Iterator[tuple[T, R]]:
    """Run `fn` over items in ≤5 worker threads (each counted as the caller's upstream calls), yielding
    results as they finish so the caller writes them one transaction at a time. A failure cancels the rest."""
    pool = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="acessorias")
    try:
        futures = {pool.submit(contextvars.copy_context().run, fn, item): item for item in items}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Sync:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        client: AcessoriasClient,
        run_id: int,
        progress: Progress | None,
        competencia: str | None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self.run_id = run_id
        self.progress = progress
        self.competencia = competencia
        self.counts = Counts()
        self.now = now_utc()
        self._last_beat = time.monotonic()
        self._empresas: dict[int, tuple[int, str | None]] = {}  # codigo -> (id, regime)
        self._empresas_by_cnpj: dict[str, int] = {}
        self._placeholders = 0  # companies first seen in a process header or a delivery block
        self._links: dict[int, list[tuple[int, str | None, date | None, set[str]]]] | None = None
        self._gestores: set[int] = set()  # ProcGestor user ids of the processes this run wrote

    # --- bookkeeping --------------------------------------------------------------------------------
    def result(self, api_calls: int, elapsed_s: float) -> dict[str, Any]:
        c = self.counts
        with self.database.session() as session:
            total = session.scalar(
                select(func.count()).select_from(Processo).where(Processo.removido_em.is_(None))
            )
        return {
            "novos": c.novos,
            "atualizados": c.atualizados,
            "removidos": c.removidos,
            "total_processos": int(total or 0),
            "api_calls": api_calls,
            "duration_s": round(elapsed_s, 3),
            "inalterados": c.inalterados,
            "detalhes": c.detalhes,
            "ausentes": c.ausentes,
            "ignorados": c.ignorados,
            "empresas_novas": c.empresas_novas,
            "empresas_atualizadas": c.empresas_atualizadas,
            "obrigacoes_novas": c.obrigacoes_novas,
            "obrigacoes_atualizadas": c.obrigacoes_atualizadas,
            "paginas": c.paginas,
            "duplicados": c.duplicados,
            "paginas_vazias_recuperadas": c.paginas_vazias_recuperadas,
            "varredura_completa": c.varredura_completa,
            "obrigacoes_delta_completo": c.obrigacoes_delta_completo,
            "competencias": sorted(c.competencias),
        }

    def _tick(self, done: int, total: int, label: str) -> None:
        if self.progress is not None:
            self.progress(done, total, label)
        if time.monotonic() - self._last_beat > HEARTBEAT_EVERY_S:
            self._last_beat = time.monotonic()
            runs.heartbeat(self.database, self.run_id)

    def _wanted(self, header: schemas.UpstreamProcessHeader) -> bool:
        if self.competencia is None:
            return True
        return competencia_processo(header.ProcTitulo, header.ProcInicio, header.ProcNome) == self.competencia

    def _stored(self) -> dict[int, tuple[int, str | None, str | None, bool]]:
        """proc_id -> (row id, hash_snapshot, competencia, alive)."""
        with self.database.session() as session:
            query = select(
                Processo.proc_id,
                Processo.id,
                Processo.hash_snapshot,
                Processo.competencia,
                Processo.removido_em,
            )
            if self.competencia:
                query = query.where(Processo.competencia == self.competencia)
            return {r[0]: (r[1], r[2], r[3], r[4] is None) for r in session.execute(query)}

    def _max_proc_id(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.max(Processo.proc_id))) or 0)

    # --- the two kinds of run -------------------------------------------------------------------------
    def full(self) -> None:
        self._tick(0, 0, "empresas")
        self._sync_companies()
        self._tick(0, 0, "lista de processos")
        listing = self.client.process_list()
        self.counts.add_list(listing.stats)
        headers = self._parse_headers(listing.rows)
        stored = self._stored()
        listed = {h.proc_id for h in headers if self._wanted(h)}
        alive = {pid for pid, row in stored.items() if row[3]}
        # A sweep is believed only when it ran to a confirmed end and saw at least most of what we hold
        # (silent throttling can end a list early with a plausible-looking empty page).
        complete = listing.complete and (not alive or len(listed & alive) >= 0.9 * len(alive))
        self.counts.varredura_completa = complete
        candidates = set(listed)
        if listed and self.competencia is None:
            # Ids the unstable pagination skipped hide in the gaps of the listed range.
            candidates |= set(range(min(listed), max(listed) + 1)) - listed
        candidates |= alive - listed  # stored but not listed: refresh by id, remove only if confirmed
        self._fetch_and_write(sorted(candidates), removable=(alive - listed) if complete else set())
        self._probe_above(max([self._max_proc_id(), *listed, *candidates]))
        self._sync_users(listing=True)
        self._sync_company_deliveries()
        self._invalidate()

    def incremental(self) -> None:
        last_run = self._last_run_start()
        since = self._since(last_run, Processo.dt_last_dh)
        # The deliveries delta does not depend on the processes: fetch it meanwhile (its confirmation
        # pause overlaps theirs) and write it afterwards, from this thread.
        deliveries = self._start_delivery_delta(
            self._since(last_run, Obrigacao.ent_last_dh), last_run - SAFETY_MARGIN if last_run else None
        )
        try:
            self._tick(0, 0, "lista de processos")
            listing = self.client.process_list(changed_since=since)
            self.counts.add_list(listing.stats)
            self.counts.varredura_completa = listing.complete if since is None else None
            headers = [h for h in self._parse_headers(listing.rows) if self._wanted(h)]
            stored = self._stored()
            changed = []
            for header in headers:
                row = stored.get(header.proc_id)
                if row is None or not row[3] or row[1] != schemas.process_hash(header):
                    changed.append(header.proc_id)
                else:
                    self.counts.inalterados += 1
            listed = {h.proc_id for h in headers}
            if since is None and listed and self.competencia is None:
                # A whole-list sweep: ids its unstable pagination skipped hide in the gaps, as in a full sync.
                gaps = (
                    set(range(min(listed), max(listed) + 1)) - listed - {p for p, r in stored.items() if r[3]}
                )
                changed.extend(gaps)
            self._fetch_and_write(sorted(changed), removable=set())
            listed_max = max((h.proc_id for h in headers), default=0)
            self._probe_above(max(self._max_proc_id(), listed_max))
        except BaseException:
            wait([deliveries])  # never leave a thread using the client after the run ends
            raise
        listing_deliveries = deliveries.result()
        self.counts.add_list(listing_deliveries.stats)
        for block in listing_deliveries.rows:  # one transaction per company block
            self._write_deliveries([block], default_empresa=None)
        if self._placeholders:
            self._sync_companies()  # a company new to the mirror was named by a process or a delivery
        self._sync_users(listing=False)
        self._invalidate()

    def _since(self, last_run: datetime | None, newest_column: Any) -> datetime | None:
        """The `DtLastDH` to ask from: the start of the last successful run, or the newest upstream change
        already mirrored if that is older (a delta that came back silently empty did not move it, so the
        changes it hid are asked for again), minus a safety margin. None (sweep everything) without a run
        or with nothing mirrored yet (a first sync that came back silently empty proves nothing)."""
        if last_run is None:
            return None
        with self.database.session() as session:
            newest = session.scalar(select(func.max(newest_column)))
        if newest is None:
            return None
        return min(last_run, newest) - SAFETY_MARGIN

    def _last_run_start(self) -> datetime | None:
        """Start of the last successful run over the whole office."""
        with self.database.session() as session:
            return session.scalar(
                select(Sincronizacao.iniciada_em)
                .where(
                    Sincronizacao.origem == ORIGEM,
                    Sincronizacao.status == runs.CONCLUIDA,
                    Sincronizacao.competencia.is_(None),
                    Sincronizacao.id != self.run_id,
                )
                .order_by(Sincronizacao.iniciada_em.desc())
                .limit(1)
            )

    # --- empresas ---------------------------------------------------------------------------------------
    def _sync_companies(self) -> None:
        listing = self.client.companies()
        self.counts.add_list(listing.stats)
        rows: dict[int, dict[str, Any]] = {}
        for raw in listing.rows:
            try:
                row = schemas.empresa_row(parse_company(raw), raw, self.now)
            except (ValueError, TypeError):
                self.counts.ignorados += 1
                continue
            if row["codigo"] is not None:
                rows[row["codigo"]] = row
        with self.database.session() as session:
            existing = {
                r[0]: (r[1], r[2])
                for r in session.execute(select(Empresa.codigo, Empresa.hash_snapshot, Empresa.completa))
            }
            changed = []
            for codigo, row in rows.items():
                before = existing.get(codigo)
                if before is None:
                    self.counts.empresas_novas += 1
                elif not before[1]:
                    pass  # a placeholder made in this run (already counted as new) gets its data
                elif before[0] != row["hash_snapshot"]:
                    self.counts.empresas_atualizadas += 1
                else:
                    continue
                changed.append(row)
            upsert(session, Empresa, changed, index_elements=["codigo"])
            if changed:
                # Processes carry their company's regime (dashboards group by it).
                for row in changed:
                    session.execute(
                        update(Processo)
                        .where(
                            Processo.empresa_id
                            == select(Empresa.id).where(Empresa.codigo == row["codigo"]).scalar_subquery()
                        )
                        .values(regime_tributario=row["regime_tributario"])
                    )
                self.counts.cross_competencia = True
        self._empresas.clear()

    # --- usuários (ProcGestor gives an id) ------------------------------------------------------------
    def _sync_users(self, *, listing: bool) -> None:
        """The users list (full sync), then each manager id still unknown, one by one: the list skips
        people. Only this run's processes' ids are asked for, so an id the upstream never resolves costs
        one lookup per run that touches its process, not one per run."""
        rows: list[dict[str, Any]] = []
        if listing:
            result = self.client.users()
            self.counts.add_list(result.stats)
            rows = [r for r in (self._usuario(raw) for raw in result.rows) if r]
        with self.database.session() as session:
            if rows:
                upsert(session, UsuarioAcessorias, rows, index_elements=["codigo"])
            known = set(session.scalars(select(UsuarioAcessorias.codigo)))
        for codigo in sorted(self._gestores - known):
            raw = self.client.user(codigo)
            row = self._usuario(raw) if raw else None
            if row is not None:
                with self.database.session() as session:
                    upsert(session, UsuarioAcessorias, [row], index_elements=["codigo"])

    def _usuario(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return schemas.usuario_row(schemas.UpstreamUser.model_validate(raw), raw, self.now)
        except (ValueError, TypeError) as exc:
            log.warning("acessorias.user_malformed", error=str(exc), user_id=raw.get("id"))
            return None

    def _load_empresas(self, session: Session) -> None:
        if not self._empresas:
            for id_, codigo, regime, cnpj in session.execute(
                select(Empresa.id, Empresa.codigo, Empresa.regime_tributario, Empresa.cnpj)
            ):
                self._empresas[codigo] = (id_, regime)
                if cnpj:
                    self._empresas_by_cnpj[cnpj] = id_

    def _empresa_for(
        self, session: Session, placeholder: dict[str, Any] | None
    ) -> tuple[int | None, str | None]:
        if placeholder is None:
            return None, None
        self._load_empresas(session)
        codigo = placeholder["codigo"]
        if codigo not in self._empresas:
            upsert(session, Empresa, [placeholder], index_elements=["codigo"], update_columns=[])
            self._placeholders += 1
            self.counts.empresas_novas += 1
            id_ = session.scalar(select(Empresa.id).where(Empresa.codigo == codigo))
            self._empresas[codigo] = (int(id_), None)  # type: ignore[arg-type]
            if placeholder.get("cnpj"):
                self._empresas_by_cnpj[placeholder["cnpj"]] = int(id_)  # type: ignore[arg-type]
        return self._empresas[codigo]

    # --- processos --------------------------------------------------------------------------------------
    def _parse_headers(self, rows: list[dict[str, Any]]) -> list[schemas.UpstreamProcessHeader]:
        headers = []
        for raw in rows:
            try:
                header = schemas.UpstreamProcessHeader.model_validate(raw)
                header.proc_id  # noqa: B018 - validates the id
            except (ValueError, TypeError):
                self.counts.ignorados += 1
                continue
            headers.append(header)
        return headers

    def _fetch_and_write(self, proc_ids: list[int], *, removable: set[int]) -> None:
        total = len(proc_ids)
        self._tick(0, total, "processos")

        def fetch(proc_id: int) -> dict[str, Any] | None:
            # Only an absence that could mean "removed" is worth a spaced confirmation.
            return self.client.process_detail(proc_id, confirm_empty=proc_id in removable)

        for done, (proc_id, raw) in enumerate(_parallel(proc_ids, fetch), start=1):
            self.counts.detalhes += 1
            if raw is None:
                self.counts.ausentes += 1
                if proc_id in removable:
                    self._mark_removed(proc_id)
            else:
                self._write_process(raw)
            self._tick(done, total, "processos")

    def _probe_above(self, highest: int) -> None:
        """New processes whose list row we may have missed: ids are sequential, so ask for the next ones."""
        misses, proc_id = 0, highest
        while misses < PROBES:
            proc_id += 1
            raw = self.client.process_detail(proc_id, confirm_empty=False)
            self.counts.detalhes += 1
            if raw is None:
                misses += 1
                continue
            misses = 0
            header = schemas.UpstreamProcessHeader.model_validate(raw)
            if self._wanted(header):
                self._write_process(raw)

    def _mark_removed(self, proc_id: int) -> None:
        with self.database.session() as session:
            row = session.execute(
                select(Processo.id, Processo.competencia).where(
                    Processo.proc_id == proc_id, Processo.removido_em.is_(None)
                )
            ).first()
            if row is None:
                return
            session.execute(update(Processo).where(Processo.id == row[0]).values(removido_em=self.now))
            self.counts.removidos += 1
            self.counts.touch(row[1])

    def _write_process(self, raw: dict[str, Any]) -> None:
        """Replace one process (header, passos, desdobramentos) in its own transaction."""
        try:
            proc = schemas.UpstreamProcess.model_validate(raw)
            row = schemas.processo_row(proc, raw)
        except (ValueError, TypeError) as exc:
            self.counts.ignorados += 1
            log.warning("acessorias.process_malformed", error=str(exc), proc_id=raw.get("ProcID"))
            return
        with self.database.session() as session:
            existing = session.execute(
                select(
                    Processo.id,
                    Processo.raw_json,
                    Processo.competencia,
                    Processo.removido_em,
                    Processo.empresa_id,
                ).where(Processo.proc_id == row["proc_id"])
            ).first()
            if proc.excluido:
                if existing is not None and existing.removido_em is None:
                    session.execute(
                        update(Processo)
                        .where(Processo.id == existing.id)
                        .values(
                            removido_em=self.now,
                            status=row["status"],
                            raw_json=raw,
                            hash_snapshot=row["hash_snapshot"],
                            dt_last_dh=row["dt_last_dh"],
                            sincronizado_em=self.now,
                        )
                    )
                    self.counts.removidos += 1
                    self.counts.touch(existing.competencia)
                return
            if existing is not None and existing.removido_em is None and existing.raw_json == raw:
                self.counts.inalterados += 1
                return
            empresa_id, regime = self._empresa_for(session, schemas.empresa_placeholder(proc, self.now))
            steps = list(schemas.flatten_steps(proc.ProcPassos))
            counted = [s for s in steps if s.counts]
            row.update(
                empresa_id=empresa_id,
                regime_tributario=regime,
                total_passos=len(counted),
                passos_concluidos=sum(1 for s in counted if s.concluido),
                detalhe_em=self.now,
                removido_em=None,
                sincronizado_em=self.now,
            )
            upsert(session, Processo, [row], index_elements=["proc_id"])
            if row["gestor"] and row["gestor"].isdigit():
                self._gestores.add(int(row["gestor"]))
            processo_id = (
                existing.id
                if existing is not None
                else session.scalar(select(Processo.id).where(Processo.proc_id == row["proc_id"]))
            )
            self._write_steps(session, int(processo_id), row["proc_id"], steps, observed=existing is not None)  # type: ignore[arg-type]
            if existing is None:
                self.counts.novos += 1
            else:
                self.counts.atualizados += 1
                self.counts.touch(existing.competencia)
            self.counts.touch(row["competencia"])
            if self._links is not None:
                self._links = None  # obligations link to processes: rebuild the lookup when next needed

    def _write_steps(
        self,
        session: Session,
        processo_id: int,
        proc_id: int,
        steps: list[schemas.FlatStep],
        *,
        observed: bool,
    ) -> None:
        before = {
            r[0]: (r[1], r[2])
            for r in session.execute(
                select(Passo.chave, Passo.concluido, Passo.data_conclusao).where(
                    Passo.processo_id == processo_id
                )
            )
        }
        answered_before = {
            r[0]: (r[1], r[2])
            for r in session.execute(
                select(Desdobramento.chave, Desdobramento.respondido, Desdobramento.data_resposta).where(
                    Desdobramento.processo_id == processo_id
                )
            )
        }
        rows, keys = [], []
        for step in steps:
            chave = f"{proc_id}:{step.caminho}"
            keys.append(chave)
            was_done, done_at = before.get(chave, (False, None))
            # The upstream has no step timestamps: keep the first time a sync saw the step done. Steps
            # already done when the process is first mirrored have no known date.
            if step.concluido:
                data_conclusao = done_at if was_done else (self.now if observed else None)
            else:
                data_conclusao = None
            rows.append(
                {
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
                    "data_conclusao": data_conclusao,
                    "observacoes": None,
                    "bloqueante": step.bloqueante,
                    "entrega_tipo": step.entrega_tipo,
                    "entrega_nome": (step.entrega_nome or "")[:300] or None,
                    "raw_json": step.raw,
                }
            )
        stale = [k for k in before if k not in set(keys)]
        if stale:
            session.execute(delete(Desdobramento).where(Desdobramento.chave.in_(stale)))
            session.execute(delete(Passo).where(Passo.chave.in_(stale)))
        upsert(session, Passo, rows, index_elements=["chave"])
        questions = [s for s in steps if (s.tipo or "").lower().startswith("desdobramento")]
        if not questions:
            session.execute(delete(Desdobramento).where(Desdobramento.processo_id == processo_id))
            return
        ids = {
            r[0]: r[1]
            for r in session.execute(select(Passo.chave, Passo.id).where(Passo.processo_id == processo_id))
        }
        drows = []
        for step in questions:
            chave = f"{proc_id}:{step.caminho}"
            resposta, acao_tipo = schemas.answered(step)
            was, at = answered_before.get(chave, (False, None))
            respondido = step.concluido
            drows.append(
                {
                    "passo_id": ids[chave],
                    "processo_id": processo_id,
                    "chave": chave,
                    "pergunta": step.nome,
                    "resposta": resposta,
                    "alternativas": step.alternativas,
                    "tipo": acao_tipo,
                    "ordem": step.ordem,
                    "respondido": respondido,
                    "data_resposta": (at if was else (self.now if observed else None))
                    if respondido
                    else None,
                    "raw_json": step.raw,
                }
            )
        keep = {r["chave"] for r in drows}
        gone = [k for k in answered_before if k not in keep]
        if gone:
            session.execute(delete(Desdobramento).where(Desdobramento.chave.in_(gone)))
        upsert(session, Desdobramento, drows, index_elements=["chave"])

    # --- obrigações -------------------------------------------------------------------------------------
    def _window(self) -> tuple[date, date]:
        today = today_sao_paulo()
        past = self.settings.acessorias_obrigacoes_dias_passado
        future = self.settings.acessorias_obrigacoes_dias_futuro
        if self.competencia:
            month, year = (int(x) for x in self.competencia.split("/"))
            start = date(year, month, 1)
            # Deadlines of a competência fall in the following months.
            end_month = month + 4
            end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
            return start, end
        return today - timedelta(days=past), today + timedelta(days=future)

    def _sync_company_deliveries(self) -> None:
        with self.database.session() as session:
            companies: list[tuple[int, str]] = [
                (r[0], r[1] or "")
                for r in session.execute(
                    select(Empresa.id, Empresa.cnpj).where(Empresa.cnpj.is_not(None)).order_by(Empresa.codigo)
                )
            ]
        start, end = self._window()
        total = len(companies)
        self._tick(0, total, "obrigações")

        def fetch(company: tuple[int, str]) -> list[dict[str, Any]]:
            return self.client.company_deliveries(company[1], start, end)

        for done, ((empresa_id, cnpj), blocks) in enumerate(_parallel(companies, fetch), start=1):
            self._write_deliveries(blocks, default_empresa=(empresa_id, cnpj))
            self._tick(done, total, "obrigações")

    def _start_delivery_delta(
        self, since: datetime | None, covered_from: datetime | None
    ) -> Future[ListResult]:
        """`covered_from` is what the delta must reach back to (the last run − margin) to miss nothing."""
        # ListAll accepts only today or yesterday (older → 204, indistinguishable from "nothing").
        today = today_sao_paulo()
        oldest = datetime.combine(today - timedelta(days=1), datetime.min.time(), SAO_PAULO)
        effective = max(since, oldest) if since else oldest
        self.counts.obrigacoes_delta_completo = covered_from is not None and covered_from >= oldest
        if not self.counts.obrigacoes_delta_completo:
            log.warning(
                "acessorias.deliveries_delta_incomplete",
                since=str(since),
                hint="changes older than yesterday need a full sync",
            )
        start, end = self._window()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acessorias-delta")
        future = pool.submit(
            contextvars.copy_context().run, self.client.deliveries_changed, effective, start, end
        )
        pool.shutdown(wait=False)
        return future

    def _process_links(
        self, session: Session
    ) -> dict[int, list[tuple[int, str | None, date | None, set[str]]]]:
        if self._links is None:
            names: dict[int, set[str]] = {}
            for processo_id, nome in session.execute(
                select(Passo.processo_id, Passo.entrega_nome).where(Passo.entrega_nome.is_not(None))
            ):
                names.setdefault(processo_id, set()).add((nome or "").strip().lower())
            links: dict[int, list[tuple[int, str | None, date | None, set[str]]]] = {}
            for id_, empresa_id, competencia, inicio in session.execute(
                select(Processo.id, Processo.empresa_id, Processo.competencia, Processo.data_inicio).where(
                    Processo.removido_em.is_(None), Processo.empresa_id.is_not(None)
                )
            ):
                links.setdefault(int(empresa_id or 0), []).append(
                    (id_, competencia, inicio, names.get(id_, set()))
                )
            self._links = links
        return self._links

    def _link(self, session: Session, row: dict[str, Any]) -> int | None:
        """The process an obligation belongs to: same empresa, a step that delivers it, same competência
        (or, for monthly routines that run in the following month, started between the competência and the
        deadline); else the only process of that empresa and competência."""
        candidates = self._process_links(session).get(row["empresa_id"], [])
        nome = row["tipo"].strip().lower()
        competencia = row["competencia"]
        same = [c for c in candidates if competencia and c[1] == competencia]
        for c in same:
            if nome in c[3]:
                return c[0]
        if competencia:
            month, year = (int(x) for x in competencia.split("/"))
            first = date(year, month, 1)
            last = row["data_vencimento"] or first + timedelta(days=62)
            delivering = [c for c in candidates if nome in c[3] and c[2] and first <= c[2] <= last]
            if len(delivering) == 1:
                return delivering[0][0]
        return same[0][0] if len(same) == 1 else None

    def _write_deliveries(
        self, blocks: list[dict[str, Any]], *, default_empresa: tuple[int, str] | None
    ) -> None:
        with self.database.session() as session:
            rows: dict[str, dict[str, Any]] = {}
            for raw_block in blocks:
                try:
                    block = parse_block(raw_block)
                except (ValueError, TypeError):
                    self.counts.ignorados += 1
                    continue
                empresa_id, cnpj = self._delivery_company(session, block, default_empresa)
                if empresa_id is None:
                    self.counts.ignorados += len(block.Entregas)
                    continue
                raws = raw_block.get("Entregas") or []
                for delivery, raw in zip(block.Entregas, raws, strict=False):
                    if (
                        self.competencia
                        and schemas.competencia_entrega(delivery.EntCompetencia) != self.competencia
                    ):
                        continue
                    row = schemas.obrigacao_row(delivery, raw, cnpj, empresa_id, self.now)
                    rows[row["chave"]] = row  # deduplicated by key (EntID)
            if not rows:
                return
            existing = {
                r[0]: (r[1], r[2], r[3])
                for r in session.execute(
                    select(
                        Obrigacao.chave, Obrigacao.hash_snapshot, Obrigacao.processo_id, Obrigacao.competencia
                    ).where(Obrigacao.chave.in_(list(rows)))
                )
            }
            changed = []
            for chave, row in rows.items():
                row["processo_id"] = self._link(session, row)
                before = existing.get(chave)
                if (
                    before is not None
                    and before[0] == row["hash_snapshot"]
                    and before[1] == row["processo_id"]
                ):
                    continue
                if before is None:
                    self.counts.obrigacoes_novas += 1
                else:
                    self.counts.obrigacoes_atualizadas += 1
                    self.counts.touch(before[2])
                self.counts.touch(row["competencia"])
                changed.append(row)
            upsert(session, Obrigacao, changed, index_elements=["chave"])

    def _delivery_company(
        self, session: Session, block: schemas.UpstreamDeliveryBlock, default: tuple[int, str] | None
    ) -> tuple[int | None, str | None]:
        self._load_empresas(session)
        cnpj = schemas.parsing.digits(block.Identificador)
        codigo = schemas._safe(schemas.parsing.integer, block.ID)
        if codigo is not None and codigo in self._empresas:
            return self._empresas[codigo][0], cnpj
        if cnpj and cnpj in self._empresas_by_cnpj:
            return self._empresas_by_cnpj[cnpj], cnpj
        if default is not None:
            return default
        if codigo is None:
            return None, cnpj
        placeholder = {
            "codigo": codigo,
            "nome": schemas.parsing.text(block.Razao) or f"Empresa {codigo}",
            "fantasia": schemas.parsing.text(block.Fantasia),
            "cnpj": cnpj,
            "identificador": schemas.parsing.text(block.Identificador),
            "ativa": True,
            "completa": False,
            "sincronizada_em": self.now,
            "raw_json": {"ID": block.ID, "Identificador": block.Identificador, "Razao": block.Razao},
        }
        empresa_id, _ = self._empresa_for(session, placeholder)
        return empresa_id, cnpj

    # --- cache ------------------------------------------------------------------------------------------
    def _invalidate(self) -> None:
        touched: list[str | None] = [*sorted(self.counts.competencias)]
        if self.counts.cross_competencia:
            touched.append(None)
        if touched:
            with self.database.session() as session:
                mark_competencias_changed(session, touched)
