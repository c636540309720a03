"""The probe between incrementals: a change upstream is mirrored within a minute for a few calls, within
the syncs' budget, and nothing it misses is lost (the next probe, or the incremental, reads it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from espelho.acessorias.client import AcessoriasClient, ListResult
from espelho.acessorias.models import Processo
from espelho.acessorias.sync import PROBE_CALLS, run_probe, run_sync
from espelho.acessorias.tasks import sondar
from espelho.config import Settings
from espelho.db import Database
from espelho.jobs.registry import JobContext
from espelho.jobs.scheduler import schedule_entries
from espelho.main import create_app
from espelho.syncs.exclusive import Skipped, holding
from tests.acessorias.conftest import SimControl
from tests.helpers import create_user_with_token


def hashes(database: Database, proc_ids: list[int]) -> dict[int, str | None]:
    with database.session() as session:
        rows = session.execute(
            select(Processo.proc_id, Processo.hash_snapshot).where(Processo.proc_id.in_(proc_ids)))
        return {row.proc_id: row.hash_snapshot for row in rows}


def status(database: Database, settings: Settings) -> dict[str, Any]:
    _, token = create_user_with_token(database, settings, "USER")
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as api:
        response = api.get("/api/v1/sync/status")
    assert response.status_code == 200
    return {f["origem"]: f for f in response.json()["frescor"]}


def test_before_any_sync_the_probe_waits_for_the_full_one(database: Database, settings: Settings,
                                                          sim: SimControl) -> None:
    result = sondar(JobContext(settings, database))
    assert not isinstance(result, Skipped) and result.status == "SEM_BASE"
    assert sim.stats()["total"] == 0


def test_a_quiet_probe_costs_a_few_list_calls_and_moves_the_freshness(database: Database, settings: Settings,
                                                                      sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    sim.reset_stats()
    result = sondar(JobContext(settings, database))
    assert not isinstance(result, Skipped)
    assert result.status == "CONCLUIDA" and result.detalhes == 0
    assert result.api_calls == sim.stats()["total"] <= PROBE_CALLS
    assert sim.stats()["detail_ids"] == []
    acessorias = status(database, settings)["ACESSORIAS"]
    assert datetime.fromisoformat(acessorias["atualizado_ate"]) == result.atualizado_ate
    assert acessorias["sondagem"] == "ativa" and acessorias["orcamento_pct"] == settings.acessorias_budget_pct
    assert acessorias["mudou_em"] is None  # it read, and wrote nothing: the web has nothing to reload
    used = 100 * result.api_calls / (settings.acessorias_rate_limit * 15)
    assert acessorias["orcamento_usado_pct"] == round(used, 1)


def test_a_probe_fetches_exactly_what_changed(database: Database, settings: Settings,
                                              sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    changed = sim.advance(steps_completed=3, deliveries_changed=2)
    before = hashes(database, changed["steps_completed"])
    sim.reset_stats()

    result = sondar(JobContext(settings, database))

    assert not isinstance(result, Skipped) and result.status == "CONCLUIDA"
    assert sorted(sim.stats()["detail_ids"]) == sorted(changed["steps_completed"])
    # A list that had rows reads its page before the (confirmed) empty one: one call more per list.
    assert result.api_calls == sim.stats()["total"] == PROBE_CALLS + 2 + 3
    after = hashes(database, changed["steps_completed"])
    assert all(after[p] != before[p] for p in changed["steps_completed"])
    assert result.obrigacoes == 2
    assert status(database, settings)["ACESSORIAS"]["mudou_em"] is not None
    # The incremental behind it finds the changes already mirrored.
    assert run_sync(database, settings, "INCREMENTAL").atualizados == 0


class ChangingMidProbe(AcessoriasClient):
    """Changes the upstream right after the probe has read the processes list: the change it cannot see."""

    def __init__(self, settings: Settings, database: Database, sim: SimControl) -> None:
        super().__init__(settings, database=database)
        self.sim = sim
        self.changed: list[int] = []

    def process_list(self, *, changed_since: datetime | None = None) -> ListResult:
        listing = super().process_list(changed_since=changed_since)
        if not self.changed:
            self.changed = self.sim.advance(steps_completed=1)["steps_completed"]
        return listing


def test_a_change_made_while_a_probe_runs_is_read_by_the_next(database: Database, settings: Settings,
                                                               sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    with ChangingMidProbe(settings, database, sim) as client:
        first = run_probe(database, settings, client=client)
    assert first.status == "CONCLUIDA" and client.changed
    before = hashes(database, client.changed)
    sim.reset_stats()
    second = sondar(JobContext(settings, database))
    assert not isinstance(second, Skipped) and second.status == "CONCLUIDA"
    assert sim.stats()["detail_ids"] == client.changed
    assert hashes(database, client.changed) != before


def test_a_short_budget_postpones_the_probe_and_status_says_so(database: Database, settings: Settings,
                                                               sim: SimControl) -> None:
    # 2 requests a minute, 15 % of them: 4.5 calls per 15 minutes, one quiet probe's worth.
    tight = settings.model_copy(update={"acessorias_rate_limit": 2, "acessorias_budget_pct": 15})
    run_sync(database, settings, "FULL")
    assert sondar(JobContext(tight, database)).status == "CONCLUIDA"  # type: ignore[union-attr]
    sim.reset_stats()
    postponed = sondar(JobContext(tight, database))
    assert not isinstance(postponed, Skipped) and postponed.status == "ADIADA"
    assert sim.stats()["total"] == 0
    acessorias = status(database, tight)["ACESSORIAS"]
    assert acessorias["sondagem"] == "adiada" and "Orçamento" in acessorias["aviso"]
    assert acessorias["orcamento_usado_pct"] > acessorias["orcamento_pct"] / 2


def test_the_probe_skips_while_a_sync_holds_the_office(database: Database, settings: Settings,
                                                       sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    sim.reset_stats()
    ctx = JobContext(settings, database)
    with holding(ctx, "acessorias") as held:
        assert held
        assert isinstance(sondar(ctx), Skipped)
    assert sim.stats()["total"] == 0


def test_the_probe_is_scheduled_every_minute_by_default(settings: Settings) -> None:
    entries = {e.key: e.schedule for e in schedule_entries(settings)}
    assert entries["acessorias.sondar"] == "60"
    custom = settings.model_copy(update={"schedule_acessorias_probe": "*/2 * * * *"})
    assert {e.key: e.schedule for e in schedule_entries(custom)}["acessorias.sondar"] == "*/2 * * * *"


def test_metrics_export_the_lag_and_the_budget(database: Database, settings: Settings,
                                               sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    sondar(JobContext(settings, database))
    with TestClient(create_app(settings)) as api:
        text = api.get("/metrics").text
    assert 'espelho_freshness_lag_seconds{origem="ACESSORIAS"}' in text
    assert 'espelho_sync_budget_used_ratio{origem="ACESSORIAS"}' in text
    assert 'espelho_sync_budget_ratio{origem="ACESSORIAS"} 0.3' in text
