"""The WhatsApp Cloud API's payloads (webhook events, send answers, errors), parsed by their own models.

Only the fields Espelho reads are declared; everything else is kept in the raw JSON stored with a message.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


class UpstreamSendResponse(_Upstream):
    messaging_product: str | None = None
    messages: list[UpstreamSentMessage] = Field(min_length=1)


class UpstreamGraphError(_Upstream):
    code: int | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None


class UpstreamGraphErrorEnvelope(_Upstream):
    error: UpstreamGraphError
