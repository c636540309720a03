"""GET /api/v1/regras: rules of the backend that the web app follows instead of copying them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from espelho.acessorias.queries import PROCESSO_STATUS
from espelho.api import SettingsDep, SlashOptionalRouter
from espelho.contratos.abas import ABAS
from espelho.contratos.schemas import Aba

router = SlashOptionalRouter(prefix="/api/v1", tags=["regras"])


class AbaRegra(BaseModel):
    aba: Aba
    label: str
    atualizado_em: str = Field(description="The contract detail field stamped when the tab was fetched")


class Regras(BaseModel):
    contratos_proximos_vencer_dias: int = Field(description="Default window of the contracts ending soon")
    contrato_abas: list[AbaRegra] = Field(description="A contract's tabs, in order")
    processo_status: list[str] = Field(description="Process statuses the processos filter accepts")


@router.get("/regras/", response_model=Regras)
def regras(settings: SettingsDep) -> Regras:
    return Regras(
        contratos_proximos_vencer_dias=settings.contratos_proximos_vencer_dias,
        contrato_abas=[AbaRegra(aba=s.aba, label=s.label, atualizado_em=s.freshness) for s in ABAS.values()],
        processo_status=list(PROCESSO_STATUS),
    )
