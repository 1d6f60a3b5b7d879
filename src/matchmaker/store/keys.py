"""API keys: ``mm_<id>_<secret>``; the database keeps the id and a SHA-256 digest, never the key."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from matchmaker.errors import InvalidInputError, MatchmakerError, NotFoundError, Problem
from matchmaker.store.base import StoreBase
from matchmaker.store.organisations import aware
from matchmaker.store.records import ROLES, ApiKeyRecord
from matchmaker.store.schema import ApiKeyRow, OrganisationRow, now

__all__ = ["KeyStore", "as_owner", "owner_identity", "owner_name"]

KEY_PATTERN = re.compile(r"mm_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")
MIN_KEY_CHARS = 16
MAX_KEY_CHARS = 512


def owner_identity(role: str, subject: str | None) -> str:
    """Who owns what a key makes: its role and subject together, ``organiser:org-a``.

    Two keys share an identity only when both their role and their subject agree, so that an
    organiser key whose subject is ``admin`` is ``organiser:admin``, never the admin
    (``admin:admin``). Roles hold no ``:``, so the role is everything before the first one.

    Examples
    --------
    >>> owner_identity("organiser", "admin")
    'organiser:admin'
    >>> owner_identity("admin", None)
    'admin:'
    """
    return f"{role}:{subject or ''}"


def owner_name(identity: str | None) -> str | None:
    """The account name of an owner identity (``org-a`` of ``organiser:org-a``), to show."""
    if identity is None:
        return None
    role, colon, name = identity.partition(":")
    return name if colon and role in ROLES else identity


def as_owner(owner: str | None) -> str | None:
    """An owner as stored: an owner identity as it is, a bare name as an organiser's.

    The API always passes a key's identity (``Principal.owner``); a bare account name, as the
    demo and the command line give one, names an organiser.
    """
    if owner is None:
        return None
    role, colon, _ = owner.partition(":")
    return owner if colon and role in ROLES else owner_identity("organiser", owner)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _derived_id(digest: str) -> str:
    # A key given from outside (the bootstrap admin key) has no id of ours: take its hash's.
    return digest[:8]


def _record(row: ApiKeyRow) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row.id,
        role=row.role,
        subject=row.subject,
        name=row.name,
        created_at=aware(row.created_at),
        revoked_at=None if row.revoked_at is None else aware(row.revoked_at),
    )


def _problem(field: str, value: str | None, message: str) -> InvalidInputError:
    return InvalidInputError(message, [Problem(None, field, value, message)])


def _check(session: Session, role: str, subject: str | None, name: str) -> None:
    if role not in ROLES:
        raise _problem("role", role, f"role '{role}' must be one of: {', '.join(ROLES)}")
    if role != "admin" and not subject:
        from matchmaker.explain import indefinite  # numpy and the scorers: only on this error

        raise _problem(
            "subject",
            subject,
            f"{indefinite(role)} key needs a subject: "
            + ("the organisation's id" if role == "member" else "the organiser's account name"),
        )
    if subject is not None and len(subject) > 200:
        raise _problem("subject", subject[:80], "the subject has more than 200 characters")
    if not name.strip() or len(name) > 200:
        raise _problem("name", name[:80], "a key's name is required, at most 200 characters")
    if role == "member" and session.get(OrganisationRow, subject) is None:
        assert subject is not None
        raise NotFoundError("organisation", subject)


class KeyStore(StoreBase):
    """The API keys' part of :class:`~matchmaker.store.Store`."""

    def create_api_key(
        self, *, role: str, subject: str | None, name: str
    ) -> tuple[ApiKeyRecord, str]:
        """Make a key; returns its record and the key, which is shown once and not stored.

        Parameters
        ----------
        role:
            ``"admin"``, ``"organiser"`` or ``"member"``.
        subject:
            For an organiser, its account name (its events are owned by
            :func:`owner_identity` of its role and this name); for a member, the id of its
            organisation, which must be stored; for an admin, anything or ``None``.
        name:
            What the key is for, to tell keys apart in the list.

        Raises
        ------
        InvalidInputError
            An unknown role, a missing subject or name.
        NotFoundError
            A member key for an organisation that is not stored.
        """

        def run(session: Session) -> tuple[ApiKeyRecord, str]:
            _check(session, role, subject, name)
            while True:
                key_id = secrets.token_hex(4)
                if session.get(ApiKeyRow, key_id) is None:
                    break
            key = f"mm_{key_id}_{secrets.token_urlsafe(32)}"
            row = ApiKeyRow(
                id=key_id,
                digest=_digest(key),
                role=role,
                subject=subject or None,
                name=name.strip(),
                created_at=now(),
            )
            session.add(row)
            session.flush()
            return _record(row), key

        return self._write(run)

    def ensure_api_key(
        self, key: str, *, role: str, subject: str | None, name: str
    ) -> ApiKeyRecord:
        """Store a key given from outside (the admin key of the environment), once.

        Its id is derived from its hash; calling again with the same key changes nothing but
        its role, subject and name when those differ. A key revoked in the meantime stays
        revoked.

        Raises
        ------
        InvalidInputError
            A key shorter than 16 characters, or a bad role, subject or name.
        """
        if not MIN_KEY_CHARS <= len(key) <= MAX_KEY_CHARS or not key.isprintable():
            raise _problem(
                "key",
                None,
                f"the key has {len(key)} characters; use {MIN_KEY_CHARS} to {MAX_KEY_CHARS} "
                "printable characters (for instance from secrets.token_urlsafe(32))",
            )
        digest = _digest(key)
        key_id = _derived_id(digest)

        def run(session: Session) -> ApiKeyRecord:
            _check(session, role, subject, name)
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                row = ApiKeyRow(
                    id=key_id,
                    digest=digest,
                    role=role,
                    subject=subject or None,
                    name=name.strip(),
                    created_at=now(),
                )
                session.add(row)
            elif not hmac.compare_digest(row.digest, digest):
                raise MatchmakerError(
                    f"another key already has the id '{key_id}'; choose another bootstrap key"
                )
            else:
                row.role, row.subject, row.name = role, subject or None, name.strip()
            session.flush()
            return _record(row)

        return self._write(run)

    def authenticate(self, key: str) -> ApiKeyRecord | None:
        """The key's record when the key is stored and not revoked; ``None`` otherwise
        (malformed keys included)."""
        if not MIN_KEY_CHARS <= len(key) <= MAX_KEY_CHARS or not key.isprintable():
            return None
        digest = _digest(key)
        match = KEY_PATTERN.fullmatch(key)
        candidates = [match.group(1)] if match else []
        candidates.append(_derived_id(digest))

        def run(session: Session) -> ApiKeyRecord | None:
            for key_id in dict.fromkeys(candidates):
                row = session.get(ApiKeyRow, key_id)
                if row is not None and hmac.compare_digest(row.digest, digest):
                    return None if row.revoked_at is not None else _record(row)
            return None

        return self._read(run)

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        """A key's record by its id, or ``None``."""

        def run(session: Session) -> ApiKeyRecord | None:
            row = session.get(ApiKeyRow, key_id)
            return None if row is None else _record(row)

        return self._read(run)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        """Every key's record (revoked ones too), oldest first."""
        return self._read(
            lambda s: [
                _record(r)
                for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id))
            ]
        )

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key; ``False`` when there is no such key or it was revoked already."""

        def run(session: Session) -> bool:
            done = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=now())
                .execution_options(synchronize_session=False)
            )
            return bool(done.rowcount == 1)  # type: ignore[attr-defined]

        return self._write(run)
