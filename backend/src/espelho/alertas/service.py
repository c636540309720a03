"""The alert run: each linked, opted-in user gets one template message summarising what is new for them.

A fact is recorded in `alertas_enviados` once its message left (or once Meta called the number
undeliverable, which retrying would not change); a failed send leaves it for the next run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from espelho.acessorias import pessoas
from espelho.acessorias.regras import Pessoa
from espelho.alertas import regras
from espelho.alertas.models import AlertaEnviado
from espelho.alertas.schemas import AlertaItem, AlertasResult
from espelho.auth.models import Usuario
from espelho.clock import now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.db import Database, upsert
from espelho.logging_setup import get_logger
from espelho.whatsapp import escopo
from espelho.whatsapp import service as whatsapp
from espelho.whatsapp.models import WhatsAppVinculo, vinculo_valido

log = get_logger(__name__)

CANAL = "whatsapp"
SCOPE = "alertas"


@dataclass(frozen=True)
class Destinatario:
    usuario_id: int
    email: str
    nome: str
    admin: bool
    wa_id: str
    escopo: escopo.Escopo  # whose obligations: the person's (meus) or the office's
    pessoa: Pessoa | None  # the Acessórias person the user is


def destinatarios(session: Session) -> list[Destinatario]:
    """Active users with a phone linked since their last password, role or status change, who did not send
    `parar`."""
    rows = session.execute(
        select(Usuario, WhatsAppVinculo).join(WhatsAppVinculo, WhatsAppVinculo.usuario_id == Usuario.id)
        .where(vinculo_valido(), WhatsAppVinculo.wa_id.is_not(None),
               WhatsAppVinculo.alertas_ativos.is_(True))
        .order_by(Usuario.id))
    return [Destinatario(u.id, u.email, u.nome or u.email, u.role == "ADMIN", v.wa_id, escopo.escopo(u, v),
                         pessoas.pessoa_do_usuario(session, u)) for u, v in rows if v.wa_id is not None]


def ja_enviadas(session: Session, usuario_id: int) -> set[str]:
    """The keys of the facts already told to the user (alerts and immediate notices)."""
    return set(session.scalars(select(AlertaEnviado.chave).where(AlertaEnviado.usuario_id == usuario_id)))


def registrar(database: Database, usuario_id: int, chaves: list[str]) -> None:
    """These facts were told to the user: never again."""
    with database.session() as session:
        rows = [{"usuario_id": usuario_id, "chave": chave, "canal": CANAL, "enviado_em": now_utc()}
                for chave in chaves]
        # A concurrent run that recorded the same facts wins quietly: still never twice.
        upsert(session, AlertaEnviado, rows, index_elements=["usuario_id", "chave"], update_columns=["chave"])


def executar(database: Database, settings: Settings, *, dry_run: bool = False) -> AlertasResult:
    """Compute and (unless `dry_run`) send today's alerts; what happened per user."""
    if not dry_run:
        whatsapp.require_enabled(settings)
    hoje = today_sao_paulo()
    with database.session() as session:
        todos_destinatarios = destinatarios(session)
        # One computation per scope: the office's, or one person's (or, for who is no one, none).
        por_escopo: dict[tuple[bool, Pessoa | None], list[regras.Alerta]] = {}
        planos = []
        for dest in todos_destinatarios:
            chave = (dest.escopo == escopo.ESCRITORIO, dest.pessoa)
            if chave not in por_escopo:
                por_escopo[chave] = regras.alertas_atuais(session, hoje, admin=True, escritorio=chave[0],
                                                          pessoa=dest.pessoa)
            enviadas = ja_enviadas(session, dest.usuario_id)
            novos = [a for a in por_escopo[chave]
                     if a.chave not in enviadas and (dest.admin or a.tipo != "sync")]
            if novos:
                planos.append((dest, novos))
    itens: list[AlertaItem] = []
    enviados = falhas = 0
    for dest, novos in planos:
        item = AlertaItem(usuario_id=dest.usuario_id, email=dest.email, nome=dest.nome, admin=dest.admin,
                          wa_id=dest.wa_id, escopo=dest.escopo,
                          acessorias_usuario=dest.pessoa.nome if dest.pessoa else None, alertas=len(novos),
                          resumo=regras.resumo(novos), chaves=[a.chave for a in novos],
                          descricoes=[a.descricao for a in novos])
        if not dry_run:
            parametros = [whatsapp.uma_linha(dest.nome, 60), item.resumo]
            envio = whatsapp.enviar_template(database, settings, dest.wa_id,
                                             settings.whatsapp_template_alertas, parametros, dest.usuario_id)
            item.enviado, item.mensagem_id, item.erro_codigo = envio.ok, envio.mensagem_id, envio.erro_codigo
            if envio.ok or envio.definitivo:
                registrar(database, dest.usuario_id, [a.chave for a in novos])
            enviados += envio.ok
            falhas += not envio.ok
        itens.append(item)
    log.info("alertas.done", dry_run=dry_run, com_alertas=len(planos), enviados=enviados, falhas=falhas)
    return AlertasResult(dry_run=dry_run, destinatarios=len(todos_destinatarios), com_alertas=len(planos),
                         enviados=enviados, falhas=falhas, alertas=sum(i.alertas for i in itens), itens=itens)
