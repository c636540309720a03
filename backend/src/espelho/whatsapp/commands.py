"""The commands a linked phone can send, and their short replies formatted for a phone (WhatsApp *bold*).

The command word is read case- and accent-insensitively ("Resumo", "ATRASADAS", "sémana"); its argument
is kept as typed (a CNPJ keeps its punctuation). Figures come from the same code as the web app: the
dashboard metrics and GET /api/v1/resumo for `resumo`, the office's rules (acessorias/regras.py) for
`atrasadas`, `semana` and `empresa`, the contract bands for `contratos`; the alerts count the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from espelho.acessorias import fila, metrics, pessoas, queries, regras
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import Processo
from espelho.acessorias.queries import ObrigacaoItem, ProcessoFiltros, fold
from espelho.acessorias.schemas import DashboardMetricas
from espelho.api import PageParams
from espelho.clock import today_sao_paulo
from espelho.contratos import queries as contratos
from espelho.errors import InvalidInput
from espelho.whatsapp import service
from espelho.whatsapp.service import Vinculado

# Lines of a list before "… e mais N": a reply must read on a phone without scrolling forever.
MAX_LINHAS = 10

AJUDA = (
    "*Espelho* — comandos:\n"
    "• *minhas* — minhas obrigações atrasadas, as que vencem na semana e meus processos parados\n"
    "• *resumo* [MM/AAAA] [escritorio] — processos da competência e obrigações de hoje\n"
    "• *empresa* <nome ou CNPJ> — processos abertos e obrigações pendentes\n"
    "• *atrasadas* [escritorio] — obrigações vencidas\n"
    f"• *semana* [escritorio] — obrigações que vencem em até {regras.VENCEM_DIAS} dias\n"
    "• *contratos* — vigências que terminam em 30, 60 e 90 dias\n"
    "• *parar* / *voltar* — desliga ou religa os alertas automáticos\n"
    "Quem está vinculado a uma pessoa do Acessórias recebe *resumo*, *atrasadas* e *semana* só do que é "
    "seu; acrescente *escritorio* para ver o escritório todo."
)
ESCRITORIO = "escritorio"
NAO_VINCULADO = (
    "Este número não está vinculado ao Espelho. No Espelho (web), abra *WhatsApp* → *Vincular meu telefone* "
    "e envie aqui a mensagem *VINCULAR <código>* que aparece lá."
)
CODIGO_INVALIDO = "Código inválido ou expirado. Gere um novo no Espelho (web), na página *WhatsApp*."
NAO_ENTENDI = "Não entendi. Envie *ajuda* para ver os comandos."


@dataclass(frozen=True)
class Resposta:
    texto: str | None  # None: no reply (the send budget the alerts share is not spent on it)
    usuario_id: int | None


# Linking-code guesses: at most this many wrong codes per number per window; past it, codes are not checked
# and not answered. An unlinked number is told how to link once per day, then not answered.
MAX_CODIGOS_ERRADOS = 5
JANELA_CODIGOS = timedelta(minutes=15)
JANELA_NAO_VINCULADO = timedelta(days=1)


def _numero(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _lista(linhas: list[str], total: int) -> str:
    extra = total - len(linhas)
    return "\n".join(linhas + ([f"… e mais {extra}."] if extra > 0 else []))


def _obrigacao(o: ObrigacaoItem, com_empresa: bool = True) -> str:
    prazo = f"{o.vencimento:%d/%m}" if o.vencimento else "sem prazo"
    return f"• {prazo} {service.nome(o.tipo)}" + (f" — {service.nome(o.empresa)}" if com_empresa else "")


def responder(session: Session, wa_id: str, texto: str | None, nome_perfil: str | None) -> Resposta:
    """The reply to one inbound message (only flushes: linking and parar/voltar write)."""
    partes = (texto or "").strip().split(maxsplit=1)
    comando = fold(partes[0]) if partes else ""
    argumento = partes[1].strip() if len(partes) > 1 else ""
    if comando == "vincular":
        if service.respostas_recentes(session, wa_id, CODIGO_INVALIDO, JANELA_CODIGOS) >= MAX_CODIGOS_ERRADOS:
            return Resposta(None, None)
        usuario = service.vincular_por_codigo(session, argumento, wa_id, nome_perfil) if argumento else None
        if usuario is None:
            return Resposta(CODIGO_INVALIDO, None)
        quem = service.nome(usuario.nome or usuario.email)
        return Resposta(f"Olá, {quem}! Este número agora está vinculado ao Espelho. "
                        "Envie *ajuda* para ver os comandos.", usuario.id)
    vinculado = service.usuario_do_numero(session, wa_id)
    if vinculado is None:
        if service.respostas_recentes(session, wa_id, NAO_VINCULADO, JANELA_NAO_VINCULADO):
            return Resposta(None, None)
        return Resposta(NAO_VINCULADO, None)
    handler = _COMANDOS.get(comando)
    texto_resposta = handler(session, vinculado, argumento) if handler else NAO_ENTENDI
    return Resposta(texto_resposta, vinculado.usuario.id)


def _ajuda(_s: Session, _v: Vinculado, _a: str) -> str:
    return AJUDA


def _escopo(session: Session, v: Vinculado, argumento: str) -> tuple[regras.Pessoa | None, str]:
    """Whose figures: the user's person unless the argument says `escritorio` (or there is none); and the
    argument without that word."""
    palavras = argumento.split()
    escritorio = [p for p in palavras if fold(p) == ESCRITORIO]
    resto = " ".join(p for p in palavras if fold(p) != ESCRITORIO)
    return (None if escritorio else pessoas.pessoa_do_usuario(session, v.usuario)), resto


def _resumo(session: Session, v: Vinculado, argumento: str) -> str:
    hoje = today_sao_paulo()
    pessoa, argumento = _escopo(session, v, argumento)
    try:
        competencia = Competencia.parse(argumento) if argumento else regras.competencia_atual(hoje)
    except InvalidInput:
        return "Competência inválida. Use *resumo MM/AAAA*, por exemplo *resumo 05/2026*."
    if pessoa is not None:
        return _resumo_da_pessoa(session, pessoa, competencia, hoje)
    figures = DashboardMetricas.model_validate(metrics.dashboard_metricas(session, competencia))
    obrigacoes = queries.resumo(session, hoje)["obrigacoes"]
    return (f"*Resumo {competencia}*\n"
            f"Processos: {figures.total_processos}\n"
            f"Concluídos: {figures.concluidos}\n"
            f"Abertos: {figures.abertos}\n"
            f"Taxa de conclusão: {_numero(figures.taxa_conclusao)}%\n"
            f"*Obrigações hoje*\n"
            f"Atrasadas: {obrigacoes['atrasadas']}\n"
            f"Vencem em até {regras.VENCEM_DIAS} dias: {obrigacoes['vencem_7_dias']}")


def _conta_processos(session: Session, filtros: ProcessoFiltros) -> int:
    return session.scalar(select(func.count()).select_from(Processo)
                          .where(*queries.processos_conditions(session, filtros))) or 0


def _resumo_da_pessoa(session: Session, pessoa: regras.Pessoa, competencia: Competencia, hoje: date) -> str:
    """`resumo` for a user tied to a person: their processos of the competência, their obrigações today."""
    total = _conta_processos(session, ProcessoFiltros(competencia=competencia, responsavel=pessoa))
    abertos = _conta_processos(session, ProcessoFiltros(competencia=competencia, responsavel=pessoa,
                                                        aberto=True))
    obrigacoes = queries.resumo(session, hoje, pessoa)["obrigacoes"]
    return (f"*Resumo {competencia} — {pessoa.nome}*\n"
            f"Meus processos: {total}\n"
            f"Abertos: {abertos}\n"
            f"*Minhas obrigações hoje*\n"
            f"Atrasadas: {obrigacoes['atrasadas']}\n"
            f"Vencem em até {regras.VENCEM_DIAS} dias: {obrigacoes['vencem_7_dias']}\n"
            "Envie *resumo escritorio* para ver o escritório todo.")


def _minhas(session: Session, v: Vinculado, _a: str) -> str:
    """The user's own queue: what GET /api/v1/fila and "Minha fila" show."""
    pessoa = pessoas.pessoa_do_usuario(session, v.usuario)
    if pessoa is None:
        return pessoas.SEM_VINCULO
    hoje = today_sao_paulo()
    fila_ = fila.fila(session, pessoa, hoje, MAX_LINHAS)
    partes = [f"*Minhas pendências — {pessoa.nome}*"]
    for titulo, parte in (("Atrasadas", "atrasadas"), (f"Vencem em até {regras.VENCEM_DIAS} dias", "vencem")):
        total = fila_[parte]["total"]
        itens = [ObrigacaoItem(**i) for i in fila_[parte]["items"]]
        partes.append(f"*{titulo}: {total}*")
        if itens:
            partes.append(_lista([_obrigacao(o) for o in itens], total))
    processos = fila_["processos"]
    partes.append(f"*Processos abertos: {processos['total']}* (os mais parados primeiro)")
    linhas = [f"• {p['titulo']} — {p['passo'] or 'sem passo pendente'}, parado há {p['dias_parado']} dias"
              for p in processos["items"]]
    if linhas:
        partes.append(_lista(linhas, processos["total"]))
    return "\n".join(partes)


def _empresa(session: Session, _v: Vinculado, argumento: str) -> str:
    if not argumento:
        return "Envie *empresa <nome ou CNPJ>*, por exemplo *empresa padaria*."
    found = queries.empresas_listing(regime=None, ativa=None, q=argumento, ordering="nome").page(
        session, PageParams(page=1, page_size=5))
    empresas, total = found.items, found.total
    if not empresas:
        return f"Nenhuma empresa encontrada para “{service.nome(argumento)}”."
    if total > 1:
        nomes = [f"• {service.nome(e.nome)}" + (f" — {e.cnpj}" if e.cnpj else "") for e in empresas]
        return (f"{total} empresas encontradas:\n{_lista(nomes, total)}\n"
                "Envie *empresa <CNPJ>* para escolher uma.")
    empresa = empresas[0]
    hoje = today_sao_paulo()
    abertos = list(session.execute(
        select(Processo.nome, Processo.titulo, Processo.porcentagem_conclusao)
        .where(Processo.empresa_id == empresa.id, Processo.removido_em.is_(None), regras.processo_aberto())
        .order_by(Processo.data_inicio.desc(), Processo.id.desc())))
    linhas = [f"• {service.nome(titulo or nome)} — {_numero(float(pct or 0))}%"
              for nome, titulo, pct in abertos[:MAX_LINHAS]]
    partes = [f"*{service.nome(empresa.nome)}*" + (f" ({empresa.cnpj})" if empresa.cnpj else ""),
              f"Processos abertos: {len(abertos)}", *([_lista(linhas, len(abertos))] if abertos else [])]
    for titulo, condicao in (("Obrigações atrasadas", regras.atrasada(hoje)),
                             ("Obrigações a vencer", regras.a_vencer(hoje))):
        itens, total = queries.obrigacoes_onde(session, condicao, hoje, empresa_id=empresa.id,
                                               limite=MAX_LINHAS)
        partes.append(f"{titulo}: {total}")
        if itens:
            partes.append(_lista([_obrigacao(o, False) for o in itens], total))
    return "\n".join(partes)


def _obrigacoes(itens: list[ObrigacaoItem], total: int, nenhuma: str, titulo: str) -> str:
    """A listing reply: `nenhuma` when empty, else `titulo` (its `{n}` the count) over the list."""
    if not total:
        return nenhuma
    return f"*{titulo.format(n=total)}*\n" + _lista([_obrigacao(o) for o in itens], total)


def _obrigacoes_de(session: Session, v: Vinculado, argumento: str,
                   regra: Callable[[date], ColumnElement[bool]]) -> tuple[list[ObrigacaoItem], int, str]:
    """The obligations meeting `regra` today: the user's (see `_escopo`), or the office's; and whose."""
    hoje = today_sao_paulo()
    pessoa, _ = _escopo(session, v, argumento)
    itens, total = queries.obrigacoes_onde(session, regra(hoje), hoje, limite=MAX_LINHAS, pessoa=pessoa)
    return itens, total, f" — {pessoa.nome}" if pessoa is not None else ""


def _atrasadas(session: Session, v: Vinculado, argumento: str) -> str:
    itens, total, de_quem = _obrigacoes_de(session, v, argumento, regras.atrasada)
    titulo = "1 obrigação atrasada" if total == 1 else "{n} obrigações atrasadas"
    return _obrigacoes(itens, total, "Nenhuma obrigação atrasada. 👍", titulo + de_quem)


def _semana(session: Session, v: Vinculado, argumento: str) -> str:
    itens, total, de_quem = _obrigacoes_de(session, v, argumento, regras.vencem_em)
    vencem = "1 obrigação vence" if total == 1 else "{n} obrigações vencem"
    prazo = f"em até {regras.VENCEM_DIAS} dias"
    nenhuma = f"Nenhuma obrigação pendente vence {prazo}."
    return _obrigacoes(itens, total, nenhuma, f"{vencem} {prazo}{de_quem}")


def _contratos(session: Session, _v: Vinculado, _a: str) -> str:
    hoje = today_sao_paulo()
    a_vencer, total = contratos.contratos_a_vencer(session)
    if not total:
        return "Nenhum contrato termina nos próximos 90 dias."
    por_faixa = dict.fromkeys(contratos.FAIXAS_VIGENCIA, 0)
    for c in a_vencer:
        if c.vigencia_fim is not None and (banda := contratos.faixa_vigencia((c.vigencia_fim - hoje).days)):
            por_faixa[banda] += 1
    linhas = [f"• {c.vigencia_fim:%d/%m/%Y} — {service.nome(c.numero or c.id)} "
              f"{service.nome(c.fornecedor_nome)}".rstrip() for c in a_vencer[:MAX_LINHAS]]
    faixas = [f"{contratos.rotulo_faixa(banda).capitalize()}: {n}" for banda, n in por_faixa.items()]
    return "\n".join(["*Contratos a vencer*", *faixas, _lista(linhas, total)])


def _parar(session: Session, v: Vinculado, _a: str) -> str:
    service.definir_alertas(session, v.usuario.id, False)
    return "Alertas automáticos desligados. Envie *voltar* para religar."


def _voltar(session: Session, v: Vinculado, _a: str) -> str:
    service.definir_alertas(session, v.usuario.id, True)
    return "Alertas automáticos religados. Envie *parar* para desligar."


_COMANDOS: dict[str, Callable[[Session, Vinculado, str], str]] = {
    "ajuda": _ajuda, "menu": _ajuda, "oi": _ajuda, "ola": _ajuda,
    "minhas": _minhas, "meus": _minhas, "resumo": _resumo, "empresa": _empresa, "atrasadas": _atrasadas,
    "semana": _semana,
    "contratos": _contratos, "parar": _parar, "voltar": _voltar,
}
