"""The change history's vocabulary: the kinds of change a sync records in `alteracoes` (writers.py records
them, in the same transaction as the change; queries.py reads them).

A change is recorded once: only when a stored value differs from the new one, so a sync that re-reads
unchanged data records nothing. Nothing is "new" before the mirror's first successful sync (the initial
load), and a process's first detail does not report every passo already done as just done.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from espelho.clock import now_utc

TipoAlteracao = Literal[
    "processo_novo",
    "processo_status",
    "processo_porcentagem",
    "passo_concluido",
    "desdobramento_respondido",
    "processo_removido",
    "obrigacao_entregue",
    "obrigacao_atrasada",
]
TIPOS: tuple[str, ...] = get_args(TipoAlteracao)
ATRASADA = "Atrasada!"  # the upstream's label of an overdue delivery


def as_text(value: Any) -> str | None:
    """Values as the history shows them: "45.00" for a porcentagem, the raw label for a status."""
    if value is None:
        return None
    return str(value)


def alteracao(tipo: TipoAlteracao, *, run_id: int | None, processo_id: int | None = None,
              obrigacao_id: int | None = None, empresa_id: int | None = None, competencia: str | None = None,
              descricao: str | None = None, antes: Any = None, depois: Any = None) -> dict[str, Any]:
    """One `alteracoes` row, seen now."""
    return {"tipo": tipo, "processo_id": processo_id, "obrigacao_id": obrigacao_id, "empresa_id": empresa_id,
            "competencia": competencia, "descricao": descricao, "valor_anterior": as_text(antes),
            "valor_novo": as_text(depois), "visto_em": now_utc(), "sincronizacao_id": run_id}
