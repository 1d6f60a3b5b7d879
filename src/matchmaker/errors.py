"""Exceptions of the project, in one place.

Every error a user can cause is a :class:`MatchmakerError`; front ends (the CLI, the API) turn
them into messages or problem details, never into tracebacks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "AlreadyExistsError",
    "InfeasibleError",
    "InvalidInputError",
    "MatchmakerError",
    "NotFittedError",
    "NotFoundError",
    "Problem",
    "StoreUnavailableError",
    "UnknownCodeError",
    "VersionConflictError",
]


class MatchmakerError(Exception):
    """Base class of every error the project raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in the input.

    Attributes
    ----------
    row:
        The row as a spreadsheet shows it (the header is row 1, the first record row 2), the
        1-based position of a record in a JSON list, or ``None`` for a file-level problem.
    column:
        The column (or field path) as the user wrote it, or ``None``.
    value:
        The offending value, as text.
    message:
        A sentence that states the rule and, where one exists, the fix.
    """

    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InvalidInputError(MatchmakerError, ValueError):
    """The input breaks a rule; ``problems`` lists every problem found, not just the first."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(f"  - {p}" for p in self.problems[:50])]
        if len(self.problems) > 50:
            lines.append(f"  ... and {len(self.problems) - 50} more")
        return "\n".join(lines)


class UnknownCodeError(InvalidInputError, KeyError):
    """A taxonomy code (NUTS, NACE, S3, language) that does not exist.

    ``suggestions`` holds the closest valid codes, best first.
    """

    def __init__(self, message: str, code: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.suggestions: list[str] = list(suggestions or [])

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class AlreadyExistsError(InvalidInputError):
    """Ids that are already in the database; ``problems`` names each of them."""


class NotFoundError(MatchmakerError, LookupError):
    """A record that is not in the database: ``what`` (``"event"``, ...) and its ``id``."""

    def __init__(self, what: str, id: str | int) -> None:
        shown = f"'{id}'" if isinstance(id, str) else str(id)
        super().__init__(f"{what} {shown} is not in the database")
        self.message = str(self.args[0])
        self.what = what
        self.id = id


class VersionConflictError(MatchmakerError):
    """A versioned update sent a version that is no longer the stored one.

    ``current`` is the stored version, ``sent`` the one the update expected.
    """

    def __init__(self, what: str, id: str | int, *, current: int, sent: int) -> None:
        shown = f"'{id}'" if isinstance(id, str) else str(id)
        super().__init__(
            f"{what} {shown} was changed by someone else (version {current} is stored, you "
            f"sent {sent}); reload it and try again"
        )
        self.message = str(self.args[0])
        self.what = what
        self.id = id
        self.current = current
        self.sent = sent


class InfeasibleError(MatchmakerError):
    """Hard rules that cannot all be met; the message names the rule and why."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule


class NotFittedError(MatchmakerError, AttributeError):
    """A learned object was used before ``fit``."""


class StoreUnavailableError(MatchmakerError):
    """The database cannot be used as asked: full, not a database, read-only, unreachable.

    Nothing was changed. The message names the database (never its credentials), the cause
    and the fix.

    Attributes
    ----------
    database:
        The database as shown to the user: a SQLite file, or a URL without user and password.
    cause:
        What is wrong, in a few words (``"the disk is full"``).
    fix:
        What the user can do about it.
    retry_after:
        Seconds after which trying again may help (a full disk, a server that does not answer),
        or ``None`` when only a change by an administrator can help.
    """

    def __init__(
        self, database: str, cause: str, fix: str, *, retry_after: int | None = None
    ) -> None:
        super().__init__(f"the database '{database}' cannot be used: {cause}; {fix}")
        self.message = str(self.args[0])
        self.database = database
        self.cause = cause
        self.fix = fix
        self.retry_after = retry_after
