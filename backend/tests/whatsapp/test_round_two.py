"""WhatsApp, issue 20: on with the five settings alone (the business number read from the Graph API),
`nosniff` on the echoed challenge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from tests.helpers import create_user_with_token
from tests.whatsapp.conftest import BUSINESS_NUMBER, VERIFY_TOKEN, WEBHOOK

HANDSHAKE = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "<b>1158201444</b>"}


@pytest.fixture
def five_settings(settings: Settings) -> Settings:
    """Graph URL, phone number id, access token, app secret, verify token: no business number."""
    return settings.model_copy(update={"whatsapp_business_number": None})


@pytest.fixture
def five_api(five_settings: Settings, database: Database) -> Iterator[TestClient]:
    _, token = create_user_with_token(database, five_settings, "USER")
    with TestClient(create_app(five_settings), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_the_five_settings_turn_whatsapp_on(five_api: TestClient) -> None:
    handshake = five_api.get(WEBHOOK, params=HANDSHAKE)
    assert handshake.status_code == 200, handshake.text
    assert handshake.text == HANDSHAKE["hub.challenge"]
    # The challenge is echoed as plain text the browser must not sniff into HTML.
    assert handshake.headers["content-type"].startswith("text/plain")
    assert handshake.headers["x-content-type-options"] == "nosniff"
    # The wa.me link's number comes from the Graph API (GET /{phone-number-id}?fields=display_phone_number).
    created = five_api.post("/api/v1/whatsapp/vinculo")
    assert created.status_code == 201, created.text
    codigo = created.json()["codigo"]
    assert created.json()["link"] == f"https://wa.me/{BUSINESS_NUMBER}?text=VINCULAR%20{codigo}"


def test_without_a_number_to_show_the_code_comes_without_a_link(five_settings: Settings,
                                                                database: Database) -> None:
    unknown = five_settings.model_copy(update={"whatsapp_phone_number_id": "sem-numero",
                                               "whatsapp_graph_url": five_settings.whatsapp_graph_url + "/x"})
    _, token = create_user_with_token(database, unknown, "USER")
    with TestClient(create_app(unknown), headers={"Authorization": f"Bearer {token}"}) as client:
        created = client.post("/api/v1/whatsapp/vinculo")
        assert created.status_code == 201, created.text
        assert created.json()["link"] is None and created.json()["codigo"]


def test_four_settings_are_not_enough(five_settings: Settings, database: Database) -> None:
    off = five_settings.model_copy(update={"whatsapp_phone_number_id": None})
    with TestClient(create_app(off)) as client:
        answer = client.get(WEBHOOK, params=HANDSHAKE)
    assert answer.status_code == 404 and answer.json()["error"] == "whatsapp_disabled"
