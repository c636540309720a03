"""Invalidation of the dashboard cache (`metricas_cache`). The read API recomputes what is missing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from espelho.acessorias.models import MetricaCache


def mark_competencias_changed(session: Session, competencias: Iterable[str | None]) -> None:
    """Drop the cached metrics of these competências and every cross-competência row (competencia
    NULL), since any change feeds those too. A None in `competencias` (a process without one) still drops
    the cross-competência rows. Nothing is deleted when nothing changed. Only flushes."""
    given = list(competencias)
    changed = {c for c in given if c}
    if not given:
        return
    session.execute(
        delete(MetricaCache)
        .where(or_(MetricaCache.competencia.is_(None), MetricaCache.competencia.in_(sorted(changed))))
        .execution_options(synchronize_session=False)
    )
