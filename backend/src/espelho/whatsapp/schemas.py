"""The WhatsApp Cloud API's payloads (webhook events, send answers, errors), parsed by their own models
(`Upstream*`), and what Espelho's WhatsApp routes serve (`*Out`) and take (`*In`).

Only the upstream fields Espelho reads are declared; everything else is kept in the raw JSON stored with a
message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from espelho.logging_setup import get_logger

log = get_logger(__name__)


class _Upstream(BaseModel):
    model_config = ConfigDict(extra="ignore")


class UpstreamText(_Upstream):
    body: str = ""


class UpstreamButton(_Upstream):
    text: str = ""


class UpstreamMessage(_Upstream):
    id: str = Field(min_length=1, max_length=200)
    from_: str = Field(alias="from", min_length=1, max_length=20)
    timestamp: str | None = None
    type: str = "text"
    text: UpstreamText | None = None
    # A tap on a template's quick-reply button arrives as its label.
    button: UpstreamButton | None = None

    @property
    def body(self) -> str | None:
        if self.text is not None:
            return self.text.body
        if self.button is not None:
            return self.button.text
        return None


class UpstreamProfile(_Upstream):
    name: str | None = None


class UpstreamContact(_Upstream):
    wa_id: str | None = None
    profile: UpstreamProfile | None = None


class UpstreamErrorItem(_Upstream):
    code: int | None = None
    title: str | None = None
    message: str | None = None


class UpstreamStatus(_Upstream):
    id: str = Field(min_length=1, max_length=200)
    status: str = Field(max_length=12)  # sent | delivered | read | failed
    timestamp: str | None = None
    recipient_id: str | None = None
    errors: list[UpstreamErrorItem] = Field(default_factory=list)


class UpstreamValue(_Upstream):
    contacts: list[UpstreamContact] = Field(default_factory=list)
    messages: list[UpstreamMessage] = Field(default_factory=list)
    statuses: list[UpstreamStatus] = Field(default_factory=list)

    @field_validator("contacts", "messages", "statuses", mode="wrap")
    @classmethod
    def _skip_malformed(cls, items: Any, handler: Any) -> Any:
        """A malformed item is skipped and logged; the rest of its batch goes on (Meta never resends)."""
        if not isinstance(items, list):
            return handler(items)
        kept = []
        for item in items:
            try:
                kept.extend(handler([item]))
            except ValidationError as exc:
                log.warning("whatsapp.webhook_item_skipped", error=str(exc)[:300])
        return kept


class UpstreamChange(_Upstream):
    field: str | None = None
    value: UpstreamValue = Field(default_factory=UpstreamValue)


class UpstreamEntry(_Upstream):
    id: str | None = None
    changes: list[UpstreamChange] = Field(default_factory=list)


class UpstreamWebhook(_Upstream):
    object: str | None = None
    entry: list[UpstreamEntry] = Field(default_factory=list)


class UpstreamSentMessage(_Upstream):
    id: str = Field(min_length=1)


class UpstreamPhoneNumber(_Upstream):
    """GET /{phone-number-id}?fields=display_phone_number: the business number as Meta shows it."""

    display_phone_number: str = Field(min_length=1)


class UpstreamSendResponse(_Upstream):
    messaging_product: str | None = None
    messages: list[UpstreamSentMessage] = Field(min_length=1)


class UpstreamGraphError(_Upstream):
    code: int | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None


class UpstreamGraphErrorEnvelope(_Upstream):
    error: UpstreamGraphError


# ---------------------------------------------------------------------------------------------- the API

class WebhookAck(BaseModel):
    status: Literal["ok"] = "ok"
    mensagens_novas: int
    reenvios: int


class CodigoOut(BaseModel):
    codigo: str = Field(description="Send `VINCULAR <codigo>` from WhatsApp to link the phone")
    expira_em: datetime
    link: str | None = Field(description="wa.me link with the message prefilled; null while the business "
                                         "number is unknown (not set, and the Graph API did not tell it)")


class VinculoOut(BaseModel):
    vinculado: bool
    wa_id: str | None = Field(description="The linked WhatsApp number (digits, country code first)")
    nome_perfil: str | None
    vinculado_em: datetime | None
    alertas_ativos: bool
    codigo_pendente: CodigoOut | None = Field(description="A code not used yet, while it is valid")
    alertas_escopo: Literal["meus", "escritorio"] = Field(default="meus", description=(
        "Whose alerts: meus (the facts of the Acessórias person the user is) or escritorio (the office's, "
        "and the facts with no responsável); a MANAGER or ADMIN gets escritorio until choosing"))
    avisos_imediatos: bool = Field(default=False, description=(
        "A message within minutes when one of the user's processos moves to a new passo or finishes, or "
        "one of their obrigações is delivered or turns late (at most one per 10 minutes, grouping them)"))


class PreferenciasIn(BaseModel):
    alertas_ativos: bool | None = Field(default=None, description="Alerts on or off (parar / voltar)")
    alertas_escopo: Literal["meus", "escritorio"] | None = Field(default=None, description=(
        "meus or escritorio (MANAGER and ADMIN; a USER gets 403 for escritorio)"))
    avisos_imediatos: bool | None = Field(default=None, description="Immediate notices on or off")


class StatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: str
    ocorrido_em: datetime
    erro_codigo: int | None
    erro: str | None


class MensagemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    wamid: str | None
    direcao: Literal["ENTRADA", "SAIDA"]
    wa_id: str
    usuario_id: int | None
    tipo: str
    template: str | None
    texto: str | None
    status: str = Field(description="received (inbound); accepted, sent, delivered, read, failed (outbound)")
    status_em: datetime | None
    erro_codigo: int | None
    erro: str | None
    criada_em: datetime
    eventos: list[StatusOut] = Field(default_factory=list, description="Status callbacks, in arrival order")
