"""The four contract tabs, in one table: what the sync, the reads, the routes and the web app follow.

A tab is added here (with its model, its schemas and a migration); nothing else lists the tabs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from espelho.contratos import schemas
from espelho.contratos.models import ArquivoContrato, Empenho, HistoricoContrato, ItemContrato

AbaModel = type[HistoricoContrato] | type[Empenho] | type[ItemContrato] | type[ArquivoContrato]


@dataclass(frozen=True)
class AbaSpec:
    aba: schemas.Aba
    label: str  # pt-BR, as the web app names the tab
    model: AbaModel
    upstream: type[schemas.UpstreamAba]
    out: type[schemas.AbaRowOut]
    freshness: str  # the contract's column stamped when the tab was last fetched
    stat_key: str  # the tab's row count in a sync's statistics
    order: Callable[[], list[Any]]  # how its rows are listed (after the contract id)


ABAS: dict[str, AbaSpec] = {
    spec.aba: spec
    for spec in (
        AbaSpec(
            "historico", "Histórico", HistoricoContrato, schemas.UpstreamHistorico, schemas.HistoricoOut,
            "historico_atualizado_em", "historicos",
            lambda: [HistoricoContrato.data_assinatura.desc().nulls_last(), HistoricoContrato.id],
        ),
        AbaSpec(
            "empenhos", "Empenhos", Empenho, schemas.UpstreamEmpenho, schemas.EmpenhoOut,
            "empenhos_atualizados_em", "empenhos",
            lambda: [Empenho.data_emissao.desc().nulls_last(), Empenho.id],
        ),
        AbaSpec(
            "itens", "Itens", ItemContrato, schemas.UpstreamItem, schemas.ItemOut,
            "itens_atualizados_em", "itens",
            lambda: [ItemContrato.numero_item_compra.asc().nulls_last(), ItemContrato.id],
        ),
        AbaSpec(
            "arquivos", "Arquivos", ArquivoContrato, schemas.UpstreamArquivo, schemas.ArquivoOut,
            "arquivos_atualizados_em", "arquivos",
            lambda: [ArquivoContrato.id.desc()],
        ),
    )
}
# The API's `Aba` type is a Literal (a static type for the schemas); it must name exactly these tabs.
assert tuple(ABAS) == get_args(schemas.Aba), "contratos.schemas.Aba and contratos.abas.ABAS disagree"
