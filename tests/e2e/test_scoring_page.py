"""The scoring screen in a browser: an administrator learns a scorer from the registry's
partnerships and reads its checks; a member then asks for suggestions with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

from e2e_support import suggested_ids, wait_for
from matchmaker.store import Store
from matchmaker.synth import generate_registry

if TYPE_CHECKING:
    from e2e.conftest import Server


def test_admin_learns_a_scorer_and_a_member_uses_it(
    page: Page, server: Server, sign_in: Callable[[Page, str], None], shot: Callable[..., Path]
) -> None:
    registry = generate_registry(200, seed=21, wording="paraphrase")
    with Store(server.database_url) as store:
        # Other tests' events (the brokerage demo) brought organisations of the same ids into
        # the shared registry: the generated profiles take their place.
        store.import_organisations(registry.organisations, replace=True)
        _, admin_key = store.create_api_key(role="admin", subject="e2e-admin", name="E2E admin")
    sign_in(page, str(admin_key))
    page.get_by_role("link", name="Scoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scoring")
    expect(page.get_by_text("No learned scorer yet: learn one above.")).to_be_visible()

    # A date line that is not "name, date" is refused on the page, before anything is sent.
    page.get_by_label("Name").fill("e2e-learned")
    page.get_by_label("Start from the preset").select_option("research")
    page.get_by_label("Project start dates (optional)").fill("REMIX 2016")
    page.get_by_role("button", name="Learn from the partnerships").click()
    error = page.locator("form .message.error")
    expect(error).to_contain_text('line 1: "REMIX 2016" is not "project name, 2019-03-01"')

    page.get_by_label("Project start dates (optional)").fill("")
    page.get_by_role("button", name="Learn from the partnerships").click()
    # Learning embeds the registry's texts and fits the weights in the request: seconds on a
    # loaded machine, more than the default wait.
    expect(page.locator("form .message.success")).to_contain_text(
        re.compile(r'Learned "e2e-learned": \d+ % of the held-out partners in the first 10'),
        timeout=60_000,
    )
    card = page.locator('article.scorer[data-scorer="e2e-learned"]')
    expect(card.locator("table.weights tbody tr")).to_have_count(9)
    expect(card.locator("table.weights")).to_contain_text("Needs meet offers")
    rows = card.locator("table.validation tbody tr")
    expect(rows).to_have_count(4)  # the learned scorer and the three presets
    expect(card.locator('tr[data-validated="e2e-learned"] th')).to_have_text(
        "e2e-learned (learned)"
    )
    expect(card.locator('tr[data-validated="business"] td').first).to_have_text(
        re.compile(r"\d+ %")
    )
    shot(page, "learned")

    # The member picks it as the kind of partnership: the page shows what the API gives.
    member = registry.organisations[3].id
    with Store(server.database_url) as store:
        _, member_key = store.create_api_key(role="member", subject=member, name="E2E member")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, str(member_key))
    kind = page.get_by_label("Kind of partnership")
    expect(kind.locator("option", has_text="e2e-learned (learned)")).to_have_count(1)
    kind.select_option(label="e2e-learned (learned)")
    expect(page.locator("#suggestions-title ~ p.meta")).to_have_text("10 suggestions.")
    # The registry just grew by 200 profiles: the service answers from its previous fit while
    # it fits the new one. Once two answers of the API agree, the page asks again.
    with server.client(str(member_key)) as client:
        path = f"/api/organisations/{member}/suggestions"
        for _ in range(100):
            r = client.get(path, params={"scorer": "e2e-learned"})
            assert r.status_code == 200, r.text
            if client.get(path, params={"scorer": "e2e-learned"}).json() == r.json():
                break
            page.wait_for_timeout(200)
        expected = [s["id"] for s in r.json()["suggestions"]]
    with page.expect_response(lambda resp: "/suggestions" in resp.url) as answer:
        page.get_by_role("button", name="Show suggestions").click()
    assert "scorer=e2e-learned" in answer.value.url
    wait_for(
        lambda: suggested_ids(page) == expected, "the member's list is not the learned scorer's"
    )
    shot(page, "member-learned")
