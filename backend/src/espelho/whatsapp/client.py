"""Sending WhatsApp messages through the Graph API, over the shared upstream HTTP machinery.

Meta answers a refused send with HTTP 4xx and `{"error": {"code": …}}`. Throttling codes (130429, 131056)
are retried with backoff by the machinery; the others raise `errors.GraphRejected` carrying the code, so the
caller can fall back to a template (131047, outside the 24-hour window) or record an undeliverable
number (131026) without retrying.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from espelho.config import Settings
from espelho.errors import GraphRejected, UpstreamMalformed
from espelho.upstream.http import UpstreamResponse, upstream_http
from espelho.whatsapp.schemas import UpstreamGraphErrorEnvelope, UpstreamPhoneNumber, UpstreamSendResponse

UPSTREAM = "whatsapp"
# Meta's limit on a text message body.
MAX_TEXT = 4096
FORA_DA_JANELA = 131047
INDELIVERAVEL = 131026
THROTTLED = frozenset({130429, 131056})


def _graph_error_code(response: UpstreamResponse) -> int | None:
    try:
        return UpstreamGraphErrorEnvelope.model_validate(response.json()).error.code
    except (UpstreamMalformed, ValidationError):
        return None


def _throttled(response: UpstreamResponse) -> bool:
    return response.status_code >= 400 and _graph_error_code(response) in THROTTLED


def text_payload(to: str, body: str) -> dict[str, Any]:
    if len(body) > MAX_TEXT:
        body = body[: MAX_TEXT - 1] + "…"
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"preview_url": False, "body": body}}


def template_payload(to: str, name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
            "template": {"name": name, "language": {"code": language}, "components": components}}


class WhatsAppClient:
    def __init__(self, settings: Settings) -> None:
        self.phone_number_id = settings.whatsapp_phone_number_id or ""
        self.http = upstream_http(UPSTREAM, settings, max_in_flight=8)

    def close(self) -> None:
        self.http.close()

    def display_phone_number(self) -> str:
        """GET /{phone_number_id}?fields=display_phone_number: the business number as Meta shows it."""
        response = self.http.get(self.phone_number_id, params={"fields": "display_phone_number"})
        try:
            return UpstreamPhoneNumber.model_validate(response.json()).display_phone_number
        except ValidationError as exc:
            raise UpstreamMalformed("whatsapp phone number answer without display_phone_number",
                                    upstream=UPSTREAM, url=response.url, status=response.status_code) from exc

    def send(self, payload: dict[str, Any]) -> str:
        """POST /{phone_number_id}/messages; Meta's message id ("wamid…")."""
        response = self.http.post(f"{self.phone_number_id}/messages", json_body=payload,
                                  accept_statuses=(400, 401, 403, 404), retry_when=_throttled)
        if response.status_code >= 400:
            code = _graph_error_code(response)
            raise GraphRejected(f"whatsapp refused the message (error {code})", code=code, url=response.url,
                                status=response.status_code)
        try:
            return UpstreamSendResponse.model_validate(response.json()).messages[0].id
        except ValidationError as exc:
            raise UpstreamMalformed("whatsapp send answer without a message id", upstream=UPSTREAM,
                                    url=response.url, status=response.status_code) from exc


_clients: dict[tuple[Any, ...], WhatsAppClient] = {}
_clients_lock = threading.Lock()


def get_client(settings: Settings) -> WhatsAppClient:
    """One client (connection pool, rate limiter) per process and configuration."""
    key = (settings.upstream(UPSTREAM), settings.whatsapp_phone_number_id, settings.redis_url)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = WhatsAppClient(settings)
        return client
