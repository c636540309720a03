"""A fake WhatsApp Cloud API (Graph API) for the demo and the tests.

`POST /{version}/{phone_number_id}/messages` records the send (with its Authorization header) and answers
like Meta: `{"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}`.
`GET /{version}/{phone_number_id}?fields=display_phone_number` answers the business number as Meta shows
it (`+55 11 99999-0000`). `/_control`:

- `GET /_control/sent`, `POST /_control/reset`;
- `POST /_control/faults {"code": 131047, "times": 1, "type": "text"}`: the next sends (of that type) are
  refused with that Graph error code (131047 outside the window, 130429/131056 throttled, 131026
  undeliverable, …), HTTP 400 and Meta's error body;
- `POST /_control/inbound {"webhook_url", "app_secret", "from", "text", "name"?, "id"?, "repeat"?}`:
  a user's message, signed like Meta (X-Hub-Signature-256) and posted to Espelho's webhook;
- `POST /_control/status {"webhook_url", "app_secret", "wamid", "status", "code"?}`: a status callback.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from espelho.clock import now_utc

_ERRORS = {
    131047: "Re-engagement message",
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131026: "Message Undeliverable",
    131000: "Something went wrong",
}


class FaultIn(BaseModel):
    code: int = Field(description="Graph API error code to answer with")
    times: int = Field(1, ge=1, le=1000, description="How many sends it refuses")
    type: str | None = Field(None, description="Only sends of this type (text, template)")


class InboundIn(BaseModel):
    webhook_url: str
    app_secret: str
    from_: str = Field(alias="from", min_length=8, max_length=20)
    text: str = Field(max_length=4096)
    name: str | None = "Cliente Simulado"
    id: str | None = None
    repeat: int = Field(1, ge=1, le=5, description="Deliver the same event this many times (redeliveries)")


class StatusIn(BaseModel):
    webhook_url: str
    app_secret: str
    wamid: str
    status: str = "delivered"
    recipient_id: str = "5511999990001"
    code: int | None = None


@dataclass
class _Fault:
    spec: FaultIn
    remaining: int


@dataclass
class State:
    sent: list[dict[str, Any]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, kind: str | None) -> int | None:
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.spec.type in (None, kind):
                    fault.remaining -= 1
                    return fault.spec.code
        return None


def _graph_error(code: int, status: int = 400) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {
        "message": _ERRORS.get(code, "Graph API error"), "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": _ERRORS.get(code, "")},
        "fbtrace_id": "SIMULATED"}})


def signed_post(webhook_url: str, app_secret: str, event: dict[str, Any]) -> httpx.Response:
    body = json.dumps(event, ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return httpx.post(webhook_url, content=body, timeout=10,
                      headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})


# The simulated business number, as Meta displays it.
DISPLAY_PHONE_NUMBER = "+55 11 99999-0000"


def _event(value: dict[str, Any]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "SIMULATED-WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                        "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER,
                                                     "phone_number_id": "SIMULATED"}, **value}}]}]}


def create_app() -> FastAPI:
    state = State()
    app = FastAPI(title="WhatsApp Cloud API simulator", docs_url="/_control/docs",
                  openapi_url="/_control/openapi.json")

    @app.post("/{version}/{phone_number_id}/messages")
    async def send(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or len(authorization) <= len("Bearer "):
            return _graph_error(190, 401)
        payload = await request.json()
        kind = payload.get("type")
        code = state.take_fault(kind)
        record = {"version": version, "phone_number_id": phone_number_id, "authorization": authorization,
                  "to": payload.get("to"), "type": kind, "payload": payload, "error_code": code,
                  "at": now_utc().isoformat()}
        with state.lock:
            wamid = None if code else f"wamid.SIM{next(state.ids):010d}"
            state.sent.append({**record, "wamid": wamid})
        if code:
            return _graph_error(code)
        to = payload.get("to")
        return JSONResponse({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                             "messages": [{"id": wamid}]})

    @app.get("/_control/sent")
    def sent() -> list[dict[str, Any]]:
        with state.lock:
            return list(state.sent)

    @app.post("/_control/faults")
    def faults(fault: FaultIn) -> dict[str, int]:
        with state.lock:
            state.faults.append(_Fault(fault, fault.times))
            return {"faults": len(state.faults)}

    @app.post("/_control/reset")
    def reset() -> dict[str, bool]:
        with state.lock:
            state.sent.clear()
            state.faults.clear()
        return {"reset": True}

    @app.post("/_control/inbound")
    def inbound(body: InboundIn) -> dict[str, Any]:
        """A user's text message delivered to Espelho's webhook (signed), `repeat` times."""
        wamid = body.id or f"wamid.IN{time.time_ns()}"
        event = _event({
            "contacts": [{"profile": {"name": body.name}, "wa_id": body.from_}],
            "messages": [{"from": body.from_, "id": wamid, "timestamp": str(int(now_utc().timestamp())),
                          "type": "text", "text": {"body": body.text}}]})
        answers = [signed_post(body.webhook_url, body.app_secret, event) for _ in range(body.repeat)]
        return {"id": wamid, "statuses": [a.status_code for a in answers], "answer": answers[-1].json()}

    @app.post("/_control/status")
    def status(body: StatusIn) -> dict[str, Any]:
        """A status callback (sent, delivered, read, failed with `code`) delivered to the webhook."""
        item: dict[str, Any] = {"id": body.wamid, "status": body.status, "recipient_id": body.recipient_id,
                                "timestamp": str(int(now_utc().timestamp()))}
        if body.code is not None:
            item["errors"] = [{"code": body.code, "title": _ERRORS.get(body.code, "error")}]
        answer = signed_post(body.webhook_url, body.app_secret, _event({"statuses": [item]}))
        return {"status": answer.status_code, "answer": answer.json()}

    # Last: its two free segments would otherwise match the /_control routes.
    @app.get("/{version}/{phone_number_id}")
    def phone_number(version: str, phone_number_id: str, request: Request, fields: str = "") -> JSONResponse:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or len(authorization) <= len("Bearer "):
            return _graph_error(190, 401)
        out: dict[str, Any] = {"id": phone_number_id}
        if "display_phone_number" in fields.split(","):
            out["display_phone_number"] = DISPLAY_PHONE_NUMBER
        return JSONResponse(out)

    return app
