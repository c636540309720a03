"""The alert schedule follows the WhatsApp configuration; the migration goes down and up on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from espelho import migrate
from espelho.config import Settings
from espelho.db import Database
from espelho.jobs.scheduler import schedule_entries
from tests.helpers import TEST_DATABASES, fresh_database_url

TABLES = {"whatsapp_vinculos", "whatsapp_mensagens", "whatsapp_status", "alertas_enviados"}


def test_alerts_are_scheduled_only_when_whatsapp_is_configured(settings: Settings) -> None:
    by_key = {e.key: e for e in schedule_entries(settings)}
    assert by_key["alertas.enviar"].schedule == "0 8 * * mon-fri"
    off = settings.model_copy(update={"whatsapp_phone_number_id": None})
    assert "alertas.enviar" not in {e.key for e in schedule_entries(off)}


@pytest.mark.parametrize("kind", TEST_DATABASES)
def test_whatsapp_migration_down_and_up(kind: str, tmp_path: Path) -> None:
    with fresh_database_url(kind, tmp_path) as url:
        migrate.upgrade(url)
        migrate.downgrade(url, "20261123_05")
        db = Database(url)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        db.dispose()
        migrate.upgrade(url)
        db = Database(url)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        db.dispose()
