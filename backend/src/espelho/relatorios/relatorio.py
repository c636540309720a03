"""The competência report: one workbook with the dashboard's figures and what needs attention today.

Sheets: Resumo (the dashboard's figures through acessorias/metrics.py — the same cached numbers the
dashboard shows — the change against the previous competência, the previous competência on the same
day of its cycle, and per regime), Processos em aberto (of the competência), Obrigações (pending, overdue
or due in the next 7 days, of any competência), Contratos a vencer (within 90 days, in 30/60/90 bands),
Responsáveis and Gargalos (relatorios/carga.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from espelho.acessorias import metrics, queries
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import Obrigacao, Processo
from espelho.acessorias.queries import CONCLUIDO, EXCLUIDO, ObrigacaoFiltros, ProcessoFiltros
from espelho.clock import now_sao_paulo, today_sao_paulo
from espelho.contratos import service as contratos
from espelho.contratos.models import Contrato
from espelho.exports.colunas import Coluna, tabela
from espelho.exports.files import Planilha, em_colunas, linhas
from espelho.relatorios import carga

JANELA_OBRIGACOES = 7  # days ahead
JANELA_CONTRATOS = 90

_INDICADORES = {
    "total_processos": "Processos",
    "concluidos": "Concluídos",
    "em_andamento": "Em andamento",
    "taxa_conclusao": "Taxa de conclusão (%)",
    "media_conclusao": "Progresso médio (%)",
    "media_dias": "Dias médios até a conclusão",
    "total_empresas": "Empresas",
}

RESUMO = tabela("relatorio_resumo")
REGIMES = tabela("relatorio_regimes")
RESPONSAVEIS = tabela("relatorio_responsaveis")
GARGALOS = tabela("relatorio_gargalos")


def _situacao_obrigacao(hoje: date) -> Coluna:
    def situacao(row: Mapping[str, Any]) -> str:
        dias = (row["data_vencimento"] - hoje).days
        if dias < 0:
            return f"Atrasada há {-dias} dia(s)"
        return "Vence hoje" if dias == 0 else f"Vence em {dias} dia(s)"

    return Coluna("Situação", "situacao", largura=20, valor=situacao)


def _faixa_contrato(hoje: date) -> Coluna:
    def faixa(row: Mapping[str, Any]) -> str:
        dias = (row["vigencia_fim"] - hoje).days
        return "Até 30 dias" if dias <= 30 else "31 a 60 dias" if dias <= 60 else "61 a 90 dias"

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
        resumo.tabela(REGIMES, metrics.dashboard_regimes(session, competencia)["items"])

        abertos = queries.processos_select(session, ProcessoFiltros(competencia=competencia), "nome").where(
            Processo.status.is_distinct_from(CONCLUIDO), Processo.status.is_distinct_from(EXCLUIDO)
        )
        counts["processos"] = planilha.aba("Processos em aberto").tabela(
            tabela("processos"), linhas(session, abertos)
        )

        limite = hoje + timedelta(days=JANELA_OBRIGACOES)
        obrigacoes = queries.obrigacoes_listing(
            ObrigacaoFiltros(ate=limite.isoformat()), "data_vencimento"
        ).ordered().where(Obrigacao.data_entrega.is_(None))
        counts["obrigacoes"] = planilha.aba("Obrigações").tabela(
            [_situacao_obrigacao(hoje), *tabela("obrigacoes")], linhas(session, obrigacoes)
        )

        proximos = contratos.contratos_listing(vigencia="proximos_vencer", dias=JANELA_CONTRATOS)
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
