"""Full and incremental sync of the Acessórias mirror.

- FULL, in two phases. First what the processos list and the dashboards read: empresas (ListAll) →
  process list sweep → every list header written (new processes, changed header fields) → the details of
  the ids in the gaps of the listed range (rows the unstable pagination skipped: their header is the
  detail's) → metrics cache invalidated. Then, at the rate limit's pace, one detail per listed process,
  open processes and newest competências first → stored ones the list did not show → 2 probes above the
  highest id → obrigações company by company over a deadline window.
  A full sync that follows an interrupted one (its last run ERRO: killed, crashed, upstream down)
  resumes it: the headers are re-read, and a detail is fetched again only when it was not stored since
  the interrupted sweep began, or its header changed since. `restart` forces a fresh sweep.
- INCREMENTAL (and MANUAL, a user-triggered incremental): process list narrowed by `DtLastDH` (last
  successful run − a safety margin, Brasília time) → details only for new or changed headers (hash of
  the fields that signal change) → 2 probes above the highest id → obrigações from the deliveries
  `ListAll` delta. Without a previous run the list is swept whole and compared the same way.

Each process is written in its own transaction (never half-written); a failure leaves what was written
before it and the run is recorded as ERRO. A stored process is marked removed only when the detail says
`Excluído`, or when a complete, validated list sweep did not show it *and* its detail is confirmed gone.
Unchanged rows are not rewritten, so running a sync twice changes nothing.

This module plans (what to fetch, what a sweep proves); writers.py writes rows and counts them.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select

from espelho.acessorias import brutos, pessoas, upstream
from espelho.acessorias.cache import mark_competencias_changed
from espelho.acessorias.client import MAX_IN_FLIGHT, AcessoriasClient, ListResult
from espelho.acessorias.competencia import Competencia, competencia_processo
from espelho.acessorias.models import Empresa, Obrigacao, Processo
from espelho.acessorias.writers import Company, Counters, Counts, Writers
from espelho.clock import SAO_PAULO, now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.db import Database
from espelho.errors import InvalidInput
from espelho.logging_setup import get_logger
from espelho.syncs import frescor
from espelho.syncs import service as runs
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import Progress, Progresso, RunCounts
from espelho.upstream import parsing
from espelho.upstream.http import CallCounter, counting_calls

log = get_logger(__name__)

ORIGEM = "ACESSORIAS"
ESCOPO = "acessorias"
TIPOS = ("FULL", "INCREMENTAL", "MANUAL")
# DtLastDH is second-granular and upstream clocks drift: re-read the last hour (unchanged rows cost nothing).
SAFETY_MARGIN = timedelta(hours=1)
PROBES = 2  # consecutive misses above the highest known id before believing there is nothing newer
# The probe re-reads a little before the last proof: DtLastDH is second-granular and upstream clocks drift
# (the 15-minute incremental's hour of margin catches what drifts further).
PROBE_MARGIN = timedelta(minutes=2)
PROBE_CALLS = 4  # a quiet probe: an empty processes page and an empty deliveries page, each confirmed once
PROGRESS_EVERY_S = 1.0  # how often a running run writes where it is (for /sync/status)

T = TypeVar("T")
R = TypeVar("R")


class SyncResult(Counters):
    """One run, as `--json` prints it and its run records it (`erro` only when it failed)."""

    status: str
    tipo: str
    competencia: str | None
    run_id: int
    total_processos: int = 0
    api_calls: int = 0
    duration_s: float = 0.0
    competencias: list[str] = []
    erro: str | None = None

    def counts(self) -> RunCounts:
        return RunCounts(api_calls=self.api_calls, total_processos=self.total_processos, novos=self.novos,
                         atualizados=self.atualizados, removidos=self.removidos)

    def estatisticas(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"erro"} if self.erro is None else set())


class StoredProcesso(NamedTuple):
    id: int
    hash_snapshot: str | None  # of the header its stored detail had
    competencia: str | None
    alive: bool  # not marked removed
    detalhes_em: datetime | None


def run_sync(
    database: Database,
    settings: Settings,
    tipo: str,
    *,
    competencia: str | None = None,
    run_id: int | None = None,
    progress: Progress | None = None,
    client: AcessoriasClient | None = None,
    restart: bool = False,
) -> SyncResult:
    """Run one sync and record it in `sincronizacoes` (continuing `run_id` when given). Raises (after
    recording the run as ERRO) when the upstream or the database fails. `restart`: a FULL sync sweeps
    every detail again instead of resuming an interrupted sweep."""
    tipo = (tipo or "").strip().upper()
    if tipo not in TIPOS:
        raise InvalidInput(f"tipo must be one of {', '.join(TIPOS)}", detail=tipo)
    scope = Competencia.parse(competencia, slash_only=True) if competencia is not None else None
    started = time.perf_counter()
    with (
        runs.recorded_run(database, origem=ORIGEM, tipo=tipo, escopo=ESCOPO, competencia=scope,
                          run_id=run_id) as handle,
        counting_calls() as calls,
    ):
        token = settings.acessorias_token
        if client is None and not (token and token.get_secret_value()):
            raise InvalidInput("ESPELHO_ACESSORIAS_TOKEN is not set")
        own_client = client is None
        active = client or AcessoriasClient(settings, database=database)
        sync = _Planner(database, settings, active, handle.id, progress, scope, calls)
        status, erro = runs.INICIADA, None
        try:
            if tipo == "FULL":
                sync.full(restart=restart)
            else:
                sync.incremental()
            with database.session() as session:  # the people the sync read: tie users to them by e-mail
                pessoas.vincular_por_email(session)
            brutos.treinar_pendentes(database)  # once per table, when it first has rows enough
            status = runs.CONCLUIDA
        except BaseException as exc:
            status, erro = runs.ERRO, str(exc) or exc.__class__.__name__
            raise
        finally:
            result = sync.result(status, tipo, calls.calls, time.perf_counter() - started, erro)
            handle.report = result
            if own_client:
                active.close()
    log.info("acessorias.sync", **result.model_dump(exclude={"competencias"}))
    return result


class ProbeResult(BaseModel):
    """One probe: `SEM_BASE` (nothing mirrored yet: the first sync is a full one), `ADIADA` (the budget is
    short: no call made) or `CONCLUIDA`."""

    status: Literal["CONCLUIDA", "ADIADA", "SEM_BASE"]
    api_calls: int = 0
    detalhes: int = 0
    obrigacoes: int = 0
    atualizado_ate: datetime | None = None


def run_probe(database: Database, settings: Settings, *,
              client: AcessoriasClient | None = None) -> ProbeResult:
    """The cheap "anything new?" between incrementals: the processes changed since the mirror was last known
    fresh (minus PROBE_MARGIN) and today's changed deliveries, then the details of exactly those. Runs only
    while the budget allows (syncs/frescor.py); records no run, but moves `atualizado_ate` to its start."""
    started = now_utc()
    with database.session() as session:
        fresh_until = frescor.atualizado_ate(session, ORIGEM)
        if fresh_until is None:
            return ProbeResult(status="SEM_BASE")
        if not frescor.probe_may_run(session, settings, ORIGEM, started, PROBE_CALLS):
            frescor.record_postponed(session, ORIGEM, started)
            log.info("acessorias.probe_postponed", reason="budget")
            return ProbeResult(status="ADIADA", atualizado_ate=fresh_until)
    if client is None and not (settings.acessorias_token and settings.acessorias_token.get_secret_value()):
        raise InvalidInput("ESPELHO_ACESSORIAS_TOKEN is not set")
    active = client or AcessoriasClient(settings, database=database)
    try:
        with counting_calls() as calls:
            planner = _Planner(database, settings, active, None, None, None, calls)
            planner.probe(fresh_until - PROBE_MARGIN)
    finally:
        if client is None:
            active.close()
    with database.session() as session:
        frescor.record_probe(session, ORIGEM, started=started, calls=calls.calls, now=now_utc(),
                             changed=planner.counts.wrote)
        pessoas.vincular_por_email(session)  # a user created since the last sync is tied within a minute
    result = ProbeResult(status="CONCLUIDA", api_calls=calls.calls, detalhes=planner.counts.detalhes,
                         obrigacoes=planner.counts.obrigacoes_novas + planner.counts.obrigacoes_atualizadas,
                         atualizado_ate=started)
    log.info("acessorias.probe", **result.model_dump(mode="json"))
    return result


def restaurar_passos(database: Database, settings: Settings, processo_id: int) -> bool:
    """A process whose step tree the retention pruned gets it again from the upstream (one call), as a
    Comprasnet tab is fetched when opened. False when there was nothing to fetch (the tree is stored, the
    process is unknown, or the upstream no longer has it). Upstream failures raise, nothing changed."""
    with database.session() as session:
        proc_id = session.scalar(select(Processo.proc_id).where(
            Processo.id == processo_id, Processo.passos_podados_em.is_not(None)))
    if proc_id is None:
        return False
    if not (settings.acessorias_token and settings.acessorias_token.get_secret_value()):
        raise InvalidInput("ESPELHO_ACESSORIAS_TOKEN is not set: the pruned steps cannot be fetched")
    with AcessoriasClient(settings, database=database) as client:
        raw = client.process_detail(proc_id, confirm_empty=False)
    if raw is None:
        return False
    Writers(database, now_utc(), Counts(), run_id=None).process(raw, restaurar=True)
    log.info("acessorias.passos_restaurados", processo_id=processo_id, proc_id=proc_id)
    return True


def _priority(header: upstream.UpstreamProcessHeader) -> tuple[bool, int, int]:
    """Open processes first, newest competências first, newest processes first."""
    competencia = competencia_processo(header.ProcTitulo, header.ProcInicio, header.ProcNome)
    return (not header.aberto, -int(competencia.ordem if competencia else 0), -header.proc_id)


def _between_breaks(proc_id: int, breaks: list[tuple[Any, Any]]) -> bool:
    """The id lies between the last row of a page and the first of the next (in either order)."""
    for before, after in breaks:
        low, high = sorted((parsing.integer(before) or 0, parsing.integer(after) or 0))
        if low < proc_id < high:
            return True
    return False


def _parallel(items: Iterable[T], fn: Callable[[T], R]) -> Iterator[tuple[T, R]]:
    """Run `fn` over items in ≤5 worker threads (each counted as the caller's upstream calls), yielding
    results as they finish so the caller writes them one transaction at a time. A failure cancels the rest.

    Only ≤5 items are taken ahead of the writes: items start in their order (the priority), and a run
    that stops (killed, failed) has fetched at most 5 answers it did not store."""
    pool = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="acessorias")
    queue = iter(items)
    pending: dict[Future[R], T] = {}

    def submit_next() -> None:
        for item in queue:
            pending[pool.submit(contextvars.copy_context().run, fn, item)] = item
            return

    try:
        for _ in range(MAX_IN_FLIGHT):
            submit_next()
        while pending:
            done, _running = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                submit_next()
                yield item, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Planner:
    """Decides what one run fetches, and what its sweeps prove; hands the payloads to the writers."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        client: AcessoriasClient,
        run_id: int | None,  # None: the probe, which records no run
        progress: Progress | None,
        competencia: Competencia | None,
        calls: CallCounter,
    ) -> None:
        self.calls = calls  # the run's upstream calls so far
        self.started = time.perf_counter()
        self.database = database
        self.settings = settings
        self.client = client
        self.run_id = run_id
        self.progress = progress
        self.competencia = competencia
        self.counts = Counts()
        self.writers = Writers(database, now_utc(), self.counts, competencia, run_id=run_id,
                               initial_load=self._last_run_start() is None)
        self._last_report = 0.0
        self._fase = ""
        self.later_calls = 0  # upstream calls planned after the current phase (for the ETA)

    # --- bookkeeping --------------------------------------------------------------------------------
    def result(self, status: str, tipo: str, api_calls: int, elapsed_s: float,
               erro: str | None) -> SyncResult:
        with self.database.session() as session:
            total = session.scalar(
                select(func.count()).select_from(Processo).where(Processo.removido_em.is_(None)))
        return SyncResult(status=status, tipo=tipo, competencia=self.competencia, run_id=self.run_id,
                          total_processos=int(total or 0), api_calls=api_calls,
                          duration_s=round(elapsed_s, 3), competencias=sorted(self.counts.competencias),
                          erro=erro, **self.counts.counters())

    def _tick(self, done: int, total: int | None, fase: str) -> None:
        """Report progress: to the caller (the CLI's bar) every time, to the run's row every second or so
        (and at each new phase), with an ETA of the calls left at the rate limit."""
        restantes = None if total is None else total - done + self.later_calls
        eta = None if restantes is None else round(restantes * 60.0 / self.settings.acessorias_rate_limit, 1)
        at = Progresso(fase=fase, feitos=done, total=total, chamadas_restantes=restantes, eta_s=eta)
        now = time.monotonic()
        if self.run_id is not None and (fase != self._fase or now - self._last_report > PROGRESS_EVERY_S):
            self._fase, self._last_report = fase, now
            runs.heartbeat(self.database, self.run_id, at)
        if self.progress is not None:
            self.progress(at)

    def _wanted(self, header: upstream.UpstreamProcessHeader) -> bool:
        if self.competencia is None:
            return True
        return competencia_processo(header.ProcTitulo, header.ProcInicio, header.ProcNome) == self.competencia

    def _stored(self) -> dict[int, StoredProcesso]:
        """The mirrored processes (of the run's competência), by upstream id."""
        with self.database.session() as session:
            query = select(Processo.proc_id, Processo.id, Processo.hash_snapshot, Processo.competencia,
                           Processo.removido_em, Processo.detalhes_atualizados_em)
            if self.competencia:
                query = query.where(Processo.competencia == self.competencia)
            return {r.proc_id: StoredProcesso(r.id, r.hash_snapshot, r.competencia, r.removido_em is None,
                                              r.detalhes_atualizados_em)
                    for r in session.execute(query)}

    def _max_proc_id(self) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.max(Processo.proc_id))) or 0)

    # --- the two kinds of run -------------------------------------------------------------------------
    def full(self, *, restart: bool = False) -> None:
        swept_since = None if restart or self.competencia else self._interrupted_sweep_start()
        self.counts.retomada = swept_since is not None
        # Phase 1: every list header, so the processos list and the dashboards are complete.
        self._tick(0, None, "empresas")
        self._companies()
        self._tick(0, None, "lista de processos")
        listing = self.client.process_list()
        self.counts.add_list(listing.stats)
        headers = [h for h in self._parse_headers(listing.rows) if self._wanted(h)]
        stored = self._stored()
        listed = {h.proc_id for h in headers}
        alive = {pid for pid, row in stored.items() if row.alive}
        # A sweep is believed only when it ran to a confirmed end and saw at least most of what we hold
        # (silent throttling can end a list early with a plausible-looking empty page).
        complete = listing.complete and (not alive or len(listed & alive) >= 0.9 * len(alive))
        self.counts.varredura_completa = complete
        self.writers.headers(headers)
        in_gaps: set[int] = set()
        if listed and self.competencia is None:
            # Ids the unstable pagination skipped hide in the gaps of the listed range; their detail is
            # their header. Skipped rows sit at page breaks (a page shifted by a row): those are fetched
            # now, for the dashboards; gaps inside a page are holes or excluded processes, fetched first
            # thing in phase 2.
            in_gaps = set(range(min(listed), max(listed) + 1)) - listed
        fresh = self._fresh(stored, swept_since)
        at_breaks = {pid for pid in in_gaps - fresh if _between_breaks(pid, listing.page_breaks)}
        inside_pages = sorted(in_gaps - fresh - at_breaks)
        unlisted = sorted(alive - listed - in_gaps)  # stored, not listed: refresh by id, remove if confirmed
        todo = [h.proc_id for h in sorted(headers, key=_priority)
                if h.proc_id not in fresh or stored[h.proc_id].hash_snapshot != upstream.process_hash(h)]
        self.counts.detalhes_pulados = len(headers) - len(todo) + len(in_gaps & fresh)
        companies = self._companies_with_cnpj()
        self.later_calls = len(inside_pages) + len(todo) + len(unlisted) + PROBES + len(companies)
        self._fetch_and_write(sorted(at_breaks), removable=set(), fase="processos fora da lista")
        self._users(listing=True)  # the dashboards name each process's manager
        self._invalidate()
        self.counts.chamadas_ate_paineis = self.calls.calls
        self.counts.segundos_ate_paineis = round(time.perf_counter() - self.started, 3)
        # Phase 2: the details, most useful first, then obrigações.
        self.later_calls = len(unlisted) + PROBES + len(companies)
        self._fetch_and_write(inside_pages + todo, removable=set(), fase="detalhes")
        self.later_calls = PROBES + len(companies)
        self._fetch_and_write(unlisted, removable=set(unlisted) if complete else set(), fase="detalhes")
        self.later_calls = len(companies)
        self._probe_above(max([self._max_proc_id(), *listed, *in_gaps]))
        self.later_calls = 0
        self._users(listing=False)  # managers named only by a detail (a process the list skipped)
        self._sync_company_deliveries(companies)
        self._invalidate()

    @staticmethod
    def _fresh(stored: dict[int, StoredProcesso], swept_since: datetime | None) -> set[int]:
        """Live processes whose detail the interrupted sweep already stored (a listed one is fetched again
        anyway when its header changed since)."""
        if swept_since is None:
            return set()
        return {pid for pid, row in stored.items()
                if row.alive and row.detalhes_em is not None and row.detalhes_em >= swept_since}

    def _interrupted_sweep_start(self) -> datetime | None:
        """When the full sweep this run resumes began: the first of the FULL runs that failed since the last
        one that completed (None when the last full sync completed, or there was none)."""
        with self.database.session() as session:
            previous = session.execute(
                select(Sincronizacao.status, Sincronizacao.iniciada_em)
                .where(Sincronizacao.origem == ORIGEM, Sincronizacao.tipo == "FULL",
                       Sincronizacao.competencia.is_(None), Sincronizacao.id != self.run_id)
                .order_by(Sincronizacao.iniciada_em.desc(), Sincronizacao.id.desc())
                .limit(50)
            ).all()
        start = None
        for status, iniciada_em in previous:
            if status == runs.CONCLUIDA:
                break
            if status == runs.ERRO:
                start = iniciada_em
        return start

    def incremental(self) -> None:
        last_run = self._last_run_start()
        since = self._since(last_run, Processo.dt_last_dh)
        self._apply_changes(since, self._since(last_run, Obrigacao.ent_last_dh),
                            last_run - SAFETY_MARGIN if last_run else None, probe_new_ids=True)

    def probe(self, since: datetime) -> None:
        """What changed since `since` (processes and today's deliveries): the details of exactly those. The
        incremental's id probes and whole-list sweeps are left to it, the safety net."""
        self._apply_changes(since, since, since, probe_new_ids=False)

    def _apply_changes(self, since: datetime | None, deliveries_since: datetime | None,
                       deliveries_from: datetime | None, *, probe_new_ids: bool) -> None:
        """The processes changed since `since` (all without it) and the deliveries changed since
        `deliveries_since`, which must reach back to `deliveries_from` to miss nothing."""
        # The deliveries delta does not depend on the processes: fetch it meanwhile (its confirmation
        # pause overlaps theirs) and write it afterwards, from this thread.
        deliveries = self._start_delivery_delta(deliveries_since, deliveries_from)
        try:
            self._tick(0, None, "lista de processos")
            listing = self.client.process_list(changed_since=since)
            self.counts.add_list(listing.stats)
            self.counts.varredura_completa = listing.complete if since is None else None
            headers = [h for h in self._parse_headers(listing.rows) if self._wanted(h)]
            stored = self._stored()
            changed = []
            for header in headers:
                row = stored.get(header.proc_id)
                if row is None or not row.alive or row.hash_snapshot != upstream.process_hash(header):
                    changed.append(header.proc_id)
                else:
                    self.counts.inalterados += 1
            listed = {h.proc_id for h in headers}
            if since is None and listed and self.competencia is None:
                # A whole-list sweep: ids its unstable pagination skipped hide in the gaps, as in a full sync.
                alive = {p for p, r in stored.items() if r.alive}
                changed.extend(set(range(min(listed), max(listed) + 1)) - listed - alive)
            self._fetch_and_write(sorted(changed), removable=set(), fase="detalhes")
            if probe_new_ids:
                listed_max = max((h.proc_id for h in headers), default=0)
                self._probe_above(max(self._max_proc_id(), listed_max))
        except BaseException:
            wait([deliveries])  # never leave a thread using the client after the run ends
            raise
        listing_deliveries = deliveries.result()
        self.counts.add_list(listing_deliveries.stats)
        for block in listing_deliveries.rows:  # one transaction per company block
            self.writers.deliveries([block], default=None)
        if self.writers.placeholders:
            self._companies()  # a company new to the mirror was named by a process or a delivery
        self._users(listing=False)
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

    def _companies(self) -> None:
        listing = self.client.companies()
        self.counts.add_list(listing.stats)
        self.writers.companies(listing.rows)

    def _users(self, *, listing: bool) -> None:
        """The users list (full sync), then each manager (`ProcGestor`) id still unknown, one by one: the
        list skips people. Only this run's processes' ids are asked for, so an id the upstream never
        resolves costs one lookup per run that touches its process, not one per run."""
        if listing:
            users = self.client.users()
            self.counts.add_list(users.stats)
            self.writers.users(users.rows)
        for codigo in self.writers.unknown_gestores():
            raw = self.client.user(codigo)
            if raw is not None:
                self.writers.users([raw])

    # --- processos --------------------------------------------------------------------------------------
    def _parse_headers(self, rows: list[dict[str, Any]]) -> list[upstream.UpstreamProcessHeader]:
        headers = []
        for raw in rows:
            try:
                header = upstream.UpstreamProcessHeader.model_validate(raw)
                header.proc_id  # noqa: B018 - validates the id
            except (ValueError, TypeError):
                self.counts.ignorados += 1
                continue
            headers.append(header)
        return headers

    def _fetch_and_write(self, proc_ids: list[int], *, removable: set[int], fase: str) -> None:
        """Fetch these details (≤5 at once, in this order as far as threads allow) and write each."""
        total = len(proc_ids)
        self._tick(0, total, fase)

        def fetch(proc_id: int) -> dict[str, Any] | None:
            # Only an absence that could mean "removed" is worth a spaced confirmation.
            return self.client.process_detail(proc_id, confirm_empty=proc_id in removable)

        for done, (proc_id, raw) in enumerate(_parallel(proc_ids, fetch), start=1):
            self.counts.detalhes += 1
            if raw is None:
                self.counts.ausentes += 1
                if proc_id in removable:
                    self.writers.mark_removed(proc_id)
            else:
                self.writers.process(raw)
            self._tick(done, total, fase)

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
            header = upstream.UpstreamProcessHeader.model_validate(raw)
            if self._wanted(header):
                self.writers.process(raw)

    # --- obrigações -------------------------------------------------------------------------------------
    def _window(self) -> tuple[date, date]:
        if self.competencia:
            # Deadlines of a competência fall in the three months that follow it.
            return self.competencia.first_day, self.competencia.day_before_month(4)
        today = today_sao_paulo()
        return (today - timedelta(days=self.settings.acessorias_obrigacoes_dias_passado),
                today + timedelta(days=self.settings.acessorias_obrigacoes_dias_futuro))

    def _companies_with_cnpj(self) -> list[Company]:
        with self.database.session() as session:
            return [Company(r.id, r.cnpj) for r in session.execute(
                select(Empresa.id, Empresa.cnpj).where(Empresa.cnpj.is_not(None)).order_by(Empresa.codigo))]

    def _sync_company_deliveries(self, companies: list[Company]) -> None:
        start, end = self._window()
        total = len(companies)
        self._tick(0, total, "obrigações")

        def fetch(company: Company) -> list[dict[str, Any]]:
            return self.client.company_deliveries(company.cnpj or "", start, end)

        for done, (company, blocks) in enumerate(_parallel(companies, fetch), start=1):
            self.writers.deliveries(blocks, default=company)
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

    # --- cache ------------------------------------------------------------------------------------------
    def _invalidate(self) -> None:
        touched: list[str | None] = [*sorted(self.counts.competencias)]
        if self.counts.cross_competencia:
            touched.append(None)
        if touched:
            with self.database.session() as session:
                mark_competencias_changed(session, touched)
