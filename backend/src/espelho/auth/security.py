"""Passwords (argon2id), access tokens (JWT, HS256), login throttling and the bound on concurrent hashes."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cachetools import LRUCache
from email_validator import EmailNotValidError, validate_email

from espelho.clock import now_utc
from espelho.config import INSECURE_DEFAULT_SECRET, Settings
from espelho.errors import InvalidInput, TooManyRequests

ROLES = ("ADMIN", "MANAGER", "USER")
ALGORITHM = "HS256"
MIN_SECRET_LENGTH = 32

# argon2id with one of OWASP's recommended settings (19 MiB, 2 passes, 1 lane): each hash holds 19 MiB
# while it runs, where argon2-cffi's default (64 MiB) let a burst of logins exhaust a 512 MB instance.
# Hashes made with other parameters are upgraded at their user's next successful login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16,
                         type=Type.ID)
# Verifying against this when the email is unknown keeps both paths equally slow (no user enumeration).
_DUMMY_HASH = _hasher.hash("espelho-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with other parameters than today's (an older default): hash the password again."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


T = TypeVar("T")


class Passwords:
    """Hashes and checks passwords, one at a time in the caller's thread (the CLI)."""

    def hash(self, password: str) -> str:
        return hash_password(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        return verify_password(password, password_hash)


class BoundedPasswords(Passwords):
    """The API's: at most `size` hashes (or checks) at once, each in one of `size` threads of its own.

    A burst of logins (right or wrong passwords cost the same) then holds at most `size` × the hash's
    memory. Own threads, not the request threads: glibc's malloc keeps a freed 19 MiB block in the arena
    of the thread that used it, so hashing in any of the server's 40 request threads left up to one block
    per arena behind (measured: 537 MiB after bursts of 20 logins with two hashing at once). Past the
    bound a caller waits up to `wait_s` for a turn, then gets 429 with Retry-After; a waiting request
    holds no hash memory."""

    RETRY_AFTER_S = 1

    def __init__(self, size: int, wait_s: float) -> None:
        self.size = size
        self.wait_s = wait_s
        self._turns = threading.BoundedSemaphore(size)
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="password-hash")

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a hashing thread, once a turn is free (429 after waiting `wait_s`)."""
        if not self._turns.acquire(timeout=self.wait_s):
            raise TooManyRequests("too many sign-ins at once; try again in a moment",
                                  retry_after_s=self.RETRY_AFTER_S)
        try:
            return self._threads.submit(fn, *args).result()
        finally:
            self._turns.release()

    def hash(self, password: str) -> str:
        return self.run(hash_password, password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        return self.run(verify_password, password, password_hash)

    def shutdown(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


def normalize_email(email: str) -> str:
    """Syntax check only (no DNS), so `example.com` and internal domains are accepted; lower-cased."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"invalid email: {exc}") from None


def normalize_role(role: str) -> str:
    upper = role.strip().upper()
    if upper not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    return upper


def secret_key_problem(settings: Settings) -> str | None:
    """Why the secret key is unusable outside the demo, or None when it is fine."""
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not key or key == INSECURE_DEFAULT_SECRET:
        return ("ESPELHO_SECRET_KEY is missing or still the insecure default; set it to a random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) or run with "
                "ESPELHO_DEMO_MODE=true for a demo")
    if len(key) < MIN_SECRET_LENGTH:
        return f"ESPELHO_SECRET_KEY is too short: use at least {MIN_SECRET_LENGTH} characters"
    return None


def create_access_token(settings: Settings, user_id: int, role: str, token_version: int, *,
                        expires_in: timedelta | None = None) -> str:
    """A signed token for the user; it dies with the user's `token_version` (see auth/deps.py)."""
    issued = now_utc()
    if expires_in is None:
        expires_in = timedelta(minutes=settings.access_token_expire_minutes)
    claims = {"sub": str(user_id), "role": role, "ver": token_version, "iat": issued,
              "exp": issued + expires_in}
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


class InvalidToken(Exception):
    pass


def decode_access_token(settings: Settings, token: str) -> dict[str, Any]:
    """The token's claims; `InvalidToken` when malformed, badly signed or expired."""
    try:
        claims = jwt.decode(token, settings.secret_key.get_secret_value(), algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp", "ver"]})
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("invalid token") from None
    if not re.fullmatch(r"[0-9]{1,18}", str(claims["sub"])) or type(claims["ver"]) is not int:
        raise InvalidToken("invalid token")
    return claims


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Slows down password guessing: after `max_failures` failed logins for an email (or
    `max_failures * ADDRESS_FACTOR` from one client address, since an office shares one address), further
    attempts are refused for `lockout_s`, doubling with each further failure (max 1 h). A success clears
    the email's count. In memory: each API process keeps its own counts, at most MAX_KEYS of them; past
    that the least recently failed key is forgotten (an LRU), never every lockout at once.
    """

    ADDRESS_FACTOR = 5

    MAX_LOCKOUT_S = 3600.0
    MAX_KEYS = 100_000

    def __init__(self, max_failures: int, lockout_s: float,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._clock = clock
        self._failures: LRUCache[str, _Failures] = LRUCache(maxsize=max_keys)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> float:
        """Seconds until these keys may try again (0 when they may now)."""
        now = self._clock()
        with self._lock:
            return max([0.0] + [f.locked_until - now for k in keys if (f := self._failures.get(k))])

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:  # a spray of random emails evicts the oldest entries, not the lockouts
                entry = self._failures.get(key) or _Failures()
                self._failures[key] = entry
                entry.count += 1
                allowed = self.max_failures * (1 if key.startswith("email:") else self.ADDRESS_FACTOR)
                over = entry.count - allowed
                if over >= 0:
                    entry.locked_until = now + min(self.lockout_s * (2 ** over), self.MAX_LOCKOUT_S)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
