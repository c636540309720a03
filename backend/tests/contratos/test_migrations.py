"""The contratos migration runs from empty and back on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from espelho import migrate
from espelho.db import Database
from tests.helpers import TEST_DATABASES, fresh_database_url

TABLES = {
    "uasgs",
    "contratos",
    "contrato_historico",
    "contrato_empenhos",
    "contrato_itens",
    "contrato_arquivos",
}


@pytest.mark.parametrize("kind", TEST_DATABASES)
def test_contratos_migration_up_and_down(kind: str, tmp_path: Path) -> None:
    with fresh_database_url(kind, tmp_path) as url:
        migrate.upgrade(url, "20261123_02")
        db = Database(url)
        inspector = inspect(db.engine)
        assert set(inspector.get_table_names()) >= TABLES
        columns = {c["name"] for c in inspector.get_columns("contratos")}
        assert {
            "historico_atualizado_em",
            "empenhos_atualizados_em",
            "itens_atualizados_em",
            "arquivos_atualizados_em",
            "detalhes_atualizados_em",
            "raw_json",
            "vigencia_fim",
        } <= columns
        assert inspector.get_pk_constraint("contrato_empenhos")["constrained_columns"] == [
            "contrato_id",
            "id",
        ]
        db.dispose()
        migrate.upgrade(url)
        migrate.downgrade(url, "20261123_01")
        db = Database(url)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        db.dispose()
