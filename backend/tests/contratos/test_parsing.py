"""Every parsing quirk of the Comprasnet reference (§2.4), through the upstream schemas the sync uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from espelho.contratos.models import Contrato, ItemContrato
from espelho.contratos.queries import validate_abas, validate_uasg
from espelho.contratos.sync import fit_row, kept_by_vigencia
from espelho.contratos.upstream import (
    UpstreamArquivo,
    UpstreamContrato,
    UpstreamEmpenho,
    UpstreamHistorico,
    UpstreamItem,
)
from espelho.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.000.000,50", Decimal("1000000.50")),
        ("93.307,80", Decimal("93307.80")),
        ("0,00", Decimal("0.00")),
        ("-3,10", Decimal("-3.10")),
        ("500000.75", Decimal("500000.75")),  # older payloads: plain decimal string
        (750000.25, Decimal("750000.25")),  # … or a JSON number
        (None, None),
        ("", None),
    ],
)
def test_money_formats(raw: object, expected: Decimal | None) -> None:
    assert UpstreamContrato.model_validate({"id": 1, "valor_global": raw}).valor_global == expected


def test_malformed_money_is_an_error_not_a_wrong_value() -> None:
    with pytest.raises(ValidationError):
        UpstreamContrato.model_validate({"id": 1, "valor_global": "12,34,56"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20.00000", Decimal("20")),
        ("1.00000", Decimal("1")),
        ("1,00000", Decimal("1")),
        ("0.50000", Decimal("0.5")),
        (3, Decimal("3")),
    ],
)
def test_quantities_are_plain_decimals_unless_they_carry_a_comma(raw: object, expected: Decimal) -> None:
    item = UpstreamItem.model_validate({"id": 1, "quantidade": raw})
    assert item.quantidade == expected  # never 100000 for "1.00000"


def test_php_datetime_object_and_null() -> None:
    item = UpstreamItem.model_validate(
        {
            "id": 1,
            "data_inicio_item": {
                "date": "2021-01-01 20:49:18.000000",
                "timezone_type": 3,
                "timezone": "America/Sao_Paulo",
            },
        }
    )
    assert item.data_inicio_item == datetime(2021, 1, 1, 20, 49, 18, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert item.data_inicio_item.astimezone(UTC).hour == 23
    assert UpstreamItem.model_validate({"id": 1, "data_inicio_item": None}).data_inicio_item is None


def test_dates_audit_stamps_and_flags() -> None:
    row = UpstreamHistorico.model_validate(
        {
            "id": 7,
            "data_assinatura": "2024-10-05",
            "vigencia_fim": None,
            "retroativo": "Não",
            "criado_em": "2024-10-07T10:01:10Z",
            "retroativo_anoref_de": 2024,
            "retroativo_mesref_de": "04",
            "fornecedor": {"tipo": "JURIDICA", "cnpj_cpf_idgener": "05.340.639/0001-30", "nome": "PRIME"},
            "qualificacao_termo": [{"codigo": 2, "descricao": "VIGÊNCIA"}],
        }
    ).row()
    assert row["data_assinatura"] == date(2024, 10, 5) and row["vigencia_fim"] is None
    assert row["retroativo"] is False
    assert row["criado_em"] == datetime(2024, 10, 7, 10, 1, 10, tzinfo=UTC)
    assert row["retroativo_anoref_de"] == "2024" and row["retroativo_mesref_de"] == "04"
    assert row["fornecedor_cnpj_cpf"] == "05.340.639/0001-30"  # punctuation kept, as received
    assert row["qualificacao_termo"] == [{"codigo": 2, "descricao": "VIGÊNCIA"}]
    with pytest.raises(ValidationError):
        UpstreamHistorico.model_validate({"id": 7, "data_assinatura": "2024-13-45"})


def test_contract_flattening_codes_and_empty_lookups() -> None:
    ug = {"codigo": "070001", "nome_resumido": "UG-X", "nome": "UNIDADE X", "sisg": "Sim"}
    row = UpstreamContrato.model_validate(
        {
            "id": "118872",
            "numero": "00029/2021",
            "codigo_tipo": 50,
            "tipo": "Contrato",
            "prorrogavel": "Sim",
            "categoria": "",
            "informacao_complementar": " - ",
            "codigo_modalidade": "05",
            "contratante": {
                "orgao": {"codigo": "26248", "nome": "ORGAO", "unidade_gestora": ug},
                "orgao_origem": {"codigo": "26249", "unidade_gestora_origem": {**ug, "codigo": "070002"}},
            },
            "fornecedor": {"tipo": "FISICA", "cnpj_cpf_idgener": "000.000.001-91", "nome": "FULANO"},
            "links": {"historico": "https://x/api/contrato/118872/historico"},
            "campo_novo": 1,
        }
    ).row()
    assert row["id"] == 118872 and row["codigo_tipo"] == "50" and row["prorrogavel"] is True
    assert row["categoria"] is None and row["informacao_complementar"] is None
    assert row["codigo_modalidade"] == "05" and row["unidade_gestora_codigo"] == "070001"
    assert row["unidade_gestora_origem_codigo"] == "070002" and row["orgao_origem_codigo"] == "26249"
    assert row["fornecedor_tipo"] == "FISICA" and row["fornecedor_cnpj_cpf"] == "000.000.001-91"
    assert row["links"]["historico"].endswith("/118872/historico")


def test_older_key_names() -> None:
    assert (
        UpstreamContrato.model_validate({"id": 1, "fundamento_legal": "LEI 8.666"}).amparo_legal
        == "LEI 8.666"
    )
    legacy = UpstreamArquivo.model_validate({"id": 2, "arquivos": [{"arquivo_1": "https://x/a.pdf"}]})
    assert legacy.path_arquivo == "https://x/a.pdf"


def test_empenho_credor_from_object_or_from_the_label() -> None:
    with_obj = UpstreamEmpenho.model_validate(
        {
            "id": 1,
            "credor": "05.340.639/0001-30 - PRIME",
            "empenhado": "63.702,83",
            "credor_obj": {
                "tipo": "JURIDICA",
                "cnpj_cpf_idgener": "05.340.639/0001-30",
                "nome": "PRIME CONSULTORIA",
            },
        }
    ).row()
    assert with_obj["credor_nome"] == "PRIME CONSULTORIA" and with_obj["empenhado"] == Decimal("63702.83")
    label_only = UpstreamEmpenho.model_validate({"id": 2, "credor": "05.340.639/0001-30 - PRIME LTDA"}).row()
    assert label_only["credor_cnpj_cpf"] == "05.340.639/0001-30" and label_only["credor_nome"] == "PRIME LTDA"


def test_a_record_without_id_is_malformed() -> None:
    with pytest.raises(ValidationError):
        UpstreamContrato.model_validate({"numero": "00001/2024"})
    with pytest.raises(ValidationError):
        UpstreamContrato.model_validate({"id": "abc"})


def test_vigencia_rule_at_the_100_day_boundary() -> None:
    today = date(2026, 11, 23)
    assert kept_by_vigencia(None, today, 100)
    assert kept_by_vigencia(today + timedelta(days=300), today, 100)
    assert kept_by_vigencia(today - timedelta(days=100), today, 100)
    assert not kept_by_vigencia(today - timedelta(days=101), today, 100)
    assert kept_by_vigencia(today - timedelta(days=101), today, 101)  # the 100 is a setting


def test_column_limits_cut_text_and_refuse_numbers_that_do_not_fit() -> None:
    row = fit_row(Contrato, {"numero": "x" * 80, "objeto": "y" * 10_000})
    assert len(row["numero"]) == 50 and len(row["objeto"]) == 10_000  # Text has no limit
    with pytest.raises(ValueError):
        fit_row(Contrato, {"valor_global": Decimal("1e19")})
    with pytest.raises(ValueError):
        fit_row(ItemContrato, {"quantidade": Decimal("1e16")})


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "", "15316 ", "15-316"])
def test_uasg_code_must_be_six_digits(code: str) -> None:
    with pytest.raises(InvalidInput):
        validate_uasg(code)
    assert validate_uasg(" 070001 ") == "070001"


def test_tab_names() -> None:
    assert validate_abas(None) == ["historico", "empenhos", "itens", "arquivos"]
    assert validate_abas(["Itens", "historico", "itens"]) == ["itens", "historico"]
    with pytest.raises(InvalidInput):
        validate_abas(["faturas"])
