"""Whose alerts a linked phone gets: `meus` (the facts of the Acessórias person the user is) or
`escritorio` (the whole office's, and the facts that are no one's). A MANAGER or ADMIN chooses, and gets
the office's until they do; a USER always gets their own."""

from __future__ import annotations

from typing import Literal

from espelho.auth.models import Usuario
from espelho.errors import Forbidden
from espelho.whatsapp.models import WhatsAppVinculo

Escopo = Literal["meus", "escritorio"]
MEUS: Escopo = "meus"
ESCRITORIO: Escopo = "escritorio"
QUEM_ESCOLHE = ("ADMIN", "MANAGER")


def escopo(usuario: Usuario, vinculo: WhatsAppVinculo | None) -> Escopo:
    """The scope in force for this user (`alertas_escopo` as chosen, else the role's default)."""
    if usuario.role not in QUEM_ESCOLHE:
        return MEUS
    return ESCRITORIO if vinculo is None or vinculo.alertas_escopo != MEUS else MEUS


def pode_escolher(usuario: Usuario, escolhido: Escopo) -> None:
    if escolhido == ESCRITORIO and usuario.role not in QUEM_ESCOLHE:
        raise Forbidden("alertas_escopo: only a MANAGER or ADMIN may get the whole office's alerts")
