"""Import and export: organisation tables and registration lists (CSV, XLSX, JSON), event
files (JSON)."""

from matchmaker.io.events import dump_event, read_event, write_event
from matchmaker.io.organisations import (
    ImportReport,
    dump_organisations,
    organisation_rows,
    read_organisations,
    validate_organisations,
    write_organisations,
)
from matchmaker.io.registrations import (
    RegistrationReport,
    dump_registrations,
    read_registrations,
    registration_rows,
    validate_registrations,
    write_registrations,
)
from matchmaker.io.tabular import neutralise, unneutralise

__all__ = [
    "ImportReport",
    "RegistrationReport",
    "dump_event",
    "dump_organisations",
    "dump_registrations",
    "neutralise",
    "organisation_rows",
    "read_event",
    "read_organisations",
    "read_registrations",
    "registration_rows",
    "unneutralise",
    "validate_organisations",
    "validate_registrations",
    "write_event",
    "write_organisations",
    "write_registrations",
]
