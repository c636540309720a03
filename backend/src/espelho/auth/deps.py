"""Route dependencies for authentication and roles.

`authenticate` runs for every route (installed app-wide in main.py): every /api path needs a valid bearer
token except the public ones below. Routes that need a role declare `SyncRoleDep` / `AdminDep`.
Missing, malformed or expired token → 401; valid token with the wrong role → 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from espelho.auth.models import Usuario
from espelho.auth.security import InvalidToken, decode_access_token
from espelho.errors import Forbidden, Unauthorized
from espelho.openapi import RoleGate, is_public

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>` from /api/v1/auth/login")


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Usuario | None:
    """The signed-in user, or None on public paths. The user row is re-read, so a token dies at once, not
    when it expires: with its user (ids are never reused), or when the user's `token_version` moved on
    (password, role or deactivation change)."""
    if is_public(request.url.path):
        return None
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("missing bearer token")
    try:
        claims = decode_access_token(request.app.state.settings, credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized(str(exc)) from None
    with request.app.state.database.session() as session:
        user = session.get(Usuario, int(claims["sub"]))
        if user is None or not user.ativo:
            raise Unauthorized("user unknown or inactive")
        if user.token_version != claims["ver"]:
            raise Unauthorized("token revoked: the user's password, role or status changed")
        session.expunge(user)
    request.state.user = user
    return user


def current_user(user: Annotated[Usuario | None, Depends(authenticate)]) -> Usuario:
    if user is None:  # a public path that still wants a user
        raise Unauthorized("missing bearer token")
    return user


CurrentUserDep = Annotated[Usuario, Depends(current_user)]


class RequireRoles(RoleGate):
    """A dependency admitting the signed-in user only with one of `roles` (403 otherwise)."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    def __call__(self, user: CurrentUserDep) -> Usuario:
        if user.role not in self.roles:
            raise Forbidden(f"requires role {' or '.join(self.roles)}")
        return user


require_sync_role = RequireRoles("ADMIN", "MANAGER")
require_admin = RequireRoles("ADMIN")

# Sync triggers (both upstreams, contract tab syncs included): ADMIN or MANAGER.
SyncRoleDep = Annotated[Usuario, Depends(require_sync_role)]
# User management: ADMIN.
AdminDep = Annotated[Usuario, Depends(require_admin)]
