"""The Participants tab's import of a registration export, in a browser: the columns matched to
the fields, the rows checked with their problems grouped, a value the reader cannot place mapped
to a type, the import, the mapping remembered for the next upload, the valid rows imported on
their own with the problems downloaded as CSV, and b2match's export as it comes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from e2e.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
B2MATCH = ROOT / "fixtures" / "exports" / "b2match-smart-industry.csv"

Shot = Callable[..., Path]
SignIn = Callable[[Page, str], None]

HEADERS = [
    "First Name", "Last Name", "Email", "Job Position", "Organisation", "Organisation Type",
    "Country", "City", "Areas of Activity", "Organisation Description", "Marketplace - Offers",
    "Marketplace - Requests", "Languages", "T-shirt size", "Dietary requirements",
]  # fmt: skip
# Six people of five organisations; the two of the Freundeskreis give a type no reader places,
# one gives "Holland" for a country; "Dietary requirements" is kept as an extra field.
ROWS = [
    ["Anna", "Nowak", "anna.nowak@lodz-cluster.example", "Cluster Manager",
     "Lodz Textile Cluster", "Cluster", "Polska", "Łódź", "Textiles",
     "Cluster of 80 textile companies", "Service: Smart textiles testing lab",
     "Partnership: Partners for textile recycling", "Polish, English", "M", "vegetarian"],
    ["Eva", "de Vries", "eva.devries@delft-robotics.example", "Researcher",
     "Delft Robotics Lab", "University", "Holland", "Delft", "Robotics",
     "University robotics lab", "Expertise: Soft grippers",
     "Project Cooperation: Horizon Europe partners", "Dutch, English", "S", "vegan"],
    ["Marie", "Dupont", "marie.dupont@lyon-agency.example", "Director",
     "Agence de développement de Lyon", "Agency", "France", "Lyon", "Materials",
     "Regional development agency", "Service: Funding advice",
     "Partnership: Clusters for a joint project", "French, English", "M", ""],
    ["Hans", "Müller", "hans.mueller@freundeskreis.example", "Chair",
     "Freundeskreis Maschinenbau", "Stammtisch", "Deutschland", "Stuttgart", "Machinery",
     "Friends of mechanical engineering", "Partnership: Introductions to members",
     "Partnership: Regions with machinery clusters", "German, English", "XL", ""],
    ["Greta", "Schmidt", "greta.schmidt@freundeskreis.example", "Treasurer",
     "Freundeskreis Maschinenbau", "Stammtisch", "Deutschland", "Stuttgart", "Machinery",
     "Friends of mechanical engineering", "Partnership: Sponsors for our meetings",
     "Partnership: Regions with machinery clusters", "German", "L", ""],
    ["Luca", "Rossi", "luca.rossi@tessitura-como.example", "CEO",
     "Tessitura Como S.r.l.", "Company", "Italia", "Como", "Textiles", "Silk weaving SME",
     "Product: Silk jacquard fabrics", "Partnership: Distributors in Central Europe",
     "Italian, English", "L", "halal"],
]  # fmt: skip

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter(el => el.offsetParent !== null && el.type !== 'hidden')
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
    .map(el => el.outerHTML.slice(0, 120))"""


def _csv(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def _event(server: Server, event_id: str) -> None:
    with server.client() as http:
        made = http.post("/api/events", json={"id": event_id, "name": f"Import ({event_id})"})
        assert made.status_code == 201, made.text


def _choose(page: Page, path: Path) -> None:
    page.get_by_label("Registration list (CSV, XLSX or JSON)").set_input_files(path)
    page.get_by_role("button", name="Upload and check").click()


def _column(page: Page, header: str) -> Locator:
    return page.get_by_label(f"Field for the column {header}", exact=True)


def _fits_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"


def test_an_export_is_matched_checked_mapped_imported_and_remembered(
    page: Page, server: Server, sign_in: SignIn, shot: Shot, tmp_path: Path
) -> None:
    export = _csv(tmp_path / "smart-industry-export.csv", HEADERS, ROWS)
    _event(server, "import-export")
    sign_in(page, server.organiser_key)
    page.goto("/#/event/import-export/participants")
    expect(page.get_by_role("button", name="Download the template (CSV)")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the template (XLSX)").click()
    assert info.value.suggested_filename.endswith(".xlsx")

    # Step 2: each column with its samples and the field proposed for it.
    _choose(page, export)
    report = page.locator("#upload-report")
    expect(report.locator(".step-status")).to_contain_text("Header found in row 1; encoding utf-8")
    expect(page.locator("table.mapping-table tbody tr")).to_have_count(len(HEADERS))
    offers = _column(page, "Marketplace - Offers")
    expect(offers).to_have_value("offers")
    expect(offers.locator("option:checked")).to_have_text("Offers")
    offers_row = page.locator('table.mapping-table tr[data-header="Marketplace - Offers"]')
    expect(offers_row).to_contain_text("Service: Smart textiles testing lab")
    expect(_column(page, "Email")).to_have_value("email")
    # A guess is marked, with why.
    guessed = page.locator('table.mapping-table tr[data-header="Dietary requirements"]')
    expect(guessed).to_have_class(re.compile("guess-row"))
    expect(guessed.locator(".guess")).to_contain_text("Check this")
    expect(guessed.locator(".guess")).to_contain_text("not a known header")
    assert page.evaluate(UNLABELLED) == []
    _fits_a_phone(page)
    shot(page, "columns")

    # The organiser says the T-shirt size is not used, and checks the rows.
    _column(page, "T-shirt size").select_option(label="Not used")
    page.get_by_role("button", name="Check the rows").click()
    status = report.locator(".step-status .message")
    expect(status).to_have_class(re.compile("error"))
    expect(status).to_contain_text(
        "4 participants of 4 organisations would be registered; 2 rows have problems"
    )
    group = page.locator('table.problem-groups tbody tr[data-value="Stammtisch"]')
    expect(page.locator("table.problem-groups tbody tr")).to_have_count(1)
    expect(group).to_contain_text("‘Stammtisch’ in 2 rows")
    # each row with the person and organisation it is about
    expect(group).to_contain_text(
        "5 (Hans Müller, Freundeskreis Maschinenbau); 6 (Greta Schmidt, Freundeskreis Maschinenbau)"
    )
    expect(group).to_contain_text("Organisation Type")
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Import the valid rows")).to_be_enabled()
    assert page.evaluate(UNLABELLED) == []
    _fits_a_phone(page)
    shot(page, "problems")

    # The value is mapped to a type; the check again finds nothing to fix.
    group.get_by_label("Organisation type for ‘Stammtisch’").select_option("network")
    page.get_by_role("button", name="Use these values and check again").click()
    expect(status).to_have_class(re.compile("note"))
    expect(status).to_contain_text("6 participants of 5 organisations would be registered")
    expect(page.locator("table.problem-groups")).to_have_count(0)
    expect(report.locator(".changes-line")).to_have_text("Changes: 6 added, 0 changed, 0 removed.")
    report.get_by_text("Who is added, changed and removed").click()
    expect(report.locator(".changes")).to_contain_text("Greta Schmidt, Freundeskreis Maschinenbau")
    shot(page, "checked")

    page.get_by_role("button", name="Import", exact=True).click()
    expect(report.locator(".message.success")).to_contain_text(
        "6 participants from 5 organisations are now registered"
    )
    rows = page.locator("table.participants tbody tr")
    expect(rows).to_have_count(6)
    headers = page.locator("table.participants thead th").all_inner_texts()
    assert headers[-4:] == ["E-mail", "Job title", "Languages", "Other fields"]
    anna = rows.filter(has_text="Anna Nowak")
    expect(anna.locator("td.email")).to_have_text("anna.nowak@lodz-cluster.example")
    expect(anna).to_contain_text("Cluster Manager")
    expect(anna.locator("td.extra li").filter(has_text="Dietary")).to_have_text(
        "Dietary requirements: vegetarian"
    )
    expect(anna.locator("td.extra")).not_to_contain_text("T-shirt")
    hans = rows.filter(has_text="Hans Müller")
    expect(hans).to_contain_text("Network")
    expect(rows.filter(has_text="Eva de Vries")).to_contain_text("Netherlands (NL)")
    assert page.evaluate(UNLABELLED) == []
    _fits_a_phone(page)
    shot(page, "imported")

    # The same file again: the organiser's choices are remembered, and nothing would change.
    _choose(page, export)
    expect(_column(page, "T-shirt size")).to_have_value("ignore")
    expect(page.locator('table.mapping-table tr[data-header="T-shirt size"]')).to_contain_text(
        "As chosen before"
    )
    page.get_by_role("button", name="Check the rows").click()
    expect(status).to_contain_text("6 participants of 5 organisations would be registered")
    expect(report.locator(".changes-line")).to_have_text("Changes: 0 added, 0 changed, 0 removed.")
    expect(page.locator("table.problem-groups")).to_have_count(0)
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_enabled()
    shot(page, "again")


def test_the_valid_rows_are_imported_and_the_problems_download(
    page: Page, server: Server, sign_in: SignIn, shot: Shot, tmp_path: Path
) -> None:
    export = _csv(
        tmp_path / "with-a-bad-row.csv",
        ["First Name", "Last Name", "Email", "Organisation", "Organisation Type", "Country",
         "Region"],
        [
            ["Anna", "Nowak", "anna@lodz.example", "Lodz Textile Cluster", "Cluster", "Polska",
             "PL71"],
            ["Eva", "de Vries", "eva@delft.example", "Delft Robotics Lab", "University",
             "Nederland", "NL33"],
            # An unknown NUTS code and no country; a formula for a type.
            ["Tom", "Nobody", "tom@nowhere.example", "Nowhere Lab", "=1+2", "", "XX99"],
            ["Marie", "Dupont", "marie@lyon.example", "Lyon Agency", "Agency", "France",
             "FRK2"],
        ],
    )  # fmt: skip
    bad_row = 4
    _event(server, "import-partial")
    sign_in(page, server.organiser_key)
    page.goto("/#/event/import-partial/participants")
    _choose(page, export)
    page.get_by_role("button", name="Check the rows").click()
    report = page.locator("#upload-report")
    status = report.locator(".step-status .message")
    expect(status).to_contain_text(
        "3 participants of 3 organisations would be registered; 1 row has problems"
    )
    expect(status).to_contain_text(re.compile("nothing was imported", re.I))
    groups = page.locator("table.problem-groups tbody tr")
    expect(groups.first).to_be_visible()
    for text in groups.all_inner_texts():
        assert f"Row {bad_row}" in text
    by_row = report.locator("table.problems tbody tr")
    expect(by_row.first).to_be_visible()
    assert {t.strip() for t in by_row.locator("td:first-child").all_inner_texts()} == {str(bad_row)}
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()
    shot(page, "checked")

    page.get_by_role("button", name="Import the valid rows").click()
    expect(report.locator(".message.success")).to_contain_text(
        "3 participants from 3 organisations are now registered"
    )
    expect(report.locator(".message.success")).to_contain_text("1 row was left out")
    rows = page.locator("table.participants tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Tom Nobody")).to_have_count(0)
    shot(page, "imported")

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the problems (CSV)").click()
    assert info.value.suggested_filename == "with-a-bad-row-problems.csv"
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["row", "column", "value", "message"]
    problems = lines[1:]
    assert problems
    assert all(p[0] == str(bad_row) for p in problems)
    columns = {p[1] for p in problems}
    assert {"Region", "Organisation Type"} <= columns
    # A cell that a spreadsheet would run as a formula starts with an apostrophe.
    formula = next(p for p in problems if p[1] == "Organisation Type")
    assert formula[2] == "'=1+2"
    assert all(p[3] for p in problems)
    for cell in (c for p in problems for c in p):
        assert not re.match(r"^[=+\-@]", cell), cell


def test_a_b2match_export_as_it_comes(
    page: Page, server: Server, sign_in: SignIn, shot: Shot
) -> None:
    if not B2MATCH.is_file():
        pytest.skip(f"no fixture {B2MATCH.relative_to(ROOT)} yet")
    expected = json.loads(B2MATCH.with_name(B2MATCH.name + ".expected.json").read_text())
    _event(server, "import-b2match")
    sign_in(page, server.organiser_key)
    page.goto("/#/event/import-b2match/participants")
    _choose(page, B2MATCH)
    expect(_column(page, "Marketplace - Offers")).to_have_value("offers")
    expect(_column(page, "Marketplace - Requests")).to_have_value("needs")
    # The columns the expected result keeps as they are, kept as extra fields.
    kept = {k for person in expected["people"] for k in person.get("extra", {})}
    for header in kept:
        _column(page, header).select_option("extra")
    page.get_by_role("button", name="Check the rows").click()
    report = page.locator("#upload-report")
    status = report.locator(".step-status .message")
    n, orgs = expected["participants"], expected["organisations"]
    expect(status).to_contain_text(f"{n} participants of {orgs} organisations would be registered")
    expect(status).to_have_class(re.compile("note"))
    if expected.get("warnings"):
        notes = report.locator(".notes")
        expect(notes).to_have_class(re.compile("message note"))
        for warning in expected["warnings"]:
            expect(notes).to_contain_text(f"Row {warning['row']}, {warning['column']}")
    shot(page, "checked")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(report.locator(".message.success")).to_contain_text(f"{n} participants from {orgs}")
    rows = page.locator("table.participants tbody tr")
    expect(rows).to_have_count(n)
    first = expected["people"][0]
    row = rows.filter(has_text=first["person"]).first
    expect(row.locator("td.email")).to_have_text(first["email"])
    for key, value in first.get("extra", {}).items():
        expect(row.locator("td.extra")).to_contain_text(f"{key}: {value}")
    # The list downloads as a registration sheet with the e-mails and the extra fields.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the participants (CSV)").click()
    assert info.value.suggested_filename == "import-b2match-participants.csv"
    saved = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(saved)))
    assert {"participant", "person", "email", "job_title", *kept} <= set(header)
    assert first["email"] in saved
