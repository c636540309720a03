"""Each person their own: after a full sync (the simulator over loopback) a user whose e-mail is an Acessórias
person's is tied to that person with no one doing anything, and then `responsavel=me` on the lists, the
resumo, "Minha fila", the WhatsApp `minhas` and the alerts' dry run all count the same rows: the person's.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import Result

from espelho.acessorias.sync import run_sync
from espelho.config import Settings
from espelho.db import Database
from espelho.simulator.acessorias import USUARIOS, user_json
from tests.helpers import create_user_with_token
from tests.whatsapp.conftest import Graph, graph, link, say, settings  # noqa: F401 - WhatsApp on the fake Graph

API = "/api/v1"
JOANA = 176900  # "Joana Lima" in the simulator's office
RAFAEL = 176901
DAY = date(2028, 2, 15)


def _email(codigo: int) -> str:
    return str(user_json(codigo, USUARIOS[codigo])["email"])


def _client(api: TestClient, role: str, email: str) -> tuple[int, TestClient]:
    app = api.app
    user_id, token = create_user_with_token(app.state.database, app.state.settings, role, email)  # type: ignore[attr-defined]
    return user_id, TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _all(client: TestClient, path: str, **params: Any) -> tuple[int, list[dict[str, Any]]]:
    answer = client.get(f"{API}/{path}", params={**params, "page_size": 200})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = list(body["items"])
    page = 1
    while len(items) < body["total"]:
        page += 1
        more = client.get(f"{API}/{path}", params={**params, "page_size": 200, "page": page})
        items += more.json()["items"]
    return int(body["total"]), items


def _count(text: str) -> int:
    """The count a WhatsApp list reply states ("Nenhuma obrigação…" is 0)."""
    return 0 if text.startswith("Nenhuma") else _number(text, r"(\d+) obrigaç")


def _number(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1))


@pytest.mark.parametrize("frozen_day", [DAY], indirect=True, ids=str)
def test_mine_is_one_answer_everywhere(
    frozen_day: date, api: TestClient, database: Database, settings: Settings,  # noqa: F811
    graph: Graph, cli: Callable[..., Result],  # noqa: F811
) -> None:
    # Users before the sync: Joana by her e-mail (in other letters' case), Rafael whose tie an ADMIN cleared
    # by hand, a MANAGER and a USER who are no one in Acessórias.
    joana_email = _email(JOANA).upper()
    _, joana = _client(api, "USER", joana_email)
    rafael_id, rafael = _client(api, "USER", _email(RAFAEL))
    _, gerente = _client(api, "MANAGER", "gerente@example.com")
    _, ninguem = _client(api, "USER", "ninguem@example.com")
    assert api.patch(f"{API}/usuarios/{rafael_id}", json={"acessorias_usuario_id": None}).status_code == 200

    assert run_sync(database, settings, "FULL").status == "CONCLUIDA"

    # Tied after the sync, with no one doing anything; the tie set by hand stayed as set.
    me = joana.get(f"{API}/auth/me").json()
    assert me["acessorias_usuario"] == {"id": JOANA, "nome": "Joana Lima"}
    assert me["acessorias_vinculo_manual"] is False
    assert rafael.get(f"{API}/auth/me").json()["acessorias_usuario"] is None
    sem = ninguem.get(f"{API}/obrigacoes", params={"responsavel": "me"})
    assert sem.status_code == 409 and sem.json()["error"] == "sem_vinculo_acessorias"
    assert "Acessórias" in sem.json()["detail"]
    assert rafael.get(f"{API}/resumo", params={"responsavel": "me"}).status_code == 409

    # Joana's overdue obrigações: exactly the office's overdue ones whose responsável is Joana Lima.
    _, office_late = _all(api, "obrigacoes", situacao="atrasada")
    expected = sorted(o["id"] for o in office_late if o["responsavel"] == "Joana Lima")
    assert expected and len(expected) < len(office_late)
    total, mine = _all(joana, "obrigacoes", responsavel="me", situacao="atrasada")
    assert sorted(o["id"] for o in mine) == expected and total == len(expected)
    # The same as a MANAGER asking for Joana by her Acessórias id; a USER may not ask for someone else.
    assert _all(gerente, "obrigacoes", responsavel=str(JOANA), situacao="atrasada")[0] == total
    assert joana.get(f"{API}/obrigacoes", params={"responsavel": str(RAFAEL)}).status_code == 403
    assert gerente.get(f"{API}/obrigacoes", params={"responsavel": "x1"}).status_code == 422
    # The export follows the filter.
    csv_rows = joana.get(f"{API}/obrigacoes", params={"responsavel": "me", "situacao": "atrasada",
                                                      "formato": "csv"}).content.decode("utf-8-sig")
    assert len([line for line in csv_rows.splitlines() if line.strip()]) == total + 1

    # The resumo agrees; so does Minha fila.
    resumo = joana.get(f"{API}/resumo", params={"responsavel": "me"}).json()
    assert resumo["obrigacoes"]["atrasadas"] == total
    assert resumo["responsavel"] == {"id": JOANA, "nome": "Joana Lima"}
    assert resumo["processos_abertos"] == _all(joana, "processos", responsavel="me", aberto="true")[0]
    assert 0 < resumo["processos_abertos"] < api.get(f"{API}/resumo").json()["processos_abertos"]
    fila = joana.get(f"{API}/fila").json()
    assert fila["atrasadas"]["total"] == total
    assert fila["vencem"]["total"] == resumo["obrigacoes"]["vencem_7_dias"]
    assert fila["processos"]["total"] == resumo["processos_abertos"]
    dias = [p["dias_parado"] for p in fila["processos"]["items"]]
    assert dias == sorted(dias, reverse=True)

    # Workload: the caller's own row.
    carga = joana.get(f"{API}/dashboard/responsaveis").json()["items"]
    assert [i["responsavel"] for i in carga if i["eu"]] == ["Joana Lima"]
    assert not any(i["eu"] for i in api.get(f"{API}/dashboard/responsaveis").json()["items"])

    # The people one can be tied to (ADMIN, MANAGER): Joana among them, by name or e-mail.
    found = gerente.get(f"{API}/pessoas", params={"q": "joana"}).json()["items"]
    assert found == [{"id": JOANA, "nome": "Joana Lima", "email": _email(JOANA), "status": "Ativo"}]
    assert joana.get(f"{API}/pessoas").status_code == 403

    # An ADMIN ties Rafael by hand, to a person the mirror knows (else 422).
    tied = api.patch(f"{API}/usuarios/{rafael_id}", json={"acessorias_usuario_id": RAFAEL}).json()
    assert tied["acessorias_usuario"] == {"id": RAFAEL, "nome": USUARIOS[RAFAEL]}
    assert api.patch(f"{API}/usuarios/{rafael_id}", json={"acessorias_usuario_id": 999}).status_code == 422

    # WhatsApp: `minhas` states the same counts; `resumo`, `atrasadas` and `semana` answer for Joana, and
    # for the office with `escritorio`.
    link(joana, PHONES["joana"], "wamid.LJ")

    def reply(text: str, wamid: str) -> str:
        say(joana, PHONES["joana"], text, wamid)
        return str(graph.sent()[-1]["payload"]["text"]["body"])

    minhas = reply("minhas", "wamid.M")
    assert "Joana Lima" in minhas
    assert _number(minhas, r"Atrasadas: (\d+)") == total
    assert _number(minhas, r"Vencem em até 7 dias: (\d+)") == resumo["obrigacoes"]["vencem_7_dias"]
    assert _number(minhas, r"Processos abertos: (\d+)") == resumo["processos_abertos"]
    assert _count(reply("atrasadas", "wamid.A")) == total
    assert _count(reply("atrasadas escritorio", "wamid.AE")) == len(office_late)
    assert _number(reply("Resumo", "wamid.R"), r"Atrasadas: (\d+)") == total
    office = api.get(f"{API}/resumo").json()["obrigacoes"]
    assert _number(reply("resumo escritório", "wamid.RE"), r"Atrasadas: (\d+)") == office["atrasadas"]
    assert _count(reply("semana", "wamid.S")) == resumo["obrigacoes"]["vencem_7_dias"]
    assert "minhas" in reply("ajuda", "wamid.H")

    # The alerts by person: Joana only hers, the MANAGER (escritorio, the default until choosing) the
    # office's, the USER who is no one none.
    link(gerente, PHONES["gerente"], "wamid.LG")
    link(ninguem, PHONES["ninguem"], "wamid.LN")
    assert gerente.get(f"{API}/whatsapp/vinculo").json()["alertas_escopo"] == "escritorio"
    assert joana.get(f"{API}/whatsapp/vinculo").json()["alertas_escopo"] == "meus"
    assert ninguem.patch(f"{API}/whatsapp/vinculo", json={"alertas_escopo": "escritorio"}).status_code == 403
    chosen = gerente.patch(f"{API}/whatsapp/vinculo", json={"alertas_escopo": "escritorio"})
    assert chosen.status_code == 200 and chosen.json()["alertas_escopo"] == "escritorio"
    result = cli("whatsapp", "alertas", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    itens = {i["email"]: i for i in json.loads(result.stdout.strip().splitlines()[-1])["itens"]}

    def obrigacoes(email: str, kind: str) -> set[int]:
        item = itens.get(email, {"chaves": []})
        return {int(c.split(":")[1]) for c in item["chaves"] if c.startswith("obrigacao:") and kind in c}

    fim = date.fromordinal(DAY.toordinal() + 7).isoformat()
    _, soon = _all(joana, "obrigacoes", responsavel="me", situacao="pendente", de=DAY.isoformat(), ate=fim)
    assert obrigacoes(joana_email, ":atrasada") == set(expected)
    assert obrigacoes(joana_email, ":vence:") == {o["id"] for o in soon}
    assert itens[joana_email]["escopo"] == "meus"
    assert itens[joana_email]["acessorias_usuario"] == "Joana Lima"
    assert obrigacoes("gerente@example.com", ":atrasada") == {o["id"] for o in office_late}
    assert obrigacoes("ninguem@example.com", "") == set()


PHONES = {"joana": "5511911110001", "gerente": "5511911110002", "ninguem": "5511911110003"}
