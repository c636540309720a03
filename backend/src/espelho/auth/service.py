"""User logic shared by the HTTP API and the CLI. Only flushes: the caller owns the transaction."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from espelho.auth.models import Usuario
from espelho.auth.security import Passwords, needs_rehash, normalize_email, normalize_role
from espelho.clock import now_utc
from espelho.errors import Conflict, InvalidInput, TooManyRequests


def find_by_email(session: Session, email: str) -> Usuario | None:
    return session.scalar(select(Usuario).where(func.lower(Usuario.email) == email.strip().lower()))


# Hashing in the caller's thread: the CLI. The API passes its bounded one (main.py).
DIRECT = Passwords()


def create_user(session: Session, *, email: str, password: str, role: str = "USER",
                nome: str | None = None, passwords: Passwords = DIRECT) -> Usuario:
    email = normalize_email(email)
    if not password:
        raise InvalidInput("password must not be empty")
    if find_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = Usuario(email=email, nome=nome, senha_hash=passwords.hash(password), role=normalize_role(role),
                   ativo=True, criado_em=now_utc())
    session.add(user)
    session.flush()
    return user


def authenticate_user(session: Session, email: str, password: str,
                      passwords: Passwords = DIRECT) -> Usuario | None:
    """The active user with these credentials (and `ultimo_acesso` stamped), or None. A hash made with
    older parameters is replaced by one with today's (same password: the user's tokens stay valid)."""
    user = find_by_email(session, email)
    ok = passwords.verify(password, user.senha_hash if user is not None else None)
    if user is None or not ok or not user.ativo:
        return None
    if needs_rehash(user.senha_hash):
        with suppress(TooManyRequests):  # busy: the sign-in stands, the upgrade waits for the next one
            user.senha_hash = passwords.hash(password)
    user.ultimo_acesso = now_utc()
    session.flush()
    return user


def _lock_active_admins(session: Session) -> None:
    """Hold every active ADMIN row until the transaction ends (PostgreSQL, in id order so two guards never
    deadlock): a concurrent guard waits here and then counts what this one left. SQLite has no row locks;
    there the guarded write itself takes the database's single write lock before the count."""
    session.execute(select(Usuario.id).where(Usuario.role == "ADMIN", Usuario.ativo.is_(True))
                    .order_by(Usuario.id).with_for_update())


def _refuse_if_no_active_admin(session: Session, message: str) -> None:
    """After the change is written (and the write lock or the row locks held): none left → Conflict, which
    rolls the change back. Counting after writing, not before, is what makes the guard atomic."""
    left = session.scalar(select(func.count()).select_from(Usuario).where(
        Usuario.role == "ADMIN", Usuario.ativo.is_(True))) or 0
    if left == 0:
        raise Conflict(message)


def _is_active_admin(user: Usuario) -> bool:
    return user.role == "ADMIN" and user.ativo


def update_user(session: Session, user: Usuario, passwords: Passwords = DIRECT, **changes: Any) -> Usuario:
    demotes = _is_active_admin(user) and (
        ("role" in changes and changes["role"] != "ADMIN") or changes.get("ativo") is False)
    if demotes:
        _lock_active_admins(session)
    revoke = False  # the user's tokens must die: they would keep an old password's or role's access
    if changes.get("password") is not None:
        user.senha_hash = passwords.hash(changes["password"])
        revoke = True
    if changes.get("role") is not None:
        role = normalize_role(changes["role"])
        revoke = revoke or role != user.role
        user.role = role
    if "nome" in changes:
        user.nome = changes["nome"]
    if changes.get("ativo") is not None:
        revoke = revoke or (user.ativo and not changes["ativo"])
        user.ativo = changes["ativo"]
    if "acessorias_usuario_id" in changes:  # set by hand: the automatic tie by e-mail leaves it alone
        user.acessorias_usuario_id = changes["acessorias_usuario_id"]
        user.acessorias_vinculo_manual = True
    if revoke:
        # In SQL, so a concurrent bump of the same user is never lost.
        user.token_version = Usuario.token_version + 1
    session.flush()
    if demotes:
        _refuse_if_no_active_admin(session, "refusing to demote or deactivate the last active ADMIN")
    return user


def delete_user(session: Session, user: Usuario) -> None:
    removes_admin = _is_active_admin(user)
    if removes_admin:
        _lock_active_admins(session)
    session.delete(user)
    session.flush()
    if removes_admin:
        _refuse_if_no_active_admin(session, "refusing to delete the last active ADMIN")
