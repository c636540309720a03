"""The webhook end to end: handshake, signatures, redeliveries, linking, commands, the message log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from espelho.acessorias.models import Empresa, Processo
from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from espelho.whatsapp.commands import NAO_VINCULADO
from espelho.whatsapp.models import WhatsAppMensagem
from tests.helpers import client_as
from tests.whatsapp.conftest import (
    ACCESS_TOKEN,
    BUSINESS_NUMBER,
    VERIFY_TOKEN,
    WEBHOOK,
    Graph,
    event,
    link,
    post_event,
    say,
    sign,
    text_message,
    wait_jobs,
)

PHONE = "5511987654321"  # 55 + DDD 11 + 9 8765-4321
PHONE_WITHOUT_NINTH = "551187654321"


def _processos(database: Database, competencia: str, statuses: list[str]) -> None:
    """One empresa with a process per status in `competencia`."""
    now = datetime.now(UTC)
    with database.session() as session:
        empresa = Empresa(codigo=1, nome="Padaria Pão Quente Ltda", cnpj="12345678000190", ativa=True,
                          completa=True, sincronizada_em=now)
        session.add(empresa)
        session.flush()
        for i, status in enumerate(statuses):
            pct = Decimal(100 if status == "Concluído" else 40)
            session.add(Processo(proc_id=1000 + i, empresa_id=empresa.id, nome="Fechamento",
                                 competencia=competencia, status=status, porcentagem_conclusao=pct,
                                 data_inicio=date(2026, 5, 2), sincronizado_em=now))


def texts(graph: Graph) -> list[str]:
    return [s["payload"]["text"]["body"] for s in graph.sent() if s["type"] == "text" and not s["error_code"]]


def test_handshake_answers_the_challenge_only_for_the_verify_token(anon_api: TestClient) -> None:
    ok = anon_api.get(WEBHOOK, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                       "hub.challenge": "1158201444"})
    assert ok.status_code == 200
    assert ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = anon_api.get(WEBHOOK, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                          "hub.challenge": "1158201444"})
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "forbidden"


def test_linking_by_code_then_commands_from_either_form_of_the_number(api: TestClient, graph: Graph) -> None:
    created = api.post("/api/v1/whatsapp/vinculo")
    assert created.status_code == 201
    codigo = created.json()["codigo"]
    assert created.json()["link"] == f"https://wa.me/{BUSINESS_NUMBER}?text=VINCULAR%20{codigo}"
    assert api.get("/api/v1/whatsapp/vinculo").json()["codigo_pendente"]["codigo"] == codigo

    say(api, PHONE, f"vincular {codigo.lower()}", "wamid.A1")
    assert len(texts(graph)) == 1
    assert "Admin" in texts(graph)[0] and "vinculado" in texts(graph)[0]
    vinculo = api.get("/api/v1/whatsapp/vinculo").json()
    assert vinculo["vinculado"] and vinculo["wa_id"] == PHONE and vinculo["codigo_pendente"] is None

    # Meta may report the same phone without the ninth digit: still the linked user.
    say(api, PHONE_WITHOUT_NINTH, "Menu", "wamid.A2")
    assert "comandos" in texts(graph)[1]
    assert graph.sent()[1]["to"] == PHONE_WITHOUT_NINTH
    # A used code does not link again.
    say(api, "5521988887777", f"VINCULAR {codigo}", "wamid.A3")
    assert "inválido" in texts(graph)[2]
    assert all(s["authorization"] == f"Bearer {ACCESS_TOKEN}" for s in graph.sent())

    assert api.delete("/api/v1/whatsapp/vinculo").status_code == 204
    assert api.get("/api/v1/whatsapp/vinculo").json()["vinculado"] is False


def test_a_message_delivered_twice_gets_one_reply(api: TestClient, graph: Graph, database: Database) -> None:
    link(api, PHONE)
    payload = text_message(PHONE, "ajuda", "wamid.TWICE")
    first, second = post_event(api, payload), post_event(api, payload)
    assert (first.json()["mensagens_novas"], second.json()["mensagens_novas"]) == (1, 0)
    wait_jobs(api)
    assert len(texts(graph)) == 2  # the link confirmation, and one answer to "ajuda"
    with database.session() as session:
        assert session.scalar(select(func.count()).where(WhatsAppMensagem.wamid == "wamid.TWICE")) == 1


def test_bad_or_missing_signature_is_refused_and_nothing_is_processed(
        anon_api: TestClient, graph: Graph, database: Database) -> None:
    payload = text_message(PHONE, "ajuda", "wamid.FORGED")
    missing = post_event(anon_api, payload, signature=None)
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    wrong = post_event(anon_api, payload, signature="sha256=" + "0" * 64)
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
    # The signature covers the raw bytes: the same JSON re-serialised (other spacing) does not match.
    compact = json.dumps(payload, separators=(",", ":")).encode()
    spaced = json.dumps(payload, indent=2).encode()
    resigned = anon_api.post(WEBHOOK, content=spaced, headers={"X-Hub-Signature-256": sign(compact)})
    assert resigned.status_code == 403
    wait_jobs(anon_api)
    assert graph.sent() == []
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(WhatsAppMensagem)) == 0


def test_an_unlinked_number_gets_the_linking_hint_and_no_data(anon_api: TestClient, graph: Graph,
                                                              database: Database) -> None:
    _processos(database, "05/2026", ["Concluído", "Em andamento"])
    for i, command in enumerate(["resumo 05/2026", "atrasadas", "empresa Padaria"]):
        say(anon_api, "5531977776666", command, f"wamid.U{i}")
    assert texts(graph) == [NAO_VINCULADO]  # once a day (issue 20): the rest go unanswered


def test_resumo_answers_that_competencias_dashboard_figures(api: TestClient, graph: Graph,
                                                           database: Database) -> None:
    _processos(database, "05/2026", ["Concluído", "Concluído", "Em andamento", "Concluído"])
    with database.session() as session:  # another competência, not counted
        session.add(Processo(proc_id=2000, nome="Outro", competencia="06/2026", status="Em andamento",
                             sincronizado_em=datetime.now(UTC)))
    link(api, PHONE)
    say(api, PHONE, "RESUMO 05/2026", "wamid.R1")
    dashboard = api.get("/api/v1/dashboard/metricas", params={"competencia": "05/2026"}).json()
    reply = texts(graph)[-1]
    assert dashboard["total_processos"] == 4
    assert "*Resumo 05/2026*" in reply
    assert f"Processos: {dashboard['total_processos']}" in reply
    assert f"Concluídos: {dashboard['concluidos']}" in reply
    assert "Taxa de conclusão: 75,0%" in reply
    say(api, PHONE, "resumo 13/2026", "wamid.R2")
    assert "Competência inválida" in texts(graph)[-1]
    say(api, PHONE, "empresa 12.345.678/0001-90", "wamid.R3")
    assert "*Padaria Pão Quente Ltda*" in texts(graph)[-1] and "Processos abertos: 1" in texts(graph)[-1]
    say(api, PHONE, "qual é a boa?", "wamid.R4")
    assert texts(graph)[-1] == "Não entendi. Envie *ajuda* para ver os comandos."


def test_outside_the_window_the_reply_goes_again_as_a_template(api: TestClient, graph: Graph,
                                                              settings: Settings) -> None:
    link(api, PHONE)
    graph.fault(131047, type="text")
    say(api, PHONE, "ajuda", "wamid.W1")
    refused, template = graph.sent()[-2:]
    assert refused["type"] == "text" and refused["error_code"] == 131047
    assert template["type"] == "template"
    assert template["payload"]["template"]["name"] == settings.whatsapp_template_aviso
    assert template["payload"]["template"]["language"] == {"code": "pt_BR"}
    parameter = template["payload"]["template"]["components"][0]["parameters"][0]["text"]
    assert "comandos" in parameter and "\n" not in parameter
    log = api.get("/api/v1/whatsapp/mensagens", params={"direcao": "SAIDA", "page_size": 2}).json()
    assert [(m["tipo"], m["status"], m["erro_codigo"]) for m in log["items"]] == [
        ("template", "accepted", None), ("text", "failed", 131047)]


def test_sends_are_counted_in_the_metrics(api: TestClient, graph: Graph) -> None:
    def sends(status: str) -> float:
        return REGISTRY.get_sample_value("espelho_whatsapp_messages_total", {"status": status}) or 0.0

    link(api, PHONE)
    sent, failed = sends("sent"), sends("failed")
    graph.fault(131047, type="text")
    say(api, PHONE, "ajuda", "wamid.M1")  # the text is refused, then goes as a template
    assert (sends("sent") - sent, sends("failed") - failed) == (1, 1)
    scraped = api.get("/metrics").text
    assert f'espelho_whatsapp_messages_total{{status="sent"}} {sends("sent")}' in scraped


def test_a_131047_status_callback_resends_the_reply_as_a_template(api: TestClient, graph: Graph) -> None:
    link(api, PHONE)
    wamid = graph.sent()[-1]["wamid"]
    callback = {"id": wamid, "status": "failed", "timestamp": "1767225700", "recipient_id": PHONE,
                "errors": [{"code": 131047, "title": "Re-engagement"}]}
    failed = event({"statuses": [callback]})
    assert post_event(api, failed).json()["reenvios"] == 1
    assert post_event(api, failed).json()["reenvios"] == 1  # a redelivered callback…
    wait_jobs(api)
    assert [s["type"] for s in graph.sent()] == ["text", "template"]  # …resends once


def test_throttled_sends_back_off_and_retry(api: TestClient, graph: Graph) -> None:
    graph.fault(130429, times=1)
    graph.fault(131056, times=1)
    link(api, PHONE)
    assert [s["error_code"] for s in graph.sent()] == [130429, 131056, None]


def test_statuses_out_of_order_and_the_admin_message_log(api: TestClient, graph: Graph) -> None:
    link(api, PHONE)
    wamid = graph.sent()[-1]["wamid"]
    statuses = [{"id": wamid, "status": s, "timestamp": str(1767225700 + i), "recipient_id": PHONE}
                for i, s in enumerate(["read", "sent", "delivered"])]
    # Several callbacks in one POST, in two entries, the newest first; then a redelivery.
    payload = event({"statuses": statuses[:2]})
    payload["entry"].append(event({"statuses": statuses[2:]})["entry"][0])
    assert post_event(api, payload).status_code == 200
    assert post_event(api, payload).status_code == 200
    log = api.get("/api/v1/whatsapp/mensagens", params={"page_size": 10}).json()
    assert log["total"] == 2 and log["page"] == 1
    saida, entrada = log["items"]
    assert (entrada["direcao"], entrada["status"], entrada["texto"].split()[0]) == ("ENTRADA", "received",
                                                                                   "VINCULAR")
    assert saida["status"] == "read"
    assert [e["status"] for e in saida["eventos"]] == ["read", "sent", "delivered"]
    user = client_as(api, "USER")
    assert user.get("/api/v1/whatsapp/mensagens").status_code == 403  # type: ignore[attr-defined]
    assert api.get("/api/v1/whatsapp/mensagens", params={"page_size": 501}).status_code == 422


def test_parar_and_voltar_from_the_phone_and_the_web(api: TestClient, graph: Graph) -> None:
    link(api, PHONE)
    say(api, PHONE, "Parar", "wamid.P1")
    assert api.get("/api/v1/whatsapp/vinculo").json()["alertas_ativos"] is False
    say(api, PHONE, "voltar", "wamid.P2")
    assert api.get("/api/v1/whatsapp/vinculo").json()["alertas_ativos"] is True
    web = api.patch("/api/v1/whatsapp/vinculo", json={"alertas_ativos": False})
    assert web.json()["alertas_ativos"] is False


def test_whatsapp_off_answers_404_in_the_envelope(settings: Settings, database: Database) -> None:
    off = settings.model_copy(update={"whatsapp_access_token": None})
    with TestClient(create_app(off)) as client:
        answer = post_event(client, text_message(PHONE, "ajuda", "wamid.OFF"))
        assert answer.status_code == 404
        assert answer.json()["error"] == "whatsapp_disabled"
        assert "ESPELHO_WHATSAPP" in answer.json()["detail"]
        assert client.get(WEBHOOK, params={"hub.mode": "subscribe"}).status_code == 404
