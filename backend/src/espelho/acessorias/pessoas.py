"""Who is who: an Espelho user tied to a person of the office in Acessórias, and the `responsavel` filter.

The tie is `usuarios.acessorias_usuario_id` (the person's upstream id). After every sync, `vincular_por_email`
ties each user whose e-mail is one person's (ignoring case) to that person, and unties an automatic tie
whose e-mail no longer matches; a tie an ADMIN set or cleared (`PATCH /api/v1/usuarios/{id}`) stays as set.
What "mine" then means is regras.py's (`obrigacao_da_pessoa`, `processo_da_pessoa`, `passo_da_pessoa`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from espelho.acessorias.models import UsuarioAcessorias
from espelho.acessorias.regras import Pessoa
from espelho.api import MAX_INT64, PageParams, PageRows, as_int, paginate
from espelho.auth.models import Usuario
from espelho.db import contains_text
from espelho.errors import Conflict, Forbidden, InvalidInput
from espelho.logging_setup import get_logger

log = get_logger(__name__)

EU = "me"
GESTORES = ("ADMIN", "MANAGER")


class SemVinculoAcessorias(Conflict, error="sem_vinculo_acessorias"):
    """`responsavel=me` (or `minhas`) from a user who is tied to no person of the office."""


SEM_VINCULO = ("Seu usuário não está vinculado a uma pessoa do Acessórias (o vínculo é feito pelo e-mail "
               "após a sincronização, ou por um administrador na página Usuários).")


def pessoa(session: Session, codigo: int | None) -> Pessoa | None:
    """The person with this upstream id, when the mirror knows them."""
    if codigo is None:
        return None
    nome = session.scalar(select(UsuarioAcessorias.nome).where(UsuarioAcessorias.codigo == codigo))
    return Pessoa(codigo, nome) if nome is not None else None


def pessoa_do_usuario(session: Session, usuario: Usuario) -> Pessoa | None:
    return pessoa(session, usuario.acessorias_usuario_id)


def minha(session: Session, usuario: Usuario) -> Pessoa:
    """The caller's person, or 409 `sem_vinculo_acessorias`."""
    found = pessoa_do_usuario(session, usuario)
    if found is None:
        raise SemVinculoAcessorias(SEM_VINCULO)
    return found


def resolver(session: Session, usuario: Usuario, responsavel: str | None) -> Pessoa | None:
    """The `responsavel` filter: None (everyone), `me`, or a person's Acessórias id (MANAGER and ADMIN)."""
    if responsavel is None or not responsavel.strip():
        return None
    valor = responsavel.strip().lower()
    if valor == EU:
        return minha(session, usuario)
    codigo = as_int(valor, MAX_INT64)
    if codigo is None:
        raise InvalidInput(f"responsavel: expected 'me' or an Acessórias person id, got {responsavel!r}",
                           detail={"field": "responsavel", "input": responsavel})
    if usuario.role not in GESTORES and codigo != usuario.acessorias_usuario_id:
        raise Forbidden("responsavel: only a MANAGER or ADMIN may ask for another person's work")
    found = pessoa(session, codigo)
    if found is None:
        raise InvalidInput(f"responsavel: no Acessórias person with id {codigo}",
                           detail={"field": "responsavel", "input": responsavel})
    return found


def vincular_por_email(session: Session) -> int:
    """Tie each user not set by hand to the one person with their e-mail (or to none); how many changed.
    Only flushes."""
    por_email: dict[str, list[int]] = defaultdict(list)
    for codigo, email in session.execute(
            select(UsuarioAcessorias.codigo, UsuarioAcessorias.email)
            .where(UsuarioAcessorias.email.is_not(None)).order_by(UsuarioAcessorias.codigo)):
        if email and email.strip():
            por_email[email.strip().lower()].append(codigo)
    mudou = 0
    for usuario in session.scalars(select(Usuario).where(Usuario.acessorias_vinculo_manual.is_(False))):
        codigos = por_email.get(usuario.email.strip().lower(), [])
        tie = codigos[0] if len(codigos) == 1 else None  # two people with one e-mail: neither
        if usuario.acessorias_usuario_id != tie:
            usuario.acessorias_usuario_id = tie
            mudou += 1
    session.flush()
    if mudou:
        log.info("acessorias.pessoas_vinculadas", mudou=mudou)
    return mudou


def listar(session: Session, q: str | None, paging: PageParams) -> PageRows:
    """The office's people the mirror knows, by name (what an ADMIN picks a user's tie from)."""
    stmt = select(UsuarioAcessorias)
    if q and q.strip():
        stmt = stmt.where(or_(contains_text(UsuarioAcessorias.nome, q),
                              contains_text(UsuarioAcessorias.email, q)))
    return paginate(session, stmt, paging, [UsuarioAcessorias.nome, UsuarioAcessorias.codigo])
