"""The four contract tabs, in one table: what the sync, the reads, the routes and the web app follow.

A tab is added here (with its model, its schemas and a migration); nothing else lists the tabs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from espelho.contratos import schemas
from espelho.contratos.models import ArquivoContrato, Empenho, HistoricoContrato, ItemContrato
from espelho.contratos.upstream import (
    UpstreamAba,
    UpstreamArquivo,
    UpstreamEmpenho,
    UpstreamHistorico,
    UpstreamItem,
)
from espelho.exports.colunas import Coluna, tabela

AbaModel = type[HistoricoContrato] | type[Empenho] | type[ItemContrato] | type[ArquivoContrato]


@dataclass(frozen=True)
class AbaSpec:
    aba: schemas.Aba
    label: str  # pt-BR, as the web app names the tab
    model: AbaModel
    upstream: type[UpstreamAba]
    out: type[schemas.AbaRowOut]
    freshness: str  # the contract's column stamped when the tab was last fetched
    stat_key: str  # the tab's row count in a sync's statistics
    order: tuple[str, ...]  # how its rows are listed (after the contract id): column, "-column" descending
    colunas: tuple[Coluna, ...]  # its export (CSV/XLSX): the columns its web table shows (colunas.toml)

    def order_by(self) -> list[Any]:
        columns = [getattr(self.model, name.lstrip("-")) for name in self.order]
        return [c.desc().nulls_last() if name.startswith("-") else c.asc().nulls_last()
                for c, name in zip(columns, self.order, strict=True)]


ABAS: dict[str, AbaSpec] = {spec.aba: spec for spec in (
    AbaSpec("historico", "Histórico", HistoricoContrato, UpstreamHistorico, schemas.HistoricoOut,
            "historico_atualizado_em", "historicos", ("-data_assinatura", "id"), tabela("aba_historico")),
    AbaSpec("empenhos", "Empenhos", Empenho, UpstreamEmpenho, schemas.EmpenhoOut,
            "empenhos_atualizados_em", "empenhos", ("-data_emissao", "id"), tabela("aba_empenhos")),
    AbaSpec("itens", "Itens", ItemContrato, UpstreamItem, schemas.ItemOut,
            "itens_atualizados_em", "itens", ("numero_item_compra", "id"), tabela("aba_itens")),
    AbaSpec("arquivos", "Arquivos", ArquivoContrato, UpstreamArquivo, schemas.ArquivoOut,
            "arquivos_atualizados_em", "arquivos", ("-id",), tabela("aba_arquivos")),
)}
# The API's `Aba` type is a Literal (a static type for the schemas); it must name exactly these tabs.
assert tuple(ABAS) == get_args(schemas.Aba), "contratos.schemas.Aba and contratos.abas.ABAS disagree"
