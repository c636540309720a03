"""WhatsApp jobs: answer an inbound message, resend as a template a reply Meta refused for the 24-hour
window. The webhook answers Meta at once and sends these (after its commit); each acts once however often
it is delivered: None when the message was already handled."""

from __future__ import annotations

from espelho.jobs.registry import JobContext, job
from espelho.whatsapp import commands, service
from espelho.whatsapp.models import WhatsAppMensagem


@job("whatsapp.responder")
def responder(ctx: JobContext, mensagem_id: int) -> service.Envio | None:
    mensagem = service.reivindicar(ctx.database, mensagem_id)
    if mensagem is None:
        return None
    nome = (mensagem.raw_json or {}).get("perfil")
    with ctx.database.session() as session:
        resposta = commands.responder(session, mensagem.wa_id, mensagem.texto, nome)
        if resposta.usuario_id is not None:
            session.get_one(WhatsAppMensagem, mensagem_id).usuario_id = resposta.usuario_id
    if resposta.texto is None:  # deliberately unanswered (commands.py: guesses, unlinked numbers)
        return None
    return service.enviar_texto(ctx.database, ctx.settings, mensagem.wa_id, resposta.texto,
                                resposta.usuario_id)


@job("whatsapp.reenviar_como_template")
def reenviar_como_template(ctx: JobContext, mensagem_id: int) -> service.Envio | None:
    mensagem = service.reivindicar(ctx.database, mensagem_id)
    if mensagem is None:
        return None
    parametros = [service.uma_linha(mensagem.texto or "")]
    return service.enviar_template(ctx.database, ctx.settings, mensagem.wa_id,
                                   ctx.settings.whatsapp_template_aviso, parametros, mensagem.usuario_id)
