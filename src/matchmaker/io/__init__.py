"""Import and export: organisation tables (CSV, XLSX, JSON) and event files (JSON)."""

from matchmaker.io.events import dump_event, read_event, write_event
from matchmaker.io.organisations import (
    ImportReport,
    dump_organisations,
    organisation_rows,
    read_organisations,
    validate_organisations,
    write_organisations,
)
from matchmaker.io.tabular import neutralise, unneutralise

__all__ = [
    "ImportReport",
    "dump_event",
    "dump_organisations",
    "neutralise",
    "organisation_rows",
    "read_event",
    "read_organisations",
    "unneutralise",
    "validate_organisations",
    "write_event",
    "write_organisations",
]
