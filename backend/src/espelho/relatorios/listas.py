"""The export of each list: the columns its web table shows (pt-BR headers) and the statement the JSON page
reads, unpaged. A list route answers a `formato` with one call here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from espelho.acessorias import queries
from espelho.acessorias.queries import ObrigacaoFiltros, ProcessoFiltros
from espelho.clock import today_sao_paulo
from espelho.contratos import service as contratos
from espelho.contratos.models import Contrato
from espelho.relatorios.export import Coluna, Formato, Tipo, arquivo, linhas
from espelho.syncs.models import Sincronizacao


def _titulo_processo(row: Mapping[str, Any]) -> Any:
    return row.get("titulo") or row.get("nome")


def _dias_para_vencer(row: Mapping[str, Any]) -> int | None:
    fim = row.get("vigencia_fim")
    return None if fim is None else (fim - today_sao_paulo()).days


PROCESSOS = [
    Coluna("Nº", "proc_id", Tipo.INTEIRO, 10),
    Coluna("Processo", "titulo", largura=40, valor=_titulo_processo),
    Coluna("Departamento", "departamento", largura=14),
    Coluna("Empresa", "empresa_nome", largura=40),
    Coluna("CNPJ/CPF", "empresa_cnpj", largura=18),
    Coluna("Regime tributário", "regime_tributario", largura=24),
    Coluna("Competência", "competencia", largura=12),
    Coluna("Status", "status", largura=16),
    Coluna("Progresso", "porcentagem_conclusao", Tipo.PERCENTUAL, 11),
    Coluna("Passos concluídos", "passos_concluidos", Tipo.INTEIRO, 10),
    Coluna("Total de passos", "total_passos", Tipo.INTEIRO, 10),
    Coluna("Dias corridos", "dias_corridos", Tipo.INTEIRO, 10),
    Coluna("Início", "data_inicio", Tipo.DATA, 12),
    Coluna("Conclusão", "data_conclusao", Tipo.DATA, 12),
]

EMPRESAS = [
    Coluna("Código", "codigo", Tipo.INTEIRO, 10),
    Coluna("Empresa", "nome", largura=40),
    Coluna("Nome fantasia", "fantasia", largura=24),
    Coluna("CNPJ/CPF", "identificador", largura=20),
    Coluna("Regime tributário", "regime_tributario", largura=26),
    Coluna("UF", "uf", largura=5),
    Coluna("Situação", "status", largura=12),
    Coluna("Cliente desde", "cliente_desde", Tipo.DATA, 12),
]

OBRIGACOES = [
    Coluna("Vencimento", "data_vencimento", Tipo.DATA, 12),
    Coluna("Obrigação", "tipo", largura=28),
    Coluna("Departamento", "departamento", largura=14),
    Coluna("Empresa", "empresa_nome", largura=40),
    Coluna("Competência", "competencia", largura=12),
    Coluna("Status", "status", largura=16),
    Coluna("Entrega", "data_entrega", Tipo.DATA, 12),
    Coluna("Prazo legal", "data_atraso", Tipo.DATA, 12),
    Coluna("Responsável", "responsavel", largura=20),
]

CONTRATOS = [
    Coluna("Número", "numero", largura=14),
    Coluna("Tipo", "tipo", largura=14),
    Coluna("UASG", "uasg_codigo", largura=8),
    Coluna("Fornecedor", "fornecedor_nome", largura=40),
    Coluna("CNPJ/CPF do fornecedor", "fornecedor_cnpj_cpf", largura=20),
    Coluna("Objeto", "objeto", largura=60),
    Coluna("Situação", "situacao", largura=12),
    Coluna("Início da vigência", "vigencia_inicio", Tipo.DATA, 12),
    Coluna("Fim da vigência", "vigencia_fim", Tipo.DATA, 12),
    Coluna("Dias para vencer", "dias_para_vencer", Tipo.INTEIRO, 10, valor=_dias_para_vencer),
    Coluna("Valor global", "valor_global", Tipo.DINHEIRO, 18),
    Coluna("Valor acumulado", "valor_acumulado", Tipo.DINHEIRO, 18),
]

ABAS: dict[str, list[Coluna]] = {
    "historico": [
        Coluna("Tipo", "tipo", largura=16),
        Coluna("Número", "numero", largura=14),
        Coluna("Assinatura", "data_assinatura", Tipo.DATA, 12),
        Coluna("Início da vigência", "vigencia_inicio", Tipo.DATA, 12),
        Coluna("Fim da vigência", "vigencia_fim", Tipo.DATA, 12),
        Coluna(
            "Valor global",
            "valor_global",
            Tipo.DINHEIRO,
            18,
            valor=lambda r: r.get("novo_valor_global") or r.get("valor_global"),
        ),
        Coluna(
            "Observação", "observacao", largura=50, valor=lambda r: r.get("observacao") or r.get("objeto")
        ),
    ],
    "empenhos": [
        Coluna("Empenho", "numero", largura=16),
        Coluna("Emissão", "data_emissao", Tipo.DATA, 12),
        Coluna("Credor", "credor_nome", largura=36, valor=lambda r: r.get("credor_nome") or r.get("credor")),
        Coluna("Natureza da despesa", "naturezadespesa", largura=20),
        Coluna("Empenhado", "empenhado", Tipo.DINHEIRO, 16),
        Coluna("Liquidado", "liquidado", Tipo.DINHEIRO, 16),
        Coluna("Pago", "pago", Tipo.DINHEIRO, 16),
    ],
    "itens": [
        Coluna("Item", "numero_item_compra", largura=8),
        Coluna("Tipo", "tipo_id", largura=10),
        Coluna(
            "Descrição",
            "descricao_complementar",
            largura=50,
            valor=lambda r: r.get("descricao_complementar") or r.get("catmatseritem_id"),
        ),
        Coluna("Quantidade", "quantidade", Tipo.DECIMAL, 12),
        Coluna("Valor unitário", "valorunitario", Tipo.DINHEIRO, 16),
        Coluna("Valor total", "valortotal", Tipo.DINHEIRO, 16),
    ],
    "arquivos": [
        Coluna("Tipo", "tipo", largura=20),
        Coluna("Descrição", "descricao", largura=40),
        Coluna("Documento", "sequencial_documento", largura=16),
        Coluna("Arquivo", "path_arquivo", largura=50),
    ],
}

SINCRONIZACOES = [
    Coluna("Início", "iniciada_em", Tipo.DATAHORA, 17),
    Coluna("Fim", "concluida_em", Tipo.DATAHORA, 17),
    Coluna("Origem", "origem", largura=12),
    Coluna("Tipo", "tipo", largura=12),
    Coluna("Escopo", "escopo", largura=14),
    Coluna("Competência", "competencia", largura=12),
    Coluna("Status", "status", largura=12),
    Coluna("Processos", "total_processos", Tipo.INTEIRO, 10),
    Coluna("Novos", "processos_novos", Tipo.INTEIRO, 8),
    Coluna("Atualizados", "processos_atualizados", Tipo.INTEIRO, 10),
    Coluna("Removidos", "processos_removidos", Tipo.INTEIRO, 10),
    Coluna("Chamadas", "api_calls", Tipo.INTEIRO, 10),
    Coluna("Duração (s)", "tempo_execucao", Tipo.DECIMAL, 10),
    Coluna("Erro", "mensagem_erro", largura=50),
]


def processos(
    session: Session, filtros: ProcessoFiltros, ordering: str | None, formato: Formato
) -> FileResponse:
    stmt = queries.processos_select(session, filtros, ordering)
    competencia = queries.parse_competencia(filtros.competencia) if filtros.competencia else None
    return arquivo(
        formato, PROCESSOS, linhas(session, stmt), "processos", competencia, filtros.status, aba="Processos"
    )


def empresas(
    session: Session,
    formato: Formato,
    *,
    regime: str | None,
    ativa: bool | None,
    q: str | None,
    ordering: str | None,
) -> FileResponse:
    stmt = queries.empresas_select(regime=regime, ativa=ativa, q=q, ordering=ordering)
    return arquivo(formato, EMPRESAS, linhas(session, stmt), "empresas", regime, aba="Empresas")


def obrigacoes(
    session: Session, filtros: ObrigacaoFiltros, ordering: str | None, formato: Formato
) -> FileResponse:
    stmt = queries.obrigacoes_select(filtros, ordering)
    competencia = queries.parse_competencia(filtros.competencia) if filtros.competencia else None
    return arquivo(
        formato,
        OBRIGACOES,
        linhas(session, stmt),
        "obrigacoes",
        competencia,
        filtros.status,
        aba="Obrigações",
    )


def contratos_lista(session: Session, formato: Formato, **filtros: Any) -> FileResponse:
    stmt, order = contratos.contratos_select(**filtros)
    columns = [c for c in Contrato.__table__.columns if c.key not in ("raw_json", "links")]
    stmt = stmt.with_only_columns(*columns).order_by(*order)
    partes = (filtros.get("uasg"), filtros.get("vigencia"))
    return arquivo(formato, CONTRATOS, linhas(session, stmt), "contratos", *partes, aba="Contratos")


def contrato_aba(session: Session, aba: str, contrato: int | None, formato: Formato) -> FileResponse:
    stmt, order = contratos.aba_select(session, aba, contrato_id=contrato)
    model = contratos.ABA_MODELS[aba]
    columns = [c for c in model.__table__.columns if c.key != "raw_json"]
    stmt = stmt.with_only_columns(*columns).order_by(*order)
    nome = f"contrato-{contrato}" if contrato else "contratos"
    return arquivo(
        formato,
        ABAS[aba],
        linhas(session, stmt),
        nome,
        aba,
        aba={"historico": "Histórico"}.get(aba, aba.capitalize()),
    )


def sincronizacoes(session: Session, formato: Formato, conditions: list[Any], order: Any) -> FileResponse:
    stmt = select(*Sincronizacao.__table__.columns).where(*conditions).order_by(*order)
    return arquivo(formato, SINCRONIZACOES, linhas(session, stmt), "sincronizacoes", aba="Sincronizações")
