from __future__ import annotations

from sqlalchemy import text

from espelho import __version__
from espelho.api import SessionDep, SlashOptionalRouter

router = SlashOptionalRouter(prefix="/api/v1", tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
