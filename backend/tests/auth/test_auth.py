"""Users, login, tokens and roles through the HTTP API and the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from espelho.auth.models import Usuario
from espelho.auth.security import create_access_token
from espelho.config import INSECURE_DEFAULT_SECRET, Settings
from espelho.db import Database
from espelho.main import create_app
from tests.helpers import client_as

PASSWORD = "s3cret-Passw0rd!"


def _create(api: TestClient, email: str, role: str = "USER", password: str = PASSWORD) -> dict:
    response = api.post("/api/v1/usuarios/", json={"email": email, "password": password, "role": role})
    assert response.status_code == 201, response.text
    return response.json()


def test_login_returns_a_bearer_token_that_opens_me(api: TestClient, anon_api: TestClient,
                                                     database: Database) -> None:
    created = _create(api, "Maria@Example.com", "MANAGER")
    assert created["email"] == "maria@example.com" and created["ultimo_acesso"] is None
    assert "senha_hash" not in created and "password" not in created

    response = anon_api.post("/api/v1/auth/login", json={"email": "maria@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    assert PASSWORD not in response.text

    me = anon_api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "maria@example.com" and me.json()["role"] == "MANAGER"
    assert me.json()["ultimo_acesso"] is not None
    with database.session() as session:
        user = session.scalar(select(Usuario).where(Usuario.email == "maria@example.com"))
        assert user is not None and user.ultimo_acesso is not None
        assert user.senha_hash.startswith("$argon2") and PASSWORD not in user.senha_hash


def test_wrong_credentials_get_401(api: TestClient, anon_api: TestClient) -> None:
    _create(api, "joao@example.com")
    wrong = anon_api.post("/api/v1/auth/login", json={"email": "joao@example.com", "password": "nope-nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    unknown = anon_api.post("/api/v1/auth/login", json={"email": "ninguem@example.com", "password": PASSWORD})
    assert unknown.status_code == 401


def test_repeated_failures_are_slowed_down(api: TestClient, anon_api: TestClient, settings: Settings) -> None:
    _create(api, "alvo@example.com")
    for _ in range(settings.login_max_failures):
        assert anon_api.post("/api/v1/auth/login",
                             json={"email": "alvo@example.com", "password": "guess"}).status_code == 401
    # Locked out now, even with the right password, until the delay passes.
    blocked = anon_api.post("/api/v1/auth/login", json={"email": "alvo@example.com", "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_requests"
    assert int(blocked.headers["Retry-After"]) >= 1


def test_missing_malformed_or_expired_tokens_get_401(anon_api: TestClient, settings: Settings,
                                                      database: Database) -> None:
    assert anon_api.get("/api/v1/auth/me").status_code == 401
    assert anon_api.get("/api/v1/usuarios/").status_code == 401
    assert anon_api.post("/api/v1/sync/manual", json={"tipo": "FULL"}).status_code == 401
    assert anon_api.post("/api/contratos/sync/?uasg=160001").status_code == 401
    for header in ("Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer "):
        response = anon_api.get("/api/v1/auth/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"] == "unauthorized"

    from tests.helpers import create_user_with_token

    user_id, _ = create_user_with_token(database, settings, "ADMIN")
    expired = create_access_token(settings, user_id, "ADMIN", 0, expires_in=timedelta(seconds=-5))
    response = anon_api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.text
    other_key = settings.model_copy(update={"secret_key": settings.secret_key.__class__("x" * 40)})
    forged = create_access_token(other_key, user_id, "ADMIN", 0)
    assert anon_api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_public_routes_need_no_token(anon_api: TestClient) -> None:
    assert anon_api.get("/api/v1/health").status_code == 200


def _login(anon_api: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = anon_api.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_deactivated_user_token_stops_working_for_good(api: TestClient, anon_api: TestClient) -> None:
    user = _create(api, "sai@example.com")
    token = _login(anon_api, "sai@example.com")
    assert api.patch(f"/api/v1/usuarios/{user['id']}", json={"ativo": False}).status_code == 200
    assert anon_api.get("/api/v1/auth/me", headers=token).status_code == 401
    # Reactivation does not revive the tokens of before: the user signs in again.
    assert api.patch(f"/api/v1/usuarios/{user['id']}", json={"ativo": True}).status_code == 200
    assert anon_api.get("/api/v1/auth/me", headers=token).status_code == 401
    assert anon_api.get("/api/v1/auth/me", headers=_login(anon_api, "sai@example.com")).status_code == 200


def test_a_deleted_users_token_never_opens_the_next_user(api: TestClient, anon_api: TestClient) -> None:
    deleted = _create(api, "apagado@example.com", "USER")  # the highest id, the one SQLite used to reuse
    token = _login(anon_api, "apagado@example.com")
    assert api.delete(f"/api/v1/usuarios/{deleted['id']}").status_code == 204
    successor = _create(api, "novo-admin@example.com", "ADMIN")
    assert successor["id"] != deleted["id"]
    response = anon_api.get("/api/v1/auth/me", headers=token)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert anon_api.post("/api/v1/usuarios/", headers=token,
                         json={"email": "intruso@example.com", "password": PASSWORD, "role": "ADMIN"}
                         ).status_code == 401


def test_tokens_from_before_a_password_change_get_401(api: TestClient, anon_api: TestClient) -> None:
    user = _create(api, "troca@example.com", "MANAGER")
    before = _login(anon_api, "troca@example.com")
    assert api.patch(f"/api/v1/usuarios/{user['id']}", json={"password": "new-Passw0rd!"}).status_code == 200
    assert anon_api.get("/api/v1/auth/me", headers=before).status_code == 401
    after = _login(anon_api, "troca@example.com", "new-Passw0rd!")
    assert anon_api.get("/api/v1/auth/me", headers=after).status_code == 200
    # A name change revokes nothing; a role change does (the token must not carry the old rights).
    assert api.patch(f"/api/v1/usuarios/{user['id']}", json={"nome": "Troca"}).status_code == 200
    assert anon_api.get("/api/v1/auth/me", headers=after).status_code == 200
    assert api.patch(f"/api/v1/usuarios/{user['id']}", json={"role": "USER"}).status_code == 200
    assert anon_api.get("/api/v1/auth/me", headers=after).status_code == 401


def test_a_token_without_a_version_gets_401(anon_api: TestClient, settings: Settings,
                                            database: Database) -> None:
    """Tokens signed before token versions existed carry none: they die with the upgrade."""
    import jwt

    from espelho.clock import now_utc
    from tests.helpers import create_user_with_token

    user_id, _ = create_user_with_token(database, settings, "ADMIN")
    claims = {"sub": str(user_id), "role": "ADMIN", "iat": now_utc(), "exp": now_utc() + timedelta(hours=1)}
    old = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256")
    assert anon_api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_roles_give_403_not_401(api: TestClient) -> None:
    user = client_as(api, "USER")
    manager = client_as(api, "MANAGER")
    assert user.get("/api/v1/auth/me").status_code == 200
    for client in (user, manager):
        response = client.get("/api/v1/usuarios/")
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
        assert client.post("/api/v1/usuarios/", json={"email": "x@example.com", "password": PASSWORD}
                           ).status_code == 403
    # Sync triggers need ADMIN or MANAGER.
    assert user.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"}).status_code == 403
    assert user.post("/api/contratos/sync/?uasg=160001").status_code == 403
    # Contract tab syncs too (checked before the contract is even looked up).
    assert user.post("/api/contratos/1/sincronizar/").status_code == 403
    assert user.post("/api/contratos/1/sincronizar/empenhos/").status_code == 403
    assert manager.post("/api/contratos/999999999/sincronizar/empenhos/").status_code == 404


def test_usuarios_crud(api: TestClient) -> None:
    created = _create(api, "ana@example.com", "USER")
    assert api.post("/api/v1/usuarios/", json={"email": "ANA@example.com", "password": PASSWORD}
                    ).status_code == 409
    bad = api.post("/api/v1/usuarios/", json={"email": "not an email", "password": PASSWORD})
    assert bad.status_code == 422
    listing = api.get("/api/v1/usuarios/").json()
    assert listing["total"] == 2 and {u["email"] for u in listing["items"]} >= {"ana@example.com"}
    patched = api.patch(f"/api/v1/usuarios/{created['id']}", json={"role": "MANAGER", "nome": "Ana"})
    assert patched.status_code == 200 and patched.json()["role"] == "MANAGER"
    assert api.get(f"/api/v1/usuarios/{created['id']}").json()["nome"] == "Ana"
    assert api.delete(f"/api/v1/usuarios/{created['id']}").status_code == 204
    assert api.get(f"/api/v1/usuarios/{created['id']}").status_code == 404


def test_the_last_admin_cannot_be_removed(api: TestClient) -> None:
    me = api.get("/api/v1/auth/me").json()
    assert api.patch(f"/api/v1/usuarios/{me['id']}", json={"role": "USER"}).status_code == 409
    assert api.delete(f"/api/v1/usuarios/{me['id']}").status_code == 409


_REMOVALS = [("PATCH", {"ativo": False}), ("PATCH", {"role": "USER"}), ("DELETE", None)]


def _at_once(*calls: tuple[TestClient, str, str, dict | None]) -> list[int]:
    """Send the requests from threads released together; their statuses."""
    import threading

    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def send(client: TestClient, method: str, url: str, body: dict | None) -> None:
        barrier.wait()
        statuses.append(client.request(method, url, **({"json": body} if body else {})).status_code)

    threads = [threading.Thread(target=send, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(statuses)


def test_two_admins_removing_each_other_at_once_always_leave_one(settings: Settings,
                                                                  database: Database) -> None:
    """Each of the only two active ADMINs deactivates, demotes or deletes the other at the same instant:
    whatever wins, an active ADMIN is left (the guard counts inside the write lock / row locks)."""
    from sqlalchemy import func, update

    from tests.helpers import create_user_with_token

    with TestClient(create_app(settings)) as app_client:
        for trial in range(9):
            with database.session() as session:  # the pair below are the only active ADMINs
                session.execute(update(Usuario).values(ativo=False))
            (a, token_a), (b, token_b) = (create_user_with_token(database, settings, "ADMIN") for _ in "ab")
            as_a, as_b = (TestClient(app_client.app, headers={"Authorization": f"Bearer {t}"})
                          for t in (token_a, token_b))
            first, second = _REMOVALS[trial % 3], _REMOVALS[(trial + trial // 3) % 3]
            statuses = _at_once((as_a, first[0], f"/api/v1/usuarios/{b}", first[1]),
                                (as_b, second[0], f"/api/v1/usuarios/{a}", second[1]))
            with database.session() as session:
                left = session.scalar(select(func.count()).select_from(Usuario).where(
                    Usuario.role == "ADMIN", Usuario.ativo.is_(True)))
            assert left == 1, (trial, statuses)
            assert statuses[0] in (200, 204) and statuses[1] in (401, 409), statuses


def test_passwords_are_not_echoed_in_validation_errors(anon_api: TestClient, api: TestClient) -> None:
    response = anon_api.post("/api/v1/auth/login", json={"password": "hunter2-secret"})
    assert response.status_code == 422 and "hunter2-secret" not in response.text
    response = api.post("/api/v1/usuarios/", json={"email": "a@example.com", "password": "short"})
    assert response.status_code == 422 and "short" not in response.text.replace("too_short", "")


def test_cli_user_create_then_login(cli, anon_api: TestClient) -> None:  # type: ignore[no-untyped-def]
    result = cli("user", "create", "--email", "chefe@example.com", "--password", PASSWORD, "--role", "ADMIN")
    assert result.exit_code == 0, result.output
    assert cli("user", "create", "--email", "chefe@example.com", "--password", PASSWORD).exit_code == 1
    assert cli("user", "create", "--email", "no-at-sign", "--password", PASSWORD).exit_code == 1
    bad_role = cli("user", "create", "--email", "x@example.com", "--password", PASSWORD, "--role", "BOSS")
    assert bad_role.exit_code == 1
    listed = cli("user", "list")
    assert "chefe@example.com" in listed.output and PASSWORD not in listed.output
    login = anon_api.post("/api/v1/auth/login", json={"email": "chefe@example.com", "password": PASSWORD})
    assert login.status_code == 200
    me = anon_api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.json()["role"] == "ADMIN"


def test_app_refuses_to_start_with_a_default_secret_outside_demo(database: Database) -> None:
    for key in (INSECURE_DEFAULT_SECRET, "", "short"):
        with pytest.raises(RuntimeError, match="ESPELHO_SECRET_KEY"):
            create_app(Settings(database_url=database.url, demo_mode=False, secret_key=key,
                                _env_file=None))  # type: ignore[call-arg]
    good = Settings(database_url=database.url, demo_mode=False, secret_key="k" * 48, scheduler_enabled=False,
                    _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(good)) as client:
        assert client.get("/api/v1/health").status_code == 200


def test_login_throttle_doubles_and_expires() -> None:
    from espelho.auth.security import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(max_failures=3, lockout_s=10, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("email:a@example.com", "ip:1.2.3.4")
    assert throttle.retry_after("email:a@example.com") == 0
    throttle.failed("email:a@example.com", "ip:1.2.3.4")
    assert throttle.retry_after("email:a@example.com") == 10
    assert throttle.retry_after("ip:1.2.3.4") == 0  # an address gets more tries (shared by an office)
    throttle.failed("email:a@example.com")
    assert throttle.retry_after("email:a@example.com") == 20
    now[0] = 21
    assert throttle.retry_after("email:a@example.com") == 0
    throttle.succeeded("email:a@example.com")
    throttle.failed("email:a@example.com")
    assert throttle.retry_after("email:a@example.com") == 0
    for i in range(15 - 3):  # the address had 3 failures already; its limit is 3 × 5
        throttle.failed(f"email:other{i}@example.com", "ip:1.2.3.4")
    assert throttle.retry_after("email:new@example.com", "ip:1.2.3.4") > 0


def test_an_old_parameter_hash_is_upgraded_at_the_next_successful_login(
        api: TestClient, anon_api: TestClient, database: Database) -> None:
    from argon2 import PasswordHasher

    created = _create(api, "antiga@example.com")
    # What argon2-cffi's defaults (64 MiB, t=3, p=4) stored before this release.
    old_hash = PasswordHasher().hash(PASSWORD)
    with database.session() as session:
        user = session.get(Usuario, created["id"])
        assert user is not None
        user.senha_hash = old_hash
        version = user.token_version

    def stored() -> tuple[str, int]:
        with database.session() as session:
            user = session.get(Usuario, created["id"])
            assert user is not None
            return user.senha_hash, user.token_version

    wrong = anon_api.post("/api/v1/auth/login", json={"email": "antiga@example.com", "password": "wrong-one"})
    assert wrong.status_code == 401 and stored()[0] == old_hash  # only a right password may be rehashed
    first = anon_api.post("/api/v1/auth/login", json={"email": "antiga@example.com", "password": PASSWORD})
    assert first.status_code == 200
    upgraded, after = stored()
    assert upgraded != old_hash and upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert after == version  # same password: the user's tokens stay valid
    token = first.json()["access_token"]
    assert anon_api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = anon_api.post("/api/v1/auth/login", json={"email": "antiga@example.com", "password": PASSWORD})
    assert again.status_code == 200 and stored()[0] == upgraded  # already current: left alone


@contextmanager
def hashing_elsewhere(client: TestClient) -> Iterator[None]:
    """Another request busy in the app's only hashing turn until the block ends."""
    passwords = client.app.state.passwords  # type: ignore[attr-defined]
    started, done = threading.Event(), threading.Event()

    def busy() -> None:
        started.set()
        done.wait(30)

    thread = threading.Thread(target=passwords.run, args=(busy,))
    thread.start()
    assert started.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join(10)


@pytest.mark.real_clock  # a login waits for its turn on a timed semaphore
def test_logins_past_the_hash_bound_wait_then_get_429(settings: Settings, database: Database) -> None:
    from tests.helpers import create_user_with_token

    bounded = settings.model_copy(update={"password_hash_concurrency": 1, "password_hash_wait_s": 0.2})
    create_user_with_token(database, bounded, "USER", email="fila@example.com")
    credentials = {"email": "fila@example.com", "password": "fixture-password-123"}
    with TestClient(create_app(bounded)) as client:
        with hashing_elsewhere(client):
            busy = client.post("/api/v1/auth/login", json=credentials)
            assert busy.status_code == 429, busy.text
            assert busy.json() == {"error": "too_many_requests",
                                   "detail": "too many sign-ins at once; try again in a moment"}
            assert busy.headers["Retry-After"] == "1"
        # A busy answer is no failed login: the email is not locked out, and the next login goes through.
        assert client.post("/api/v1/auth/login", json=credentials).status_code == 200
    patient = bounded.model_copy(update={"password_hash_wait_s": 30.0})
    with TestClient(create_app(patient)) as client, ThreadPoolExecutor(1) as pool:
        with hashing_elsewhere(client):
            waiting = pool.submit(client.post, "/api/v1/auth/login", json=credentials)
            time.sleep(0.3)
            assert not waiting.done()  # queued for the turn, not refused
        assert waiting.result(timeout=30).status_code == 200
