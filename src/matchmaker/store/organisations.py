"""The organisation registry: imports, versioned single changes, filtered pages, its revision."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from matchmaker import taxonomy
from matchmaker.errors import AlreadyExistsError, InvalidInputError, Problem
from matchmaker.models import Organisation, parse_org_type
from matchmaker.store.base import Parsed, StoreBase, versioned
from matchmaker.store.records import ImportSummary, OrgRecord
from matchmaker.store.schema import (
    ApiKeyRow,
    Base,
    CounterRow,
    OrganisationRow,
    VocabularyRow,
    fold_text,
    now,
    search_text,
    sectors_text,
)

__all__ = ["NotOwnedError", "OrganisationStore"]

_CHUNK = 5_000
REGISTRY = "registry"


class NotOwnedError(InvalidInputError):
    """Stored profiles a writer may not replace; ``problems`` names each of them."""


def aware(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC time (SQLite gives them back without a zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def org_values(org: Organisation, at: dt.datetime) -> dict[str, Any]:
    """The columns of an organisation's row (without version and created_at)."""
    return {
        "id": org.id,
        "name": org.name,
        "type": org.type.value,
        "region": org.region,
        "country": org.country,
        "profile": org.model_dump(mode="json", exclude_none=True, exclude={"country"}),
        "sectors": sectors_text(org.sectors),
        "search": search_text(org.id, org.name),
        "updated_at": at,
    }


def own_codes(session: Session) -> dict[str, Any] | None:
    """The validation context of stored profiles: the registry's own S3 codes, if any."""
    rows = session.execute(select(VocabularyRow.code, VocabularyRow.label)).all()
    return {"vocabulary": {code: label for code, label in rows}} if rows else None


def remember_codes(
    session: Session, organisations: Sequence[Organisation], vocabulary: Mapping[str, str]
) -> None:
    """Add the S3 codes of ``organisations`` that are not built in to the registry's own
    vocabulary, labelled from ``vocabulary`` (the code itself when it has no label)."""
    builtin = taxonomy.s3()
    codes = {c for o in organisations for c in o.s3_priorities if not builtin.is_valid(c)}
    if not codes:
        return
    stored = {c.upper() for c in session.scalars(select(VocabularyRow.code))}
    labels = {str(k).strip().upper(): str(v).strip() for k, v in vocabulary.items()}
    for code in sorted(codes):
        if code.upper() not in stored:
            stored.add(code.upper())
            session.add(VocabularyRow(code=code, label=labels.get(code.upper()) or code))


#: A profile's content: its id, version and creation time (every change raises the version; a
#: profile deleted and stored again has another creation time), and the registry's own
#: vocabulary it is validated against.
ProfileKey = tuple[str, int, dt.datetime, int]

#: The profiles a store read last, validated (:class:`~matchmaker.store.base.Parsed`): pages of
#: the organisation list and single reads decoded and validated every profile again, a sixth
#: of a worker's CPU under the closed-loop load of ``benchmarks/api_soak.py``.
ParsedProfiles = Parsed[ProfileKey, Organisation]

_PROFILE_HEAD = (
    OrganisationRow.id,
    OrganisationRow.version,
    OrganisationRow.created_at,
    OrganisationRow.updated_at,
)


def _vocabulary_key(context: dict[str, Any] | None) -> int:
    return 0 if context is None else hash(frozenset(context["vocabulary"].items()))


def parsed_records(
    session: Session, heads: Sequence[Any], parsed: ParsedProfiles
) -> list[OrgRecord]:
    """The profiles of ``heads`` (rows of ``_PROFILE_HEAD``), in their order; only those not in
    ``parsed`` at their version are read and validated."""
    if not heads:
        return []
    context = own_codes(session)
    vocabulary = _vocabulary_key(context)

    def load(missing: list[ProfileKey]) -> dict[ProfileKey, Organisation]:
        query = select(OrganisationRow.id, OrganisationRow.profile)
        ids = [key[0] for key in missing]
        found = session.execute(query.where(OrganisationRow.id.in_(ids))).tuples()
        profiles: dict[str, dict[str, Any]] = dict(found.all())
        return {
            key: Organisation.model_validate(profiles[key[0]], context=context) for key in missing
        }

    keys = [(h.id, h.version, aware(h.created_at), vocabulary) for h in heads]
    return [
        OrgRecord(
            value=value,
            version=h.version,
            created_at=aware(h.created_at),
            updated_at=aware(h.updated_at),
        )
        for h, value in zip(heads, parsed.many(keys, load), strict=True)
    ]


def org_record(row: OrganisationRow, context: dict[str, Any] | None) -> OrgRecord:
    return OrgRecord(
        value=Organisation.model_validate(row.profile, context=context),
        version=row.version,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def bump_registry(session: Session) -> None:
    """Raise the registry revision, in the caller's transaction."""
    done = session.execute(
        update(CounterRow).where(CounterRow.name == REGISTRY).values(value=CounterRow.value + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.add(CounterRow(name=REGISTRY, value=1))


def _refused(
    session: Session, stored: Mapping[str, str | None], writer: str | None
) -> list[Problem]:
    """The stored profiles (id -> ``owned_by``) that ``writer``, an organiser, may not
    replace: those another key or the command line brought in, and those their own member
    key holds."""
    held: set[str] = set()
    ids = sorted(stored)
    for start in range(0, len(ids), _CHUNK):
        held.update(
            s
            for s in session.scalars(
                select(ApiKeyRow.subject).where(
                    ApiKeyRow.role == "member",
                    ApiKeyRow.revoked_at.is_(None),
                    ApiKeyRow.subject.in_(ids[start : start + _CHUNK]),
                )
            )
            if s is not None
        )
    problems = []
    for i in ids:
        if i in held:
            why = f"organisation '{i}' has a member key of its own: it keeps its own profile"
        elif writer is None or stored[i] != writer:
            why = f"organisation '{i}' was not brought in by this organiser key"
        else:
            continue
        problems.append(Problem(None, "id", i, why))
    return problems


def import_organisations(
    session: Session,
    organisations: Sequence[Organisation],
    *,
    replace: bool,
    at: dt.datetime,
    keep_existing: bool = False,
    vocabulary: Mapping[str, str] | None = None,
    owned_by: str | None = None,
    restricted: bool = False,
) -> ImportSummary:
    """Insert (and with ``replace`` overwrite) organisations in the caller's transaction.

    Ids already stored are refused unless ``replace`` or ``keep_existing`` (which keeps their
    stored profiles). New profiles record ``owned_by``, the owner identity of the key that
    brings them in; a replaced profile keeps its own. A ``restricted`` writer (an organiser,
    who may not read private contact fields) replaces only the profiles it brought in that no
    member key holds, and never their contact: the stored one is kept. The registry revision
    is raised when anything changed; own S3 codes of the stored profiles join the registry's
    vocabulary.

    Raises
    ------
    AlreadyExistsError
        Ids already stored, without ``replace`` or ``keep_existing``.
    NotOwnedError
        With ``replace`` and ``restricted``: stored ids the writer may not replace, each named.
    """
    ids = [o.id for o in organisations]
    owners: dict[str, str | None] = {}  # id -> owned_by, of the ids already stored
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(
            select(OrganisationRow.id, OrganisationRow.owned_by).where(
                OrganisationRow.id.in_(chunk)
            )
        )
        owners.update((i, owner) for i, owner in rows)
    existing = set(owners)
    if existing and not replace and not keep_existing:
        raise AlreadyExistsError(
            f"{len(existing)} organisation id{'s are' if len(existing) > 1 else ' is'} "
            "already in the database; nothing was imported (use replace to overwrite)",
            [
                Problem(None, "id", i, f"id '{i}' is already in the database")
                for i in sorted(existing)
            ],
        )
    if existing and replace and restricted:
        refused = _refused(session, owners, owned_by)
        if refused:
            n = len(refused)
            raise NotOwnedError(
                f"{n} stored organisation{'s' if n != 1 else ''} may not be replaced by this "
                "key; nothing was imported (an organiser replaces only the profiles it brought "
                "in; an admin or the organisation's own member key changes the others)",
                refused,
            )
    new_rows = [
        {**org_values(o, at), "version": 1, "created_at": at, "owned_by": owned_by}
        for o in organisations
        if o.id not in existing
    ]
    for start in range(0, len(new_rows), _CHUNK):
        session.execute(insert(OrganisationRow), new_rows[start : start + _CHUNK])
    changed = (
        [{**org_values(o, at), "b_id": o.id} for o in organisations if o.id in existing]
        if replace
        else []
    )
    if changed and restricted:
        _keep_contacts(session, changed)
    if changed:
        table = Base.metadata.tables[OrganisationRow.__tablename__]
        # One statement run for every row (executemany); the id is bound as b_id because
        # "id" is also one of the values set.
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                {k: bindparam(k) for k in changed[0] if k not in {"id", "b_id"}}
                | {"version": table.c.version + 1}
            )
        )
        for start in range(0, len(changed), _CHUNK):
            session.execute(statement, changed[start : start + _CHUNK])
    if new_rows or changed:
        stored = [o for o in organisations if o.id not in existing or replace]
        remember_codes(session, stored, vocabulary or {})
        bump_registry(session)
    return ImportSummary(created=len(new_rows), replaced=len(changed))


def _keep_contacts(session: Session, changed: list[dict[str, Any]]) -> None:
    """Put the stored contact back into each changed row's profile (the writer's is dropped)."""
    ids = [row["b_id"] for row in changed]
    contacts: dict[str, Any] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(OrganisationRow.id, OrganisationRow.profile).where(
                OrganisationRow.id.in_(ids[start : start + _CHUNK])
            )
        )
        contacts.update((i, p.get("contact")) for i, p in rows if isinstance(p, dict))
    for row in changed:
        profile = {k: v for k, v in row["profile"].items() if k != "contact"}
        if contacts.get(row["b_id"]) is not None:
            profile["contact"] = contacts[row["b_id"]]
        row["profile"] = profile


class OrganisationStore(StoreBase):
    """The registry's part of :class:`~matchmaker.store.Store`."""

    @functools.cached_property
    def parsed_profiles(self) -> ParsedProfiles:
        """The profiles read last, validated (:data:`ParsedProfiles`)."""
        return ParsedProfiles(20_000)

    def import_organisations(
        self,
        organisations: Sequence[Organisation],
        *,
        replace: bool = False,
        vocabulary: Mapping[str, str] | None = None,
        owned_by: str | None = None,
        restricted: bool = False,
    ) -> ImportSummary:
        """Store organisations in one transaction: all of them or none.

        Parameters
        ----------
        organisations:
            Validated profiles; their ids must be distinct.
        replace:
            Overwrite profiles whose ids are stored (raising their versions); without it such
            ids are refused, every one listed.
        vocabulary:
            Labels of the own S3 codes the profiles use (``ImportReport.vocabulary``).
        owned_by:
            The owner identity of the key that imports (``organiser:org-a``), recorded on the
            profiles it adds; ``None`` from the command line.
        restricted:
            The writer may not read private contact fields (an organiser): with ``replace`` it
            overwrites only profiles it brought in (``owned_by``) that no member key holds,
            and their stored contact is kept.

        Raises
        ------
        InvalidInputError
            Duplicate ids in ``organisations``.
        AlreadyExistsError
            Ids already stored, without ``replace``.
        NotOwnedError
            With ``replace`` and ``restricted``: stored ids the writer may not replace.
        """
        ids = [o.id for o in organisations]
        dups = [i for i, n in Counter(ids).items() if n > 1]
        if dups:
            raise InvalidInputError(
                "duplicate ids in the import; nothing was imported",
                [Problem(None, "id", d, f"id '{d}' appears more than once") for d in dups],
            )
        at = now()
        return self._write(
            lambda s: import_organisations(
                s,
                organisations,
                replace=replace,
                at=at,
                vocabulary=vocabulary,
                owned_by=owned_by,
                restricted=restricted,
            )
        )

    def create_organisation(self, org: Organisation, *, owned_by: str | None = None) -> OrgRecord:
        """Store a new organisation at version 1, brought in by ``owned_by`` (an owner
        identity, see :meth:`import_organisations`).

        Raises
        ------
        AlreadyExistsError
            When its id is stored.
        """

        def run(session: Session) -> OrgRecord:
            import_organisations(session, [org], replace=False, at=now(), owned_by=owned_by)
            row = session.get(OrganisationRow, org.id)
            assert row is not None
            return org_record(row, own_codes(session))

        return self._write(run)

    def update_organisation(self, org: Organisation, *, expected_version: int) -> OrgRecord:
        """Replace a stored profile, if it is still at ``expected_version``; version + 1.

        Raises
        ------
        NotFoundError
            No organisation with this id.
        VersionConflictError
            Someone changed it since ``expected_version``.
        """

        def run(session: Session) -> OrgRecord:
            versioned(
                session,
                update(OrganisationRow)
                .where(OrganisationRow.id == org.id, OrganisationRow.version == expected_version)
                .values(**org_values(org, now()), version=OrganisationRow.version + 1),
                what="organisation",
                key=org.id,
                expected=expected_version,
                version_of=_version_of(org.id),
            )
            remember_codes(session, [org], {})
            bump_registry(session)
            row = session.get(OrganisationRow, org.id, populate_existing=True)
            assert row is not None
            return org_record(row, own_codes(session))

        return self._write(run)

    def delete_organisation(self, org_id: str, *, expected_version: int) -> None:
        """Delete an organisation at ``expected_version``; member keys for it are revoked.

        Events that include it keep their own copy of its profile.

        Raises
        ------
        NotFoundError, VersionConflictError
        """

        def run(session: Session) -> None:
            versioned(
                session,
                delete(OrganisationRow).where(
                    OrganisationRow.id == org_id, OrganisationRow.version == expected_version
                ),
                what="organisation",
                key=org_id,
                expected=expected_version,
                version_of=_version_of(org_id),
            )
            session.execute(
                update(ApiKeyRow)
                .where(
                    ApiKeyRow.role == "member",
                    ApiKeyRow.subject == org_id,
                    ApiKeyRow.revoked_at.is_(None),
                )
                .values(revoked_at=now())
            )
            bump_registry(session)

        self._write(run)

    def get_organisation(self, org_id: str) -> Organisation | None:
        """The stored profile, or ``None``."""
        record = self.get_organisation_record(org_id)
        return None if record is None else record.value

    def get_organisation_record(self, org_id: str) -> OrgRecord | None:
        """The stored profile with its version and times, or ``None``."""

        def run(session: Session) -> OrgRecord | None:
            heads = session.execute(
                select(*_PROFILE_HEAD).where(OrganisationRow.id == org_id)
            ).all()
            found = parsed_records(session, heads, self.parsed_profiles)
            return found[0] if found else None

        return self._read(run)

    def list_organisations(
        self,
        *,
        country: str | None = None,
        type: str | None = None,
        sector: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[OrgRecord], int]:
        """A page of organisations, ordered by id, and how many match in all.

        Parameters
        ----------
        country:
            NUTS country code (``EL`` for Greece; ``GR`` is read as ``EL``).
        type:
            Organisation type, its code or a common spelling (``"SME"``).
        sector:
            A NACE code, matching it and every code below it: ``C26`` matches ``C26.51``
            (``2651`` is read as ``C26.51``).
        q:
            Text found in the name or the id, regardless of case and accents.
        limit, offset:
            The page.

        Raises
        ------
        InvalidInputError
            An unknown type or NACE code, or a negative limit or offset.
        """
        conditions = _filters(country=country, type=type, sector=sector, q=q)
        if limit < 0 or offset < 0:
            raise InvalidInputError(
                f"limit {limit} and offset {offset} must not be negative",
                [Problem(None, "limit" if limit < 0 else "offset", None, "must be 0 or more")],
            )

        def run(session: Session) -> tuple[list[OrgRecord], int]:
            total = session.scalar(
                select(func.count()).select_from(OrganisationRow).where(*conditions)
            )
            heads = session.execute(
                select(*_PROFILE_HEAD)
                .where(*conditions)
                .order_by(OrganisationRow.id)
                .limit(limit)
                .offset(offset)
            ).all()
            return parsed_records(session, heads, self.parsed_profiles), int(total or 0)

        return self._read(run)

    def organisations(self, *, limit: int | None = None, offset: int = 0) -> list[Organisation]:
        """Profiles ordered by id (validated again on the way out)."""

        def run(session: Session) -> list[Organisation]:
            stmt = select(OrganisationRow.profile).order_by(OrganisationRow.id).offset(offset)
            if limit is not None:
                stmt = stmt.limit(limit)
            context = own_codes(session)
            return [Organisation.model_validate(p, context=context) for p in session.scalars(stmt)]

        return self._read(run)

    def count_organisations(self) -> int:
        """How many organisations are stored."""
        return self._read(
            lambda s: int(s.scalar(select(func.count()).select_from(OrganisationRow)) or 0)
        )

    def counts_by(self, column: str) -> list[tuple[str, int]]:
        """Organisations per value of ``column`` (``type``, ``country`` or ``region``)."""
        columns = {
            "type": OrganisationRow.type,
            "country": OrganisationRow.country,
            "region": OrganisationRow.region,
        }
        if column not in columns:
            raise ValueError(f"column '{column}' must be one of: {', '.join(columns)}")
        col = columns[column]

        def run(session: Session) -> list[tuple[str, int]]:
            rows = session.execute(
                select(col, func.count()).group_by(col).order_by(func.count().desc(), col)
            )
            return [(str(value), int(n)) for value, n in rows]

        return self._read(run)

    def registry_revision(self) -> int:
        """A number raised by every change of the organisations (imports, single changes,
        events that add organisations): equal numbers mean an unchanged registry."""
        return self._read(_revision)

    def registry_snapshot(self) -> tuple[int, list[Organisation]]:
        """The registry revision and every profile (ordered by id), read in one snapshot, so
        that what is cached under the revision is the registry at that revision."""
        revision, _, organisations = self.registry_changes({})
        return revision, organisations

    def registry_changes(
        self, known: Mapping[str, tuple[int, str]]
    ) -> tuple[int, dict[str, tuple[int, str]], list[Organisation]]:
        """What changed in the registry since a snapshot whose profiles had the stamps
        ``known`` (id -> (version, time of the last change)), read in one snapshot: the
        revision, every profile's stamp now, and the profiles that are new or changed (ordered
        by id). Ids of ``known`` missing from the stamps were deleted.

        Reads two small columns of every row and the profiles of the changed rows only: what
        keeps a suggestion index current after an edit without reading the whole registry.
        """

        def run(session: Session) -> tuple[int, dict[str, tuple[int, str]], list[Organisation]]:
            revision = _revision(session)
            context = own_codes(session)
            stamps: dict[str, tuple[int, str]]
            changed: list[Organisation]
            if not known:  # everything: one pass over the table
                stmt = select(
                    OrganisationRow.version, OrganisationRow.updated_at, OrganisationRow.profile
                ).order_by(OrganisationRow.id)
                stamps, changed = {}, []
                for v, at, p in session.execute(stmt):
                    o = Organisation.model_validate(p, context=context)
                    stamps[o.id] = (int(v), _stamp(at))
                    changed.append(o)
                return revision, stamps, changed
            rows = session.execute(
                select(OrganisationRow.id, OrganisationRow.version, OrganisationRow.updated_at)
            ).all()
            stamps = {oid: (int(v), _stamp(at)) for oid, v, at in rows}
            ids = sorted(oid for oid, stamp in stamps.items() if known.get(oid) != stamp)
            changed = []
            for start in range(0, len(ids), 500):
                stmt = (
                    select(OrganisationRow.profile)
                    .where(OrganisationRow.id.in_(ids[start : start + 500]))
                    .order_by(OrganisationRow.id)
                )
                changed.extend(
                    Organisation.model_validate(p, context=context) for p in session.scalars(stmt)
                )
            return revision, stamps, changed

        return self._read(run)

    def registry_vocabulary(self) -> dict[str, str]:
        """The registry's own S3 codes and their labels: validate a profile that uses them
        with ``Organisation.model_validate(data, context={"vocabulary": ...})``."""

        def run(session: Session) -> dict[str, str]:
            context = own_codes(session)
            return {} if context is None else dict(context["vocabulary"])

        return self._read(run)


def _stamp(at: dt.datetime | None) -> str:
    # SQLite gives naive times, PostgreSQL aware ones: compare them as text of one form.
    return "" if at is None else at.replace(tzinfo=None).isoformat()


def _version_of(org_id: str) -> Select[int]:
    return select(OrganisationRow.version).where(OrganisationRow.id == org_id)


def _revision(session: Session) -> int:
    value = session.scalar(select(CounterRow.value).where(CounterRow.name == REGISTRY))
    return int(value or 0)


def _filters(
    *, country: str | None, type: str | None, sector: str | None, q: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if country:
        conditions.append(OrganisationRow.country == taxonomy.nuts().normalise(country.strip()))
    if type:
        try:
            kind = parse_org_type(type)
        except ValueError as exc:
            raise InvalidInputError(str(exc), [Problem(None, "type", type, str(exc))]) from None
        conditions.append(OrganisationRow.type == kind.value)
    if sector:
        code = taxonomy.nace().normalise(sector.strip())
        conditions.append(OrganisationRow.sectors.contains(f";{code}", autoescape=True))
    if q and q.strip():
        folded = fold_text(q.strip())
        conditions.append(OrganisationRow.search.contains(folded, autoescape=True))
    return conditions
