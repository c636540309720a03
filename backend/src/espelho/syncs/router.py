from __future__ import annotations

from espelho.api import SlashOptionalRouter

router = SlashOptionalRouter()
