"""The commands a linked phone can send, and their short replies formatted for a phone (WhatsApp *bold*).

The command word is read case- and accent-insensitively ("Resumo", "ATRASADAS", "sémana"); its argument
is kept as typed (a CNPJ keeps its punctuation). Figures come from the same code as the web app: the
dashboard metrics for `resumo`, the alert rules for `atrasadas`, `semana` and `contratos`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from espelho.acessorias import metrics, queries
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import Processo
from espelho.acessorias.queries import CONCLUIDO, EXCLUIDO, fold
from espelho.acessorias.responses import DashboardMetricas
from espelho.alertas import regras
from espelho.api import PageParams
from espelho.clock import today_sao_paulo
from espelho.errors import InvalidInput
from espelho.whatsapp import service
from espelho.whatsapp.service import Vinculado

# Lines of a list before "… e mais N": a reply must read on a phone without scrolling forever.
MAX_LINHAS = 10
_FECHADOS = (CONCLUIDO, EXCLUIDO, "Desistência")

AJUDA = (
    "*Espelho* — comandos:\n"
    "• *resumo* [MM/AAAA] — processos da competência\n"
    "• *empresa* <nome ou CNPJ> — processos abertos e obrigações pendentes\n"
    "• *atrasadas* — obrigações vencidas\n"
    "• *semana* — obrigações que vencem nos próximos 7 dias\n"
    "• *contratos* — vigências que terminam em 30, 60 e 90 dias\n"
    "• *parar* / *voltar* — desliga ou religa os alertas automáticos"
)
NAO_VINCULADO = (
    "Este número não está vinculado ao Espelho. No Espelho (web), abra *WhatsApp* → *Vincular meu telefone* "
    "e envie aqui a mensagem *VINCULAR <código>* que aparece lá."
)
CODIGO_INVALIDO = "Código inválido ou expirado. Gere um novo no Espelho (web), na página *WhatsApp*."
NAO_ENTENDI = "Não entendi. Envie *ajuda* para ver os comandos."


@dataclass(frozen=True)
class Resposta:
    texto: str
    usuario_id: int | None


def _numero(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _lista(linhas: list[str], total: int) -> str:
    extra = total - len(linhas)
    return "\n".join(linhas + ([f"… e mais {extra}."] if extra > 0 else []))


def _obrigacao(o: regras.ObrigacaoPendente, com_empresa: bool = True) -> str:
    return f"• {o.vencimento:%d/%m} {o.tipo}" + (f" — {o.empresa}" if com_empresa else "")


def responder(session: Session, wa_id: str, texto: str | None, nome_perfil: str | None) -> Resposta:
    """The reply to one inbound message (only flushes: linking and parar/voltar write)."""
    partes = (texto or "").strip().split(maxsplit=1)
    comando = fold(partes[0]) if partes else ""
    argumento = partes[1].strip() if len(partes) > 1 else ""
    if comando == "vincular":
        usuario = service.vincular_por_codigo(session, argumento, wa_id, nome_perfil) if argumento else None
        if usuario is None:
            return Resposta(CODIGO_INVALIDO, None)
        return Resposta(f"Olá, {usuario.nome or usuario.email}! Este número agora está vinculado ao Espelho. "
                        "Envie *ajuda* para ver os comandos.", usuario.id)
    vinculado = service.usuario_do_numero(session, wa_id)
    if vinculado is None:
        return Resposta(NAO_VINCULADO, None)
    handler = _COMANDOS.get(comando)
    texto_resposta = handler(session, vinculado, argumento) if handler else NAO_ENTENDI
    return Resposta(texto_resposta, vinculado.usuario.id)


def _ajuda(_s: Session, _v: Vinculado, _a: str) -> str:
    return AJUDA


def _resumo(session: Session, _v: Vinculado, argumento: str) -> str:
    hoje = today_sao_paulo()
    try:
        competencia = Competencia.parse(argumento) if argumento else Competencia.of(hoje.month, hoje.year)
    except InvalidInput:
        return "Competência inválida. Use *resumo MM/AAAA*, por exemplo *resumo 05/2026*."
    figures = DashboardMetricas.model_validate(metrics.dashboard_metricas(session, competencia))
    return (f"*Resumo {competencia}*\n"
            f"Processos: {figures.total_processos}\n"
            f"Concluídos: {figures.concluidos}\n"
            f"Em andamento: {figures.em_andamento}\n"
            f"Taxa de conclusão: {_numero(figures.taxa_conclusao)}%")


def _empresa(session: Session, _v: Vinculado, argumento: str) -> str:
    if not argumento:
        return "Envie *empresa <nome ou CNPJ>*, por exemplo *empresa padaria*."
    found = queries.empresas_listing(regime=None, ativa=None, q=argumento, ordering="nome").page(
        session, PageParams(page=1, page_size=5))
    empresas, total = found.items, found.total
    if not empresas:
        return f"Nenhuma empresa encontrada para “{argumento}”."
    if total > 1:
        nomes = [f"• {e.nome}" + (f" — {e.cnpj}" if e.cnpj else "") for e in empresas]
        return (f"{total} empresas encontradas:\n{_lista(nomes, total)}\n"
                "Envie *empresa <CNPJ>* para escolher uma.")
    empresa = empresas[0]
    abertos = list(session.execute(
        select(Processo.nome, Processo.titulo, Processo.porcentagem_conclusao)
        .where(Processo.empresa_id == empresa.id, Processo.removido_em.is_(None),
               Processo.status.not_in(_FECHADOS))
        .order_by(Processo.data_inicio.desc(), Processo.id.desc())))
    linhas = [f"• {titulo or nome} — {_numero(float(pct or 0))}%"
              for nome, titulo, pct in abertos[:MAX_LINHAS]]
    pendentes, n_pendentes = regras.obrigacoes_pendentes(session, empresa_id=empresa.id, limite=MAX_LINHAS)
    return "\n".join([
        f"*{empresa.nome}*" + (f" ({empresa.cnpj})" if empresa.cnpj else ""),
        f"Processos abertos: {len(abertos)}",
        *([_lista(linhas, len(abertos))] if abertos else []),
        f"Obrigações pendentes: {n_pendentes}",
        *([_lista([_obrigacao(o, False) for o in pendentes], n_pendentes)] if pendentes else []),
    ])


def _obrigacoes(itens: list[regras.ObrigacaoPendente], total: int, nenhuma: str, titulo: str) -> str:
    """A listing reply: `nenhuma` when empty, else `titulo` (its `{n}` the count) over the list."""
    if not total:
        return nenhuma
    return f"*{titulo.format(n=total)}*\n" + _lista([_obrigacao(o) for o in itens], total)


def _atrasadas(session: Session, _v: Vinculado, _a: str) -> str:
    itens, total = regras.atrasadas(session, today_sao_paulo(), MAX_LINHAS)
    return _obrigacoes(itens, total, "Nenhuma obrigação atrasada. 👍",
                       "1 obrigação atrasada" if total == 1 else "{n} obrigações atrasadas")


def _semana(session: Session, _v: Vinculado, _a: str) -> str:
    itens, total = regras.a_vencer(session, today_sao_paulo(), 7, MAX_LINHAS)
    vencem = "1 obrigação vence" if total == 1 else "{n} obrigações vencem"
    return _obrigacoes(itens, total, "Nenhuma obrigação pendente vence nos próximos 7 dias.",
                       f"{vencem} nos próximos 7 dias")


def _contratos(session: Session, _v: Vinculado, _a: str) -> str:
    hoje = today_sao_paulo()
    contratos, total = regras.contratos_a_vencer(session, hoje)
    if not total:
        return "Nenhum contrato termina nos próximos 90 dias."
    por_faixa = dict.fromkeys(regras.FAIXAS_CONTRATO, 0)
    for c in contratos:
        if c.vigencia_fim is not None and (banda := regras.faixa((c.vigencia_fim - hoje).days,
                                                                 regras.FAIXAS_CONTRATO)):
            por_faixa[banda] += 1
    linhas = [f"• {c.vigencia_fim:%d/%m/%Y} — {c.numero or c.id} {c.fornecedor_nome or ''}".rstrip()
              for c in contratos[:MAX_LINHAS]]
    return ("*Contratos a vencer*\n"
            f"Até 30 dias: {por_faixa[30]}\n31 a 60 dias: {por_faixa[60]}\n61 a 90 dias: {por_faixa[90]}\n"
            + _lista(linhas, total))


def _parar(session: Session, v: Vinculado, _a: str) -> str:
    service.definir_alertas(session, v.usuario.id, False)
    return "Alertas automáticos desligados. Envie *voltar* para religar."


def _voltar(session: Session, v: Vinculado, _a: str) -> str:
    service.definir_alertas(session, v.usuario.id, True)
    return "Alertas automáticos religados. Envie *parar* para desligar."


_COMANDOS: dict[str, Callable[[Session, Vinculado, str], str]] = {
    "ajuda": _ajuda, "menu": _ajuda, "oi": _ajuda, "ola": _ajuda,
    "resumo": _resumo, "empresa": _empresa, "atrasadas": _atrasadas, "semana": _semana,
    "contratos": _contratos, "parar": _parar, "voltar": _voltar,
}
