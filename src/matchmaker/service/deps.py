"""Dependencies of the routes: the store, the settings, and who is calling (``Principal``).

A key travels as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. No key (or an
unknown or revoked one) is 401, a key of another role 403; both as problem documents. Every
authenticated request also takes a token from its key's bucket (429 when empty).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from matchmaker.service.limits import Limiter
from matchmaker.service.problems import ProblemError
from matchmaker.service.settings import Settings
from matchmaker.store import Store
from matchmaker.store.keys import owner_identity

__all__ = [
    "ROLES",
    "IfMatchDep",
    "Principal",
    "PrincipalDep",
    "Role",
    "SettingsDep",
    "StoreDep",
    "etag",
    "expected_version",
    "forbidden",
    "require",
]

Role = Literal["admin", "organiser", "member"]
ROLES: tuple[Role, ...] = ("admin", "organiser", "member")

_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer mm_...`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the role and subject of the key sent (``key_id`` is its public id).

    ``owner`` is the identity that owns what the key makes (events, jobs, organisations it
    brings in) and that ownership is checked against: role and subject together
    (``organiser:org-a``), so that an organiser whose subject is ``admin`` owns nothing of the
    admin's. The subject alone is a display name, never compared for ownership.
    """

    role: Role
    subject: str
    name: str
    key_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def owner(self) -> str:
        return owner_identity(self.role, self.subject)


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in a
# worker thread, a hop that costs more than the dependency itself.


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}
    )


def forbidden(detail: str) -> ProblemError:
    """A 403 problem: the key is valid but may not do this."""
    return ProblemError(403, "forbidden", "Forbidden", detail)


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The principal of the key sent, after taking a token from its rate-limit bucket."""
    key = bearer.credentials if bearer is not None else header_key
    if not key:
        raise _unauthorized(
            "an API key is needed: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
        )
    keys: Any = request.app.state.keys
    principal: Principal | None = keys.cached(key)
    if principal is None:  # not seen lately: ask the database, in a worker thread
        principal = await run_in_threadpool(keys.principal, key)
    if principal is None:
        raise _unauthorized("the API key is not known or was revoked")
    limiter: Limiter = request.app.state.rate_limiter
    wait = await limiter.check(principal.key_id)  # counted by every worker that shares it
    if wait is not None:
        seconds = max(1, int(wait + 0.999))
        raise ProblemError(
            429,
            "rate-limited",
            "Too many requests",
            f"this key made more than {limiter.per_minute} requests in a minute; "
            f"try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the caller's :class:`Principal` when its role is one of ``roles``.

    Examples
    --------
    >>> AdminDep = Annotated[Principal, Depends(require("admin"))]  # doctest: +SKIP
    """
    allowed = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            names = " or ".join(sorted(allowed))
            raise forbidden(
                f"this needs the role {names}; the key sent is of role {principal.role}"
            )
        return principal

    return dependency


def etag(version: int) -> str:
    """The ``ETag`` of a stored version: ``"3"``."""
    return f'"{version}"'


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description=(
                'The ETag of the version read (`"3"`); needed to change or delete: without it '
                "the answer is 428, with another version's 412."
            ),
        ),
    ] = None,
) -> int:
    """The version an update expects, from ``If-Match``: 428 when missing, 412 when it is not
    a version this server gave."""
    if if_match is None or not if_match.strip():
        raise ProblemError(
            428,
            "precondition-required",
            "Precondition required",
            'send If-Match with the ETag of the version you read (If-Match: "3"), so that '
            "nobody else's change is overwritten",
        )
    text = if_match.strip()
    text = text.removeprefix("W/").strip('"')
    if not text.isdecimal() or len(text) > 18:
        raise ProblemError(
            412,
            "version-conflict",
            "Version conflict",
            f"If-Match {if_match[:60]!r} is not an ETag of this server; send the ETag of the "
            'version you read (If-Match: "3")',
        )
    return int(text)


IfMatchDep = Annotated[int, Depends(expected_version)]
