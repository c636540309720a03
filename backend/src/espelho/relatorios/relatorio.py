"""The competência report: one workbook with the dashboard's figures and what needs attention today.

Sheets: Resumo (the office today, as GET /api/v1/resumo gives it; the dashboard's figures through
acessorias/metrics.py — the same cached numbers the dashboard shows — the change against the previous
competência, the previous competência on the same day of its cycle, and per regime), Processos em aberto
(of the competência), Obrigações (overdue or due in the next 7 days, of any competência), Contratos a
vencer (within 90 days, in 30/60/90 bands), Responsáveis and Gargalos (acessorias/carga.py). Every rule
is acessorias/regras.py's, so each sheet agrees with the web app and WhatsApp.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from espelho.acessorias import carga, metrics, queries, regras
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.queries import ObrigacaoFiltros, ProcessoFiltros
from espelho.clock import now_sao_paulo, today_sao_paulo
from espelho.contratos import queries as contratos
from espelho.contratos.models import Contrato
from espelho.exports.colunas import Coluna, tabela
from espelho.exports.files import Planilha, em_colunas, linhas

_INDICADORES = {
    "total_processos": "Processos",
    "concluidos": "Concluídos",
    "abertos": "Abertos",
    "em_andamento": "Em andamento",
    "taxa_conclusao": "Taxa de conclusão (%)",
    "media_conclusao": "Progresso médio (%)",
    "media_dias": "Dias médios até a conclusão",
    "total_empresas": "Empresas",
}

HOJE = tabela("relatorio_hoje")
RESUMO = tabela("relatorio_resumo")
REGIMES = tabela("relatorio_regimes")
RESPONSAVEIS = tabela("relatorio_responsaveis")
GARGALOS = tabela("relatorio_gargalos")


def _prazo_obrigacao(hoje: date) -> Coluna:
    def prazo(row: Mapping[str, Any]) -> str:
        dias = (row["data_vencimento"] - hoje).days
        if dias < 0:
            return f"Atrasada há {-dias} dia(s)"
        return "Vence hoje" if dias == 0 else f"Vence em {dias} dia(s)"

    return Coluna("Prazo", "prazo", largura=20, valor=prazo)


def _hoje_linhas(resumo: dict[str, Any]) -> Iterator[dict[str, Any]]:
    obrigacoes = resumo["obrigacoes"]
    yield {"indicador": "Processos abertos (todas as competências)", "valor": resumo["processos_abertos"]}
    yield {"indicador": "Obrigações atrasadas", "valor": obrigacoes["atrasadas"]}
    yield {"indicador": f"Obrigações que vencem em até {regras.VENCEM_DIAS} dias",
           "valor": obrigacoes["vencem_7_dias"]}
    yield {"indicador": "Obrigações pendentes", "valor": obrigacoes["pendentes"]}


def _faixa_contrato(hoje: date) -> Coluna:
    def faixa(row: Mapping[str, Any]) -> str:
        banda = contratos.faixa_vigencia((row["vigencia_fim"] - hoje).days)
        return contratos.rotulo_faixa(banda).capitalize() if banda else ""

    return Coluna("Vence em", "faixa", largura=14, valor=faixa)


def _resumo_linhas(figuras: dict[str, Any]) -> Iterator[dict[str, Any]]:
    variacao = figuras.get("variacao") or {}
    for campo, nome in _INDICADORES.items():
        change = variacao.get(campo) or {}
        yield {
            "indicador": nome,
            "atual": figuras.get(campo),
            "anterior": change.get("anterior"),
            "diferenca": change.get("diferenca"),
            "percentual": change.get("percentual"),
        }
    mesmo_dia = figuras.get("mesmo_dia_anterior")
    if mesmo_dia:
        yield {
            "indicador": f"Taxa de conclusão (%) no dia {mesmo_dia['dia_do_ciclo']} do ciclo",
            "atual": figuras["taxa_conclusao"],
            "anterior": mesmo_dia["taxa_conclusao"],
            "diferenca": round(figuras["taxa_conclusao"] - mesmo_dia["taxa_conclusao"], 2),
        }


def escrever(session: Session, competencia: Competencia, path: str) -> dict[str, int]:
    """Write the report of `competencia` (MM/YYYY) to `path`; returns the rows of each detail sheet."""
    hoje = today_sao_paulo()
    planilha = Planilha(path)
    counts: dict[str, int] = {}
    try:
        resumo = planilha.aba("Resumo")
        resumo.titulo(
            f"Competência {competencia} — situação em {hoje:%d/%m/%Y} "
            f"(gerado em {now_sao_paulo():%d/%m/%Y %H:%M})"
        )
        resumo.tabela(RESUMO, _resumo_linhas(metrics.dashboard_metricas(session, competencia)))
        resumo.tabela(HOJE, _hoje_linhas(queries.resumo(session, hoje)))
        resumo.tabela(REGIMES, metrics.dashboard_regimes(session, competencia)["items"])

        abertos = queries.processos_select(session, ProcessoFiltros(competencia=competencia, aberto=True),
                                           "nome")
        counts["processos"] = planilha.aba("Processos em aberto").tabela(
            tabela("processos"), linhas(session, abertos)
        )

        limite = hoje + timedelta(days=regras.VENCEM_DIAS)
        obrigacoes = queries.obrigacoes_listing(
            ObrigacaoFiltros(ate=limite.isoformat(), situacao=regras.PENDENTE), "data_vencimento", hoje
        ).ordered()
        counts["obrigacoes"] = planilha.aba("Obrigações").tabela(
            [_prazo_obrigacao(hoje), *tabela("obrigacoes")], linhas(session, obrigacoes)
        )

        proximos = contratos.contratos_listing(vigencia="proximos_vencer", dias=contratos.FAIXAS_VIGENCIA[-1])
        a_vencer = em_colunas(Contrato, proximos.ordered())
        counts["contratos"] = planilha.aba("Contratos a vencer").tabela(
            [_faixa_contrato(hoje), *tabela("contratos")], linhas(session, a_vencer)
        )

        counts["responsaveis"] = planilha.aba("Responsáveis").tabela(
            RESPONSAVEIS, carga.responsaveis(session, competencia)["items"]
        )
        counts["gargalos"] = planilha.aba("Gargalos").tabela(
            GARGALOS, carga.gargalos(session, competencia)["items"]
        )
    finally:
        planilha.fechar()
    return counts
