"""`espelho whatsapp alertas`: one template per linked, opted-in user with news; never the same fact twice."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from espelho.acessorias.models import Empresa, Obrigacao
from espelho.cli import app
from espelho.clock import now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.contratos.models import Contrato, Uasg
from espelho.db import Database
from espelho.syncs.models import Sincronizacao
from tests.conftest import on_month_days, settings_env
from tests.helpers import client_as
from tests.whatsapp.conftest import ACCESS_TOKEN, Graph, link, say

PHONE = "5511987654321"
Cli = Callable[..., Result]


def _alertas(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("whatsapp", "alertas", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def _office(database: Database, today: date) -> int:
    """Overdue, due in 2 and 6 days, delivered, far away; a contract ending in 20 days; a failed sync.
    Returns the empresa's id."""
    now = now_utc()
    with database.session() as session:
        empresa = Empresa(codigo=7, nome="Mercado Bom Preço", ativa=True, completa=True, sincronizada_em=now)
        session.add(empresa)
        session.flush()
        due = {"atrasada": -3, "dois": 2, "seis": 6, "longe": 40}
        for name, days in due.items():
            session.add(Obrigacao(chave=f"test:{name}", empresa_id=empresa.id, tipo=f"DAS-{name}",
                                  status="Atrasada!" if days < 0 else "Pendente",
                                  data_vencimento=today + timedelta(days=days), sincronizada_em=now))
        session.add(Obrigacao(chave="test:entregue", empresa_id=empresa.id, tipo="DCTF", status="Entregue",
                              data_vencimento=today - timedelta(days=1),
                              data_entrega=today - timedelta(days=2), sincronizada_em=now))
        session.add(Uasg(codigo="160123", criado_em=now))
        session.flush()
        session.add(Contrato(id=99, uasg_codigo="160123", numero="12/2025",
                             vigencia_fim=today + timedelta(days=20), raw_json={}, criado_em=now,
                             listado_em=now))
        session.add(Sincronizacao(origem="ACESSORIAS", tipo="INCREMENTAL", escopo="acessorias", status="ERRO",
                                  mensagem_erro="boom", iniciada_em=now, concluida_em=now))
        return empresa.id


@on_month_days
def test_alerts_go_once_as_a_template_and_stop_after_parar(
        frozen_day: date, api: TestClient, graph: Graph, database: Database, cli: Cli,
        settings: Settings) -> None:
    empresa_id = _office(database, frozen_day)
    link(api, PHONE)
    # A linked USER who is no one in Acessórias hears about contracts, not about the office's obligations
    # (theirs only: they have none) nor syncs (ADMINs only); the ADMIN (escritorio until choosing) all.
    colleague = client_as(api, "USER")
    link(colleague, "5521977776666", "wamid.LINK2")  # type: ignore[arg-type]

    dry = _alertas(cli, "--dry-run")
    assert dry["dry_run"] and dry["com_alertas"] == 2 and dry["enviados"] == 0
    admin_keys, user_keys = (set(i["chaves"]) for i in dry["itens"])
    assert {k.split(":")[0] for k in user_keys} == {"contrato"}
    assert admin_keys - user_keys == {k for k in admin_keys if not k.startswith("contrato:")}
    assert {k.split(":")[0] for k in admin_keys} == {"obrigacao", "contrato", "sync"}
    say(colleague, "5521977776666", "parar", "wamid.STOP2")  # type: ignore[arg-type]
    graph.reset()

    first = _alertas(cli)
    assert (first["destinatarios"], first["enviados"], first["falhas"]) == (1, 1, 0)
    item = first["itens"][0]
    # overdue, band 3 (2 days), band 7 (6 days), a contract in the 30-day band, a failed sync (ADMIN)
    assert item["alertas"] == 5
    # Every due-soon band counts as "vencem em até 7 dias": the window of `semana`.
    assert item["resumo"] == ("1 obrigação atrasada; 2 obrigações vencem em até 7 dias; "
                              "1 contrato termina em até 30 dias; "
                              "1 sincronização falhou")
    [sent] = graph.sent()
    assert sent["to"] == PHONE and sent["type"] == "template"
    assert sent["authorization"] == f"Bearer {ACCESS_TOKEN}"
    template = sent["payload"]["template"]
    assert template["name"] == settings.whatsapp_template_alertas
    assert template["language"] == {"code": "pt_BR"}
    assert [p["text"] for p in template["components"][0]["parameters"]] == ["Admin", item["resumo"]]

    # Nothing new: nothing sent.
    assert _alertas(cli)["enviados"] == 0
    assert len(graph.sent()) == 1

    # A new fact is sent; then, after "parar", nothing at all.
    with database.session() as session:
        session.add(Obrigacao(chave="test:nova", empresa_id=empresa_id, tipo="FGTS", status="Pendente",
                              data_vencimento=frozen_day + timedelta(days=1), sincronizada_em=now_utc()))
    assert _alertas(cli)["itens"][0]["resumo"] == "1 obrigação vence em até 7 dias"
    with database.session() as session:
        session.add(Obrigacao(chave="test:outra", empresa_id=empresa_id, tipo="ISS", status="Pendente",
                              data_vencimento=frozen_day + timedelta(days=1), sincronizada_em=now_utc()))
    say(api, PHONE, "parar", "wamid.STOP")
    sent_before = len(graph.sent())
    stopped = _alertas(cli)
    assert stopped["destinatarios"] == 0 and stopped["enviados"] == 0
    assert len(graph.sent()) == sent_before


def test_an_undeliverable_number_is_recorded_and_not_retried(
        api: TestClient, graph: Graph, database: Database, cli: Cli) -> None:
    _office(database, today_sao_paulo())
    link(api, PHONE)
    graph.reset()
    graph.fault(131026, times=5)
    result = _alertas(cli)
    assert (result["enviados"], result["falhas"]) == (0, 1)
    assert result["itens"][0]["erro_codigo"] == 131026
    assert len(graph.sent()) == 1  # no retry
    log = api.get("/api/v1/whatsapp/mensagens", params={"direcao": "SAIDA", "page_size": 1}).json()["items"]
    assert (log[0]["tipo"], log[0]["status"], log[0]["erro_codigo"]) == ("template", "failed", 131026)
    # Recorded as handled: the next run does not hammer the number with the same facts.
    assert _alertas(cli)["com_alertas"] == 0
    assert len(graph.sent()) == 1


def test_a_failed_send_leaves_the_facts_for_the_next_run(
        api: TestClient, graph: Graph, database: Database, cli: Cli) -> None:
    _office(database, today_sao_paulo())
    link(api, PHONE)
    graph.reset()
    graph.fault(131000)
    assert _alertas(cli)["falhas"] == 1
    assert _alertas(cli)["enviados"] == 1
    assert [s["error_code"] for s in graph.sent()] == [131000, None]


def test_the_command_refuses_to_send_without_whatsapp(database: Database, settings: Settings) -> None:
    env = {**os.environ, **settings_env(settings), "ESPELHO_WHATSAPP_APP_SECRET": ""}
    result = CliRunner().invoke(app, ["whatsapp", "alertas", "--json"], env=env)
    assert result.exit_code == 1
    assert json.loads(result.stdout.strip().splitlines()[-1])["status"] == "ERRO"


def test_atrasadas_and_semana_list_what_the_alerts_announce(
        api: TestClient, graph: Graph, database: Database) -> None:
    today = today_sao_paulo()
    _office(database, today)
    link(api, PHONE)
    say(api, PHONE, "atrasadas", "wamid.L1")
    say(api, PHONE, "Sémana", "wamid.L2")
    atrasadas, semana = (s["payload"]["text"]["body"] for s in graph.sent()[-2:])
    overdue = today - timedelta(days=3)
    assert atrasadas == f"*1 obrigação atrasada*\n• {overdue:%d/%m} DAS-atrasada — Mercado Bom Preço"
    assert semana.startswith("*2 obrigações vencem em até 7 dias*\n• ")
    assert "DAS-dois" in semana and "DAS-seis" in semana and "DAS-longe" not in semana
