"""Immediate notices, opt-in per person (`avisos_imediatos` on the linked phone): within minutes of the sync
that saw it, a message when one of the person's processos moves to a new passo or finishes, or one of
their obrigações is delivered or turns late. At most one message per AVISO_INTERVALO per person, grouping
what happened meanwhile; each change is told once (the alerts' `alertas_enviados` log, key
`aviso:<alteração id>`), through the alerts' template.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from espelho.acessorias import pessoas, queries, regras
from espelho.alertas import service as alertas
from espelho.auth.models import Usuario
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database
from espelho.logging_setup import get_logger
from espelho.whatsapp import service as whatsapp
from espelho.whatsapp.models import WhatsAppVinculo, vinculo_valido

log = get_logger(__name__)

SCOPE = "alertas:avisos"
AVISO_INTERVALO = timedelta(minutes=10)
DETALHES = 3  # changes named one by one in a message; the rest are counted


def _chave(novidade: queries.Novidade) -> str:
    return f"aviso:{novidade.id}"


def _o_que(novidade: queries.Novidade) -> str:
    if novidade.tipo == "processo_status":
        aberto = regras.status_aberto(novidade.valor_novo)
        return f"agora {novidade.valor_novo}" if aberto else "concluído"
    return {"passo_concluido": "passo concluído", "obrigacao_entregue": "entregue",
            "obrigacao_atrasada": "atrasada"}[novidade.tipo]


def _conta(novidade: queries.Novidade) -> bool:
    """A status change is news when the processo finished (a move to Suspenso is not)."""
    return novidade.tipo != "processo_status" or not regras.status_aberto(novidade.valor_novo)


def mensagem(novidades: list[queries.Novidade]) -> str:
    """One line for the template's parameter: the first changes named, the rest counted."""
    partes = []
    for n in novidades[:DETALHES]:
        nome = n.processo_titulo if n.tipo in ("passo_concluido", "processo_status") else n.descricao
        empresa = f" ({n.empresa_nome})" if n.empresa_nome else ""
        partes.append(f"{nome or 'sem nome'}{empresa}: {_o_que(n)}")
    resto = len(novidades) - DETALHES
    if resto > 0:
        tipos = Counter(_o_que(n) for n in novidades[DETALHES:])
        partes.append(f"e mais {resto} ({', '.join(f'{k}: {v}' for k, v in sorted(tipos.items()))})")
    return whatsapp.uma_linha("Novidades suas: " + "; ".join(partes), 900)


@dataclass(frozen=True)
class AvisosResult:
    destinatarios: int
    enviados: int
    adiados: int  # people with news who got a notice less than AVISO_INTERVALO ago


def executar(database: Database, settings: Settings) -> AvisosResult:
    """Send each opted-in person their pending news, unless they got a notice less than 10 minutes ago."""
    whatsapp.require_enabled(settings)
    agora = now_utc()
    planos = []
    adiados = 0
    with database.session() as session:
        rows = session.execute(
            select(Usuario, WhatsAppVinculo).join(WhatsAppVinculo, WhatsAppVinculo.usuario_id == Usuario.id)
            .where(vinculo_valido(), WhatsAppVinculo.wa_id.is_not(None),
                   WhatsAppVinculo.alertas_ativos.is_(True), WhatsAppVinculo.avisos_imediatos.is_(True))
            .order_by(Usuario.id)).all()
        for usuario, vinculo in rows:
            pessoa = pessoas.pessoa_do_usuario(session, usuario)
            if pessoa is None or vinculo.wa_id is None:
                continue
            desde = vinculo.avisos_desde or agora
            ja = alertas.ja_enviadas(session, usuario.id)
            novas = [n for n in queries.novidades_da_pessoa(session, pessoa, desde)
                     if _conta(n) and _chave(n) not in ja]
            if not novas:
                continue
            if vinculo.aviso_enviado_em is not None and agora - vinculo.aviso_enviado_em < AVISO_INTERVALO:
                adiados += 1
                continue
            planos.append((usuario.id, usuario.nome or usuario.email, vinculo.wa_id, novas))
    enviados = 0
    for usuario_id, nome, wa_id, novas in planos:
        envio = whatsapp.enviar_template(database, settings, wa_id, settings.whatsapp_template_alertas,
                                         [whatsapp.uma_linha(nome, 60), mensagem(novas)], usuario_id)
        if envio.ok or envio.definitivo:
            alertas.registrar(database, usuario_id, [_chave(n) for n in novas])
            with database.session() as session:
                enviado = whatsapp.vinculo_do_usuario(session, usuario_id)
                if enviado is not None:
                    enviado.aviso_enviado_em = agora
        enviados += envio.ok
    log.info("alertas.avisos", destinatarios=len(rows), enviados=enviados, adiados=adiados)
    return AvisosResult(destinatarios=len(rows), enviados=enviados, adiados=adiados)
