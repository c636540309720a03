"""Imports every domain's models so `Base.metadata` knows all tables (Alembic, tests)."""

from espelho.acessorias import models as acessorias_models
from espelho.alertas import models as alertas_models
from espelho.auth import models as auth_models
from espelho.contratos import models as contratos_models
from espelho.db import Base
from espelho.relatorios import models as relatorios_models
from espelho.retencao import models as retencao_models
from espelho.syncs import models as syncs_models
from espelho.upstream import ratelimit as upstream_ratelimit
from espelho.whatsapp import models as whatsapp_models

__all__ = [
    "Base",
    "acessorias_models",
    "alertas_models",
    "auth_models",
    "contratos_models",
    "relatorios_models",
    "retencao_models",
    "syncs_models",
    "upstream_ratelimit",
    "whatsapp_models",
]
