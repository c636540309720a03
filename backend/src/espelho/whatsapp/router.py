"""WhatsApp over HTTP: Meta's webhook (signed, no bearer token), linking a phone, the message log (ADMIN).

Every route answers 503 `whatsapp_disabled` while WhatsApp is not configured.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from espelho.api import IdPath, Page, PageDep, SessionDep, SettingsDep, SlashOptionalRouter
from espelho.auth.deps import AdminDep, CurrentUserDep
from espelho.auth.models import Usuario
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge
from espelho.jobs.registry import send_after_commit
from espelho.logging_setup import get_logger
from espelho.openapi import error_responses
from espelho.whatsapp import escopo, service
from espelho.whatsapp.models import WhatsAppVinculo
from espelho.whatsapp.schemas import (
    CodigoOut,
    MensagemOut,
    PreferenciasIn,
    StatusOut,
    UpstreamWebhook,
    VinculoOut,
    WebhookAck,
)

log = get_logger(__name__)
router = SlashOptionalRouter(prefix="/api/v1", tags=["whatsapp"])

# Meta's event batches are a few kilobytes; anything far bigger is not Meta.
MAX_WEBHOOK_BYTES = 1_000_000
# Off until configured: its routes are not there (404, not a 5xx: nothing is failing).
_DISABLED = error_responses(404)


def whatsapp_enabled(settings: SettingsDep) -> None:
    service.require_enabled(settings)


Enabled = Depends(whatsapp_enabled)


# ---------------------------------------------------------------------------------------------- webhook

@router.get("/webhooks/whatsapp/", response_class=PlainTextResponse, dependencies=[Enabled],
            responses={200: {"content": {"text/plain": {}}, "description": "The challenge"},
                       403: {"description": "Wrong verify token or mode"}, **_DISABLED})
def verificar_webhook(
    settings: SettingsDep,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=40)] = None,
    verify_token: Annotated[str | None, Query(alias="hub.verify_token", max_length=400)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=400)] = None,
) -> PlainTextResponse:
    """Meta's subscription handshake: the challenge, as plain text, when the verify token matches."""
    if mode != "subscribe" or not challenge or not service.check_verify_token(settings, verify_token):
        raise Forbidden("webhook verification failed")
    # The challenge is the caller's text: never let a browser sniff it into HTML.
    return PlainTextResponse(challenge, headers={"X-Content-Type-Options": "nosniff"})


async def _raw_body(request: Request) -> bytes:
    """The body exactly as sent (the signature covers these bytes), refused past MAX_WEBHOOK_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            raise PayloadTooLarge(f"body larger than {MAX_WEBHOOK_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/webhooks/whatsapp/", response_model=WebhookAck, dependencies=[Enabled],
             responses={401: {"description": "No X-Hub-Signature-256"},
                        403: {"description": "X-Hub-Signature-256 does not match the body"},
                        413: {"description": "Body too large"}, 400: {"description": "Not a webhook event"},
                        422: {"description": "Invalid input (the body rule every operation with one keeps)"},
                        **_DISABLED},
             # Read raw (the signature covers the exact bytes), so FastAPI cannot see the body: say it.
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object", "description": "Meta's webhook event, signed"}}}}})
def receber_webhook(request: Request, session: SessionDep, settings: SettingsDep,
                    raw: Annotated[bytes, Depends(_raw_body)]) -> WebhookAck:
    """Meta's events: messages are stored once each and answered by a background job; statuses recorded."""
    service.check_signature(settings, raw, request.headers.get("x-hub-signature-256"))
    try:
        payload = UpstreamWebhook.model_validate(json.loads(raw))
    except (ValueError, ValidationError, RecursionError) as exc:  # a bad item alone is skipped (schemas)
        raise BadRequest("not a WhatsApp webhook event", detail=str(exc)[:300]) from None
    eventos = service.registrar_webhook(session, payload)
    dispatcher = request.app.state.jobs.dispatcher
    jobs = (("whatsapp.responder", eventos.novas), ("whatsapp.reenviar_como_template", eventos.reenviar))
    for job, ids in jobs:
        for mensagem_id in ids:
            send_after_commit(session, dispatcher, job, {"mensagem_id": mensagem_id})
    return WebhookAck(mensagens_novas=len(eventos.novas), reenvios=len(eventos.reenviar))


# ---------------------------------------------------------------------------------------------- linking

def _vinculo_out(settings: Settings, vinculo: WhatsAppVinculo | None) -> VinculoOut:
    if vinculo is None:
        return VinculoOut(vinculado=False, wa_id=None, nome_perfil=None, vinculado_em=None,
                          alertas_ativos=True, codigo_pendente=None)
    pendente = None
    if vinculo.codigo and vinculo.codigo_expira_em and vinculo.codigo_expira_em > now_utc():
        pendente = CodigoOut(codigo=vinculo.codigo, expira_em=vinculo.codigo_expira_em,
                             link=service.link_para_codigo(settings, vinculo.codigo))
    return VinculoOut(vinculado=vinculo.wa_id is not None, wa_id=vinculo.wa_id,
                      nome_perfil=vinculo.nome_perfil, vinculado_em=vinculo.vinculado_em,
                      alertas_ativos=vinculo.alertas_ativos, codigo_pendente=pendente,
                      avisos_imediatos=vinculo.avisos_imediatos)


@router.post("/whatsapp/vinculo/", response_model=CodigoOut, status_code=201, dependencies=[Enabled],
             responses=_DISABLED)
def criar_codigo(user: CurrentUserDep, session: SessionDep, settings: SettingsDep) -> CodigoOut:
    """A short-lived code (and wa.me link) that links the phone sending it to the signed-in user."""
    vinculo = service.novo_codigo(session, settings, user.id)
    assert vinculo.codigo is not None and vinculo.codigo_expira_em is not None  # just set
    return CodigoOut(codigo=vinculo.codigo, expira_em=vinculo.codigo_expira_em,
                     link=service.link_para_codigo(settings, vinculo.codigo))


def _vinculo_do(settings: Settings, user: Usuario, vinculo: WhatsAppVinculo | None) -> VinculoOut:
    """The user's link, with the alert scope in force for them."""
    return _vinculo_out(settings, vinculo).model_copy(update={"alertas_escopo": escopo.escopo(user, vinculo)})


@router.get("/whatsapp/vinculo/", response_model=VinculoOut, dependencies=[Enabled], responses=_DISABLED)
def meu_vinculo(user: CurrentUserDep, session: SessionDep, settings: SettingsDep) -> VinculoOut:
    """The signed-in user's linked phone, pending code and alert preferences."""
    return _vinculo_do(settings, user, service.vinculo_do_usuario(session, user.id))


@router.patch("/whatsapp/vinculo/", response_model=VinculoOut, dependencies=[Enabled],
              responses={**_DISABLED, **error_responses(403)})  # 403: a USER asking for escritorio
def update_vinculo(body: PreferenciasIn, user: CurrentUserDep, session: SessionDep,
                 settings: SettingsDep) -> VinculoOut:
    """Turn the automatic alerts off or on (what `parar` / `voltar` do from the phone), and choose whose
    they are (`alertas_escopo`: meus or escritorio, MANAGER and ADMIN), and immediate notices of the user's
    own processos and obrigações (`avisos_imediatos`)."""
    if body.alertas_escopo is not None:
        escopo.pode_escolher(user, body.alertas_escopo)
        service.definir_escopo(session, user.id, body.alertas_escopo)
    if body.alertas_ativos is not None:
        service.definir_alertas(session, user.id, body.alertas_ativos)
    if body.avisos_imediatos is not None:
        service.definir_avisos(session, user.id, body.avisos_imediatos)
    return _vinculo_do(settings, user, service.vinculo_do_usuario(session, user.id))


@router.delete("/whatsapp/vinculo/", status_code=204, response_class=Response, dependencies=[Enabled],
               responses=_DISABLED)
def remover_vinculo(user: CurrentUserDep, session: SessionDep) -> Response:
    """Unlink the phone (and drop a pending code)."""
    service.remover_vinculo(session, user.id)
    return Response(status_code=204)


@router.delete("/whatsapp/vinculos/{usuario_id}/", status_code=204, response_class=Response,
               dependencies=[Enabled], responses={**_DISABLED, **error_responses(404)})
def remover_vinculo_de(usuario_id: IdPath, _: AdminDep, session: SessionDep) -> Response:
    """ADMIN: unlink any user's phone (and drop their pending code); 404 for an unknown user."""
    if session.get(Usuario, usuario_id) is None:
        raise NotFound(f"usuario {usuario_id} not found")
    service.remover_vinculo(session, usuario_id)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------- message log

@router.get("/whatsapp/mensagens/", response_model=Page[MensagemOut], dependencies=[Enabled],
            responses=_DISABLED)
def list_mensagens(
    _: AdminDep,
    session: SessionDep,
    paging: PageDep,
    direcao: Annotated[Literal["ENTRADA", "SAIDA"] | None, Query()] = None,
    wa_id: Annotated[str | None, Query(max_length=20, description="With or without the 9th digit")] = None,
    usuario_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[MensagemOut]:
    """Every message in and out, newest first, with its status callbacks."""
    rows = service.mensagens(session, paging, direcao=direcao, wa_id=wa_id, usuario_id=usuario_id)
    eventos = service.eventos_por_wamid(session, rows.items)
    items = [MensagemOut.model_validate(m).model_copy(
        update={"eventos": [StatusOut.model_validate(e) for e in eventos.get(m.wamid or "", [])]})
        for m in rows.items]
    return Page[MensagemOut].of(rows._replace(items=items), paging)
