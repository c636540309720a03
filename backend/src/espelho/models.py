"""Imports every domain's models so `Base.metadata` knows all tables (Alembic, tests)."""

from espelho.acessorias import models as acessorias_models
from espelho.auth import models as auth_models
from espelho.contratos import models as contratos_models
from espelho.db import Base
from espelho.syncs import locks as syncs_locks
from espelho.syncs import models as syncs_models
from espelho.upstream import ratelimit as upstream_ratelimit

__all__ = ["Base", "acessorias_models", "auth_models", "contratos_models", "syncs_locks", "syncs_models",
           "upstream_ratelimit"]
