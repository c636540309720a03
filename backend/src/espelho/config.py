"""Settings, read from the environment (prefix ``ESPELHO_``) and an optional ``.env`` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NamedTuple
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path.cwd() / "espelho.db"
INSECURE_DEFAULT_SECRET = "change-me-insecure-default"


class UpstreamSettings(NamedTuple):
    """How to reach one upstream (`Settings.upstream`): what its client, rate limiter and metrics read."""

    base_url: str
    timeout_s: float
    max_attempts: int
    backoff_s: float
    rate_limit: int
    # Sent as `Authorization: Bearer …` when not None (an unset token goes empty: the upstream refuses it).
    token: SecretStr | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESPELHO_", env_file=".env", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{DEFAULT_SQLITE_PATH}")
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr(INSECURE_DEFAULT_SECRET)
    # True only for `make demo` and tests: allows the insecure default secret key.
    demo_mode: bool = False
    # The built web app (frontend/dist); served at / when it exists.
    web_dist_dir: str | None = str(Path(__file__).resolve().parents[3] / "frontend" / "dist")
    log_level: str = "INFO"
    log_json: bool = False
    # Request bodies larger than this are refused (413) before they are read (the API takes a few KB at most).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Browser origins allowed to call the API (comma-separated): only for a web app served from another
    # origin; `espelho serve` and the Vercel rewrites serve app and API from one origin and need none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Lets browsers send cookies / HTTP auth cross-origin; bearer tokens in Authorization don't need it.
    cors_allow_credentials: bool = False
    # Bearer token GET /metrics requires when set; unset leaves /metrics open (keep it off the internet).
    metrics_token: SecretStr | None = None

    # Comprasnet Contratos
    comprasnet_base_url: str = "https://contratos.comprasnet.gov.br/api"
    # A big UASG list takes 45–55 s to first byte upstream; child routes answer in under a second.
    comprasnet_list_timeout_s: float = 180.0
    comprasnet_child_timeout_s: float = 30.0
    comprasnet_max_attempts: int = 4
    comprasnet_backoff_s: float = 1.0
    # Upstream allows 1000/min per IP; stay well under it.
    comprasnet_rate_limit: int = 300
    contratos_vigencia_dias: int = 100
    contratos_proximos_vencer_dias: int = 30
    # Also read /contrato/inativo/ug/{uasg} in a UASG's base sync (a second call): contracts inactivated
    # upstream while still in force stay in view. `sync-comprasnet --inativos` does it for one run.
    contratos_incluir_inativos: bool = False

    # Acessórias
    acessorias_base_url: str = "https://api.acessorias.com"
    acessorias_token: SecretStr | None = None
    # Documented limit is 100/min per token, shared with everything else using the token.
    acessorias_rate_limit: int = 80
    acessorias_timeout_s: float = 60.0
    acessorias_max_attempts: int = 5
    acessorias_backoff_s: float = 2.0
    acessorias_max_in_flight: int = 5
    # Deadline window (days before/after today) of the full sync's company-by-company obligations sweep.
    acessorias_obrigacoes_dias_passado: int = 400
    acessorias_obrigacoes_dias_futuro: int = 120
    # The share (%) of acessorias_rate_limit the syncs' probe and incrementals may use, averaged over 15 min;
    # the rest is left to the office's other integrations and to full syncs.
    acessorias_budget_pct: int = Field(default=30, ge=1, le=100)

    # WhatsApp Cloud API (Meta Graph API). Off until the number id, token, app secret and verify token are
    # all set (the graph URL has a default); see whatsapp/ and docs/whatsapp.md.
    whatsapp_graph_url: str = "https://graph.facebook.com/v23.0"
    whatsapp_phone_number_id: str | None = None
    # The business phone number in international digits (5511…): the wa.me link of the linking code.
    # Optional: read from the Graph API (the number id's display_phone_number) when unset.
    whatsapp_business_number: str | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    # Approved message templates (language whatsapp_template_language): the alerts' summary, and any reply
    # that fell outside the 24-hour window (error 131047). Both take body parameters, see docs/whatsapp.md.
    whatsapp_template_alertas: str = "espelho_alertas"
    whatsapp_template_aviso: str = "espelho_aviso"
    whatsapp_template_language: str = "pt_BR"
    whatsapp_timeout_s: float = 15.0
    whatsapp_max_attempts: int = 4
    whatsapp_backoff_s: float = 1.0
    # Messages per minute sent by all workers together (Cloud API numbers take far more; this is a guard).
    whatsapp_rate_limit: int = 600
    # Lifetime of a linking code (VINCULAR <código>).
    whatsapp_codigo_minutos: int = 15

    # Auth: access-token lifetime; repeated login failures lock an email/client out for a doubling delay.
    access_token_expire_minutes: int = 480
    login_max_failures: int = 5
    login_lockout_s: float = 30.0
    # Password hashes (19 MiB each) computed at once per API process; past it a login waits up to
    # password_hash_wait_s for a turn, then gets 429. Bounds the memory a burst of logins can take.
    password_hash_concurrency: int = Field(default=2, ge=1)
    password_hash_wait_s: float = Field(default=5.0, ge=0)

    # Retention, applied daily (schedule_retencao) and by `espelho db prune`: change history and sync runs
    # older than this many days are deleted (failed runs, and the last run of each scope, are kept). The
    # step trees of processes concluded with a detail unchanged that long go with the history (fetched
    # again when opened).
    retencao_alteracoes_dias: int = Field(default=400, ge=1)
    retencao_sincronizacoes_dias: int = Field(default=90, ge=1)
    # The database plan's size limit in MiB (a free plan's 500); `espelho db status` tells the months left
    # at the last 30 days' growth. Unset: no quota.
    db_quota_mb: float | None = Field(default=None, gt=0)

    # Background jobs (Celery when redis_url is set, in-process threads otherwise).
    # Celery's keys and queue are prefixed so several deployments/test runs share one Redis.
    redis_key_prefix: str = "espelho:"
    celery_queue: str = "espelho"
    # A triggered run may wait this long in the queue (its scope stays reserved meanwhile); after that the
    # next trigger or run of its scope fails it ("never started") and takes its place.
    sync_stale_after_s: float = 900.0
    # Where a run's scope lock (a PostgreSQL session advisory lock) connects, when database_url goes
    # through a transaction pooler (PgBouncer pool_mode=transaction), which breaks session locks: a direct
    # or session-mode URL to the same database. Unset: database_url.
    sync_lock_database_url: str | None = None
    # Run the schedule inside the API process when there is no Redis (off in tests).
    scheduler_enabled: bool = True
    # Cron expressions (minute hour day month day-of-week), in schedule_timezone.
    schedule_timezone: str = "America/Sao_Paulo"
    schedule_acessorias_incremental: str = "*/15 * * * *"
    # The cheap "anything new?" probe (seconds or cron); the 15-minute incremental is its safety net.
    schedule_acessorias_probe: str = "60"
    schedule_metricas_diarias: str = "0 0 * * *"
    schedule_contratos_uasg: str = "0 3 * * *"
    # Retention and the day's database size (after the 03:00 UASG syncs).
    schedule_retencao: str = "30 3 * * *"
    # The WhatsApp alerts (runs only when WhatsApp is configured).
    schedule_alertas: str = "0 8 * * mon-fri"
    # UASG codes synced daily: comma-separated in the environment (ESPELHO_CONTRATOS_UASGS=160001,200999).
    contratos_uasgs: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # More modules registering jobs (comma-separated), imported by workers and the in-process runner.
    extra_job_modules: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Addresses (or CIDRs) of the reverse proxies whose X-Forwarded-For/-Proto `espelho serve` believes,
    # comma-separated; none by default, so no client can choose the address the login throttle counts.
    # "*" (a platform's proxy, whose address is not known in advance, as on Render): the rightmost
    # X-Forwarded-For hop, the one that proxy appended, is the client; what the client wrote is ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A header the platform's edge sets to the client's address, replacing whatever the client sent
    # (`Fly-Client-IP` on Fly.io); believed over X-Forwarded-For. Only where every request comes
    # through that edge.
    client_ip_header: str | None = None

    @field_validator("database_url", "sync_lock_database_url")
    @classmethod
    def _psycopg_driver(cls, url: str | None) -> str | None:
        # Render, Fly and Heroku-style platforms hand out postgres:// or postgresql:// URLs, for which
        # SQLAlchemy would pick psycopg2 (not installed): use psycopg 3, the driver Espelho ships.
        if url is None:
            return None
        scheme, sep, rest = url.partition("://")
        return f"postgresql+psycopg://{rest}" if sep and scheme in ("postgres", "postgresql") else url

    @field_validator("contratos_uasgs", "extra_job_modules", "cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_uasgs(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value.replace("'", '"'))
        if isinstance(value, str):
            return [code.strip() for code in value.replace(";", ",").split(",") if code.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        # Browsers send the origin bare (scheme://host[:port]); "https://app.example/" would never match.
        cleaned = [origin.rstrip("/") for origin in origins]
        for origin in cleaned:
            parts = urlsplit(origin)
            if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path
                                  or parts.query or parts.fragment):
                raise ValueError(f"ESPELHO_CORS_ORIGINS: {origin!r} is not an origin like https://app.example.com")
        return cleaned

    @field_validator("metrics_token", "db_quota_mb", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Compose and platform dashboards pass an unset variable as "".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_allow_credentials")
    @classmethod
    def _no_wildcard_with_credentials(cls, allow: bool, info: ValidationInfo) -> bool:
        # A field validator (not a model one), so the error echoes this flag only, never other settings.
        if allow and "*" in info.data.get("cors_origins", []):
            raise ValueError("ESPELHO_CORS_ORIGINS='*' together with ESPELHO_CORS_ALLOW_CREDENTIALS=true "
                             "would let any website call the API with a user's credentials: "
                             "list the web app's origins instead")
        return allow

    @property
    def whatsapp_enabled(self) -> bool:
        secrets = (self.whatsapp_access_token, self.whatsapp_app_secret, self.whatsapp_verify_token)
        return bool(self.whatsapp_graph_url and self.whatsapp_phone_number_id
                    and all(s is not None and s.get_secret_value() for s in secrets))

    def upstream(self, name: str) -> UpstreamSettings:
        """The settings of upstream `name`: `comprasnet` (its tab timeout; the slow list has its own),
        `acessorias` or `whatsapp`."""
        match name:
            case "comprasnet":
                return UpstreamSettings(self.comprasnet_base_url, self.comprasnet_child_timeout_s,
                                        self.comprasnet_max_attempts, self.comprasnet_backoff_s,
                                        self.comprasnet_rate_limit)
            case "acessorias":
                return UpstreamSettings(self.acessorias_base_url, self.acessorias_timeout_s,
                                        self.acessorias_max_attempts, self.acessorias_backoff_s,
                                        self.acessorias_rate_limit, self.acessorias_token or SecretStr(""))
            case "whatsapp":
                return UpstreamSettings(self.whatsapp_graph_url, self.whatsapp_timeout_s,
                                        self.whatsapp_max_attempts, self.whatsapp_backoff_s,
                                        self.whatsapp_rate_limit, self.whatsapp_access_token or SecretStr(""))
        raise KeyError(f"unknown upstream {name!r}")
