"""What an alert run reports: per recipient what was (or, in a dry run, would be) sent, and the totals.
`espelho whatsapp alertas --json` prints it as is."""

from __future__ import annotations

from pydantic import BaseModel


class AlertaItem(BaseModel):
    usuario_id: int
    email: str
    nome: str
    admin: bool
    wa_id: str
    alertas: int
    resumo: str
    chaves: list[str]
    # None in a dry run (nothing sent).
    enviado: bool | None = None
    mensagem_id: int | None = None
    erro_codigo: int | None = None


class AlertasResult(BaseModel):
    dry_run: bool
    destinatarios: int
    com_alertas: int
    enviados: int
    falhas: int
    alertas: int
    itens: list[AlertaItem]
