"""Every list/detail endpoint and filter of the Acessórias read API, through HTTP, after a real sync."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from espelho.acessorias import queries
from espelho.acessorias.models import Desdobramento, Empresa, Obrigacao, Passo, Processo
from espelho.clock import now_utc, today_sao_paulo
from espelho.db import Database

API = "/api/v1"


def all_items(api: Any, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"{API}{path}", params={"page_size": 500, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert body["total"] == len(body["items"]), "test data must fit one page of 500"
    return body


def ids(body: dict[str, Any]) -> set[int]:
    return {item["id"] for item in body["items"]}


def load(database: Database, model: Any) -> list[Any]:
    with database.session() as session:
        return list(session.scalars(select(model)))


def ascii_word(names: list[str]) -> str:
    """A lower-case ASCII word from the names (SQLite folds case for ASCII only, like its LIKE)."""
    return next(w.lower() for n in names for w in n.split() if w.isascii() and w.isalpha() and len(w) >= 4)


def alive(processos: list[Processo]) -> list[Processo]:
    return [p for p in processos if p.removido_em is None]


def test_processos_list_filters_ordering_and_pagination(
    api: Any, database: Database, sync: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    sync("FULL")
    processos = alive(load(database, Processo))
    empresas = {e.id: e for e in load(database, Empresa)}
    assert len(processos) > 100

    body = all_items(api, "/processos")
    assert ids(body) == {p.id for p in processos}
    item = next(i for i in body["items"] if i["id"] == processos[0].id)
    assert item["proc_id"] == processos[0].proc_id
    assert 0 <= item["porcentagem_conclusao"] <= 100

    competencia = processos[0].competencia
    assert ids(all_items(api, "/processos", competencia=competencia)) == {
        p.id for p in processos if p.competencia == competencia
    }
    concluidos = {p.id for p in processos if p.status == "Concluído"}
    assert concluidos and ids(all_items(api, "/processos", status="Concluído")) == concluidos
    assert ids(all_items(api, "/processos", status="C")) == concluidos
    assert ids(all_items(api, "/processos", status="em_andamento")) == {
        p.id for p in processos if p.status == "Em andamento"
    }

    empresa = empresas[processos[0].empresa_id]
    da_empresa = {p.id for p in processos if p.empresa_id == empresa.id}
    assert ids(all_items(api, "/processos", empresa=str(empresa.id))) == da_empresa
    assert ids(all_items(api, "/processos", empresa=empresa.identificador or empresa.cnpj)) == da_empresa
    assert ids(all_items(api, f"/processos/empresa/{empresa.id}")) == da_empresa
    assert ids(all_items(api, f"/empresas/{empresa.id}/processos")) == da_empresa

    regime = next(p.regime_tributario for p in processos if p.regime_tributario)
    assert ids(all_items(api, "/processos", regime=regime)) == {
        p.id for p in processos if p.regime_tributario == regime
    }

    word = ascii_word([p.nome for p in processos])[:5]
    expected_q = {
        p.id
        for p in processos
        if word in p.nome.lower()
        or word in (p.titulo or "").lower()
        or word in empresas[p.empresa_id].nome.lower()
    }
    assert expected_q and ids(all_items(api, "/processos", q=word)) == expected_q
    for wildcard in ("%", "_", "\\"):  # LIKE's wildcards and escape are searched for literally
        assert ids(all_items(api, "/processos", q=wildcard)) == {
            p.id for p in processos
            if wildcard in p.nome + (p.titulo or "") + empresas[p.empresa_id].nome
        }

    combined = all_items(api, "/processos", competencia=competencia, status="C", regime=regime)
    assert ids(combined) == {
        p.id
        for p in processos
        if p.competencia == competencia and p.status == "Concluído" and p.regime_tributario == regime
    }

    by_days = all_items(api, "/processos", ordering="-dias_corridos")["items"]
    days = [i["dias_corridos"] for i in by_days if i["dias_corridos"] is not None]
    assert days == sorted(days, reverse=True)
    by_comp = [i["competencia"] for i in all_items(api, "/processos", ordering="competencia")["items"]]
    keys = [(int(c[3:]), int(c[:2])) for c in by_comp if c]
    assert keys == sorted(keys)

    # Small filtered sets are sorted after filtering, large ones walk an ordering index: same pages.
    for params in (
        {"ordering": "-dias_corridos"},
        {"ordering": "competencia", "status": "C"},
        {"ordering": "nome"},
    ):
        small = api.get(f"{API}/processos", params={**params, "page_size": 30, "page": 2}).json()
        monkeypatch.setattr(queries, "SMALL_RESULT", 0)
        large = api.get(f"{API}/processos", params={**params, "page_size": 30, "page": 2}).json()
        monkeypatch.undo()
        assert small == large and len(small["items"]) == 30

    first = api.get(f"{API}/processos", params={"page_size": 40, "page": 1, "ordering": "nome"}).json()
    second = api.get(f"{API}/processos", params={"page_size": 40, "page": 2, "ordering": "nome"}).json()
    assert first["total"] == second["total"] == len(processos)
    assert len(first["items"]) == 40 and first["page"] == 1 and second["page"] == 2
    assert not ids(first) & ids(second)


def test_removed_processes_are_hidden_unless_asked_for(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    processos = alive(load(database, Processo))
    gone = processos[3]
    with database.session() as session:
        session.execute(update(Processo).where(Processo.id == gone.id).values(removido_em=now_utc()))
    assert gone.id not in ids(all_items(api, "/processos"))
    assert gone.id not in ids(all_items(api, "/processos", competencia=gone.competencia))
    assert gone.id in ids(all_items(api, "/processos", incluir_removidos="true"))
    assert api.get(f"{API}/processos/{gone.id}").json()["removido_em"] is not None


@pytest.mark.parametrize("form", ["{m}-{y}", "{y}-{m}", "{m}%2F{y}"])
def test_processos_by_competencia_path_accepts_every_form(
    api: Any, database: Database, sync: Callable[..., Any], form: str
) -> None:
    sync("FULL")
    processos = alive(load(database, Processo))
    competencia = processos[-1].competencia
    month, year = competencia.split("/")
    body = all_items(api, "/processos/competencia/" + form.format(m=month, y=year))
    assert ids(body) == {p.id for p in processos if p.competencia == competencia}


def test_processo_detail_passos_and_desdobramentos(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    passos = load(database, Passo)
    desdobramentos = load(database, Desdobramento)
    # A process with a sub-process and a desdobramento exercises the tree and the branch questions.
    nested = {p.processo_id for p in passos if p.nivel > 0}
    with_questions = {d.processo_id for d in desdobramentos}
    processo_id = min(nested & with_questions)

    detail = api.get(f"{API}/processos/{processo_id}").json()
    processo = next(p for p in load(database, Processo) if p.id == processo_id)
    assert detail["id"] == processo_id and detail["proc_id"] == processo.proc_id
    assert detail["competencia"] == processo.competencia

    mine = sorted((p for p in passos if p.processo_id == processo_id), key=lambda p: p.ordem)
    body = all_items(api, f"/processos/{processo_id}/passos")
    assert body["total"] == len(mine)
    assert [i["id"] for i in body["items"]] == [p.id for p in mine]  # tree (depth-first) order
    by_id = {i["id"]: i for i in body["items"]}
    children = [i for i in body["items"] if i["nivel"] > 0]
    assert children
    for child in children:
        parent = by_id[child["pai_id"]]
        assert child["caminho"].startswith(parent["caminho"] + ".")
        assert parent["tipo"] == "Sub processo"
    assert {i["tipo"] for i in body["items"]} >= {"Desdobramento", "Sub processo"}

    paged = api.get(f"{API}/processos/{processo_id}/passos", params={"page_size": 2, "page": 2}).json()
    assert paged["total"] == len(mine) and [i["id"] for i in paged["items"]] == [p.id for p in mine[2:4]]

    questions = sorted((d for d in desdobramentos if d.processo_id == processo_id), key=lambda d: d.ordem)
    body = all_items(api, f"/processos/{processo_id}/desdobramentos")
    assert [i["id"] for i in body["items"]] == [d.id for d in questions]
    for item, question in zip(body["items"], questions, strict=True):
        assert item["pergunta"] == question.pergunta
        assert item["alternativas"] == question.alternativas
        assert item["status"] in ("OK", "Pendente")
        if item["status"] == "Pendente":
            assert item["resposta"] is None
        else:
            assert item["resposta"] == question.resposta

    assert api.get(f"{API}/processos/99999999").status_code == 404
    assert api.get(f"{API}/processos/99999999/passos").status_code == 404
    assert api.get(f"{API}/processos/99999999/desdobramentos").status_code == 404


def plain(text: str | None) -> str:
    """Lower case without accents, by Unicode decomposition (not the app's own folding)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@pytest.mark.parametrize("q", ["acougue", "AÇOUGUE", "Açougue", "sao jose", "SÃO JOSÉ", "farmacia", "ótica"])
def test_name_search_ignores_accents_and_case(q: str, api: Any, database: Database,
                                              sync: Callable[..., Any]) -> None:
    sync("FULL")
    empresas = load(database, Empresa)
    processos = load(database, Processo)
    term = plain(q)
    expected = {e.id for e in empresas if term in plain(e.nome) or term in plain(e.fantasia)}
    assert expected, f"the simulated office has a {q!r}"
    assert ids(all_items(api, "/empresas", q=q)) == expected
    by_id = {e.id: e for e in empresas}
    assert ids(all_items(api, "/processos", q=q)) == {
        p.id for p in alive(processos)
        if term in plain(p.nome) or term in plain(p.titulo) or term in plain(by_id[p.empresa_id].nome)
    }


# pt-BR as ICU orders it (PostgreSQL's `pt-BR-u-kn-true`, checked by hand): accents and case only break
# ties, numbers by value, a space before a hyphen before a letter.
PT_BR_ORDER = ["A B Contábil", "A-B Contábil", "AB Contábil", "Abc Serviços", "AÇOUGUE BOI GORDO",
               "acougue boi magro", "Azul Tintas", "sao jose", "Sao Jose", "SAO JOSE", "São José",
               "SÃO JOSÉ 7", "sao jose 8", "SÃO JOSÉ 12", "SÃO JOSÉ 100", "Zé Padaria"]


def test_names_sort_by_pt_br_collation_with_numbers_in_natural_order(api: Any, database: Database) -> None:
    with database.session() as session:
        for codigo, nome in enumerate(reversed(PT_BR_ORDER), start=1):
            empresa = Empresa(codigo=codigo, nome=nome, sincronizada_em=now_utc())
            session.add(empresa)
            session.flush()
            session.add(Processo(proc_id=codigo, empresa_id=empresa.id, nome=nome, sincronizado_em=now_utc()))
    for path in ("/empresas", "/processos"):
        assert [i["nome"] for i in all_items(api, path, ordering="nome")["items"]] == PT_BR_ORDER
        assert [i["nome"] for i in all_items(api, path, ordering="-nome")["items"]] == PT_BR_ORDER[::-1]
    # A list page walks the ordering index: the same order as the small, sorted-after-filtering set.
    paged = [api.get(f"{API}/processos", params={"ordering": "nome", "page_size": 5, "page": page}).json()
             for page in (1, 2, 3, 4)]
    assert [i["nome"] for body in paged for i in body["items"]] == PT_BR_ORDER


def test_empresas_and_obrigacoes_filters(api: Any, database: Database, sync: Callable[..., Any]) -> None:
    sync("FULL")
    empresas = load(database, Empresa)
    obrigacoes = load(database, Obrigacao)
    assert empresas and obrigacoes

    assert ids(all_items(api, "/empresas")) == {e.id for e in empresas}
    regime = next(e.regime_tributario for e in empresas if e.regime_tributario)
    assert ids(all_items(api, "/empresas", regime=regime)) == {
        e.id for e in empresas if e.regime_tributario == regime
    }
    assert ids(all_items(api, "/empresas", ativa="true")) == {e.id for e in empresas if e.ativa}
    assert ids(all_items(api, "/empresas", ativa="false")) == {e.id for e in empresas if not e.ativa}
    word = ascii_word([e.nome for e in empresas])
    assert ids(all_items(api, "/empresas", q=word)) == {
        e.id for e in empresas if word in e.nome.lower() or word in (e.fantasia or "").lower()
    }
    assert api.get(f"{API}/empresas/{empresas[0].id}").json()["cnpj"] == empresas[0].cnpj
    for wildcard in ("%", "_"):
        assert ids(all_items(api, "/empresas", q=wildcard)) == {
            e.id for e in empresas if wildcard in e.nome + (e.fantasia or "")
        }

    assert ids(all_items(api, "/obrigacoes")) == {o.id for o in obrigacoes}
    sample = obrigacoes[len(obrigacoes) // 2]
    assert ids(all_items(api, "/obrigacoes", status=sample.status)) == {
        o.id for o in obrigacoes if o.status == sample.status
    }
    assert ids(all_items(api, "/obrigacoes", tipo=sample.tipo)) == {
        o.id for o in obrigacoes if o.tipo == sample.tipo
    }
    assert ids(all_items(api, "/obrigacoes", empresa=str(sample.empresa_id))) == {
        o.id for o in obrigacoes if o.empresa_id == sample.empresa_id
    }
    assert ids(all_items(api, "/obrigacoes", competencia=sample.competencia)) == {
        o.id for o in obrigacoes if o.competencia == sample.competencia
    }
    due = sample.data_vencimento
    assert due is not None
    start, end = date(due.year, due.month, 1), due
    window = all_items(api, "/obrigacoes", de=start.isoformat(), ate=end.isoformat())
    assert ids(window) == {
        o.id for o in obrigacoes if o.data_vencimento is not None and start <= o.data_vencimento <= end
    }
    dates = [i["data_vencimento"] for i in window["items"]]
    assert dates == sorted(dates)
    # What the web opens on: the due dates nearest today first, on either side; none last.
    hoje = today_sao_paulo()
    nearest = all_items(api, "/obrigacoes", ordering="proximidade")["items"]
    distances = [abs((date.fromisoformat(i["data_vencimento"]) - hoje).days)
                 for i in nearest if i["data_vencimento"]]
    assert distances == sorted(distances) and distances[0] < distances[-1]
    assert all(i["data_vencimento"] for i in nearest[:len(distances)])
    farthest = all_items(api, "/obrigacoes", ordering="-proximidade")["items"]
    assert [i["id"] for i in farthest] == [i["id"] for i in nearest][::-1]
    assert ids(all_items(api, f"/obrigacoes/vencimento/{due.isoformat()}")) == {
        o.id for o in obrigacoes if o.data_vencimento == due
    }


@pytest.mark.parametrize(
    ("path", "params", "mentions"),
    [
        ("/processos", {"competencia": "13/2026"}, "competencia"),
        ("/processos", {"competencia": "2026"}, "competencia"),
        ("/processos", {"status": "finished"}, "status"),
        ("/processos", {"empresa": "acme"}, "empresa"),
        ("/processos", {"ordering": "-salary"}, "ordering"),
        ("/processos", {"page_size": 501}, "page_size"),
        ("/processos", {"page": 0}, "page"),
        ("/processos/competencia/00-2026", {}, "comp"),
        ("/empresas", {"ativa": "maybe"}, "ativa"),
        ("/obrigacoes", {"de": "31/12/2026"}, "de"),
        ("/obrigacoes", {"de": "2026-12-01", "ate": "2026-11-01"}, "de"),
        ("/obrigacoes", {"de": "0202-11-05"}, "de"),
        ("/obrigacoes", {"ate": "9999-12-31"}, "ate"),
        ("/obrigacoes/vencimento/2026-02-30", {}, "dia"),
        ("/dashboard/metricas", {"competencia": "2026/13"}, "competencia"),
        ("/dashboard/regimes", {"competencia": "x"}, "competencia"),
        ("/dashboard/timeline", {"de": "05/2026", "ate": "01/2026"}, "de"),
        ("/dashboard/timeline", {"competencia": "05/2026", "de": "01/2026"}, "competencia"),
        ("/sync/history", {"origem": "SIAFI"}, "origem"),
    ],
)
def test_bad_filters_are_422_with_a_clear_message(
    api: Any, path: str, params: dict[str, Any], mentions: str
) -> None:
    response = api.get(f"{API}{path}", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert mentions in str(body["detail"])


def test_the_date_filters_take_exactly_the_years_the_rules_announce(api: Any) -> None:
    """The web's date field sends only the years GET /regras names: the API takes those, and no other."""
    regras = api.get(f"{API}/regras").json()
    first, last = regras["ano_minimo"], regras["ano_maximo"]
    assert first < today_sao_paulo().year < last
    for de, status in [(f"{first}-01-01", 200), (f"{last}-12-31", 200), (f"{first - 1}-12-31", 422),
                       (f"{last + 1}-01-01", 422)]:
        assert api.get(f"{API}/obrigacoes", params={"de": de}).status_code == status, de
