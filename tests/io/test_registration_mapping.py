"""Reading registration exports: column mapping, values, areas, encodings, colleagues.

The headers, values and texts here are written for these tests, apart from the platform
exports in ``fixtures/exports`` (tested in ``test_registration_exports.py``).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.io import dump_registrations, validate_registrations
from matchmaker.io.areas import own_code, place_areas
from matchmaker.io.mapping import (
    dump_mapping,
    find_header,
    load_mapping,
    propose_mapping,
    read_table,
)
from matchmaker.io.tabular import decode_text, read_csv
from matchmaker.io.values import country_code, language_code, org_type, size_class
from matchmaker.models import OrgType, RegistrationMapping, TimeSlot


def csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def fields(data: bytes, name: str = "list.csv") -> dict[str, str]:
    table, fmt, sheet, sheets = read_table(data, name=name)
    proposal = propose_mapping(table, fmt=fmt, sheet=sheet, sheets=sheets)
    return {c.header: c.field for c in proposal.columns}


# --- encodings ----------------------------------------------------------------------------

TEXTS = {
    "pl": "Imię;Miasto\nPaweł Wiśniewski;Zakład Mechaniki Precyzyjnej Łódź, Wrocław\n",
    "cs": "Název;Město\nČeská zemědělská univerzita;Plzeň, Ústí nad Labem\n",
    "hu": "Név;Város\nGyőri Műszaki Egyetem;Székesfehérvár\n",
    "it": "Ente;Città\nUniversità di Bologna;Forlì, è più qualità\n",
    "de": "Name;Straße\nMüller Größe;Königstraße – 5 €\n",
    "fr": "Nom;Ville\nÉcole Supérieure;Besançon, Orléans, Noël\n",
    "es": "Nombre;País\nJosé Peña;España, Cataluña, Andalucía\n",
    "bg": "Име;Град\nИван Петров;София, Пловдив\n",
}


@pytest.mark.parametrize(
    ("language", "encoding"),
    [
        ("pl", "cp1250"),
        ("pl", "iso8859_2"),
        ("cs", "cp1250"),
        ("hu", "cp1250"),
        ("it", "cp1252"),
        ("de", "cp1252"),
        ("fr", "cp1252"),
        ("es", "cp1252"),
        ("bg", "cp1251"),
    ],
)
def test_a_code_page_is_detected_by_how_the_text_reads(language: str, encoding: str) -> None:
    text = TEXTS[language]
    decoded, _ = decode_text(text.encode(encoding))
    assert decoded == text


def test_polish_saved_by_excel_is_not_read_as_western_european() -> None:
    table = read_csv("Nazwa;Miasto\nZakład Łódź;Łódź\n".encode("cp1250"))
    assert table.rows == [["Zakład Łódź", "Łódź"]]
    assert table.encoding == "cp1250"


# --- header and sheet ---------------------------------------------------------------------


def test_the_header_is_found_below_a_title_row() -> None:
    data = csv(
        "Registrations - Regions meet Clusters 2027",
        "exported 2027-03-01",
        "First name;Last name;Organisation;Country",
        "Anna;Nowak;Lodz Textile Cluster;Polska",
    )
    table = find_header(read_csv(data))
    assert table.header == ["First name", "Last name", "Organisation", "Country"]
    assert table.row_numbers == [4]


def test_a_workbook_s_sheet_with_the_known_headers_is_read(tmp_path: object) -> None:
    from matchmaker.io.sheets import xlsx_bytes

    data = xlsx_bytes(
        [
            ("Read me", ["Fill in one row per person"], [["Thank you"]]),
            (
                "People",
                ["Vorname", "Nachname", "Organisation", "Land", ""],
                [["Jan", "Berger", "Hochschule Aalen", "Deutschland", ""], ["", "", "", "", ""]],
            ),
        ]
    )
    table, _, sheet, sheets = read_table(data, name="list.xlsx")
    assert (sheet, sheets) == ("People", ["Read me", "People"])
    assert table.header == ["Vorname", "Nachname", "Organisation", "Land"]  # trailing column cut


# --- the column mapping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "cells", "field"),
    [
        ("Prénom", "Claire", "first_name"),
        ("Nazwisko", "Nowak", "last_name"),
        ("Nome e cognome", "Marco Rossi", "person"),
        ("Correo electrónico", "ana@example.es", "email"),
        ("Adres e-mail", "jan@example.pl", "email"),
        ("Funktion", "Geschäftsführer", "job_title"),
        ("Nazwa organizacji", "Politechnika Łódzka", "organisation"),
        ("Tipo de entidad", "Universidad", "type"),
        ("Pays", "Belgique", "country"),
        ("Województwo", "Mazowieckie", "region"),
        ("Descrizione dell'ente", "Ente di ricerca", "description"),
        ("Was bieten Sie an?", "Prüfstände", "offers"),
        ("¿Qué buscan?", "Socios para Interreg", "needs"),
        ("Lingue parlate", "italiano, inglese", "languages"),
        ("Whom would you like to meet?", "Lodz Textile Cluster", "wishes"),
        ("Last name of the contact person", "Silva", "last_name"),
        ("E-mail address of the contact person", "t@example.pt", "email"),
        ("What is your organisation looking for?", "Pilot sites", "needs"),
    ],
)
def test_headers_of_six_languages_are_proposed_as_their_fields(
    header: str, cells: str, field: str
) -> None:
    data = csv(f'"{header}",Notes', f'"{cells}",x')
    assert fields(data)[header] == field


@pytest.mark.parametrize(
    ("header", "cells"),
    [
        ("Ticket type", "Early bird"),  # holds 'type', but no organisation types
        ("T-shirt size", "XL"),  # holds 'size', but no head counts
        ("Registration date", "2027-02-01 10:00"),  # holds 'registration', not an id
        ("I agree that my profile is shared", "Yes"),  # a consent, not a text
    ],
)
def test_a_header_word_alone_does_not_map_cells_that_do_not_fit(header: str, cells: str) -> None:
    data = csv(f'"{header}",Organisation,Country', f'"{cells}",Alpha,FR', f'"{cells}",Beta,DE')
    assert fields(data)[header] == "extra"


def test_free_text_under_a_codes_header_is_read_as_areas() -> None:
    data = csv("Organisation,Country,Sectors", "Alpha,FR,Packaging; Forestry")
    assert fields(data)["Sectors"] == "areas"
    codes = csv("Organisation,Country,Sectors", "Alpha,FR,C26.51; 2651")
    assert fields(codes)["Sectors"] == "sectors"


def test_a_place_with_its_country_gives_the_country() -> None:
    data = csv("Name,Company,Location", 'Ann Lee,Alpha,"Como, Italy"')
    assert fields(data)["Location"] == "country"
    report = validate_registrations(data, name="l.csv")
    assert report.problems == []
    assert report.organisations[0].country == "IT"
    assert report.participants[0].extra == {"Location": "Como, Italy"}


def test_a_bare_id_numbering_the_rows_is_the_participant_s() -> None:
    data = csv("ID,Name,Company,Country", "1,Ann Lee,Alpha,FR", "2,Bo Li,Alpha,FR")
    assert fields(data)["ID"] == "participant"
    report = validate_registrations(data, name="l.csv")
    assert [(p.id, p.organisation) for p in report.participants] == [("1", "alpha"), ("2", "alpha")]


def test_the_organiser_s_choice_is_kept_and_the_rest_proposed() -> None:
    data = csv("First name,Last name,Company,Country,Badge colour", "Ann,Lee,Alpha,FR,red")
    given = RegistrationMapping.model_validate(
        {"columns": [{"header": "badge COLOUR", "field": "ignore"}]}
    )
    table = find_header(read_csv(data))
    proposal = propose_mapping(table, given=given)
    chosen = {c.header: (c.field, c.why) for c in proposal.columns}
    assert chosen["Badge colour"] == ("ignore", "as chosen before")
    assert chosen["Company"][0] == "organisation"
    report = validate_registrations(data, name="l.csv", mapping=given)
    assert report.participants[0].extra == {}


def test_the_mapping_file_round_trips_and_a_wrong_field_is_named(tmp_path: object) -> None:
    data = csv("First name,Company,Country,Badge colour", "Ann,Alpha,FR,red")
    table = find_header(read_csv(data))
    proposal = propose_mapping(table)
    doc = json.loads(dump_mapping(proposal))
    assert doc["columns"][0]["samples"] == ["Ann"]
    doc["columns"][3]["field"] = "ignore"
    mapping = load_mapping(json.dumps(doc).encode())
    assert mapping.columns[3].field == "ignore"
    doc["columns"][3]["field"] = "shoe size"
    with pytest.raises(InvalidInputError) as info:
        load_mapping(json.dumps(doc).encode())
    problem = info.value.problems[0]
    assert problem.column == "columns.3.field"
    assert "first_name" in problem.message
    assert "extra" in problem.message


def test_two_columns_for_one_field_are_refused_naming_both() -> None:
    data = csv("First name,Last name,Company,Country", "Ann,Lee,Alpha,FR")
    given = RegistrationMapping.model_validate(
        {
            "columns": [
                {"header": "First name", "field": "email"},
                {"header": "Last name", "field": "email"},
            ]
        }
    )
    report = validate_registrations(data, name="l.csv", mapping=given)
    assert [p.message for p in report.problems] == [
        "columns 'First name' and 'Last name' both give the e-mail; keep one (choose 'Keep as "
        "an extra field' for the other)"
    ]
    assert report.participants == []


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("Italia", "IT"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("Polska", "PL"),
        ("Česko", "CZ"),
        ("Österreich", "AT"),
        ("Ελλάδα", "EL"),
        ("GR", "EL"),
        ("EL", "EL"),
        ("GB", "UK"),
        ("U.K.", "UK"),
        ("Niemcy", "DE"),  # Polish for Germany
        ("Allemagne", "DE"),
        ("Paesi Bassi", "NL"),
        ("DEU", "DE"),
        ("Norway", "NO"),
    ],
)
def test_countries_by_their_names_in_europe_s_languages_and_codes(value: str, code: str) -> None:
    assert country_code(value).code == code


def test_a_country_that_cannot_be_placed_gets_a_suggestion_by_wording() -> None:
    placed = country_code("Deutchland")
    assert (placed.code, placed.suggestion) == (None, "DE")
    # Countries without NUTS regions are read at country level (partners from Tunisia, Moldova).
    assert [country_code(v).code for v in ("Tunisia", "Tunisie", "Moldova", "Brasil")] == [
        "TN",
        "TN",
        "MD",
        "BR",
    ]
    assert country_code("Atlantis").suggestion is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Englisch", "en"),
        ("anglais", "en"),
        ("inglés", "en"),
        ("polski", "pl"),
        ("greco", "el"),
        ("gallego", "gl"),
        ("Deutsch (Muttersprache)", "de"),
        ("FR", "fr"),
        ("ita", "it"),
    ],
)
def test_languages_by_name_in_six_languages_or_code(value: str, code: str) -> None:
    assert language_code(value).code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Association/Agency", "agency"),
        ("Authority/Government", "public_authority"),
        ("Research and Development Institution", "research_organisation"),
        ("Consulting", "sme"),
        ("Unternehmen (KMU)", "sme"),
        ("Grande impresa", "large_company"),
        ("Uczelnia", "university"),
        ("Pôle de compétitivité", "cluster"),
        ("Agencja Rozwoju Regionalnego", "agency"),
        ("Association / réseau d'entreprises", "network"),
        ("Chambre de commerce et d'industrie", "network"),
        ("Ayuntamiento de Valencia", "public_authority"),
        ("Investor", "other"),
    ],
)
def test_organisation_types_of_the_platforms_and_six_languages(value: str, code: str) -> None:
    assert org_type(value).code == code


def test_a_type_that_cannot_be_placed_is_a_problem_with_a_suggestion_by_meaning() -> None:
    from matchmaker.io.values import type_by_meaning

    # The suggestion: the closest English type word by meaning, named; none when none is close.
    assert type_by_meaning("city administration office") == (
        OrgType.PUBLIC_AUTHORITY,
        "local authority",
    )
    assert type_by_meaning("chamber of industry") == (OrgType.NETWORK, "chamber of commerce")
    assert type_by_meaning("Stammtisch") is None
    placed = org_type("city administration office")
    assert (placed.code, placed.suggestion) == (None, "public_authority")
    assert placed.why == "closest in meaning to 'local authority': public_authority?"
    data = csv(
        "Name,Company,Company type,Country",
        "Ann Lee,Alpha,Stammtisch,FR",
        "Bo Li,Beta,SME,DE",
        "Cy Ma,Gamma,University,IT",
    )
    report = validate_registrations(data, name="l.csv")
    (problem,) = report.problems
    assert (problem.row, problem.column, problem.value) == (2, "Company type", "Stammtisch")
    assert "not one the product can place" in problem.message
    chosen = RegistrationMapping.model_validate({"values": {"type": {"Stammtisch": "cluster"}}})
    placed_by_hand = validate_registrations(data, name="l.csv", mapping=chosen)
    assert placed_by_hand.problems == []
    assert placed_by_hand.organisations[0].type.value == "cluster"
    # a column in which most values are no types is kept as it is, not read as types
    few = csv("Name,Company,Company type,Country", "Ann Lee,Alpha,Stammtisch,FR")
    assert fields(few)["Company type"] == "extra"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("7", "micro"),
        ("10-49", "small"),
        ("50–249 employees", "medium"),
        ("250+", "large"),
        ("Mittel", "medium"),
        ("Small (10-49)", "small"),
        ("XL", None),
    ],
)
def test_sizes_as_exports_write_them(value: str, code: str | None) -> None:
    assert size_class(value).code == code


# --- areas --------------------------------------------------------------------------------


def test_areas_are_placed_by_meaning_or_kept_as_own_terms() -> None:
    areas = {a.term: a for a in place_areas(["Agrifood", "Lebensmittel", "Robotics", "Textiles"])}
    assert areas["Agrifood"].s3 == "IE02"
    assert areas["Lebensmittel"].s3 == "IE02"  # German for food, by meaning
    assert areas["Textiles"].s3 == "IE13"
    robotics = areas["Robotics"]
    assert robotics.s3 is None
    assert robotics.own == own_code("Robotics") == "area:robotics"
    # never by a code's prefix: 'Robotics' is not R (arts), 'Agrifood' not A01
    assert all(not (a.nace or "").startswith(("R", "A0")) for a in areas.values())


def test_own_area_terms_count_in_the_profile_and_the_vocabulary() -> None:
    data = csv(
        "Name,Company,Country,Areas of activity",
        'Ann Lee,Alpha,FR,"Robotics, Agrifood"',
        "Bo Li,Beta,DE,Robotics",
    )
    report = validate_registrations(data, name="l.csv")
    assert report.problems == []
    alpha, beta = report.organisations
    assert set(alpha.s3_priorities) == {"area:robotics", "IE02"}
    assert beta.s3_priorities == ["area:robotics"]
    assert report.vocabulary["area:robotics"] == "Robotics"
    assert any("kept as the event's own terms" in w.message for w in report.warnings)


def test_intents_in_interests_become_offers_and_needs() -> None:
    data = csv(
        "Name,Company,Country,Interests",
        'Ann Lee,Alpha,FR,"Offering services: Drone inspection, Looking for partners: Hydrogen"',
    )
    report = validate_registrations(data, name="l.csv")
    (org,) = report.organisations
    assert [i.text for i in org.offers] == ["Services: Drone inspection"]
    assert [i.text for i in org.needs] == ["Partners: Hydrogen"]


# --- people within organisations ----------------------------------------------------------

COLLEAGUES = csv(
    "First name,Last name,E-mail,Organisation,Type,Country,Offers,Requests,Languages,Notes",
    'Ann,Lee,ann@alpha.example,Alpha,SME,France,Laser cutting,Pilot sites,"French, English",',
    "Bo,Li,bo@alpha.example,Alpha,SME,France,Drone inspection,,German,vegetarian",
    "Cy,Ma,cy@beta.example,Beta,University,Deutschland,,,,",
)


def test_colleagues_keep_their_own_fields_and_the_organisation_takes_the_union() -> None:
    report = validate_registrations(COLLEAGUES, name="l.csv")
    assert report.problems == []
    alpha = report.organisations[0]
    assert [i.text for i in alpha.offers] == ["Laser cutting", "Drone inspection"]
    assert [i.text for i in alpha.needs] == ["Pilot sites"]
    assert alpha.languages == ["fr", "en", "de"]
    ann, bo, cy = report.participants
    assert (ann.person, ann.email, ann.organisation) == ("Ann Lee", "ann@alpha.example", "alpha")
    assert (ann.languages, bo.languages) == (["fr", "en"], ["de"])
    assert [i.text for i in bo.offers] == ["Drone inspection"]
    assert bo.extra == {"Notes": "vegetarian"}
    assert (cy.organisation, report.organisations[1].country) == ("beta", "DE")
    assert report.who[3] == ("Bo Li", "Alpha")


def test_an_export_reads_back_as_it_was_imported() -> None:
    report = validate_registrations(COLLEAGUES, name="l.csv")
    again = validate_registrations(
        dump_registrations(report.participants, report.organisations), name="again.csv"
    )
    assert again.problems == []
    assert [(p.person, p.email, p.extra) for p in again.participants] == [
        (p.person, p.email, p.extra) for p in report.participants
    ]
    public = dump_registrations(report.participants, report.organisations, public=True)
    assert b"ann@alpha.example" not in public


def test_an_e_mail_in_the_website_column_is_a_warning_on_that_cell() -> None:
    data = csv("Name,Company,Country,Website,Email", "Ann Lee,Alpha,FR,ann@alpha.example,")
    report = validate_registrations(data, name="l.csv")
    assert report.problems == []
    (warning,) = [w for w in report.warnings if w.column == "Website"]
    assert warning.row == 2
    assert "is an e-mail address" in warning.message
    assert report.participants[0].extra == {"Website": "ann@alpha.example"}


def test_wishes_name_organisations_of_the_list_and_availability_the_event_s_slots() -> None:
    day = dt.datetime(2027, 3, 1, 9, 0)
    slots = [
        TimeSlot(id="s1", start=day, end=day + dt.timedelta(minutes=20)),
        TimeSlot(
            id="s2", start=day + dt.timedelta(hours=1), end=day + dt.timedelta(hours=1, minutes=20)
        ),
    ]
    data = csv(
        "Name,Company,Country,I would like to meet,Availability",
        'Ann Lee,Alpha,FR,"Beta; Gamma Labs",09:00',
        "Bo Li,Beta,DE,alpha,s1; s2",
    )
    report = validate_registrations(data, name="l.csv", slots=slots)
    ann, bo = report.participants
    assert [r.organisation for r in ann.requests] == ["beta"]
    assert ann.extra["I would like to meet"] == "Beta; Gamma Labs"  # 'Gamma Labs' is unknown
    assert any("Gamma Labs" in w.message for w in report.warnings)
    assert [r.organisation for r in bo.requests] == ["alpha"]
    assert (ann.available, bo.available) == (["s1"], ["s1", "s2"])


def test_region_names_become_nuts_codes_and_must_agree_within_an_organisation() -> None:
    data = csv(
        "Name,Company,Country,Region",
        "Ann Lee,Alpha,Italia,Lombardia",
        "Bo Li,Alpha,Italia,",
        "Cy Ma,Beta,Österreich,Tirol",
        "Di Wu,Gamma,Deutschland,Atlantis",
    )
    report = validate_registrations(data, name="l.csv")
    assert report.problems == []
    regions = {o.name: o.region for o in report.organisations}
    assert regions == {"Alpha": "ITC4", "Beta": "AT33", "Gamma": "DE"}
    assert report.participants[3].extra == {"Region": "Atlantis"}


def test_a_row_without_a_country_takes_a_colleague_s_or_its_address_s() -> None:
    data = csv(
        "Name,Email,Company,Country,Website",
        "Ann Lee,ann@alpha.example,Alpha,Germany (DE),",
        "Bo Li,bo@alpha.example,Alpha,,",  # a colleague says where Alpha is
        "Cy Ma,cy@beta.fr,Beta,,",  # the e-mail's country domain
        "Di Wu,di@gamma.com,Gamma,,www.gamma.pl",  # the website's
        "Ed Ng,ed@delta.com,Delta,,",  # nothing says
    )
    report = validate_registrations(data, name="l.csv")
    assert {o.name: o.country for o in report.organisations} == {
        "Alpha": "DE",
        "Beta": "FR",
        "Gamma": "PL",
    }
    (problem,) = report.problems
    assert (problem.row, problem.column) == (6, "Country")
    assert "Country is empty" in problem.message
    notes = [w.message for w in report.warnings if w.column == "Country"]
    assert any("France (FR) is taken from the address 'cy@beta.fr'" in n for n in notes)


def test_someone_without_an_organisation_is_registered_as_their_own() -> None:
    data = csv("Name,Company,Country", "Ann Lee,Alpha,FR", "Bo Li,,DE")
    report = validate_registrations(data, name="l.csv")
    assert report.problems == []
    assert [(o.name, o.type.value) for o in report.organisations] == [
        ("Alpha", "other"),
        ("Bo Li", "other"),
    ]
    assert any("organisation of their own" in w.message for w in report.warnings)


def test_a_type_column_of_ticket_categories_is_kept_not_read_as_types() -> None:
    data = csv(
        "Name,Company,Country,Category",
        "Ann Lee,Alpha,FR,Exhibitor",
        "Bo Li,Beta,DE,Visitor",
        "Cy Ma,Gamma,IT,Visitor",
    )
    assert fields(data)["Category"] == "extra"
    report = validate_registrations(data, name="l.csv")
    assert report.problems == []
    assert report.participants[0].extra == {"Category": "Exhibitor"}


def test_a_row_whose_id_column_is_empty_takes_an_id_from_its_name() -> None:
    data = csv(
        "Jméno,Příjmení,Název organizace,IČO,Stát",
        "Petr,Novák,ČVUT v Praze,68407700,Česko",
        "Jana,Dvořáková,Ateliér Dvořáková,,Česko",  # a sole trader: no company number
    )
    report = validate_registrations(data, name="cz.csv")
    assert report.problems == []
    assert [o.id for o in report.organisations] == ["68407700", "atelier-dvorakova"]
    assert [p.person for p in report.participants] == ["Petr Novák", "Jana Dvořáková"]
