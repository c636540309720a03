"""The OpenAPI schema tells the truth about every operation.

schemathesis generates requests for every operation of the app's schema (valid and invalid ones, the
boundary values of every parameter) and sends them, with an ADMIN token, to the app served over loopback
on a mirror loaded from the simulators (SQLite and PostgreSQL). Any server error, any answer off its
documented schema and any status the operation does not document fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from espelho.acessorias.sync import run_sync
from espelho.auth.deps import is_public
from espelho.auth.models import Usuario
from espelho.auth.security import create_access_token
from espelho.config import Settings
from espelho.contratos.sync import run_uasg_sync
from espelho.db import Database
from espelho.main import create_app
from espelho.simulator.comprasnet import DEMO_UASG
from tests.conftest import settings_for
from tests.helpers import (
    RunningSimulator,
    create_user_with_token,
    empty_all_tables,
    free_port,
    serve_in_thread,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ADMIN_EMAIL = "contract-admin@example.com"

# The schema `espelho openapi` prints (the one the web app's client is generated from).
SPEC = create_app(Settings(demo_mode=True, _env_file=None)).openapi()
schema = schemathesis.openapi.from_dict(SPEC, config=schemathesis.Config())


class Served:
    """The app over loopback, and a way to sign every request in as its ADMIN."""

    def __init__(self, base_url: str, settings: Settings, database: Database) -> None:
        self.base_url, self.settings, self.database = base_url, settings, database

    def admin_headers(self) -> dict[str, str]:
        """A valid ADMIN token for the next request. The run may demote, deactivate, re-password or delete
        the ADMIN (an operation on its id), which rightly kills its tokens: it is restored each time."""
        with self.database.session() as session:
            admin = session.scalar(select(Usuario).where(Usuario.email == ADMIN_EMAIL))
            if admin is not None:
                admin.role, admin.ativo = "ADMIN", True
                return {"Authorization": "Bearer " + create_access_token(
                    self.settings, admin.id, "ADMIN", admin.token_version)}
        _, token = create_user_with_token(self.database, self.settings, "ADMIN", email=ADMIN_EMAIL)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def served(db_url: str, simulator: RunningSimulator) -> Iterator[Served]:
    """One UASG's contracts and the simulated office in the mirror, the app serving them."""
    settings = settings_for(db_url, simulator)
    database = Database(db_url)
    try:
        run_uasg_sync(database, settings, DEMO_UASG)
        assert run_sync(database, settings, "FULL").status == "CONCLUIDA"
        with serve_in_thread(create_app(settings), free_port()) as base_url:
            yield Served(base_url, settings, database)
    finally:
        empty_all_tables(database)
        database.dispose()


@schema.parametrize()
# Derandomized: the same cases every run. The coverage phase adds every parameter's boundary values.
@hypothesis_settings(max_examples=10, derandomize=True, database=None, deadline=None,
                     suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case: Any, served: Served) -> None:
    case.call_and_validate(base_url=served.base_url, headers=served.admin_headers(), checks=CHECKS)


def test_every_error_status_is_documented_with_the_envelope() -> None:
    envelopes = {"#/components/schemas/ErrorOut", "#/components/schemas/ValidationErrorOut",
                 "#/components/schemas/UpstreamErrorOut"}
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            errors = {int(code): answer for code, answer in operation["responses"].items()
                      if int(code) >= 400}
            # Every path needs a token but the public ones (login's 401 is a wrong password, the WhatsApp
            # webhook's a missing signature); health never answers one.
            assert (401 in errors) or is_public(path), (method, path)
            assert (401 not in errors) or path != "/api/v1/health"
            assert (422 in errors) == bool(operation.get("parameters") or operation.get("requestBody"))
            assert (413 in errors) == ("requestBody" in operation), (method, path)
            for answer in errors.values():
                assert answer["content"]["application/json"]["schema"]["$ref"] in envelopes, (method, path)
    assert not {"HTTPValidationError", "ValidationError"} & set(SPEC["components"]["schemas"])

