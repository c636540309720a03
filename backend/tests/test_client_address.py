"""The client's address behind each platform's proxy (issue 20, N2): with the settings render.yaml and
fly.toml ship, a client that rotates X-Forwarded-For over 30 wrong logins to 30 e-mails meets the
per-address 429 after the documented limit (ESPELHO_LOGIN_MAX_FAILURES × 5); the throttle forgets its
least recently used keys, never every lockout at once."""

from __future__ import annotations

import tomllib

import httpx
import pytest
import yaml

from espelho.auth.security import LoginThrottle
from espelho.cli import proxy_options
from espelho.config import Settings
from espelho.main import create_app
from tests.helpers import free_port, serve_in_thread
from tests.test_deploy_files import ROOT

CLIENT = "198.51.100.7"  # the address the platform's proxy received the request from


def _render() -> dict[str, str]:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text(encoding="utf-8"))
    api = next(s for s in blueprint["services"] if s.get("name") == "espelho-api")
    return {v["key"]: str(v["value"]) for v in api["envVars"] if "value" in v}


def _fly() -> dict[str, str]:
    return tomllib.loads((ROOT / "fly.toml").read_text(encoding="utf-8"))["env"]


def _as_render_forwards(spoofed: str) -> dict[str, str]:
    """Render's proxy appends the address it received the request from to what the client sent."""
    return {"X-Forwarded-For": f"{spoofed}, {CLIENT}", "X-Forwarded-Proto": "https"}


def _as_fly_forwards(spoofed: str) -> dict[str, str]:
    """Fly's proxy sets Fly-Client-IP (over any the client sent) and appends to X-Forwarded-For."""
    return {"X-Forwarded-For": f"{spoofed}, {CLIENT}", "Fly-Client-IP": CLIENT, "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(("platform", "forwarded"),
                         [(_render, _as_render_forwards), (_fly, _as_fly_forwards)], ids=["render", "fly"])
def test_a_client_rotating_x_forwarded_for_meets_the_per_address_429(settings: Settings, platform: object,
                                                                     forwarded: object) -> None:
    shipped = {k[len("ESPELHO_"):].lower(): v for k, v in platform().items()  # type: ignore[operator]
               if k[len("ESPELHO_"):].lower() in ("trusted_proxies", "client_ip_header")}
    assert shipped, "the blueprint names no way to find the client"
    app_settings = Settings.model_validate({**settings.model_dump(), **shipped})
    limit = app_settings.login_max_failures * LoginThrottle.ADDRESS_FACTOR  # README: 5 × 5 = 25
    statuses = []
    with serve_in_thread(create_app(app_settings), free_port(), **proxy_options(app_settings)) as base, \
            httpx.Client(base_url=base, timeout=60) as http:
        for i in range(30):
            headers = forwarded(f"203.0.113.{i}")  # type: ignore[operator]
            answer = http.post("/api/v1/auth/login", headers=headers,
                               json={"email": f"spray{i}@example.com", "password": "wrong-password"})
            statuses.append(answer.status_code)
    assert statuses == [401] * limit + [429] * (30 - limit), statuses


def test_the_throttle_forgets_its_oldest_keys_not_every_lockout() -> None:
    now = [0.0]
    throttle = LoginThrottle(max_failures=1, lockout_s=60, clock=lambda: now[0], max_keys=8)
    throttle.failed("email:victim@example.com")
    for i in range(100):  # a spray of new e-mails from one address, far past the bound
        throttle.failed(f"email:spray{i}@example.com", "ip:203.0.113.9")
        assert throttle.retry_after("ip:203.0.113.9") > 0 or i < LoginThrottle.ADDRESS_FACTOR - 1
    assert throttle.retry_after("ip:203.0.113.9") > 0  # still locked: its key is the freshest
    assert throttle.retry_after("email:spray99@example.com") > 0
    assert throttle.retry_after("email:victim@example.com") == 0  # the oldest key went first
