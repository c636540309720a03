"""GET /api/v1/regras: the rules of the backend that the web app follows instead of copying them (the
office's rules live in acessorias/regras.py; the contract tabs in contratos/abas.py)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from espelho.acessorias import regras as office
from espelho.acessorias.queries import ANOS_PLAUSIVEIS, PROCESSO_STATUS
from espelho.api import SettingsDep, SlashOptionalRouter
from espelho.clock import today_sao_paulo
from espelho.contratos.abas import ABAS
from espelho.contratos.schemas import Aba

router = SlashOptionalRouter(prefix="/api/v1", tags=["regras"])


class AbaRegra(BaseModel):
    aba: Aba
    label: str
    atualizado_em: str = Field(description="The contract detail field stamped when the tab was fetched")


class SituacaoRegra(BaseModel):
    valor: office.SituacaoFiltro = Field(description="What the obrigações `situacao` filter takes")
    rotulo: str = Field(description="What the web app, the exports and the report call it")


class Regras(BaseModel):
    data: date = Field(description="Today in America/Sao_Paulo: the day every situação refers to")
    competencia_atual: str = Field(description=(
        "MM/YYYY: the competência every page, command and report opens on (the previous month: in month "
        "M+1 the office works on competência M)"))
    obrigacao_situacoes: list[SituacaoRegra] = Field(description=(
        "entregue (a delivery date), dispensada (a Dispensada label, no delivery date: in no total), "
        "atrasada (not delivered, due before today whatever the label), a_vencer, and the filter pendente "
        "(atrasada + a_vencer)"))
    vencem_dias: int = Field(description='The window of "vencem em N dias": due from today to today + N')
    processo_fechado: list[str] = Field(description=(
        "Statuses that close a processo (compared ignoring case and accents); every other one is open"))
    contratos_proximos_vencer_dias: int = Field(description="Default window of the contracts ending soon")
    contrato_abas: list[AbaRegra] = Field(description="A contract's tabs, in order")
    processo_status: list[str] = Field(description="Process statuses the processos filter accepts")
    ano_minimo: int = Field(description="The earliest year a date filter takes (422 before it)")
    ano_maximo: int = Field(description="The latest year a date filter takes (422 after it)")


@router.get("/regras/", response_model=Regras)
def regras(settings: SettingsDep) -> Regras:
    hoje = today_sao_paulo()
    return Regras(
        data=hoje,
        competencia_atual=office.competencia_atual(hoje),
        obrigacao_situacoes=[SituacaoRegra(valor=valor, rotulo=rotulo)  # type: ignore[arg-type]
                             for valor, rotulo in office.ROTULOS.items()],
        vencem_dias=office.VENCEM_DIAS,
        processo_fechado=list(office.PROCESSO_FECHADO),
        contratos_proximos_vencer_dias=settings.contratos_proximos_vencer_dias,
        contrato_abas=[AbaRegra(aba=s.aba, label=s.label, atualizado_em=s.freshness) for s in ABAS.values()],
        processo_status=list(PROCESSO_STATUS),
        ano_minimo=ANOS_PLAUSIVEIS.start,
        ano_maximo=ANOS_PLAUSIVEIS.stop - 1,
    )
