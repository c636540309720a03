"""WhatsApp logic: linking a phone to a user, recording webhook events, sending and logging messages.

Functions taking a `Session` only flush (the request or the job owns the transaction). Sending takes the
`Database`: the HTTP call to Meta happens between two short transactions, never inside one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from espelho.api import PageParams, PageRows, paginate
from espelho.auth.models import Usuario
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database, upsert
from espelho.errors import Forbidden, GraphRejected, Unauthorized, UpstreamError, WhatsAppDisabled
from espelho.logging_setup import get_logger
from espelho.observability import observe_whatsapp_message
from espelho.whatsapp.client import FORA_DA_JANELA, INDELIVERAVEL, get_client, template_payload, text_payload
from espelho.whatsapp.models import WhatsAppMensagem, WhatsAppStatus, WhatsAppVinculo, vinculo_valido
from espelho.whatsapp.schemas import UpstreamMessage, UpstreamStatus, UpstreamWebhook

log = get_logger(__name__)

ENTRADA, SAIDA = "ENTRADA", "SAIDA"
RECEBIDA, ACEITA, FALHOU = "received", "accepted", "failed"
# Callbacks arrive out of order: a message only moves forward; `failed` is final.
_STATUS_RANK = {RECEBIDA: 0, ACEITA: 0, "sent": 1, "delivered": 2, "read": 3, FALHOU: 4}
# Without look-alikes (0/O, 1/I/L), so a code read off a screen is typed right.
_CODIGO_ALFABETO = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODIGO_TAMANHO = 8


def require_enabled(settings: Settings) -> None:
    if not settings.whatsapp_enabled:
        raise WhatsAppDisabled(
            "WhatsApp is not configured: set ESPELHO_WHATSAPP_GRAPH_URL, _PHONE_NUMBER_ID, "
            "_ACCESS_TOKEN, _APP_SECRET and _VERIFY_TOKEN")


# ---------------------------------------------------------------------------------------------- webhook auth

def check_signature(settings: Settings, raw_body: bytes, header: str | None) -> None:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`."""
    if not header:
        raise Unauthorized("missing X-Hub-Signature-256")
    secret = settings.whatsapp_app_secret.get_secret_value().encode() if settings.whatsapp_app_secret else b""
    expected = "sha256=" + hmac.new(secret, raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise Forbidden("invalid X-Hub-Signature-256")


def check_verify_token(settings: Settings, token: str | None) -> bool:
    expected = settings.whatsapp_verify_token.get_secret_value() if settings.whatsapp_verify_token else ""
    return bool(token) and hmac.compare_digest(expected.encode(), (token or "").encode())


# ---------------------------------------------------------------------------------------------- numbers

def numero_variantes(wa_id: str) -> list[str]:
    """A Brazilian mobile with and without the ninth digit (55 + DDD + 9XXXXXXXX): Meta may report either."""
    digits = re.sub(r"\D", "", wa_id)
    found = [digits]
    if digits.startswith("55") and len(digits) == 13 and digits[4] == "9":
        found.append(digits[:4] + digits[5:])
    elif digits.startswith("55") and len(digits) == 12 and digits[4] in "6789":
        found.append(digits[:4] + "9" + digits[4:])
    return found


# ---------------------------------------------------------------------------------------------- linking

@dataclass(frozen=True)
class Vinculado:
    usuario: Usuario
    vinculo: WhatsAppVinculo


def vinculo_do_usuario(session: Session, usuario_id: int) -> WhatsAppVinculo | None:
    """The user's link row; a phone linked before their last password, role or status change is dropped
    from it here (it answers for them no more: usuario_do_numero), so the user sees it is to be linked
    again."""
    vinculo = session.scalar(select(WhatsAppVinculo).where(WhatsAppVinculo.usuario_id == usuario_id))
    if vinculo is not None and vinculo.wa_id is not None:
        versao = session.scalar(select(Usuario.token_version).where(Usuario.id == usuario_id))
        if versao != vinculo.token_version:
            vinculo.wa_id = vinculo.vinculado_em = vinculo.nome_perfil = None
            session.flush()
    return vinculo


def _vinculo_ou_novo(session: Session, usuario_id: int) -> WhatsAppVinculo:
    vinculo = vinculo_do_usuario(session, usuario_id)
    if vinculo is None:
        vinculo = WhatsAppVinculo(usuario_id=usuario_id, alertas_ativos=True, criado_em=now_utc())
        session.add(vinculo)
    return vinculo


def novo_codigo(session: Session, settings: Settings, usuario_id: int) -> WhatsAppVinculo:
    """A fresh linking code for the user (replacing any pending one); an existing link stays until used."""
    vinculo = _vinculo_ou_novo(session, usuario_id)
    vinculo.codigo = "".join(secrets.choice(_CODIGO_ALFABETO) for _ in range(_CODIGO_TAMANHO))
    vinculo.codigo_expira_em = now_utc() + timedelta(minutes=settings.whatsapp_codigo_minutos)
    session.flush()
    return vinculo


def link_para_codigo(settings: Settings, codigo: str) -> str | None:
    """The wa.me link that sends the code to the business number; None while the number is unknown."""
    numero = numero_do_negocio(settings)
    return f"https://wa.me/{numero}?text=VINCULAR%20{codigo}" if numero else None


_numeros: dict[tuple[str, str | None], str] = {}


def numero_do_negocio(settings: Settings) -> str | None:
    """The business number in digits: ESPELHO_WHATSAPP_BUSINESS_NUMBER, else what the Graph API shows for
    the phone number id (asked once per process; asked again after a failure)."""
    if settings.whatsapp_business_number:
        return re.sub(r"\D", "", settings.whatsapp_business_number) or None
    key = (settings.whatsapp_graph_url, settings.whatsapp_phone_number_id)
    if key not in _numeros:
        try:
            _numeros[key] = re.sub(r"\D", "", get_client(settings).display_phone_number())
        except UpstreamError as exc:
            log.warning("whatsapp.business_number_unknown", error=str(exc))
            return None
    return _numeros[key] or None


def remover_vinculo(session: Session, usuario_id: int) -> None:
    """Unlink the user's phone (and drop a pending code): the user themself, or an ADMIN for anyone."""
    vinculo = vinculo_do_usuario(session, usuario_id)
    if vinculo is not None:
        session.delete(vinculo)
        session.flush()


def definir_alertas(session: Session, usuario_id: int, ativos: bool) -> WhatsAppVinculo:
    vinculo = _vinculo_ou_novo(session, usuario_id)
    vinculo.alertas_ativos = ativos
    session.flush()
    return vinculo


def definir_avisos(session: Session, usuario_id: int, ligados: bool) -> WhatsAppVinculo:
    """Immediate notices on or off; turned on, they tell what changes from now on."""
    vinculo = _vinculo_ou_novo(session, usuario_id)
    if ligados and not vinculo.avisos_imediatos:
        vinculo.avisos_desde = now_utc()
    vinculo.avisos_imediatos = ligados
    session.flush()
    return vinculo


def definir_escopo(session: Session, usuario_id: int, escopo: str) -> WhatsAppVinculo:
    """Whose alerts the user gets (whatsapp/escopo.py says who may choose what)."""
    vinculo = _vinculo_ou_novo(session, usuario_id)
    vinculo.alertas_escopo = escopo
    session.flush()
    return vinculo


def vincular_por_codigo(session: Session, codigo: str, wa_id: str, nome_perfil: str | None) -> Usuario | None:
    """Link `wa_id` to the user whose unexpired code this is; None for an unknown or expired code.
    The number leaves any other user it was linked to (the code proves who, the phone proves where)."""
    vinculo = session.scalar(select(WhatsAppVinculo).where(
        WhatsAppVinculo.codigo == codigo.strip().upper(), WhatsAppVinculo.codigo_expira_em > now_utc()))
    if vinculo is None:
        return None
    usuario = session.get(Usuario, vinculo.usuario_id)
    if usuario is None or not usuario.ativo:
        return None
    session.execute(update(WhatsAppVinculo).where(
        WhatsAppVinculo.wa_id.in_(numero_variantes(wa_id)), WhatsAppVinculo.id != vinculo.id,
    ).values(wa_id=None, vinculado_em=None))
    vinculo.wa_id = wa_id
    vinculo.nome_perfil = nome_perfil
    vinculo.vinculado_em = now_utc()
    vinculo.token_version = usuario.token_version
    vinculo.codigo = vinculo.codigo_expira_em = None
    session.flush()
    return usuario


def respostas_recentes(session: Session, wa_id: str, texto: str, janela: timedelta) -> int:
    """How many times `texto` was sent to this number (either form) within `janela` (the message log)."""
    return int(session.scalar(select(func.count()).select_from(WhatsAppMensagem).where(
        WhatsAppMensagem.direcao == SAIDA, WhatsAppMensagem.wa_id.in_(numero_variantes(wa_id)),
        WhatsAppMensagem.texto == texto, WhatsAppMensagem.criada_em >= now_utc() - janela)) or 0)


def usuario_do_numero(session: Session, wa_id: str) -> Vinculado | None:
    """The active user linked to this number (with or without the ninth digit), linked since their last
    password, role or status change."""
    row = session.execute(
        select(Usuario, WhatsAppVinculo).join(WhatsAppVinculo, WhatsAppVinculo.usuario_id == Usuario.id)
        .where(WhatsAppVinculo.wa_id.in_(numero_variantes(wa_id)), vinculo_valido())).first()
    return Vinculado(row[0], row[1]) if row else None


# ---------------------------------------------------------------------------------------------- inbound

def _quando(timestamp: str | None) -> datetime:
    try:
        return datetime.fromtimestamp(int(timestamp or ""), UTC)
    except (ValueError, OverflowError, OSError):  # not a number, or out of any date's range
        return now_utc()


@dataclass(frozen=True)
class Eventos:
    # Inbound messages seen for the first time: those, and only those, get a reply.
    novas: list[int]
    # Replies Meta reported outside the 24-hour window: resent as a template.
    reenviar: list[int]


def registrar_webhook(session: Session, payload: UpstreamWebhook) -> Eventos:
    """Store the event's messages (each once, by Meta's id) and status callbacks."""
    eventos = Eventos([], [])
    for entry in payload.entry:
        for change in entry.changes:
            if change.field not in (None, "messages"):
                continue
            nomes = {c.wa_id: c.profile.name for c in change.value.contacts if c.wa_id and c.profile}
            for message in change.value.messages:
                mensagem_id = _registrar_entrada(session, message, nomes.get(message.from_))
                if mensagem_id is not None:
                    eventos.novas.append(mensagem_id)
            for status in change.value.statuses:
                mensagem = registrar_status(session, status)
                if mensagem is not None and precisa_template(mensagem):
                    eventos.reenviar.append(mensagem.id)
    return eventos


def _registrar_entrada(session: Session, message: UpstreamMessage, nome: str | None) -> int | None:
    if session.scalar(select(WhatsAppMensagem.id).where(WhatsAppMensagem.wamid == message.id)) is not None:
        log.info("whatsapp.redelivered", wamid=message.id)
        return None
    row = {"wamid": message.id, "direcao": ENTRADA, "wa_id": message.from_, "tipo": message.type[:20],
           "texto": message.body, "status": RECEBIDA, "status_em": _quando(message.timestamp),
           "criada_em": now_utc(), "raw_json": {"message": message.model_dump(by_alias=True), "perfil": nome}}
    # Two redeliveries racing both land here on the unique key; both send the job, whose claim answers once.
    upsert(session, WhatsAppMensagem, [row], index_elements=["wamid"], update_columns=["wamid"])
    return session.scalar(select(WhatsAppMensagem.id).where(WhatsAppMensagem.wamid == message.id))


def registrar_status(session: Session, status: UpstreamStatus) -> WhatsAppMensagem | None:
    """Record the callback once and move the message forward; the message it names, when known."""
    erro = status.errors[0] if status.errors else None
    quando = _quando(status.timestamp)
    erro_codigo = erro.code if erro else None
    erro_texto = (erro.message or erro.title) if erro else None
    row = {"wamid": status.id, "status": status.status, "ocorrido_em": quando, "erro_codigo": erro_codigo,
           "erro": erro_texto, "raw_json": status.model_dump()}
    upsert(session, WhatsAppStatus, [row], index_elements=["wamid", "status"], update_columns=["wamid"])
    mensagem = session.scalar(select(WhatsAppMensagem).where(WhatsAppMensagem.wamid == status.id))
    if mensagem is not None:
        _aplicar_status(mensagem, status.status, quando, erro_codigo, erro_texto)
        session.flush()
    return mensagem


def _aplicar_status(mensagem: WhatsAppMensagem, status: str, quando: datetime, erro_codigo: int | None,
                    erro: str | None) -> None:
    if _STATUS_RANK.get(status, 0) > _STATUS_RANK.get(mensagem.status, 0):
        mensagem.status, mensagem.status_em = status, quando
        if status == FALHOU:
            mensagem.erro_codigo, mensagem.erro = erro_codigo, erro


def precisa_template(mensagem: WhatsAppMensagem | None) -> bool:
    """A free-text reply Meta later reported as outside the 24-hour window: resend it as a template."""
    return (mensagem is not None and mensagem.direcao == SAIDA and mensagem.tipo == "text"
            and mensagem.status == FALHOU and mensagem.erro_codigo == FORA_DA_JANELA)


def reivindicar(database: Database, mensagem_id: int) -> WhatsAppMensagem | None:
    """Mark the message handled, exactly once across redeliveries and job retries; None when it was."""
    with database.session() as session:
        claimed = session.execute(update(WhatsAppMensagem).where(
            WhatsAppMensagem.id == mensagem_id, WhatsAppMensagem.processada_em.is_(None)
        ).values(processada_em=now_utc())).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return None
        mensagem = session.get(WhatsAppMensagem, mensagem_id)
        session.expunge_all()
        return mensagem


# ---------------------------------------------------------------------------------------------- outbound

@dataclass(frozen=True)
class Envio:
    mensagem_id: int
    wamid: str | None
    ok: bool
    erro_codigo: int | None = None
    # A failure that retrying will not fix (an undeliverable number, 131026): count the alert as given.
    definitivo: bool = False


# WhatsApp's formatting markers (bold, italic, strike, monospace) have no escape: a name carrying them is
# written with look-alikes that format nothing.
_MARCADORES = str.maketrans({"*": "∗", "_": "‗", "~": "∼", "`": "ˋ"})


def nome(texto: object, limite: int = 200) -> str:
    """A name from the mirror (upstream data, user input) as it may go into a reply: one line, and no
    WhatsApp formatting (no `*bold*`, no fake lines)."""
    plano = " ".join(str(texto or "").split()).translate(_MARCADORES)
    return plano if len(plano) <= limite else plano[: limite - 1] + "…"


def uma_linha(texto: str, limite: int = 1000) -> str:
    """Template parameters may not hold line breaks, tabs or runs of spaces."""
    plano = re.sub(r"\s*\n\s*", " · ", texto.strip())
    plano = re.sub(r"\s{2,}", " ", plano.replace("\t", " ")).replace("*", "")
    return plano if len(plano) <= limite else plano[: limite - 1] + "…"


def enviar_texto(database: Database, settings: Settings, wa_id: str, texto: str,
                 usuario_id: int | None) -> Envio:
    """A free-text message; outside the 24-hour window (131047) it goes again as the `aviso` template."""
    envio = _enviar(database, settings, wa_id, usuario_id, text_payload(wa_id, texto), "text", None, texto)
    if envio.erro_codigo == FORA_DA_JANELA:
        return enviar_template(database, settings, wa_id, settings.whatsapp_template_aviso,
                               [uma_linha(texto)], usuario_id)
    return envio


def enviar_template(database: Database, settings: Settings, wa_id: str, template: str, parametros: list[str],
                    usuario_id: int | None) -> Envio:
    payload = template_payload(wa_id, template, settings.whatsapp_template_language, parametros)
    return _enviar(database, settings, wa_id, usuario_id, payload, "template", template,
                   " | ".join(parametros))


def _enviar(database: Database, settings: Settings, wa_id: str, usuario_id: int | None,
            payload: dict[str, Any], tipo: str, template: str | None, texto: str) -> Envio:
    wamid: str | None = None
    erro_codigo: int | None = None
    erro: str | None = None
    try:
        wamid = get_client(settings).send(payload)
    except GraphRejected as exc:
        erro_codigo, erro = exc.code, exc.message
    except UpstreamError as exc:  # down, or still throttled after the retries: a later run tries again
        erro = exc.message
    with database.session() as session:
        mensagem = WhatsAppMensagem(
            wamid=wamid, direcao=SAIDA, wa_id=wa_id, usuario_id=usuario_id, tipo=tipo, template=template,
            texto=texto, status=ACEITA if wamid else FALHOU, status_em=now_utc(), erro_codigo=erro_codigo,
            erro=erro, criada_em=now_utc(), raw_json={"payload": payload})
        session.add(mensagem)
        session.flush()
        if wamid:  # a callback may have beaten the send's answer here
            for early in session.scalars(select(WhatsAppStatus).where(WhatsAppStatus.wamid == wamid)):
                _aplicar_status(mensagem, early.status, early.ocorrido_em, early.erro_codigo, early.erro)
        mensagem_id = mensagem.id
    observe_whatsapp_message(sent=wamid is not None)
    log.info("whatsapp.sent" if wamid else "whatsapp.send_failed", mensagem_id=mensagem_id, tipo=tipo,
             template=template, erro_codigo=erro_codigo)
    return Envio(mensagem_id, wamid, wamid is not None, erro_codigo, erro_codigo == INDELIVERAVEL)


# ---------------------------------------------------------------------------------------------- message log

def mensagens(session: Session, paging: PageParams, *, direcao: str | None = None, wa_id: str | None = None,
              usuario_id: int | None = None) -> PageRows:
    """One page of the message log, newest first (a number matches with or without the ninth digit)."""
    conditions: list[ColumnElement[bool]] = []
    if direcao:
        conditions.append(WhatsAppMensagem.direcao == direcao)
    if wa_id:
        conditions.append(WhatsAppMensagem.wa_id.in_(numero_variantes(wa_id)))
    if usuario_id:
        conditions.append(WhatsAppMensagem.usuario_id == usuario_id)
    stmt = select(WhatsAppMensagem).where(*conditions)
    return paginate(session, stmt, paging, [WhatsAppMensagem.id.desc()])


def eventos_por_wamid(session: Session, mensagens: list[WhatsAppMensagem]) -> dict[str, list[WhatsAppStatus]]:
    """The status callbacks of these messages, by Meta's id, in arrival order (one query)."""
    eventos: dict[str, list[WhatsAppStatus]] = {}
    wamids = [m.wamid for m in mensagens if m.wamid]
    if wamids:
        for evento in session.scalars(select(WhatsAppStatus).where(WhatsAppStatus.wamid.in_(wamids))
                                      .order_by(WhatsAppStatus.id)):
            eventos.setdefault(evento.wamid, []).append(evento)
    return eventos
