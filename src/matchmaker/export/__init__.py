"""Exports: what a plan becomes for people to read, print or import elsewhere.

- :mod:`matchmaker.export.agenda`: 1:1 agendas and the meeting grid (CSV, XLSX, printable
  pages) and calendar files (ICS).
- :mod:`matchmaker.export.breakouts`: room lists (CSV, XLSX) and printable room pages.
- :mod:`matchmaker.export.pages`: the printable pages' HTML document.

They write through :mod:`matchmaker.io.sheets` (cells that never run as formulas, atomic
files), which the readers' round-trip writers share.
"""
