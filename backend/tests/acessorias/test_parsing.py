"""Every wire quirk of the reference (shared/upstream/acessorias-api.md) read the right way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from espelho.acessorias import upstream
from espelho.acessorias.client import empty_payload
from espelho.clock import now_utc
from espelho.errors import UpstreamMalformed
from espelho.upstream.http import UpstreamResponse

DETAIL = {
    "ProcID": "6802",
    "ProcNome": "Simples Nacional — Mensal",
    "ProcTitulo": "Simples Nacional — Mensal",
    "ProcCriador": "Joana Lima",
    "ProcGestor": "176956",
    "ProcObservacoes": "",
    "ProcInicio": "01/06/2026",
    "ProcDiasCorridos": "9",
    "ProcConclusao": "20/06/2026",
    "ProcDepartamento": "Fiscal",
    "ProcStatus": "Em andamento",
    "ProcPorcentagem": "60.00",
    "DtLastDH": "09/06/2026 14:32:10",
    "EmpNome": "PADARIA BOA MASSA LTDA",
    "EmpID": "412",
    "EmpCNPJ": "12.345.678/0001-90",
    "ProcPassos": [
        {
            "Tipo": "Passo simples",
            "Status": "OK",
            "Nome": "Validar importações",
            "Automacao": {
                "Entrega": {
                    "Tipo": "Tarefa",
                    "Nome": "Conferir XMLs",
                    "Criacao": "no dia do início",
                    "Previsao": "30 min",
                    "Responsavel": "Joana Lima",
                    "Prazo": "05/06/2026",
                },
                "Bloqueante": "Sim",
            },
        },
        {
            "Tipo": "Desdobramento",
            "Status": "OK",
            "Nome": "Houve faturamento no mês?",
            "Automacao": [{"Nome": "Sim", "Acao": {"Tipo": "Passo simples", "Nome": "Conclui o passo"}}],
        },
        {
            "Tipo": "Sub processo",
            "Nome": "Gerar Obrigações - REINF",
            "ProcPassos": [
                {
                    "Tipo": "Passo simples",
                    "Status": "Pendente",
                    "Nome": "Transmitir",
                    "Automacao": {"Entrega": []},
                },
                {
                    "Tipo": "Follow up",
                    "Status": "Pendente",
                    "Nome": "Avisar",
                    "Automacao": {"Quando": "Disparo manual", "Para": "x@y.com"},
                },
            ],
        },
        {
            "Tipo": "Desdobramento",
            "Status": "Pendente",
            "Nome": "Houve Fato Gerador para entrega da EFD REINF?",
            "Automacao": [
                {"Nome": "SIm", "Acao": {"Tipo": "Sub processo", "Nome": "Gerar Obrigações - REINF"}},
                {"Nome": "Não", "Acao": {"Tipo": "Sub processo", "Nome": "Dispensa"}},
            ],
        },
        {
            "Tipo": "Passo simples",
            "Status": "Pendente",
            "Nome": "Enviar guia",
            "Automacao": {"Entrega": [], "Bloqueante": "Não"},
        },
    ],
}


def response(status: int, body: bytes) -> UpstreamResponse:
    return UpstreamResponse("acessorias", status, body, "http://sim/x")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (204, b""),
        (200, b""),
        (200, b"  \n"),
        (200, b"[]"),
        (200, b"{}"),
        (200, b'{"Erro": "Nenhuma empresa encontrada"}'),
    ],
)
def test_every_empty_shape_reads_as_an_empty_page(status: int, body: bytes) -> None:
    empty, payload, _ = empty_payload(response(status, body))
    assert empty is True
    assert payload is None


def test_erro_inside_200_carries_its_message() -> None:
    assert empty_payload(response(200, '{"Erro": "Token sem permissão"}'.encode())) == (
        True,
        None,
        "Token sem permissão",
    )


def test_a_non_json_body_is_malformed_not_empty() -> None:
    with pytest.raises(UpstreamMalformed):
        empty_payload(response(200, b"<html>oops</html>"))


def test_process_header_strings_dates_and_percentages() -> None:
    proc = upstream.UpstreamProcess.model_validate(DETAIL)
    row = upstream.processo_row(proc, DETAIL)
    assert row["proc_id"] == 6802
    assert row["porcentagem_conclusao"] == Decimal("60.00")
    assert row["dias_corridos"] == 9
    assert row["data_inicio"] == date(2026, 6, 1)
    assert row["data_conclusao"] == date(2026, 6, 20)
    assert row["competencia"] == "06/2026"  # no MM/YYYY in the title: month of ProcInicio
    # Brasília wall clock → 17:32:10 UTC
    assert row["dt_last_dh"].isoformat() == "2026-06-09T14:32:10-03:00"
    assert row["gestor"] == "176956"
    assert row["observacoes"] is None


@pytest.mark.parametrize(
    ("wire", "expected"),
    [("45.00", "45.00"), ("30%", "30"), ("0.00", "0.00"), ("100", "100"), ("130%", "100")],
)
def test_porcentagem_both_wire_forms(wire: str, expected: str) -> None:
    row = upstream.processo_row(
        upstream.UpstreamProcess.model_validate({**DETAIL, "ProcPorcentagem": wire}), DETAIL
    )
    assert row["porcentagem_conclusao"] == Decimal(expected)


def test_zero_dates_and_garbage_become_none() -> None:
    raw = {**DETAIL, "ProcConclusao": "00/00/0000", "ProcInicio": "0000-00-00", "DtLastDH": "nonsense"}
    row = upstream.processo_row(upstream.UpstreamProcess.model_validate(raw), raw)
    assert row["data_conclusao"] is None and row["data_inicio"] is None and row["dt_last_dh"] is None


def test_numbers_instead_of_strings_are_accepted() -> None:
    raw = {**DETAIL, "ProcID": 6802, "ProcDiasCorridos": 9, "EmpID": 412}
    proc = upstream.UpstreamProcess.model_validate(raw)
    assert proc.proc_id == 6802 and proc.EmpID == "412"


def test_steps_flatten_with_stable_ordinal_paths() -> None:
    steps = list(upstream.flatten_steps(upstream.UpstreamProcess.model_validate(DETAIL).ProcPassos))
    assert [s.caminho for s in steps] == ["1", "2", "3", "3.1", "3.2", "4", "5"]
    assert [s.nivel for s in steps] == [0, 0, 0, 1, 1, 0, 0]
    sub = steps[2]
    assert sub.tipo == "Sub processo" and sub.status is None and not sub.counts
    first = steps[0]
    assert first.concluido and first.entrega_nome == "Conferir XMLs" and first.prazo == date(2026, 6, 5)
    assert first.bloqueante is True and first.responsavel == "Joana Lima"
    assert steps[3].entrega_nome is None  # "Entrega": [] creates nothing
    assert steps[4].descricao == "Disparo manual → x@y.com"
    assert sum(1 for s in steps if s.counts) == 6 and sum(1 for s in steps if s.counts and s.concluido) == 2


def test_desdobramento_answer_is_the_only_branch_listed() -> None:
    steps = list(upstream.flatten_steps(DETAIL["ProcPassos"]))  # type: ignore[arg-type]
    answered_q, pending_q = steps[1], steps[5]
    assert upstream.answered(answered_q) == ("Sim", "Passo simples")
    assert upstream.answered(pending_q) == (None, None)
    assert [a["nome"] for a in pending_q.alternativas] == ["SIm", "Não"]


def test_steps_wrapped_twice_are_unwrapped() -> None:
    proc = upstream.UpstreamProcess.model_validate({**DETAIL, "ProcPassos": [DETAIL["ProcPassos"]]})
    assert len(proc.ProcPassos) == 5
    assert upstream.UpstreamProcess.model_validate({**DETAIL, "ProcPassos": ""}).ProcPassos == []


def test_hash_sees_the_change_fields_and_ignores_the_wire_form() -> None:
    header = upstream.UpstreamProcessHeader.model_validate(DETAIL)
    base = upstream.process_hash(header)
    assert base == upstream.process_hash(
        upstream.UpstreamProcessHeader.model_validate({**DETAIL, "ProcPorcentagem": "60%"})
    )
    assert base == upstream.process_hash(
        upstream.UpstreamProcessHeader.model_validate({**DETAIL, "EmpNome": "OTHER"})
    )
    for field, value in [
        ("ProcStatus", "Concluído"),
        ("ProcPorcentagem", "80.00"),
        ("DtLastDH", "09/06/2026 14:32:11"),
        ("ProcDiasCorridos", "10"),
        ("ProcConclusao", "21/06/2026"),
    ]:
        changed = upstream.UpstreamProcessHeader.model_validate({**DETAIL, field: value})
        assert upstream.process_hash(changed) != base, field


def test_delivery_keyed_by_entid_with_fallback() -> None:
    raw = {
        "Nome": "DAS",
        "EntCompetencia": "2026-05-01",
        "EntDtPrazo": "2026-06-18",
        "EntDtAtraso": "2026-06-20",
        "EntDtEntrega": "0000-00-00",
        "EntDtFinalizacao": None,
        "EntMulta": "S",
        "Status": "Pendente",
        "EntLastDH": "2026-06-17 16:05:41",
        "Config": {"EntID": "884213", "Tipo": "O", "DptoNome": "Fiscal", "CriadorID": None},
    }
    delivery = upstream.UpstreamDelivery.model_validate(raw)
    row = upstream.obrigacao_row(delivery, raw, "12345678000190", 1, now_utc())
    assert (row["chave"], row["ent_id"]) == ("ent:884213", 884213)
    assert row["competencia"] == "05/2026" and row["data_vencimento"] == date(2026, 6, 18)
    assert row["data_entrega"] is None and row["multa"] is True and row["categoria"] == "O"
    assert row["descricao"] == "Obrigação · Fiscal"
    no_config = {k: v for k, v in raw.items() if k != "Config"}
    fallback = upstream.obrigacao_row(
        upstream.UpstreamDelivery.model_validate(no_config), no_config, "12345678000190", 1, now_utc()
    )
    assert (fallback["chave"], fallback["ent_id"]) == ("cnpj:12345678000190|DAS|05/2026", None)


def test_company_row() -> None:
    raw = {
        "ID": "283",
        "Identificador": "42.081.159/0001-28",
        "Razao": "A G A P LTDA",
        "Fantasia": "",
        "Status": "Inativa",
        "ClienteDesde": "0000-00-00",
        "Regime": "Simples Nacional - Serviços",
    }
    row = upstream.empresa_row(upstream.UpstreamCompany.model_validate(raw), raw, now_utc())
    assert (
        row["codigo"] == 283
        and row["cnpj"] == "42081159000128"
        and row["identificador"] == "42.081.159/0001-28"
    )
    assert row["ativa"] is False and row["fantasia"] is None and row["cliente_desde"] is None
    assert row["regime_tributario"] == "Simples Nacional - Serviços"
