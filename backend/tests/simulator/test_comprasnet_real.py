"""The Comprasnet simulator speaks what real lists hold (shared/upstream/comprasnet-contratos-api.md §2.6):
the real type codes and their mix, NAOSEAPLIC, origin units that differ from the managing unit, malformed
dates, blanks and nulls. The rest of the suite runs against these lists."""

from __future__ import annotations

from collections import Counter
from datetime import date

from espelho.simulator.comprasnet import DEMO_UASG, World

REAL_TYPES = {"50": "Contrato", "51": "Credenciamento", "54": "Concessão", "56": "Termo de Adesão",
              "57": "Convênio", "94": "Carta Contrato", "95": "Termo de Compromisso", "98": "Outros",
              "99": "Empenho"}
TODAY = date(2026, 12, 7)


def _lista(code: str) -> list[dict]:
    return [r for r in World("http://127.0.0.1", seed=42).lista(code, TODAY) if isinstance(r, dict)]


def test_every_list_speaks_the_real_codes() -> None:
    for code in (DEMO_UASG, "250123", "201000"):
        records = _lista(code)
        codes = Counter(r["codigo_tipo"] for r in records)
        assert {"50", "51", "99"} <= set(codes), f"{code}: {codes}"
        assert set(codes) <= set(REAL_TYPES)
        assert all(REAL_TYPES[r["codigo_tipo"]] == r["tipo"] for r in records)
        assert "70" not in codes  # the old, unreal Empenho code
        assert any(r["codigo_modalidade"] == "NAOSEAPLIC" and r["modalidade"] == "Não se Aplica"
                   for r in records)
        origin_differs = [
            r for r in records
            if r["contratante"]["orgao_origem"]["unidade_gestora_origem"]["codigo"]
            != r["contratante"]["orgao"]["unidade_gestora"]["codigo"]
        ]
        assert origin_differs and all(r["unidades_requisitantes"] for r in origin_differs[:1])
        assert all(r["contratante"]["orgao"]["unidade_gestora"]["codigo"] == code for r in records)
        assert any(len(r["data_assinatura"]) == 11 for r in records)  # "20224-08-12"


def test_the_mix_of_a_big_list_is_the_real_one() -> None:
    records = _lista("201000")
    codes = Counter(r["codigo_tipo"] for r in records if r["codigo_tipo"] != "99")
    contracts = sum(codes.values())
    assert codes["50"] / contracts > 0.6
    assert 0.04 < codes["51"] / contracts < 0.2  # Credenciamento: 91 of 1,179 real objects
    assert len(codes) >= 6  # the rarer types too
    categorias = {r["categoria"] for r in records}
    assert {"Serviços de Saúde", "Informática (TIC)", "Obras"} & categorias
    assert any(r["data_publicacao"] is None for r in records)
    assert any(r["subtipo"] for r in records)


def test_historico_speaks_apostilamento_60_and_follows_the_instrument_type() -> None:
    world = World("http://127.0.0.1", seed=42)
    records = _lista("201000")
    tipos: Counter[str] = Counter()
    for record in records[:300]:
        rows = world.aba(record, "historico")
        if record["tipo"] == "Empenho":
            assert rows == []
            continue
        first = [r for r in rows if r["id"] == record["id"] * 100]
        assert first and first[0]["codigo_tipo"] == record["codigo_tipo"]
        tipos.update((r["codigo_tipo"], r["tipo"]) for r in rows)
    assert ("60", "Termo de Apostilamento") in tipos and ("55", "Termo Aditivo") in tipos
    assert not any(code == "56" and tipo == "Termo de Apostilamento" for code, tipo in tipos)
