"""The packaged taxonomies: NUTS regions, NACE activities, S3 priorities and languages.

Each accessor builds its look-up on the first call and returns the same instance afterwards;
nothing is read at import.

>>> from matchmaker.taxonomy import nace, nuts
>>> nuts().region("gr30").code
'EL30'
>>> nace().normalise("2651")
'C26.51'

The data files and their sources and licences are in ``data/<folder>/SOURCE.md``.
"""

from __future__ import annotations

from matchmaker.taxonomy.languages import CountryLanguage, Languages, languages
from matchmaker.taxonomy.nace import Activity, ActivityNotes, Nace, nace, nace21, to_rev2, to_rev21
from matchmaker.taxonomy.nuts import Nuts, Region, nuts
from matchmaker.taxonomy.s3 import S3Family, S3Vocabulary, s3

__all__ = [
    "Activity",
    "ActivityNotes",
    "CountryLanguage",
    "Languages",
    "Nace",
    "Nuts",
    "Region",
    "S3Family",
    "S3Vocabulary",
    "languages",
    "nace",
    "nace21",
    "nuts",
    "s3",
    "to_rev2",
    "to_rev21",
]
