"""The ``matchmaker`` command.

Exit codes: 0 success, 1 the input has problems (or another user error), 2 wrong usage.
User errors are printed as messages, never as tracebacks.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from matchmaker._version import __version__
from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.limits import LIMITS, check_datetime, check_range, check_time_limit

if TYPE_CHECKING:
    from matchmaker.models import Organisation

__all__ = ["main"]

DB_HELP = (
    "database URL (sqlite:///file.db, postgresql+psycopg://user@host/db) or a SQLite file path; "
    "default: $MATCHMAKER_DB or sqlite:///matchmaker.db"
)


SEED_HELP = f"random seed, 0 to {LIMITS.seed_max} (default 0)"


def _db(value: str | None) -> str | None:
    return value or os.environ.get("MATCHMAKER_DB") or None


def _read_vocabulary(path: str | None) -> dict[str, str]:
    """An own S3 vocabulary (``--vocabulary``), or none."""
    from matchmaker.io.tables import read_vocabulary

    return read_vocabulary(path) if path else {}


def _print_problems(problems: Sequence[Problem], out: TextIO, limit: int = 200) -> None:
    for p in problems[:limit]:
        out.write(f"  {p}\n")
    if len(problems) > limit:
        out.write(f"  ... and {len(problems) - limit} more (use --json for all of them)\n")


_EVENT_KEYS = {"event", "participants", "rooms", "rounds", "slots", "tables", "rules", "date"}


def _is_event_file(path: Path) -> bool:
    """An event JSON (an object with event keys) rather than organisations."""
    from matchmaker.io.tabular import MAX_FILE_BYTES

    if path.suffix.casefold() != ".json":
        return False
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return False  # the reader says it is too large, without reading it
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False  # the organisation reader reports what is wrong with it
    return isinstance(doc, dict) and bool(_EVENT_KEYS & set(doc))


# --- options ------------------------------------------------------------------------------

# Every numeric option of every command, with its range: the same bounds as the API's
# parameters and the event documents (``matchmaker.limits``). ``main`` checks them all before a
# command starts, so that ``--slots 100000000`` is a message, not a minute of work and a
# MemoryError.
_OPTION_RANGES: dict[str, tuple[str, int, int]] = {
    "seed": ("--seed", 0, LIMITS.seed_max),
    "k": ("-k", 1, LIMITS.suggestions),
    "max_per_country": ("--max-per-country", 0, LIMITS.participants),
    "capacity": ("--capacity", 1, LIMITS.partners),
    "slots": ("--slots", 1, LIMITS.slots),
    "tables": ("--tables", 1, LIMITS.tables),
    "minutes": ("--minutes", 1, LIMITS.minutes),
    "rounds": ("--rounds", 1, LIMITS.rounds),
}


def check_options(args: argparse.Namespace) -> None:
    """Refuse an option outside its range, naming the option, the value and the range.

    Raises
    ------
    InvalidInputError
        For the first option out of range (exit code 1).
    """
    for dest, (flag, low, high) in _OPTION_RANGES.items():
        value = getattr(args, dest, None)
        if isinstance(value, int):
            check_range(flag, value, low, high)
    if getattr(args, "time_limit", None) is not None:
        check_time_limit("--time-limit", args.time_limit)
    rooms = getattr(args, "rooms", None)
    if isinstance(rooms, str) and rooms.strip().lstrip("+-").isdigit():
        check_range("--rooms", int(rooms), 1, LIMITS.rooms)
    if getattr(args, "start", None):
        check_datetime("--start", _start_option(args.start))


def _start_option(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"--start '{value}' is not a date and time; write it like 2025-03-04T09:00"
        ) from None


def _check_slot_span(first: dt.datetime, slots: int, minutes: int) -> None:
    """The last of ``slots`` slots of ``minutes`` from ``first`` must end within the years
    events may have."""
    last = first + dt.timedelta(minutes=slots * minutes)
    if last.year > LIMITS.last_year:
        raise InvalidInputError(
            f"{slots} slots of {minutes} minutes from {first.isoformat()} would end on "
            f"{last.isoformat()}, after the year {LIMITS.last_year}; start earlier or give "
            "fewer slots"
        )


# --- commands -----------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from matchmaker.io import validate_organisations

    report = validate_organisations(
        args.file, vocabulary=_read_vocabulary(args.vocabulary), sheet=args.sheet
    )
    if args.json:
        json.dump([p.as_dict() for p in report.problems], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0 if report.ok else 1
    if report.ok:
        print(f"{args.file}: valid, {len(report.organisations)} organisations")
    else:
        print(f"{args.file}: {len(report.problems)} problems; {report.summary()}")
        _print_problems(report.problems, sys.stdout)
    print_warnings(report.warnings, sys.stdout)
    return 0 if report.ok else 1


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b")


def _kind(message: str) -> str:
    """A warning's kind: its message with the quoted values and numbers left out."""
    return _QUOTED.sub("…", message)


def print_warnings(warnings: Sequence[Problem], out: TextIO, limit: int = LIMITS.warnings) -> None:
    """Warnings grouped by kind, at most ``limit`` printed in full: a file of 200,000 unknown
    columns gives a few lines and "and 199,995 more like this", not 200,000 lines."""
    kinds: dict[str, list[Problem]] = {}
    for w in warnings:
        kinds.setdefault(_kind(w.message), []).append(w)
    each = max(1, limit // max(1, len(kinds)))
    printed = 0
    for k, (kind, found) in enumerate(kinds.items()):
        if printed >= limit:
            rest = list(kinds.values())[k:]
            count = sum(len(f) for f in rest)
            out.write(f"  ... and {count:,} more warnings of {len(rest):,} other kinds\n")
            break
        for w in found[:each]:
            out.write(f"  warning: {w}\n")
        printed += min(each, len(found))
        if len(found) > each:
            out.write(f"  ... and {len(found) - each:,} more like this: {kind}\n")


def _write_report(path: str, problems: Sequence[Problem]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["row", "column", "value", "message"])
    from matchmaker.io import neutralise

    for p in problems:
        writer.writerow(
            [p.row or "", neutralise(p.column or ""), neutralise(p.value or ""), p.message]
        )
    Path(path).write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def cmd_import(args: argparse.Namespace) -> int:
    from matchmaker.io import read_event, read_organisations
    from matchmaker.store import Store

    path = Path(args.file)
    started = time.perf_counter()
    if args.event:
        return _import_registrations(args, path)
    if args.mapping:
        raise MatchmakerError("--mapping reads a registration list into an event; give --event")
    if _is_event_file(path):
        ev = read_event(path)
        with Store(_db(args.db)) as store:
            version, summary = store.save_event(ev, replace=args.replace)
            print(
                f"imported event '{ev.id}' ({len(ev.participants)} participants, version "
                f"{version}) into {store.url}; its {len(ev.organisations)} organisations: "
                f"{summary.created} new, {summary.replaced} replaced"
            )
        return 0
    report = read_organisations(
        path,
        vocabulary=_read_vocabulary(args.vocabulary),
        sheet=args.sheet,
        partial=args.partial,
    )
    with Store(_db(args.db)) as store:
        summary = store.import_organisations(report.organisations, replace=args.replace)
        elapsed = time.perf_counter() - started
        print(
            f"imported {summary.total} organisations ({summary.created} new, "
            f"{summary.replaced} replaced) from {path.name} into {store.url} in {elapsed:.1f} s"
        )
    if report.problems:
        print(f"skipped {len(report.rejected_rows)} rows with {len(report.problems)} problems:")
        _print_problems(report.problems, sys.stdout, limit=20)
        target = args.report or f"{path.stem}.problems.csv"
        _write_report(target, report.problems)
        print(f"every problem is listed in {target}")
    return 0


def _import_registrations(args: argparse.Namespace, path: Path) -> int:
    """``import FILE --event ID``: a registration export into an event (made if new)."""
    started = time.perf_counter()
    from matchmaker.io.mapping import load_mapping
    from matchmaker.io.registrations import (
        apply_registrations,
        registration_changes,
        validate_registrations,
    )
    from matchmaker.models import Event, RegistrationMapping
    from matchmaker.store import Store

    with Store(_db(args.db)) as store:
        record = store.get_event_record(args.event)
        if record is None:
            ev = Event(id=args.event, name=args.event_name or args.event)
        else:
            ev = record.value
        mapping: RegistrationMapping | Literal["auto"]
        if args.mapping == "auto" or (args.mapping is None and ev.registration_mapping is None):
            mapping = "auto"
        elif args.mapping is None:
            assert ev.registration_mapping is not None
            mapping = ev.registration_mapping
        else:
            mapping = load_mapping(Path(args.mapping))
        report = validate_registrations(
            path,
            vocabulary={**ev.vocabulary, **_read_vocabulary(args.vocabulary)} or None,
            sheet=args.sheet,
            mapping=mapping,
            slots=ev.slots,
        )
        if report.problems and (not args.partial or not report.participants):
            _print_grouped(report.problems, sys.stderr)
            rows = len(report.rejected_rows)
            raise InvalidInputError(
                f"{len(report.problems)} problems in {rows} rows of {path.name}; nothing was "
                "imported (--partial imports the valid rows)",
                report.problems,
            )
        changes = registration_changes(ev, report)
        new, dropped = apply_registrations(ev, report)
        if record is None:
            version, _ = store.save_event(new)
        else:
            version = store.update_event(new, expected_version=record.version).version
        elapsed = time.perf_counter() - started
        print(
            f"imported {len(new.participants)} participants of {len(new.organisations)} "
            f"organisations from {path.name} into event '{new.id}' (version {version}) in "
            f"{store.url} in {elapsed:.1f} s: {len(changes['added'])} added, "
            f"{len(changes['changed'])} changed, {len(changes['removed'])} removed"
        )
    if report.warnings or dropped:
        print("notes (imported as they are):")
        _print_grouped([*report.warnings, *dropped], sys.stdout)
    if report.problems:
        print(f"skipped {len(report.rejected_rows)} rows with {len(report.problems)} problems:")
        _print_grouped(report.problems, sys.stdout)
        target = args.report or f"{path.stem}.problems.csv"
        _write_report(target, report.problems)
        print(f"every problem is listed in {target}")
    return 0


def _print_grouped(problems: Sequence[Problem], out: TextIO, limit: int = LIMITS.warnings) -> None:
    """Problems grouped by column, value and rule: "'Deutschland' in 14 rows (2, 5, ...)"."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for p in problems:
        rule = p.message
        key = (p.column or "", p.value or "", rule)
        groups.setdefault(key, []).append(p.row or 0)
    for k, ((column, value, rule), rows) in enumerate(groups.items()):
        if k == limit:
            out.write(f"  ... and {len(groups) - limit} more kinds of problem\n")
            break
        numbered = [r for r in rows if r]
        n = len(numbered)
        where = ", ".join(str(r) for r in numbered[:8]) + (", ..." if n > 8 else "")
        if not n:
            out.write(f"  {'column ' + repr(column) + ': ' if column else ''}{rule}\n")
            continue
        head = (
            f"'{value[:60]}' in {n} row{'s' if n != 1 else ''}"
            if value
            else (f"{n} row{'s' if n != 1 else ''}")
        )
        out.write(f"  {head} (row {where}), column '{column}': {rule}\n")


def cmd_mapping(args: argparse.Namespace) -> int:
    from matchmaker.io.mapping import dump_mapping, load_mapping, propose_mapping, read_table

    path = Path(args.file)
    given = load_mapping(Path(args.given)) if args.given else None
    table, fmt, sheet, sheets = read_table(path, sheet=args.sheet)
    proposal = propose_mapping(table, given=given, fmt=fmt, sheet=sheet, sheets=sheets)
    target = _output(args.out or f"{path.stem}.mapping.json")
    from matchmaker.io.sheets import write_atomic

    write_atomic(target, dump_mapping(proposal))
    where = f", sheet '{sheet}' of {len(sheets)}" if sheets else ""
    print(
        f"{path.name}: {proposal.rows} rows, header in row {proposal.header_row}{where}; "
        f"encoding {proposal.encoding or 'n/a'}"
    )
    width = max((len(c.header) for c in proposal.columns), default=6)
    for c in proposal.columns:
        print(f"  {c.header[:60]:<{min(width, 60)}}  ->  {c.field:<15} {c.why}")
    print(
        f"wrote the mapping to {target}; change a column's 'field' and import with "
        f"--mapping {target}"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from matchmaker.io import write_organisations, write_registrations
    from matchmaker.store import Store

    if args.event:
        with Store(_db(args.db)) as store:
            ev = store.get_event(args.event)
        if ev is None:
            raise MatchmakerError(f"no event '{args.event}' in the database")
        target = write_registrations(
            ev.participants, ev.organisations, _output(args.out), public=args.public
        )
        print(f"wrote {len(ev.participants)} participants of event '{ev.id}' to {target}")
        return 0
    with Store(_db(args.db)) as store:
        orgs = store.organisations()
    target = write_organisations(orgs, args.out, public=args.public)
    print(f"wrote {len(orgs)} organisations to {target}")
    return 0


def _summary(store_url: str | None, out: TextIO) -> None:
    from matchmaker import taxonomy
    from matchmaker.store import Store

    with Store(store_url) as store:
        total = store.count_organisations()
        out.write(f"Database: {store.url}\n")
        out.write(f"Organisations: {total}\n")
        if total:
            out.write("  by type:    ")
            out.write(", ".join(f"{t} {n}" for t, n in store.counts_by("type")) + "\n")
            countries = store.counts_by("country")
            nuts = taxonomy.nuts()
            shown = ", ".join(f"{nuts.country_name(c)} {n}" for c, n in countries[:8])
            more = f" and {len(countries) - 8} more" if len(countries) > 8 else ""
            out.write(f"  by country: {shown}{more} ({len(countries)} countries)\n")
        for event_id in store.event_ids():
            ev = store.get_event(event_id)
            if ev is None:
                continue
            out.write(
                f"Event '{ev.id}': {ev.name}; {len(ev.participants)} participants, "
                f"{len(ev.rooms)} rooms, {len(ev.rounds)} rounds, {len(ev.slots)} slots, "
                f"{ev.tables} tables\n"
            )


def cmd_summary(args: argparse.Namespace) -> int:
    _summary(_db(args.db), sys.stdout)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from matchmaker.demo import DATA, load_demo
    from matchmaker.store import Store

    db = args.db or "var/demo.db"
    db_path = Path(db)
    if "://" not in db and db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    print(f"Importing the demo data from {DATA}")
    with Store(db) as store:
        for line in load_demo(store):
            print(f"  {line}")
    print()
    _summary(db, sys.stdout)
    return 0


def _load_registry(source: str, vocabulary: str | None) -> list[Organisation]:
    """Organisations from a file (CSV, XLSX, JSON) or from a database (URL or .db file)."""
    from matchmaker.io import read_organisations
    from matchmaker.store import Store

    if "://" in source or source.endswith((".db", ".sqlite")):
        with Store(source) as store:
            orgs = store.organisations()
        if not orgs:
            raise MatchmakerError(f"the database '{source}' holds no organisations")
        return orgs
    return read_organisations(source, vocabulary=_read_vocabulary(vocabulary)).organisations


def _scorer_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scorer",
        metavar="JSON",
        help="a scorer learned by 'matchmaker learn' (instead of --preset)",
    )


def _scorer(args: argparse.Namespace) -> Any:
    """The learned scorer of --scorer, or the --preset's."""
    if getattr(args, "scorer", None):
        from matchmaker.score.learn import load_scorer

        return load_scorer(args.scorer)
    from matchmaker.score import make_scorer

    return make_scorer(args.preset)


def _profiles(args: argparse.Namespace) -> Any:
    from matchmaker.vectorise import ProfileSpace

    orgs = _load_registry(args.registry, args.vocabulary)
    if args.space and Path(args.space).exists():
        space = ProfileSpace.load(args.space)
    else:
        space = ProfileSpace(encoder=args.encoder).fit(orgs)
        if args.space:
            space.save(args.space)
    return space.transform(orgs)


def _filters(args: argparse.Namespace) -> Any:
    from matchmaker.solvers import Filters

    return Filters(
        countries=args.country or (),
        types=args.type or (),
        sectors=args.sector or (),
        exclude=args.exclude or (),
        include_partners=args.include_partners,
    )


def cmd_suggest(args: argparse.Namespace) -> int:
    from matchmaker.solvers import suggest

    profiles = _profiles(args)
    found = suggest(
        profiles,
        args.org,
        k=args.k,
        scorer=_scorer(args),
        filters=_filters(args),
        max_per_country=args.max_per_country or None,
        explain=args.explain or args.json,
    )
    if args.json:
        payload = {
            "organisation": args.org,
            "preset": _scorer(args).label,
            "suggestions": [
                {k: v for k, v in s.as_dict().items() if k != "contributions"} for s in found
            ],
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    me = profiles.organisations[profiles.row(args.org)]
    label = _scorer(args).label
    print(f"Partners for {me.name} ({me.id}, {me.type.label}, {me.region}); scorer {label}")
    if not found:
        print("  no organisation passes the filters")
        return 0
    by_id = {o.id: o for o in profiles.organisations}
    width = max(len(by_id[s.id].name) for s in found)
    width = min(max(width, 12), 48)
    tw = max(len(by_id[s.id].type.label) for s in found)
    print(f"  {'#':>2}  {'score':>5}  {'organisation':<{width}}  {'type':<{tw}}  region")
    for n, s in enumerate(found, start=1):
        o = by_id[s.id]
        name = o.name if len(o.name) <= width else o.name[: width - 1] + "…"
        print(f"  {n:>2}  {s.score:5.3f}  {name:<{width}}  {o.type.label:<{tw}}  {o.region}")
        for reason in s.reasons:
            print(f"{'':12}- {reason}")
    return 0


def cmd_suggest_all(args: argparse.Namespace) -> int:
    from matchmaker.solvers import suggest_all

    target = _output(args.out)
    profiles = _profiles(args)
    started = time.perf_counter()
    tmp = target.with_name(target.name + ".part")
    count = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for org_id, found in suggest_all(
            profiles,
            k=args.k,
            scorer=_scorer(args),
            filters=_filters(args),
            max_per_country=args.max_per_country or None,
            explain=args.explain,
        ):
            row = {
                "id": org_id,
                "suggestions": [
                    {k: v for k, v in s.as_dict().items() if args.explain or k != "reasons"}
                    for s in found
                ],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(target)
    elapsed = time.perf_counter() - started
    print(f"wrote top-{args.k} suggestions of {count} organisations to {target} in {elapsed:.1f} s")
    return 0


def _output(path: str) -> Path:
    """An output file's path, checked before any work: its folder must exist."""
    target = Path(path)
    if not target.parent.is_dir():
        raise MatchmakerError(f"the folder of --out '{path}' does not exist; create it first")
    return target


# Fewer held-out partnerships than this and the learned weights are told to be unreliable.
FEW_PARTNERSHIPS = 50


def cmd_learn(args: argparse.Namespace) -> int:
    from matchmaker.io.tables import read_project_dates
    from matchmaker.score.learn import learn_weights

    target = _output(args.out)
    orgs = _load_registry(args.registry, args.vocabulary)
    dates = read_project_dates(args.projects) if args.projects else None
    notes: list[str] = []
    if dates is not None:
        names = {p.casefold() for o in orgs for p in o.projects}
        dated = {d.casefold() for d in dates}
        if undated := sorted(names - dated):
            notes.append(
                f"note: {len(undated)} of the registry's {len(names)} projects have no start date "
                f"in {args.projects} and count as history only: {', '.join(undated[:5])}"
                + (" ..." if len(undated) > 5 else "")
            )
        if unknown := sorted(dated - names):
            notes.append(
                f"note: {len(unknown)} projects of {args.projects} are in no profile: "
                + ", ".join(unknown[:5])
                + (" ..." if len(unknown) > 5 else "")
            )
    learned = learn_weights(orgs, dates=dates, preset=args.preset, name=args.name, seed=args.seed)
    learned.save(target)
    validation = learned.validation
    ours = validation[learned.scorer.label]["all.ndcg@10"]
    best = max(
        (n for n in validation if n != learned.scorer.label),
        key=lambda n: validation[n]["all.ndcg@10"],
    )
    positives = int(learned.details["training"]["positives"])
    if positives < FEW_PARTNERSHIPS:
        notes.append(
            f"warning: learned from {positives} partnerships only; the weights are unreliable "
            "(they change with --seed): keep a preset until the registry has more"
        )
    if validation[best]["all.ndcg@10"] > ours:
        notes.append(
            f"warning: the preset '{best}' did better on the held-out partnerships "
            f"(NDCG@10 {validation[best]['all.ndcg@10']:.3f} against {ours:.3f}): prefer it"
        )
    if args.json:
        json.dump(learned.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        for note in notes:
            print(note, file=sys.stderr)
        return 0
    weights = learned.scorer.as_dict()
    print(f"learned scorer '{learned.scorer.label}' written to {args.out}")
    for note in notes:
        print(note)
    print("weights: " + ", ".join(f"{c} {w:.3f}" for c, w in weights.items() if w > 0.0005))
    train = learned.details["training"]
    print(
        f"trained on {train['positives']} partnerships of {train['queries']} organisations "
        f"({'; '.join(train['splits'])}); validated on {learned.details['validation']['split']}"
    )
    print(f"  {'scorer':<18} {'NDCG@10':>8} {'P@10':>6} {'new NDCG@10':>12} {'new P@10':>9}")
    for name, m in learned.validation.items():
        print(
            f"  {name:<18} {m['all.ndcg@10']:>8.3f} {m['all.precision@10']:>6.3f} "
            f"{m['new.ndcg@10']:>12.3f} {m['new.precision@10']:>9.3f}"
        )
    return 0


def _suggest_options(p: argparse.ArgumentParser) -> None:
    from matchmaker.score import DEFAULT_PRESET, PRESETS

    p.add_argument("registry", help="organisations: CSV, XLSX or JSON file, or a database URL")
    p.add_argument(
        "-k",
        type=int,
        default=10,
        help=f"how many partners, 1 to {LIMITS.suggestions} (default: 10)",
    )
    p.add_argument(
        "--preset", choices=list(PRESETS), default=DEFAULT_PRESET, help="weights of the score"
    )
    _scorer_option(p)
    p.add_argument(
        "--encoder",
        choices=["semantic", "tfidf"],
        default="semantic",
        help="how texts are compared: a multilingual sentence model (default) or TF-IDF",
    )
    p.add_argument("--country", action="append", help="keep only this country (repeatable)")
    p.add_argument("--type", action="append", help="keep only this organisation type")
    p.add_argument("--sector", action="append", help="keep only this NACE code or below")
    p.add_argument("--exclude", action="append", help="never suggest this id")
    p.add_argument(
        "--include-partners",
        action="store_true",
        help="also suggest organisations that already share a project",
    )
    p.add_argument(
        "--max-per-country",
        type=int,
        default=3,
        help="at most this many from one country among the first 10 (0: no limit)",
    )
    p.add_argument("--explain", action="store_true", help="give the reasons of each suggestion")
    p.add_argument("--vocabulary", metavar="CSV", help="own S3 vocabulary: columns code,label")
    p.add_argument(
        "--space",
        metavar="FILE",
        help="a fitted profile space to reuse (created there when missing)",
    )


def _event_or_registry(path: str, vocabulary: str | None) -> Any:
    """An event file as it is, or an organisation file as an event of one participant each."""
    from matchmaker.io import read_event
    from matchmaker.models import Event, Participant

    if _is_event_file(Path(path)):
        return read_event(path)
    orgs = _load_registry(path, vocabulary)
    if len(orgs) > LIMITS.participants:
        raise InvalidInputError(
            f"'{path}' has {len(orgs):,} organisations; pairs are planned for at most "
            f"{LIMITS.participants:,} participants: keep those of one event"
        )
    return Event(
        id="pairs",
        name=Path(path).stem,
        organisations=orgs,
        participants=[Participant(id=o.id, organisation=o.id) for o in orgs],
    )


def _sides(event: Any, column: str, path: str) -> list[int]:
    """Two sides from an organisation field (type, helix, country) or a column of the file."""
    orgs = {o.id: o for o in event.organisations}
    field = column.casefold()
    values: list[str]
    if field in {"type", "helix", "country"}:
        readers = {
            "type": lambda o: o.type.value,
            "helix": lambda o: o.helix.value,
            "country": lambda o: o.country,
        }
        values = [str(readers[field](orgs[p.organisation])) for p in event.participants]
    else:
        from matchmaker.io.tables import read_column

        try:
            values = read_column(path, column)
        except MatchmakerError as exc:
            raise MatchmakerError(f"--sides {column}: {exc}") from None
        if len(values) != len(event.participants):
            raise MatchmakerError(f"--sides {column}: the column does not match the rows read")
    distinct = sorted(set(values))
    if len(distinct) != 2:
        shown = ", ".join(repr(v) for v in distinct[:6])
        raise MatchmakerError(
            f"--sides {column} must split the participants in exactly two sides; it has "
            f"{len(distinct)} values: {shown}"
        )
    return [distinct.index(v) for v in values]


def cmd_pairs(args: argparse.Namespace) -> int:
    from matchmaker.plan.documents import pairs_document
    from matchmaker.plan.meetings import event_matrices, plan_pairs

    event = _event_or_registry(args.file, args.vocabulary)
    sides = _sides(event, args.sides, args.file) if args.sides else None
    scorer = _scorer(args)
    matrices = event_matrices(event, scorer=scorer)
    result, pairs = plan_pairs(
        event,
        sides=sides,
        capacity=args.capacity,
        scorer=scorer,
        seed=args.seed,
        matrices=matrices,
    )
    people = {p.id: p for p in event.participants}
    orgs = {o.id: o for o in event.organisations}

    def label(pid: str) -> str:
        p = people[pid]
        org = orgs[p.organisation].name
        return f"{p.person} ({org})" if p.person else org

    if args.json:  # the pairs document, as GET /api/events/{id}/pairs gives it
        doc = pairs_document(
            event, result, pairs, matrices, preset=scorer, capacity=args.capacity, seed=args.seed
        )
        _print_json(doc)
        return 0
    print(result.message)
    for n, (a, b) in enumerate(pairs, start=1):
        print(f"  {n:>3}  {label(a)}  —  {label(b)}")
    return 0


def _print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _published(path: str) -> list[Any]:
    """The meetings of a schedule document: an earlier ``schedule --json`` output, or the
    service's ``GET /api/events/{id}/schedule``."""
    from matchmaker.plan.documents import published_meetings

    try:
        doc = json.loads(Path(path).read_bytes())
        published = published_meetings(doc)
        for pm in published:
            if not all(isinstance(v, str) for v in (pm.slot, pm.a, pm.b)):
                raise TypeError("a meeting's slot and participants must be strings")
        return published
    except OSError as exc:
        raise MatchmakerError(f"file '{path}' cannot be read ({exc.strerror})") from None
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise MatchmakerError(
            f"'{path}' is not the JSON output of 'matchmaker schedule --json' ({exc})"
        ) from None


def cmd_schedule(args: argparse.Namespace) -> int:
    from matchmaker.io import read_event
    from matchmaker.plan.documents import schedule_document
    from matchmaker.plan.meetings import event_matrices, plan_schedule, replan_schedule, with_slots

    event = read_event(args.event_file)
    if args.slots or args.tables is not None:
        start = _start_option(args.start) if args.start else None
        if not event.slots:
            first = start or dt.datetime.combine(event.date or dt.date.today(), dt.time(9, 0))
            _check_slot_span(first, args.slots or 0, args.minutes)
        event = with_slots(
            event,
            args.slots or len(event.slots),
            start=start,
            minutes=args.minutes,
            tables=args.tables,
        )
    changes = None
    scorer = _scorer(args)
    if args.previous:
        published = _published(args.previous)
        matrices = event_matrices(event, scorer=scorer)
        result, changes = replan_schedule(
            event, published, scorer=scorer, seed=args.seed, matrices=matrices
        )
    else:
        result, matrices = plan_schedule(event, scorer=scorer, seed=args.seed)
    meetings = list(result.meetings)
    if args.ics_dir:
        from matchmaker.export.agenda import write_agendas

        written = write_agendas(event, meetings, args.ics_dir, formats=("ics",))
        print(f"wrote {len(written)} calendars to {args.ics_dir}", file=sys.stderr)
    if args.export:
        from matchmaker.export.agenda import (
            agendas_csv,
            agendas_html,
            agendas_xlsx,
            grid_csv,
            grid_xlsx,
        )
        from matchmaker.io.sheets import write_files

        files = [
            ("grid.csv", grid_csv(event, meetings)),
            ("grid.xlsx", grid_xlsx(event, meetings)),
            ("agendas.csv", agendas_csv(event, meetings)),
            ("agendas.xlsx", agendas_xlsx(event, meetings)),
            ("agendas.html", agendas_html(event, meetings).encode("utf-8")),
        ]
        write_files(args.export, files)
        print(f"wrote {', '.join(n for n, _ in files)} to {args.export}", file=sys.stderr)
    if changes is not None:
        print(
            f"re-planned: {len(changes['kept'])} meetings kept, {len(changes['cancelled'])} "
            f"cancelled, {len(changes['added'])} added",
            file=sys.stderr,
        )
    if args.json:  # the schedule document, as GET /api/events/{id}/schedule gives it
        doc = schedule_document(
            event, result, matrices, preset=scorer, seed=args.seed, changes=changes
        )
        _print_json(doc)
        return 0
    print(result.message)
    counts = list(result.meetings_per_participant)
    if counts:
        print(
            f"meetings per participant: min {min(counts)}, median "
            f"{sorted(counts)[len(counts) // 2]}, max {max(counts)}; "
            f"{sum(1 for c in counts if c == 0)} without a meeting"
        )
    for k, slot in enumerate(event.slots):
        in_slot = [m for m in result.meetings if m.slot == k]
        print(f"  {slot.start:%H:%M}-{slot.end:%H:%M}  {len(in_slot):>3} meetings")
    return 0


def _rooms_option(value: str | None) -> Any:
    if value is None:
        return None
    if value.strip().lstrip("+-").isdigit():
        n = int(value)
        check_range("--rooms", n, 1, LIMITS.rooms)
        return n
    from matchmaker.io.tables import read_rooms

    return read_rooms(value)


def cmd_breakouts(args: argparse.Namespace) -> int:
    from matchmaker.io import read_event
    from matchmaker.plan.breakouts import plan_breakouts

    event = read_event(args.event_file)
    rooms = _rooms_option(args.rooms)
    rounds = None
    if args.rounds is not None:
        rounds = max(args.rounds, len(event.rounds))
    started = time.perf_counter()
    scorer = _scorer(args)
    plan = plan_breakouts(
        event,
        rooms=rooms,
        rounds=rounds,
        mode=args.mode,
        scorer=scorer,
        seed=args.seed,
        time_limit=args.time_limit,
    )
    elapsed = time.perf_counter() - started
    result = plan.result
    if args.export:
        from matchmaker.export.breakouts import write_room_exports

        written = write_room_exports(plan, args.export)
        rounds = len(plan.event.rounds)
        print(
            f"wrote rooms.csv, rooms.xlsx, {len(written) - 2 - rounds} room pages and "
            f"{rounds} round pages (every room of a round) to {args.export}",
            file=sys.stderr,
        )
    if args.json:  # the allocation document, as GET /api/events/{id}/breakouts gives it
        from matchmaker.plan.documents import allocation_document

        doc = allocation_document(plan, preset=scorer, seed=args.seed, time_limit=args.time_limit)
        _print_json(doc)
        return 0
    people = {p.id: p for p in plan.event.participants}
    orgs = {o.id: o.name for o in plan.event.organisations}
    print(result.message)
    bound = getattr(result, "upper_bound", None)
    quality = f"objective {float(result.objective):.3f}"
    if bound is not None:
        quality += f", bound {float(bound):.3f}, gap {float(result.gap):.1%}"
    quality += f"; repeats {int(result.repeats)}; {elapsed:.1f} s"
    print(quality)
    for rnd in plan.event.rounds:
        print(f"{rnd.name or rnd.id}:")
        for room in plan.event.rooms:
            ids = plan.assignment[rnd.id][room.id]
            seats = sum(people[pid].seats for pid in ids)
            print(f"  {room.name} ({seats}/{room.capacity} seats)")
            for pid in ids:
                p = people[pid]
                org = orgs.get(p.organisation, p.organisation)
                print(f"    {p.person or p.id} ({org})")
    if result.violations:
        print("violations:")
        for v in result.violations:
            print(f"  {v}")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from matchmaker.store import Store

    with Store(_db(args.db)) as store:
        if args.keys_command == "create":
            record, key = store.create_api_key(
                role=args.role, subject=args.subject, name=args.name or f"{args.role} key"
            )
            print(f"created {record.role} key {record.id} for {record.subject or '-'}:")
            print(f"  {key}")
            print("the key is shown this once; keep it (the database keeps only its hash)")
            return 0
        if args.keys_command == "revoke":
            if store.get_api_key(args.id) is None:
                raise MatchmakerError(f"key '{args.id}' is not in the database")
            done = store.revoke_api_key(args.id)
            print(f"key {args.id} {'revoked' if done else 'was revoked already'}")
            return 0
        records = store.list_api_keys()
        if not records:
            print("no keys")
        for r in records:
            state = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
            print(
                f"{r.id}  {r.role:<9}  {r.subject or '-':<24}  {r.name:<24}  "
                f"created {r.created_at:%Y-%m-%d %H:%M}  {state}"
            )
        return 0


def _worker(argv: Sequence[str]) -> int:
    """``matchmaker worker ...``: the job worker of the web service (the ``api`` extra)."""
    try:
        from matchmaker.service.worker import main as worker_main
    except ModuleNotFoundError as exc:
        print(
            f"error: the worker needs the web service's packages ({exc.name} is missing); "
            "install matchmaker[api]",
            file=sys.stderr,
        )
        return 1
    return worker_main(list(argv))


# --- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchmaker",
        description="Matchmaking for interregional partner finding: profiles, scores, "
        "partner suggestions, 1:1 schedules and breakout rooms.",
    )
    parser.add_argument("--version", action="version", version=f"matchmaker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check an organisation file (CSV, XLSX, JSON); exit 0 when valid, 1 when not",
        description="Check every row of an organisation file and list every problem "
        "(row, column, value, rule). Nothing is stored.",
    )
    p.add_argument("file", help="CSV, XLSX or JSON file of organisation profiles")
    p.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    p.add_argument("--vocabulary", metavar="CSV", help="own S3 vocabulary: columns code,label")
    p.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "import",
        help="validate and store organisations (or an event JSON) in the database",
        description="Validate a file and store it in one transaction: all or nothing, unless "
        "--partial.",
    )
    p.add_argument("file", help="CSV, XLSX or JSON organisations, or an event JSON file")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument(
        "--partial", action="store_true", help="import the valid rows and report the others"
    )
    p.add_argument(
        "--report",
        metavar="CSV",
        help="with --partial: where to list the problems (default: FILE.problems.csv here)",
    )
    p.add_argument("--replace", action="store_true", help="overwrite ids already stored")
    p.add_argument("--vocabulary", metavar="CSV", help="own S3 vocabulary: columns code,label")
    p.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
    p.add_argument(
        "--event",
        metavar="EVENT_ID",
        help="read FILE as a registration export (one row per participant) into this event, "
        "replacing its participants; the event is made when it does not exist",
    )
    p.add_argument("--event-name", help="with --event: the name of a new event")
    p.add_argument(
        "--mapping",
        metavar="auto|FILE",
        help="with --event: how the columns are read: 'auto' proposes it from the headers, "
        "FILE is a mapping written by 'matchmaker mapping' (default: the event's last "
        "mapping, else auto)",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "mapping",
        help="propose how a registration export's columns are read, as an editable file",
        description="Read the headers (and a sample of the cells) of a registration export "
        "and write the proposed field of each column to a JSON file, to check and edit before "
        "'matchmaker import FILE --event ID --mapping MAPPING'.",
    )
    p.add_argument("file", help="CSV or XLSX registration export")
    p.add_argument("--out", help="where to write the mapping (default: FILE.mapping.json here)")
    p.add_argument("--sheet", help="XLSX sheet to read (default: the one with known headers)")
    p.add_argument(
        "--given", metavar="MAPPING", help="a mapping to start from (its choices are kept)"
    )
    p.set_defaults(func=cmd_mapping)

    p = sub.add_parser("export", help="write the stored organisations to CSV, XLSX or JSON")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--out", required=True, help="output file; the suffix picks the format")
    p.add_argument("--public", action="store_true", help="leave out private contact fields")
    p.add_argument(
        "--event",
        metavar="EVENT_ID",
        help="write this event's participants as a registration list instead (with their "
        "e-mail, job title and extra columns; it reads back as it was imported)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("summary", help="what the database holds")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "suggest",
        help="the best partners of an organisation, with reasons",
        description="Score every organisation of the registry against one and list the best "
        "partners (needs meeting offers both ways, S3, sectors, geography, types, languages).",
    )
    _suggest_options(p)
    p.add_argument("--org", required=True, help="id of the organisation")
    p.add_argument("--json", action="store_true", help="print JSON: {suggestions: [...]}")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("suggest-all", help="top-k partners of every organisation, as JSON lines")
    _suggest_options(p)
    p.add_argument("--out", required=True, help="output file (.jsonl)")
    p.set_defaults(func=cmd_suggest_all)

    from matchmaker.score import DEFAULT_PRESET, PRESETS

    p = sub.add_parser(
        "learn",
        help="learn component weights from the registry's own partnerships (shared projects)",
        description="Learn non-negative component weights from the partnerships of a registry "
        "(organisations that share a project), validate them on held-out partnerships beside "
        "every preset, and save them as a scorer for --scorer.",
    )
    p.add_argument("registry", help="organisations: CSV, XLSX or JSON file, or a database URL")
    p.add_argument("--out", required=True, help="where to write the scorer (.json)")
    p.add_argument(
        "--projects",
        metavar="CSV",
        help="project start dates (columns project,start): split by time instead of at random",
    )
    p.add_argument("--preset", choices=list(PRESETS), default=DEFAULT_PRESET, help="base preset")
    p.add_argument("--name", default="learned", help="the scorer's name (default: learned)")
    p.add_argument("--vocabulary", metavar="CSV", help="own S3 vocabulary: columns code,label")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--json", action="store_true", help="print the scorer and figures as JSON")
    p.set_defaults(func=cmd_learn)

    p = sub.add_parser(
        "pairs",
        help="partner pairs: who meets whom (exact or with a proven bound)",
        description="Pair the participants of an event file (or the organisations of a file) "
        "so that the total score is as high as possible; must-meet requests are forced, "
        "would-rather-not requests never meet.",
    )
    p.add_argument("file", help="an event JSON, or organisations (CSV, XLSX, JSON)")
    p.add_argument(
        "--sides",
        metavar="COLUMN",
        help="two sides (buyers and suppliers...): type, helix, country or a column of the file",
    )
    p.add_argument(
        "--capacity",
        type=int,
        default=1,
        help=f"partners per participant, 1 to {LIMITS.partners} (default 1)",
    )
    p.add_argument("--preset", choices=list(PRESETS), default=DEFAULT_PRESET)
    _scorer_option(p)
    p.add_argument("--vocabulary", metavar="CSV", help="own S3 vocabulary: columns code,label")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_pairs)

    p = sub.add_parser(
        "schedule",
        help="a 1:1 meeting schedule: slots x tables, with agendas",
        description="Plan 1:1 meetings in time slots at tables: requests first (mutual, then "
        "one-sided, then suggested by the scorer), nobody left without a meeting where "
        "possible, then the most valuable meetings.",
    )
    p.add_argument("event_file", help="event JSON with participants and their organisations")
    p.add_argument(
        "--slots",
        type=int,
        help=f"number of time slots, 1 to {LIMITS.slots} (when the event has none)",
    )
    p.add_argument("--tables", type=int, help=f"tables per slot, 1 to {LIMITS.tables}")
    p.add_argument(
        "--start",
        help="first slot's start, ISO, in the years "
        f"{LIMITS.first_year} to {LIMITS.last_year} (default: the event's date, 09:00)",
    )
    p.add_argument(
        "--minutes",
        type=int,
        default=20,
        help=f"slot length, 1 to {LIMITS.minutes} (default 20)",
    )
    p.add_argument("--preset", choices=list(PRESETS), default=DEFAULT_PRESET)
    _scorer_option(p)
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--ics-dir",
        metavar="DIR",
        help="write one calendar per participant, named '<person> - <organisation>.ics'",
    )
    p.add_argument(
        "--export",
        metavar="DIR",
        help="write the grid (CSV, XLSX) and every agenda (CSV, XLSX, a printable HTML page)",
    )
    p.add_argument(
        "--previous",
        metavar="JSON",
        help="re-plan: keep the meetings of this earlier --json output whose participants "
        "are still there, and report what changed",
    )
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser(
        "breakouts",
        help="breakout rooms per round, with reasons",
        description="Put the participants of an event in breakout rooms for each round: "
        "people who fit together (or who differ, --mode diversity) and who fit the rooms' "
        "themes; capacities, pins and keep-apart / keep-together rules are kept; colleagues "
        "are spread; repeats across rounds are avoided.",
    )
    p.add_argument("event_file", help="event JSON with participants and their organisations")
    p.add_argument(
        "--rooms",
        metavar="N|CSV",
        help=f"N rooms of equal capacity (1 to {LIMITS.rooms}), or a CSV with columns "
        "id,name,capacity[,min_size]"
        "[,themes] (themes separated by ';'); default: the event's rooms",
    )
    p.add_argument(
        "--rounds",
        type=int,
        help=f"number of rounds, 1 to {LIMITS.rounds} (when the event has fewer)",
    )
    p.add_argument("--mode", choices=["affinity", "diversity"], default="affinity")
    p.add_argument("--preset", choices=list(PRESETS), default=DEFAULT_PRESET)
    _scorer_option(p)
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument(
        "--time-limit",
        type=float,
        metavar="S",
        help=f"solver time limit, above 0 and at most {LIMITS.time_limit_s:g} seconds",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--export",
        metavar="DIR",
        help="write rooms.csv, rooms.xlsx, a printable page per room and one per round",
    )
    p.set_defaults(func=cmd_breakouts)

    # Its options are the worker's own (matchmaker.service.worker): main() hands them over.
    sub.add_parser(
        "worker",
        help="run the jobs that the web servers queue (allocations, schedules, pairs); "
        "matchmaker worker --help",
        add_help=False,
    )

    p = sub.add_parser("keys", help="API keys of the web service: create, list, revoke")
    keys = p.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND", required=True)
    k = keys.add_parser("create", help="make a key and print it (once)")
    k.add_argument("--role", required=True, choices=["admin", "organiser", "member"])
    k.add_argument(
        "--subject",
        help="organiser: its account name (owner of its events); member: its organisation's id",
    )
    k.add_argument("--name", help="what the key is for (default: '<role> key')")
    k.add_argument("--db", help=DB_HELP)
    k = keys.add_parser("list", help="every key: id, role, subject, name, state (never the key)")
    k.add_argument("--db", help=DB_HELP)
    k = keys.add_parser("revoke", help="revoke a key by its id")
    k.add_argument("id", help="the key's id (the 8 characters after 'mm_')")
    k.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser(
        "demo", help="import the demo data into a database (a new SQLite file) and summarise it"
    )
    p.add_argument("--db", help="database (default: var/demo.db, created afresh)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # A value quoted in a message may hold what no encoding can write (a lone surrogate from a
    # JSON file): escape it rather than fail while printing.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["worker"]:
        return _worker(given[1:])
    args = parser.parse_args(given)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        check_options(args)
        code: int = args.func(args)
    except InvalidInputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        _print_problems(exc.problems, sys.stderr)
        return 1
    except MatchmakerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
