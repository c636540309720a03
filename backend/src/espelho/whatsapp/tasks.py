"""WhatsApp jobs: answer an inbound message, resend as a template a reply Meta refused for the 24-hour
window. The webhook answers Meta at once and sends these; each acts once however often it is delivered."""

from __future__ import annotations

from typing import Any

from espelho.syncs.dispatch import JobContext, job, skipped


@job("whatsapp.responder")
def responder(ctx: JobContext, mensagem_id: int) -> dict[str, Any]:
    from espelho.whatsapp import commands, service
    from espelho.whatsapp.models import WhatsAppMensagem

    mensagem = service.reivindicar(ctx.database, mensagem_id)
    if mensagem is None:
        return skipped("already answered", mensagem_id=mensagem_id)
    nome = (mensagem.raw_json or {}).get("perfil")
    with ctx.database.session() as session:
        resposta = commands.responder(session, mensagem.wa_id, mensagem.texto, nome)
        if resposta.usuario_id is not None:
            session.get_one(WhatsAppMensagem, mensagem_id).usuario_id = resposta.usuario_id
    envio = service.enviar_texto(ctx.database, ctx.settings, mensagem.wa_id, resposta.texto,
                                 resposta.usuario_id)
    return {"status": "SENT" if envio.ok else "FAILED", "mensagem_id": envio.mensagem_id}


@job("whatsapp.reenviar_como_template")
def reenviar_como_template(ctx: JobContext, mensagem_id: int) -> dict[str, Any]:
    from espelho.whatsapp import service

    mensagem = service.reivindicar(ctx.database, mensagem_id)
    if mensagem is None:
        return skipped("already resent", mensagem_id=mensagem_id)
    parametros = [service.uma_linha(mensagem.texto or "")]
    envio = service.enviar_template(ctx.database, ctx.settings, mensagem.wa_id,
                                    ctx.settings.whatsapp_template_aviso, parametros, mensagem.usuario_id)
    return {"status": "SENT" if envio.ok else "FAILED", "mensagem_id": envio.mensagem_id}
