"""Immediate notices: a person who opted in hears of their processo's move within minutes, once, at most one
message per 10 minutes; and, with the schedule running (probe and notices every 2 s, the simulator's limit
lifted), a passo completed upstream reaches the phone well within 5 minutes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from espelho.acessorias.models import Processo, UsuarioAcessorias
from espelho.acessorias.sync import run_sync
from espelho.acessorias.tasks import sondar
from espelho.alertas.tasks import avisar
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database
from espelho.jobs.registry import JobContext
from espelho.main import create_app
from tests.acessorias.conftest import SimControl
from tests.helpers import RunningSimulator, create_user_with_token
from tests.whatsapp.conftest import Graph, link

API = "/api/v1"
WA_ID = "5511988887777"


@pytest.fixture
def office(simulator: RunningSimulator) -> SimControl:
    control = SimControl(simulator.acessorias_url)
    control.reset()
    return control


def person_of(database: Database, proc_id: int) -> UsuarioAcessorias:
    """The Acessórias person a processo is of (its gestor)."""
    with database.session() as session:
        gestor = session.scalar(select(Processo.gestor).where(Processo.proc_id == proc_id))
        assert gestor is not None and gestor.isdigit(), gestor
        found = session.scalar(select(UsuarioAcessorias).where(UsuarioAcessorias.codigo == int(gestor)))
        assert found is not None and found.email
        session.expunge(found)
        return found


def opted_in_phone(api: TestClient, email: str, wa_id: str = WA_ID) -> TestClient:
    """A USER with `email` (tied to that person by the next probe), whose phone is linked with immediate
    notices on."""
    app = api.app
    _, token = create_user_with_token(app.state.database, app.state.settings, "USER", email)  # type: ignore[attr-defined]
    user = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    link(user, wa_id, wamid=f"wamid.LINK.{wa_id}")
    answer = user.patch(f"{API}/whatsapp/vinculo", json={"avisos_imediatos": True})
    assert answer.status_code == 200 and answer.json()["avisos_imediatos"] is True
    return user


def notices(graph: Graph, wa_id: str = WA_ID) -> list[str]:
    """The template messages the fake Graph API received for the phone, as text."""
    return [str(m) for m in graph.sent() if m.get("to") == wa_id and m.get("type") == "template"]


def moved_processo(database: Database, settings: Settings, office: SimControl) -> tuple[int, str]:
    """A full sync, then one passo completed upstream: its processo's id and its person's e-mail."""
    run_sync(database, settings, "FULL")
    proc_id = office.advance(steps_completed=1)["steps_completed"][0]
    return proc_id, str(person_of(database, proc_id).email)


def test_a_moved_processo_is_told_once_and_at_most_every_10_minutes(
        api: TestClient, database: Database, settings: Settings, office: SimControl, graph: Graph) -> None:
    proc_id, email = moved_processo(database, settings, office)
    opted_in_phone(api, email)
    ctx = JobContext(settings, database)
    before = len(notices(graph))

    sondar(ctx)
    avisar(ctx)

    assert api.get(f"{API}/usuarios").json()["items"][-1]["acessorias_usuario"] is not None  # tied by e-mail
    told = notices(graph)[before:]
    assert len(told) == 1 and "passo concluído" in told[0]
    avisar(ctx)  # nothing new: nothing sent
    assert len(notices(graph)) == before + 1

    # More news right away waits for the 10 minutes to pass, then comes as one message.
    person = person_of(database, proc_id)
    more = office.advance(steps_completed=40)["steps_completed"]
    sondar(ctx)
    avisar(ctx)
    assert len(notices(graph)) == before + 1
    with time_machine.travel(now_utc() + timedelta(minutes=11), tick=True):
        avisar(ctx)
    theirs = [p for p in more if person_of(database, p).codigo == person.codigo]
    if theirs:
        assert len(notices(graph)) == before + 2
    else:  # the person may still own one through a pending passo of theirs
        assert len(notices(graph)) in (before + 1, before + 2)


def test_without_the_opt_in_no_notice(api: TestClient, database: Database, settings: Settings,
                                      office: SimControl, graph: Graph) -> None:
    _, email = moved_processo(database, settings, office)
    user = opted_in_phone(api, email)
    off = user.patch(f"{API}/whatsapp/vinculo", json={"avisos_imediatos": False})
    assert off.json()["avisos_imediatos"] is False
    before = len(notices(graph))
    ctx = JobContext(settings, database)
    sondar(ctx)
    avisar(ctx)
    assert len(notices(graph)) == before


@pytest.mark.real_clock  # the in-process scheduler waits on real time
@pytest.mark.timeout(600)
def test_a_passo_done_upstream_reaches_the_phone_within_5_minutes(
        database: Database, settings: Settings, office: SimControl, graph: Graph) -> None:
    run_sync(database, settings, "FULL")
    with database.session() as session:
        people = session.scalars(select(UsuarioAcessorias).where(UsuarioAcessorias.email.is_not(None))
                                 .order_by(UsuarioAcessorias.codigo)).all()
        phones = {p.codigo: f"551190000{i:04d}" for i, p in enumerate(people)}
        emails = {p.codigo: str(p.email) for p in people}
    scheduled = settings.model_copy(update={"scheduler_enabled": True, "schedule_acessorias_probe": "2",
                                            "acessorias_rate_limit": 10_000})
    _, admin = create_user_with_token(database, scheduled, "ADMIN")
    with TestClient(create_app(scheduled), headers={"Authorization": f"Bearer {admin}"}) as api:
        for codigo, email in emails.items():  # everyone opts in: whoever's processo moves is told
            opted_in_phone(api, email, phones[codigo])
        proc_id = office.advance(steps_completed=1)["steps_completed"][0]  # the change under watch
        changed_at = time.monotonic()
        phone = phones[person_of(database, proc_id).codigo]
        while not notices(graph, phone) and time.monotonic() - changed_at < 300:
            time.sleep(0.5)
        assert notices(graph, phone), "no notice within 5 minutes"
