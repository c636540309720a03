"""WhatsApp, issue 20: on with the five settings alone (the business number read from the Graph API),
`nosniff` on the echoed challenge; a linked phone dies with its user's token version, and an ADMIN
unlinks anyone's phone; a malformed message is skipped (its batch goes on), a malformed body is a 400;
at most 5 wrong codes per number per 15 min, one explanation a day to an unlinked number; names in
replies are one line without WhatsApp formatting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from espelho.acessorias.models import Empresa
from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from espelho.whatsapp.commands import CODIGO_INVALIDO, MAX_CODIGOS_ERRADOS, NAO_VINCULADO
from espelho.whatsapp.models import WhatsAppMensagem
from tests.helpers import client_as, create_user_with_token
from tests.whatsapp.conftest import (
    BUSINESS_NUMBER,
    VERIFY_TOKEN,
    WEBHOOK,
    Graph,
    link,
    say,
    sign,
    text_message,
    wait_jobs,
)

PHONE = "5511987650001"

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


def _last_reply(graph: Graph) -> str:
    return [s["payload"]["text"]["body"] for s in graph.sent() if s["type"] == "text"][-1]


@pytest.mark.parametrize("change", [{"password": "outra-senha-123"}, {"role": "MANAGER"}, "reactivated"])
def test_a_linked_phone_dies_with_its_users_token_version(api: TestClient, graph: Graph,
                                                          change: object) -> None:
    user: TestClient = client_as(api, "USER")  # type: ignore[assignment]
    user_id = user.get("/api/v1/auth/me").json()["id"]
    link(user, PHONE, "wamid.N6LINK")
    say(api, PHONE, "ajuda", "wamid.N6A")
    assert _last_reply(graph) != NAO_VINCULADO
    if change == "reactivated":  # deactivated, then active again: not linked again without a new code
        for ativo in (False, True):
            assert api.patch(f"/api/v1/usuarios/{user_id}", json={"ativo": ativo}).status_code == 200
    else:
        assert api.patch(f"/api/v1/usuarios/{user_id}", json=change).status_code == 200
    say(api, PHONE, "ajuda", "wamid.N6B")
    assert _last_reply(graph) == NAO_VINCULADO
    # Signed in again, the user sees the phone unlinked, and links it with a new code.
    again = TestClient(api.app)  # on the running app (no second lifespan)
    login = again.post("/api/v1/auth/login", json={
        "email": api.get(f"/api/v1/usuarios/{user_id}").json()["email"],
        "password": "outra-senha-123" if isinstance(change, dict) and "password" in change
        else "fixture-password-123"})
    assert login.status_code == 200, login.text
    again.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    assert again.get("/api/v1/whatsapp/vinculo").json()["vinculado"] is False
    link(again, PHONE, "wamid.N6RELINK")
    say(api, PHONE, "ajuda", "wamid.N6C")
    assert _last_reply(graph) != NAO_VINCULADO


def test_an_admin_unlinks_anyones_phone(api: TestClient, graph: Graph) -> None:
    user: TestClient = client_as(api, "USER")  # type: ignore[assignment]
    user_id = user.get("/api/v1/auth/me").json()["id"]
    link(user, PHONE, "wamid.N6D")
    other: TestClient = client_as(api, "MANAGER")  # type: ignore[assignment]
    assert other.delete(f"/api/v1/whatsapp/vinculos/{user_id}").status_code == 403
    assert api.delete("/api/v1/whatsapp/vinculos/2147483647").status_code == 404
    assert api.delete(f"/api/v1/whatsapp/vinculos/{user_id}").status_code == 204
    assert user.get("/api/v1/whatsapp/vinculo").json()["vinculado"] is False
    say(api, PHONE, "ajuda", "wamid.N6E")
    assert _last_reply(graph) == NAO_VINCULADO


def _signed(api: TestClient, body: bytes) -> Any:
    return api.post(WEBHOOK, content=body, headers={"Content-Type": "application/json",
                                                    "X-Hub-Signature-256": sign(body)})


def test_a_malformed_message_is_skipped_and_its_batch_goes_on(api: TestClient, graph: Graph,
                                                             database: Database) -> None:
    good = text_message(PHONE, "ajuda", "wamid.N7GOOD")
    messages = good["entry"][0]["changes"][0]["value"]["messages"]
    messages[:0] = [{"id": "wamid.N7BAD", "from": {"not": "a number"}, "type": "text"},
                    {"id": "", "from": PHONE}, "not an object"]
    messages.append({"id": "wamid.N7TIME", "from": PHONE, "timestamp": "9" * 40, "type": "text",
                     "text": {"body": "ajuda"}})
    answer = _signed(api, json.dumps(good).encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["mensagens_novas"] == 2
    wait_jobs(api)
    with database.session() as session:
        stored = set(session.scalars(select(WhatsAppMensagem.wamid)
                                     .where(WhatsAppMensagem.direcao == "ENTRADA")))
    assert stored == {"wamid.N7GOOD", "wamid.N7TIME"}


@pytest.mark.parametrize("body", [b"[" * 100_000, b"{\"entry\": \"x\"}", b"\xff\xfe{}", b"null"])
def test_a_malformed_signed_body_is_a_400_in_the_envelope(api: TestClient, body: bytes) -> None:
    answer = _signed(api, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "bad_request"


def test_names_in_replies_are_one_line_without_formatting(api: TestClient, graph: Graph,
                                                          database: Database) -> None:
    with database.session() as session:
        session.add(Empresa(codigo=77, nome="PADARIA *GRÁTIS*\nAtrasadas: 0 _ok_ ~x~ `y`",
                            cnpj="12345678000190", ativa=True, completa=True,
                            sincronizada_em=datetime.now(UTC)))
    link(api, PHONE, "wamid.N9LINK")
    say(api, PHONE, "empresa padaria", "wamid.N9A")
    reply = _last_reply(graph)
    first = reply.splitlines()[0]
    assert "GRÁTIS" in first and "Atrasadas: 0" in first  # the name's fake line stayed on its own line
    assert "*GRÁTIS*" not in reply and "_ok_" not in reply and "~x~" not in reply and "`y`" not in reply
    assert not any(line.startswith("Atrasadas") for line in reply.splitlines())


def test_code_guesses_are_capped_and_an_unlinked_number_is_told_once_a_day(api: TestClient,
                                                                           graph: Graph) -> None:
    guesser = "5511987650002"
    for i in range(MAX_CODIGOS_ERRADOS + 3):
        say(api, guesser, f"VINCULAR ERRADO{i:02d}", f"wamid.N8G{i}")
    answers = [s for s in graph.sent() if s["to"] == guesser]
    assert [s["payload"]["text"]["body"] for s in answers] == [CODIGO_INVALIDO] * MAX_CODIGOS_ERRADOS
    # Past the cap even the right code is not checked (a guess among many is not a proof).
    codigo = api.post("/api/v1/whatsapp/vinculo").json()["codigo"]
    say(api, guesser, f"VINCULAR {codigo}", "wamid.N8RIGHT")
    assert api.get("/api/v1/whatsapp/vinculo").json()["vinculado"] is False

    stranger = "5511987650003"
    for i in range(4):
        say(api, stranger, "resumo", f"wamid.N8S{i}")
    assert [s["payload"]["text"]["body"] for s in graph.sent() if s["to"] == stranger] == [NAO_VINCULADO]
