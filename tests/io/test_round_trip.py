"""Export then import gives back the same organisations, in every format."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker import taxonomy
from matchmaker.io import dump_organisations, neutralise, read_organisations, unneutralise
from matchmaker.models import Organisation, OrgType

FORMATS = ["csv", "xlsx", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(fmt: str, sample_orgs: list[Organisation]) -> None:
    data = dump_organisations(sample_orgs, fmt)  # type: ignore[arg-type]
    back = read_organisations(data, name=f"orgs.{fmt}").organisations
    assert back == sample_orgs


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_export_leaves_out_contacts(fmt: str, sample_orgs: list[Organisation]) -> None:
    data = dump_organisations(sample_orgs, fmt, public=True)  # type: ignore[arg-type]
    back = read_organisations(data, name=f"orgs.{fmt}").organisations
    assert all(o.contact is None for o in back)
    assert back == [o.public() for o in sample_orgs]


def test_csv_export_neutralises_formula_cells(sample_orgs: list[Organisation]) -> None:
    nasty = sample_orgs[0].model_copy(
        update={"name": "=cmd|' /C calc'!A0", "description": "@SUM(A1)", "website": "-2+3"}
    )
    data = dump_organisations([nasty], "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    cells = dict(zip(header, rows[1], strict=True))
    assert cells["name"] == "'=cmd|' /C calc'!A0"
    assert cells["description"] == "'@SUM(A1)"
    assert cells["website"] == "'-2+3"
    assert cells["contact_phone"] == "'+49 711 000"
    # ... and the file imports to the original values.
    assert read_organisations(data, name="x.csv").organisations == [nasty]


def test_xlsx_export_writes_text_not_formulas(sample_orgs: list[Organisation]) -> None:
    from openpyxl import load_workbook

    nasty = sample_orgs[0].model_copy(update={"name": "=1+1"})
    wb = load_workbook(io.BytesIO(dump_organisations([nasty], "xlsx")))
    ws = wb.worksheets[0]
    assert ws["B2"].value == "'=1+1"
    assert ws["B2"].data_type == "s"


@given(st.text(max_size=30))
def test_neutralise_round_trips(value: str) -> None:
    assert unneutralise(neutralise(value)) == value
    assert not neutralise(value).startswith(("=", "+", "-", "@", "\t", "\r"))


def _codes() -> dict[str, list[str]]:
    return {
        "regions": taxonomy.nuts().codes(level=2, version="2021")[:200],
        "sectors": taxonomy.nace().codes(level=4)[:200],
        "s3": taxonomy.s3().codes(family="ecosystem"),
    }


_CODES = _codes()
_text = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
            blacklist_characters=";|,\u00a0\u200b\u2007\ufeff",
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)

organisations = st.builds(
    Organisation,
    id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
    name=_text,
    type=st.sampled_from(list(OrgType)),
    region=st.sampled_from(_CODES["regions"]),
    sectors=st.lists(st.sampled_from(_CODES["sectors"]), max_size=3, unique=True),
    s3_priorities=st.lists(st.sampled_from(_CODES["s3"]), max_size=3, unique=True),
    offers=st.lists(
        st.builds(dict, text=_text, keywords=st.lists(_text, max_size=3, unique=True)), max_size=3
    ),
    needs=st.lists(
        st.builds(dict, text=_text, keywords=st.lists(_text, max_size=3, unique=True)), max_size=3
    ),
    languages=st.lists(st.sampled_from(["en", "fr", "de", "pl", "el"]), max_size=3, unique=True),
    projects=st.lists(_text, max_size=2, unique=True),
    description=_text,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(organisations, min_size=1, max_size=4, unique_by=lambda o: o.id),
    st.sampled_from(FORMATS),
)
def test_round_trip_property(orgs: list[Organisation], fmt: str) -> None:
    data = dump_organisations(orgs, fmt)  # type: ignore[arg-type]
    assert read_organisations(data, name=f"o.{fmt}").organisations == orgs


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters_are_detected(encoding: str, delimiter: str) -> None:
    rows = [
        ["Organisation", "Type", "Country", "NACE"],
        ["Université de Liège", "University", "BE", "M72.1;P85.4"],
        ["Škoda Cluster", "Cluster", "CZ", "C29"]
        if encoding != "cp1252"
        else ["Café Cluster", "Cluster", "FR", "C29"],
    ]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    report = read_organisations(buffer.getvalue().encode(encoding), name="x.csv")
    assert report.delimiter == delimiter
    assert [o.name for o in report.organisations] == [rows[1][0], rows[2][0]]
    assert report.organisations[0].sectors == ["M72.1", "P85.4"]
    assert report.organisations[0].region == "BE"
    assert report.organisations[0].id == "universite-de-liege"


def test_stray_whitespace_and_invisible_characters_are_removed() -> None:
    data = (
        "id,name,type,region,languages\n"
        "  A ,\u00a0Alpha Cluster\u200b ,  Cluster , fr10 , EN; French \n"
    )
    org = read_organisations(data.encode(), name="x.csv").organisations[0]
    assert (org.id, org.name, org.type, org.region, org.languages) == (
        "A",
        "Alpha Cluster",
        OrgType.CLUSTER,
        "FR10",
        ["en", "fr"],
    )


def test_registration_form_headers_are_read() -> None:
    data = (
        "Organization name,Type of organisation,Country,NUTS code,Sector (NACE),"
        "Smart specialisation priorities,We offer,We look for,Working languages,E-mail\n"
        "Alpha,Large enterprise,Germany,DE11,2651,Digital,Testbed for 5G | 5G,"
        "Partners | pilots,English,a@example.org\n"
    )
    org = read_organisations(data.encode(), name="x.csv").organisations[0]
    assert org.type is OrgType.LARGE_COMPANY
    assert org.region == "DE11"
    assert org.sectors == ["C26.51"]
    assert org.s3_priorities == ["IE05"]
    assert org.offers[0].text == "Testbed for 5G"
    assert org.offers[0].keywords == ["5G"]
    assert org.contact is not None
    assert org.contact.email == "a@example.org"


def test_nace_rev21_codes_are_converted_to_rev2() -> None:
    data = b"id,name,type,region,sectors,NACE Rev 2.1\nA,Alpha,sme,FR10,C20,62.20\n"
    org = read_organisations(data, name="x.csv").organisations[0]
    assert org.sectors == ["C20", "J62.02", "J62.03"]
