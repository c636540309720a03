"""Nothing is acknowledged before it is stored (issue 20, N3): the request's transaction commits before the
response is sent. Checked against a real `espelho serve` process: killed the moment a webhook answered
200, the message is in the database, trial after trial; and a token is refused on the very next request
after the 200 of its user's password change."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from espelho.auth.models import Usuario
from espelho.auth.security import create_access_token
from espelho.config import Settings
from espelho.db import Database
from espelho.whatsapp.models import WhatsAppMensagem
from tests.conftest import settings_env
from tests.helpers import RunningSimulator, create_user_with_token, free_port
from tests.jobs.conftest import ESPELHO, wait_for
from tests.whatsapp.conftest import ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, WEBHOOK, sign, text_message

TRIALS = 20


@pytest.fixture
def settings(settings: Settings, simulator: RunningSimulator) -> Settings:
    return settings.model_copy(update={
        "whatsapp_graph_url": simulator.whatsapp_url,
        "whatsapp_phone_number_id": "109876543210",
        "whatsapp_access_token": SecretStr(ACCESS_TOKEN),
        "whatsapp_app_secret": SecretStr(APP_SECRET),
        "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
    })


@contextmanager
def serving(settings: Settings, tmp_path: Path,
            http: httpx.Client) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`espelho serve` in its own process, up and answering /health."""
    port = free_port()
    env = {**os.environ, **settings_env(settings)}
    with open(tmp_path / f"serve-{port}.log", "wb") as log:
        process = subprocess.Popen([str(ESPELHO), "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                   stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _up(http, base) or process.poll() is not None, timeout_s=120,
                     interval_s=0.05, what="espelho serve")
            assert process.poll() is None, (tmp_path / f"serve-{port}.log").read_text()[-2000:]
            yield base, process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def _up(http: httpx.Client, base: str) -> bool:
    try:
        return http.get(f"{base}/api/v1/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
@pytest.mark.real_clock  # tokens and runs stamped by another process
@pytest.mark.timeout(1200)  # twenty server starts on a shared machine
def test_a_server_killed_right_after_a_webhook_200_keeps_the_message(settings: Settings, database: Database,
                                                                    tmp_path: Path) -> None:
    http = httpx.Client(timeout=30)  # one client: a new one per call builds a TLS context each time
    for trial in range(TRIALS):
        wamid = f"wamid.DURAVEL{trial}"
        body = json.dumps(text_message("5511988887777", f"ajuda {trial}", wamid)).encode()
        with serving(settings, tmp_path, http) as (base, process):
            answer = http.post(f"{base}{WEBHOOK}", content=body, timeout=30, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": sign(body)})
            os.kill(process.pid, signal.SIGKILL)  # the moment the 200 is in
            assert answer.status_code == 200, answer.text
            assert answer.json()["mensagens_novas"] == 1
        with database.session() as session:
            stored = session.scalar(select(func.count()).select_from(WhatsAppMensagem)
                                    .where(WhatsAppMensagem.wamid == wamid))
        assert stored == 1, f"trial {trial}: the acknowledged message was lost"


@pytest.mark.real_clock  # the token is checked by another process
def test_a_token_is_refused_on_the_request_right_after_its_password_change(
        settings: Settings, database: Database, tmp_path: Path) -> None:
    _, admin = create_user_with_token(database, settings, "ADMIN")
    user_id, token = create_user_with_token(database, settings, "USER")
    with httpx.Client(timeout=30) as probe, serving(settings, tmp_path, probe) as (base, _), \
            httpx.Client(base_url=base, timeout=30) as http:
        for round_ in range(5):
            me = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            changed = http.patch(f"/api/v1/usuarios/{user_id}", json={"password": f"nova-senha-{round_}"},
                                 headers={"Authorization": f"Bearer {admin}"})
            assert changed.status_code == 200, changed.text
            refused = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401, f"round {round_}: the old token still answers after the 200"
            with database.session() as session:
                user = session.get(Usuario, user_id)
                assert user is not None
                token = create_access_token(settings, user_id, user.role, user.token_version)
