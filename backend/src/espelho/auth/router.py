"""Login, the signed-in user, and user management (ADMIN)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from espelho.api import MAX_INT64, IdPath, PageDep, SessionDep, SettingsDep, SlashOptionalRouter, paginate
from espelho.api import Page as PageModel
from espelho.auth import service
from espelho.auth.deps import AdminDep, CurrentUserDep
from espelho.auth.models import Usuario
from espelho.auth.security import BoundedPasswords, LoginThrottle, create_access_token
from espelho.errors import InvalidInput, NotFound, TooManyRequests, Unauthorized
from espelho.logging_setup import get_logger
from espelho.openapi import error_responses

log = get_logger(__name__)
router = SlashOptionalRouter(prefix="/api/v1", tags=["auth"])

Role = Literal["ADMIN", "MANAGER", "USER"]


class LoginRequest(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class AcessoriasUsuarioRef(BaseModel):
    """The person of the office in Acessórias a user is (what `responsavel=me` means)."""

    model_config = ConfigDict(from_attributes=True)
    id: int = Field(validation_alias="codigo", description="The person's Acessórias id")
    nome: str


class UsuarioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    nome: str | None
    role: Role
    ativo: bool
    criado_em: datetime
    ultimo_acesso: datetime | None
    acessorias_usuario: AcessoriasUsuarioRef | None = Field(description=(
        "The Acessórias person this user is: tied by e-mail after every sync, or set by an ADMIN"))
    acessorias_vinculo_manual: bool = Field(description=(
        "true once an ADMIN set or cleared the tie: the automatic tie by e-mail leaves it alone"))


class UsuarioCreate(BaseModel):
    # Checked by email-validator (auth/security.py); the format tells clients and generators what is meant.
    email: str = Field(max_length=320, json_schema_extra={"format": "email"})
    password: str = Field(min_length=8, max_length=1024)
    role: Role = "USER"
    nome: str | None = Field(default=None, max_length=200)


class UsuarioUpdate(BaseModel):
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    role: Role | None = None
    nome: str | None = Field(default=None, max_length=200)
    ativo: bool | None = None
    acessorias_usuario_id: int | None = Field(default=None, ge=1, le=MAX_INT64, description=(
        "Tie the user to this Acessórias person (its id), or null to untie; either way set by hand from "
        "then on (the automatic tie by e-mail leaves it alone)"))


def _throttle(request: Request, settings: SettingsDep) -> LoginThrottle:
    # One per app, created on first use (under the GIL a rare double creation loses a count at worst).
    throttle = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = request.app.state.login_throttle = LoginThrottle(settings.login_max_failures,
                                                                    settings.login_lockout_s)
    return throttle


def _passwords(request: Request) -> BoundedPasswords:
    passwords: BoundedPasswords = request.app.state.passwords  # made with the app (main.py)
    return passwords


def _client_key(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


@router.post("/auth/login", response_model=TokenResponse, responses=error_responses(401, 429))
def login(body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    """Exchange email + password for a bearer token. Repeated failures lock the email and client out for a
    growing delay (429 with Retry-After); so does a burst of logins past ESPELHO_PASSWORD_HASH_CONCURRENCY
    checks at once, after waiting up to ESPELHO_PASSWORD_HASH_WAIT_S for a turn (429, Retry-After: 1)."""
    throttle = _throttle(request, settings)
    keys = (f"email:{body.email.strip().lower()}", _client_key(request))
    wait = throttle.retry_after(*keys)
    if wait > 0:
        raise TooManyRequests("too many failed logins; try again later", retry_after_s=math.ceil(wait))
    user = service.authenticate_user(session, body.email, body.password, _passwords(request))
    if user is None:
        throttle.failed(*keys)
        log.info("auth.login_failed", client=keys[1])
        raise Unauthorized("wrong email or password")
    throttle.succeeded(keys[0])  # the address keeps its count: one good account must not reset it
    log.info("auth.login", user_id=user.id)
    token = create_access_token(settings, user.id, user.role, user.token_version)
    return TokenResponse(access_token=token, expires_in=settings.access_token_expire_minutes * 60)


def _com_pessoa(session: Session, user: Usuario) -> Usuario:
    """The user with its Acessórias person loaded (the relationship never lazy-loads)."""
    session.refresh(user, ["acessorias_usuario"])
    return user


@router.get("/auth/me", response_model=UsuarioOut)
def me(user: CurrentUserDep, session: SessionDep) -> Usuario:
    return _get(session, user.id)


@router.get("/usuarios/", response_model=PageModel[UsuarioOut])
def list_usuarios(_: AdminDep, session: SessionDep, page: PageDep) -> PageModel[UsuarioOut]:
    stmt = select(Usuario).options(selectinload(Usuario.acessorias_usuario))
    return PageModel[UsuarioOut].of(paginate(session, stmt, page, [Usuario.id]), page)


@router.post("/usuarios/", response_model=UsuarioOut, status_code=201, responses=error_responses(409, 429))
def create_usuario(body: UsuarioCreate, request: Request, _: AdminDep, session: SessionDep) -> Usuario:
    return _com_pessoa(session, service.create_user(session, email=body.email, password=body.password,
                                                    role=body.role, nome=body.nome,
                                                    passwords=_passwords(request)))


def _get(session: SessionDep, usuario_id: int) -> Usuario:
    user = session.get(Usuario, usuario_id, options=[selectinload(Usuario.acessorias_usuario)])
    if user is None:
        raise NotFound(f"usuario {usuario_id} not found")
    return user


@router.get("/usuarios/{usuario_id}/", response_model=UsuarioOut, responses=error_responses(404))
def get_usuario(usuario_id: IdPath, _: AdminDep, session: SessionDep) -> Usuario:
    return _get(session, usuario_id)


@router.patch("/usuarios/{usuario_id}/", response_model=UsuarioOut,
              responses=error_responses(404, 409, 429))
def update_usuario(usuario_id: IdPath, body: UsuarioUpdate, request: Request, _: AdminDep,
                   session: SessionDep) -> Usuario:
    user = _get(session, usuario_id)
    changes = body.model_dump(exclude_unset=True)
    service.update_user(session, user, _passwords(request), **changes)
    _com_pessoa(session, user)
    if user.acessorias_usuario_id is not None and user.acessorias_usuario is None:
        codigo = user.acessorias_usuario_id
        raise InvalidInput(f"acessorias_usuario_id: no Acessórias person with id {codigo}",
                           detail={"field": "acessorias_usuario_id", "input": codigo})
    return user


@router.delete("/usuarios/{usuario_id}/", status_code=204, response_class=Response,
               responses=error_responses(404, 409))
def delete_usuario(usuario_id: IdPath, _: AdminDep, session: SessionDep) -> Response:
    service.delete_user(session, _get(session, usuario_id))
    return Response(status_code=204)

