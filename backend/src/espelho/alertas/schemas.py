"""What an alert run reports: per recipient what was (or, in a dry run, would be) sent, and the totals.
`espelho whatsapp alertas --json` prints it as is."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AlertaItem(BaseModel):
    usuario_id: int
    email: str
    nome: str
    admin: bool
    wa_id: str
    escopo: str = Field(description="meus (the person's obligations) or escritorio (the office's)")
    acessorias_usuario: str | None = Field(description="The Acessórias person the user is, by name")
    alertas: int
    resumo: str
    chaves: list[str]
    descricoes: list[str] = Field(description="Each new fact in words (the order of chaves)")
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
