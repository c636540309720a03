"""WhatsApp configured against the simulator's fake Graph API; helpers to play Meta's side of the webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from espelho.config import Settings
from tests.helpers import RunningSimulator

ACCESS_TOKEN = "wa-test-access-token"
APP_SECRET = "wa-test-app-secret"
VERIFY_TOKEN = "wa-test-verify-token"
BUSINESS_NUMBER = "5511999990000"
WEBHOOK = "/api/v1/webhooks/whatsapp"


@pytest.fixture
def settings(settings: Settings, simulator: RunningSimulator) -> Settings:
    return settings.model_copy(update={
        "whatsapp_graph_url": simulator.whatsapp_url,
        "whatsapp_phone_number_id": "109876543210",
        "whatsapp_business_number": BUSINESS_NUMBER,
        "whatsapp_access_token": SecretStr(ACCESS_TOKEN),
        "whatsapp_app_secret": SecretStr(APP_SECRET),
        "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
        "whatsapp_backoff_s": 0.01,
    })


class Graph:
    """The simulator's fake Graph API: what Espelho sent, and faults to inject."""

    def __init__(self, simulator: RunningSimulator) -> None:
        self.control = f"{simulator.base_url}/whatsapp/_control"

    def reset(self) -> None:
        httpx.post(f"{self.control}/reset").raise_for_status()

    def sent(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.control}/sent").json()

    def fault(self, code: int, times: int = 1, type: str | None = None) -> None:
        spec = {"code": code, "times": times, "type": type}
        httpx.post(f"{self.control}/faults", json=spec).raise_for_status()


@pytest.fixture
def graph(simulator: RunningSimulator) -> Iterator[Graph]:
    fake = Graph(simulator)
    fake.reset()
    yield fake
    fake.reset()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event(value: dict[str, Any]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                        "metadata": {"phone_number_id": "109876543210"}, **value}}]}]}


def text_message(wa_id: str, text: str, wamid: str, name: str = "Fulano") -> dict[str, Any]:
    return event({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                  "messages": [{"from": wa_id, "id": wamid, "timestamp": "1767225600", "type": "text",
                                "text": {"body": text}}]})


def post_event(client: TestClient, payload: dict[str, Any], *,
               signature: str | None = "sign") -> httpx.Response:
    """POST the event as Meta does: raw JSON bytes, signed (or with the given/missing signature)."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = sign(body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post(WEBHOOK, content=body, headers=headers)


def wait_jobs(client: TestClient) -> None:
    assert client.app.state.jobs.dispatcher.wait_idle(30), "jobs still running"  # type: ignore[attr-defined]


def say(client: TestClient, wa_id: str, text: str, wamid: str) -> None:
    """A user's message through the webhook, and the reply job run to its end."""
    answer = post_event(client, text_message(wa_id, text, wamid))
    assert answer.status_code == 200, answer.text
    wait_jobs(client)


def link(client: TestClient, wa_id: str, wamid: str = "wamid.LINK") -> None:
    codigo = client.post("/api/v1/whatsapp/vinculo").json()["codigo"]
    say(client, wa_id, f"VINCULAR {codigo}", wamid)
