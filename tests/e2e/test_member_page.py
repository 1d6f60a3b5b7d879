"""The member's view in a browser: its partner suggestions, with reasons, and the filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

from e2e_support import suggested_ids, wait_for

if TYPE_CHECKING:
    from e2e.conftest import Server


def _shown(page: Page) -> list[tuple[str, str, str]]:
    cards = page.locator("ol.suggestions > li.suggestion")
    return [
        (
            card.get_attribute("data-organisation") or "",
            card.get_attribute("data-country") or "",
            card.get_attribute("data-type") or "",
        )
        for card in cards.all()
    ]


def _wait_for_list(page: Page, before: list[tuple[str, str, str]] | None = None) -> None:
    """Wait until the suggestions' count line is written (and the list differs from before)."""
    count = page.locator("#suggestions-title ~ p.meta")
    expect(count).to_have_text(re.compile(r"suggestion|No organisation matches"))
    if before is not None:
        ids = [b[0] for b in before]
        wait_for(lambda: suggested_ids(page) != ids, "the list did not change")


def test_member_sees_suggestions_with_reasons_and_filters_them(
    page: Page, server: Server, sign_in: Callable[[Page, str], None], shot: Callable[..., Path]
) -> None:
    sign_in(page, server.member_key)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Partner suggestions for Kemin Digipolis Oy"
    )
    _wait_for_list(page)
    everyone = _shown(page)
    assert len(everyone) == 10
    assert server.member_org not in {org for org, _, _ in everyone}
    first = page.locator("li.suggestion").first
    expect(first.locator(".reasons li").first).not_to_be_empty()
    expect(first.locator(".score")).to_have_text(re.compile(r"\d+ %"))
    shot(page, "suggestions")

    # A country that some, not all, suggestions come from: filtering keeps only that country.
    countries = [c for _, c, _ in everyone]
    country = next(c for c in countries if countries.count(c) < len(countries))
    page.get_by_label("Country").select_option(country)
    _wait_for_list(page, everyone)
    filtered = _shown(page)
    assert filtered
    assert {c for _, c, _ in filtered} == {country}
    assert filtered != everyone
    shot(page, f"country-{country}")

    # Type and sector narrow further; a filter nobody matches says so in words.
    page.get_by_label("Country").select_option("")
    page.get_by_label("Type of organisation").select_option("university")
    _wait_for_list(page, filtered)
    # Two filters changed: wait for the answer to the second (the first may show in between).
    expect(page.locator("li.suggestion:not([data-type='university'])")).to_have_count(0)
    assert {t for _, _, t in _shown(page)} <= {"university"}

    page.get_by_label("Type of organisation").select_option("")
    page.get_by_label("Sector (NACE code)").fill("ZZ99")
    page.get_by_role("button", name="Show suggestions").click()
    error = page.locator(".filters .message.error")
    expect(error).to_be_visible()
    expect(error).not_to_contain_text("{")
    # The problem is shown next to the field that caused it, in words.
    sector = page.get_by_label("Sector (NACE code)")
    expect(sector).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".filters .field-error")).to_contain_text("'ZZ99'")
    expect(page.locator("ol.suggestions > li")).to_have_count(0)
    shot(page, "bad-sector")


def test_member_cannot_open_the_organisers_events(
    page: Page, server: Server, sign_in: Callable[[Page, str], None]
) -> None:
    sign_in(page, server.member_key)
    page.goto("/#/event/anything/participants")
    # A member's key always lands on its own suggestions, never on an organiser's screen.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner suggestions")
    expect(page.get_by_role("tab")).to_have_count(0)
