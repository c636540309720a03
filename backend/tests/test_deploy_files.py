"""The deployment files parse and hold what each platform needs: the CI workflow, render.yaml, fly.toml,
railway*.json, frontend/vercel.json and docker-compose.yml. Every `espelho …` command they run is parsed by
the real CLI
and every ESPELHO_* variable they set is a real setting, so a renamed command or setting fails here."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from espelho.cli import app as cli_app
from espelho.config import Settings

ROOT = Path(__file__).resolve().parents[2]
HEALTH = "/api/v1/health"


def load_yaml(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def assert_cli_accepts(command: str | list[str]) -> None:
    """`espelho ARGS…` resolves to a real (sub)command whose options all exist (nothing is run)."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    assert argv[0] == "espelho", argv
    cmd: Any = typer.main.get_command(cli_app)
    args = argv[1:]
    while hasattr(cmd, "commands"):  # a group: descend into the named subcommand
        assert args and args[0] in cmd.commands, f"no command {args[:1]} in {command!r}"
        cmd, args = cmd.commands[args[0]], args[1:]
    try:
        cmd.make_context(argv[0], args)  # parses the options like a real run, without invoking
    except Exception as exc:  # Click's usage errors (Typer vendors its own Click)
        raise AssertionError(f"{command!r}: {exc}") from exc


def assert_real_settings(names: list[str]) -> None:
    unknown = [n for n in names if n.startswith("ESPELHO_") and n[8:].lower() not in Settings.model_fields]
    assert not unknown, f"not Espelho settings: {unknown}"


def test_the_cli_check_itself_rejects_what_does_not_exist() -> None:
    assert_cli_accepts("espelho worker --concurrency 2")
    for wrong in ("espelho workers", "espelho worker --threads 2", "espelho db migrate"):
        with pytest.raises(AssertionError):
            assert_cli_accepts(wrong)
    assert_real_settings(["ESPELHO_CORS_ORIGINS", "OTHER"])
    with pytest.raises(AssertionError):
        assert_real_settings(["ESPELHO_CORS_ORIGIN"])


def test_espelho_version_answers_without_a_command() -> None:
    result = CliRunner().invoke(cli_app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip()


# --- GitHub Actions ---------------------------------------------------------------------------------------
def test_workflow_runs_make_test_with_postgres_and_redis_services() -> None:
    workflow = load_yaml(".github/workflows/ci.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    jobs = workflow["jobs"]

    test = jobs["test"]
    assert test["container"]["image"].startswith("debian:")  # Debian's chromium, as in the README
    services = test["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "--health-cmd" in services["postgres"]["options"]
    assert "pg_isready" in services["postgres"]["options"]
    assert "redis-cli ping" in services["redis"]["options"]
    # The tests reach the services under the names the job gives them.
    database = services["postgres"]["env"]["POSTGRES_DB"]
    assert test["env"]["ESPELHO_TEST_PG_URL"].endswith(f"@postgres:5432/{database}")
    assert test["env"]["ESPELHO_TEST_REDIS"] == "redis://redis:6379"
    steps = test["steps"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert uses["astral-sh/setup-uv"]["with"]["enable-cache"] is True
    assert uses["actions/setup-node"]["with"]["cache"] == "npm"
    runs = [step.get("run", "") for step in steps]
    assert any("apt-get install" in run and "chromium" in run and "/usr/bin/chromium" in run for run in runs)
    assert runs[-1].strip() == "make test"  # the README's command, after the set-up

    assert any(step.get("run", "").strip() == "make lint" for step in jobs["lint"]["steps"])

    (build,) = [s for s in jobs["image"]["steps"] if s.get("uses", "").startswith("docker/build-push-action")]
    assert build["with"]["push"] is False
    assert (ROOT / build["with"]["file"]).is_file()
    for job in jobs.values():
        for step in job["steps"]:
            if "uses" in step:
                assert "@v" in step["uses"], f"unpinned action {step['uses']}"


# --- Render ----------------------------------------------------------------------------------------------
# Fields of the Render Blueprint JSON schema (render.com/schema/render.yaml.json) this file may use.
RENDER_SERVICE_FIELDS = {"type", "name", "runtime", "plan", "region", "dockerfilePath", "dockerContext",
                         "dockerCommand", "preDeployCommand", "healthCheckPath", "numInstances", "envVars",
                         "scaling", "autoDeployTrigger", "maxShutdownDelaySeconds", "domains"}
RENDER_KEYVALUE_FIELDS = {"type", "name", "plan", "region", "ipAllowList", "maxmemoryPolicy",
                          "persistenceMode"}
RENDER_DATABASE_FIELDS = {"name", "databaseName", "user", "plan", "region", "postgresMajorVersion",
                          "ipAllowList", "diskSizeGB"}


def test_render_blueprint_runs_api_workers_one_beat_and_migrates_before_deploy() -> None:
    blueprint = load_yaml("render.yaml")
    services = blueprint["services"]
    apps = [s for s in services if s["type"] in ("web", "worker")]
    for service in apps:
        assert set(service) <= RENDER_SERVICE_FIELDS, set(service) - RENDER_SERVICE_FIELDS
        assert service["runtime"] == "docker" and (ROOT / service["dockerfilePath"]).is_file()
        assert_cli_accepts(service["dockerCommand"])

    (web,) = [s for s in apps if s["type"] == "web"]
    assert web["dockerCommand"].startswith("espelho serve --host 0.0.0.0")
    assert web["preDeployCommand"] == "espelho db upgrade"
    assert web["healthCheckPath"] == HEALTH
    assert [s for s in apps if s["dockerCommand"].startswith("espelho worker")]
    (beat,) = [s for s in apps if s["dockerCommand"].startswith("espelho beat")]
    assert beat["numInstances"] == 1 and "scaling" not in beat

    (keyvalue,) = [s for s in services if s["type"] == "keyvalue"]
    assert set(keyvalue) <= RENDER_KEYVALUE_FIELDS and "ipAllowList" in keyvalue  # required by Render
    assert keyvalue["maxmemoryPolicy"] == "noeviction"
    (database,) = blueprint["databases"]
    assert set(database) <= RENDER_DATABASE_FIELDS
    groups = {group["name"]: group for group in blueprint["envVarGroups"]}

    for service in apps:
        env = {var["key"]: var for var in service["envVars"] if "key" in var}
        assert env["ESPELHO_DATABASE_URL"]["fromDatabase"] == {"name": database["name"],
                                                               "property": "connectionString"}
        assert env["ESPELHO_REDIS_URL"]["fromService"] == {"type": "keyvalue", "name": keyvalue["name"],
                                                           "property": "connectionString"}
        for var in service["envVars"]:
            assert "key" in var or var["fromGroup"] in groups
        assert_real_settings(list(env))
    for group in groups.values():
        keys = [var["key"] for var in group["envVars"]]
        assert_real_settings(keys)
        assert "ESPELHO_SECRET_KEY" in keys
        secrets = [var for var in group["envVars"] if "TOKEN" in var["key"] or "SECRET" in var["key"]]
        # Generated by Render or typed into the dashboard: never a value committed here.
        assert secrets and all("value" not in var for var in secrets)


def test_platform_database_urls_get_the_installed_driver() -> None:
    # Render's and Fly's postgres(ql):// URLs would otherwise make SQLAlchemy look for psycopg2.
    for given in ("postgresql://u:p@db.internal:5432/espelho", "postgres://u:p@db.internal:5432/espelho"):
        assert Settings(database_url=given, _env_file=None).database_url == (  # type: ignore[call-arg]
            "postgresql+psycopg://u:p@db.internal:5432/espelho")
    assert Settings(database_url="sqlite:///x.db", _env_file=None).database_url == "sqlite:///x.db"  # type: ignore[call-arg]


# --- Fly.io ----------------------------------------------------------------------------------------------
def test_fly_config_has_three_processes_a_release_migration_and_the_health_check() -> None:
    fly = tomllib.loads((ROOT / "fly.toml").read_text(encoding="utf-8"))
    processes = fly["processes"]
    assert set(processes) == {"app", "worker", "beat"}
    assert processes["app"].startswith("espelho serve")
    assert processes["worker"].startswith("espelho worker")
    assert processes["beat"].startswith("espelho beat")
    for command in processes.values():
        assert_cli_accepts(command)
    assert fly["deploy"]["release_command"] == "espelho db upgrade"
    assert (ROOT / fly["build"]["dockerfile"]).is_file()

    service = fly["http_service"]
    assert service["processes"] == ["app"]
    assert f"--port {service['internal_port']}" in processes["app"]
    (check,) = service["checks"]
    assert check["path"] == HEALTH and check["method"] == "GET"
    assert_real_settings(list(fly.get("env", {})))
    assert {p for vm in fly["vm"] for p in vm["processes"]} == set(processes)


# --- Railway ---------------------------------------------------------------------------------------------
def test_railway_services_run_the_api_workers_and_one_beat_and_migrate_before_deploy() -> None:
    services = {name: json.loads((ROOT / f"railway{suffix}.json").read_text(encoding="utf-8"))
                for name, suffix in (("api", ""), ("worker", ".worker"), ("beat", ".beat"))}
    for name, config in services.items():
        assert config["build"]["builder"] == "DOCKERFILE"
        assert (ROOT / config["build"]["dockerfilePath"]).is_file()
        command = config["deploy"]["startCommand"]
        assert command.startswith(f"espelho {'serve' if name == 'api' else name}"), command
        assert_cli_accepts(command)
    api = services["api"]["deploy"]
    assert api["preDeployCommand"] == ["espelho db upgrade"]
    assert api["healthcheckPath"] == HEALTH
    assert "preDeployCommand" not in services["worker"]["deploy"]  # migrated once, by the API's deploy
    assert services["beat"]["deploy"]["numReplicas"] == 1  # a second beat sends every job twice


# --- Vercel ----------------------------------------------------------------------------------------------
def test_vercel_rewrites_the_api_then_everything_else_to_the_spa() -> None:
    vercel = json.loads((ROOT / "frontend" / "vercel.json").read_text(encoding="utf-8"))
    api, spa = vercel["rewrites"]  # order matters: the catch-all must come last
    assert api["source"] == "/api/:path*"
    assert api["destination"].startswith("https://") and api["destination"].endswith("/api/:path*")
    assert spa == {"source": "/(.*)", "destination": "/index.html"}
    assert vercel["outputDirectory"] == "dist"  # vite.config.ts build.outDir


# --- Docker Compose --------------------------------------------------------------------------------------
def test_compose_waits_on_health_checks_and_migrates_once_before_the_api() -> None:
    compose = load_yaml("docker-compose.yml")
    services = compose["services"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert any(HEALTH in part for part in services["api"]["healthcheck"]["test"])

    migrate = services["migrate"]
    assert migrate["command"] == ["espelho", "db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker", "beat"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"
        assert_cli_accepts(services[name]["command"])
    assert services["beat"]["command"][:2] == ["espelho", "beat"]
    assert "replicas" not in services["beat"].get("deploy", {})

    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    assert_real_settings(list(services["api"]["environment"]))

    dev = services["dev"]
    assert dev["profiles"] == ["dev"]
    script = dev["command"][-1]
    assert "espelho simulate" in script and "--reload" in script
    for part in script.split("&"):
        assert_cli_accepts(part.replace("exec ", "").strip())
    assert_real_settings(list(dev["environment"]))
    assert dev["environment"]["ESPELHO_COMPRASNET_BASE_URL"].startswith("http://127.0.0.1:8001/")
