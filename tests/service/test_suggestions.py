"""Partner suggestions over HTTP: the same partners as the library, filters, presets, the fit
cached per registry revision."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from api_support import assert_problem
from matchmaker.service.gate import Gate
from matchmaker.service.suggestion_index import SuggestionIndex
from matchmaker.solvers import Filters, suggest
from matchmaker.store import Store
from matchmaker.vectorise import ProfileSpace


def test_suggestions_are_the_librarys(
    client: TestClient, keys: Any, store: Store, registry: list[str]
) -> None:
    r = client.get(
        "/api/organisations/org-000003/suggestions?k=5&preset=research",
        headers=keys.headers("admin"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["organisation"] == "org-000003"
    assert body["preset"] == "research"
    orgs = store.organisations()
    expected = suggest(
        ProfileSpace().fit_transform(orgs), "org-000003", k=5, scorer="research", explain=True
    )
    got = body["suggestions"]
    assert [s["id"] for s in got] == [s.id for s in expected]
    assert [s["reasons"] for s in got] == [s.reasons for s in expected]
    by_id = {o.id: o for o in orgs}
    for s in got:
        org = by_id[s["id"]]
        assert (s["name"], s["country"], s["region"], s["type"]) == (
            org.name,
            org.country,
            org.region,
            org.type.value,
        )
        assert set(s["components"]) == {
            "complementarity",
            "relatedness",
            "network",
            "experience",
            "s3",
            "sector",
            "geography",
            "type",
            "language",
        }


def test_filters_and_no_explanations(
    client: TestClient, keys: Any, store: Store, registry: list[str]
) -> None:
    member = keys.headers("member", "nanomat")
    r = client.get(
        "/api/organisations/nanomat/suggestions?country=FR&country=be&type=university,sme"
        "&explain=false&k=20",
        headers=member,
    )
    assert r.status_code == 200, r.text
    got = r.json()["suggestions"]
    assert got
    assert all(s["country"] in {"FR", "BE"} for s in got)
    assert all(s["type"] in {"university", "sme"} for s in got)
    assert all(s["reasons"] == [] for s in got)
    expected = suggest(
        ProfileSpace().fit_transform(store.organisations()),
        "nanomat",
        k=20,
        filters=Filters(countries=["FR", "BE"], types=["university", "sme"]),
    )
    assert [s["id"] for s in got] == [s.id for s in expected]


def test_bad_filters_are_named(client: TestClient, keys: Any, registry: list[str]) -> None:
    r = client.get(
        "/api/organisations/nanomat/suggestions?country=XX&type=spaceship&sector=Z99&preset=x",
        headers=keys.headers("admin"),
    )
    body = assert_problem(r, 422, "invalid-input")
    assert [(p["field"], p["value"]) for p in body["problems"]] == [
        ("query.country", "XX"),
        ("query.type", "spaceship"),
        ("query.sector", "Z99"),
        ("query.preset", "x"),
    ]
    assert body["problems"][0]["message"] == "country 'XX' is not a NUTS country code"
    assert "did you mean" in body["problems"][2]["message"]
    assert_problem(
        client.get("/api/organisations/nanomat/suggestions?k=0", headers=keys.headers("admin")),
        422,
    )


def test_unknown_organisation_is_404(client: TestClient, keys: Any, registry: list[str]) -> None:
    r = client.get("/api/organisations/nobody/suggestions", headers=keys.headers("admin"))
    assert "'nobody'" in assert_problem(r, 404, "not-found")["detail"]


def test_a_change_of_the_registry_is_fitted_once(
    client: TestClient, keys: Any, store: Store, registry: list[str]
) -> None:
    admin = keys.headers("admin")
    index: SuggestionIndex = client.app.state.suggestions  # type: ignore[attr-defined]
    first = client.get("/api/organisations/nanomat/suggestions", headers=admin).json()
    fit = index.fit_for("nanomat")
    assert client.get("/api/organisations/nanomat/suggestions", headers=admin).json() == first
    assert index.fit_for("nanomat") is fit  # same revision: the same fit

    # liege-uni leaves: the next answer is from a new fit without it
    r = client.delete("/api/organisations/liege-uni", headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 204
    after = client.get("/api/organisations/nanomat/suggestions?k=60", headers=admin).json()
    assert after["revision"] > first["revision"]
    assert "liege-uni" not in [s["id"] for s in after["suggestions"]]
    assert index.fit_for("nanomat") is not fit


def test_background_refit_answers_from_the_previous_fit(store: Store, registry: list[str]) -> None:
    index = SuggestionIndex(store, background=True)
    fit = index.fit_for("nanomat")
    store.delete_organisation("org-000001", expected_version=1)
    stale = index.fit_for("nanomat")  # answered at once from the previous fit
    assert stale is fit
    fresh = index.refresh()
    assert fresh.revision > fit.revision
    assert "org-000001" not in fresh.profiles.index
    assert index.fit_for("nanomat") is fresh


def test_revision_is_asked_at_most_every_check_interval(store: Store, registry: list[str]) -> None:
    now = [0.0]
    index = SuggestionIndex(store, background=False, check_every=1.0, clock=lambda: now[0])
    fit = index.fit_for("nanomat")
    store.delete_organisation("org-000001", expected_version=1)
    now[0] = 0.5  # within the interval: the revision known is used
    assert index.fit_for("nanomat") is fit
    now[0] = 1.5  # past it: the store is asked, the change is fitted
    fresh = index.fit_for("nanomat")
    assert fresh.revision > fit.revision
    assert "org-000001" not in fresh.profiles.index


def test_an_edit_updates_the_fit_in_place_of_a_refit(store: Store, registry: list[str]) -> None:
    index = SuggestionIndex(store, background=False)
    fit = index.fit_for("nanomat")
    record = store.get_organisation_record("org-000002")
    assert record is not None
    edited = record.value.model_copy(
        update={"description": "Pilot lines for printed electronics and flexible sensors."}
    )
    store.update_organisation(edited, expected_version=record.version)
    store.delete_organisation("org-000001", expected_version=1)
    fresh = index.fit_for("nanomat")
    assert fresh.revision > fit.revision
    assert fresh.space is fit.space  # updated in the fitted space, not fitted again
    assert fresh.drift == 2
    assert "org-000001" not in fresh.profiles.index
    row = fresh.profiles.index["org-000002"]
    assert fresh.profiles.organisations[row].description == edited.description
    # the same matrices as a fresh transform of the same profiles in the same order
    again = fit.space.transform(fresh.profiles.organisations)  # type: ignore[union-attr]
    assert np.allclose(again.topic, fresh.profiles.topic, atol=1e-6)
    assert (again.s3 != fresh.profiles.s3).nnz == 0
    # and the answers are those of a refit (the text space aside, which is the same here)
    refit = SuggestionIndex(store, background=False).fit_for("nanomat")
    mine = suggest(fresh.profiles, "nanomat", k=10)
    theirs = suggest(refit.profiles, "nanomat", k=10)
    assert [s.id for s in mine] == [s.id for s in theirs]


def test_a_replaced_fit_is_freed_without_the_collector(store: Store, registry: list[str]) -> None:
    """The index leaves its fits out of the collector's passes (``freeze_long_lived``); that
    is safe because a fit holds no reference cycle: the one replaced, refitted or updated, is
    freed by reference counts alone, its matrices and (when refitted) its space."""
    import gc
    import weakref

    gc.disable()
    try:
        for refit_share in (0.0, 0.5):  # fitted again, then updated
            index = SuggestionIndex(store, background=False, refit_share=refit_share)
            first = index.fit_for("nanomat")
            first.answers.put(("nanomat",), b"{}")
            suggest(first.profiles, "nanomat", k=5, scorer="research", explain=True)
            gone = [weakref.ref(first.profiles)]
            if refit_share == 0.0:
                gone.append(weakref.ref(first.space))
            del first
            record = store.get_organisation_record("org-000003")
            assert record is not None
            store.update_organisation(
                record.value.model_copy(update={"name": f"{record.value.name} {refit_share}"}),
                expected_version=record.version,
            )
            assert index.fit_for("nanomat").revision == store.registry_revision()
            assert [ref() for ref in gone] == [None] * len(gone)
            assert gc.get_freeze_count() > 0  # the new fit is out of the collector's passes
    finally:
        gc.enable()
        gc.unfreeze()


def test_a_fit_is_calibrated_for_every_preset_before_it_answers(
    store: Store, registry: list[str]
) -> None:
    """Each preset's calibration is fitted with the fit (in the background after an edit), not
    by the first request of that preset in a request thread."""
    from matchmaker.score import PRESETS, make_scorer
    from matchmaker.score.calibrate import calibration_key

    index = SuggestionIndex(store, background=False)
    for fit in (index.fit_for("nanomat"), _edited(store, index)):
        cache = fit.profiles.derived()
        for preset in PRESETS:
            scorer = make_scorer(preset)
            if scorer.calibrate:
                assert calibration_key(scorer) in cache, preset


def _edited(store: Store, index: SuggestionIndex) -> Any:
    record = store.get_organisation_record("org-000004")
    assert record is not None
    store.update_organisation(
        record.value.model_copy(update={"name": record.value.name + " (edited)"}),
        expected_version=record.version,
    )
    fit = index.fit_for("nanomat")
    assert fit.revision == store.registry_revision()
    return fit


def test_many_edits_fit_the_space_again(store: Store, registry: list[str]) -> None:
    index = SuggestionIndex(store, background=False, refit_share=0.05)
    fit = index.fit_for("nanomat")
    for oid in registry[:5]:  # 5 of 52 profiles: past a share of 0.05
        record = store.get_organisation_record(oid)
        assert record is not None
        store.update_organisation(
            record.value.model_copy(update={"name": record.value.name + " (new)"}),
            expected_version=record.version,
        )
    fresh = index.fit_for("nanomat")
    assert fresh.space is not fit.space
    assert fresh.drift == 0


def test_the_same_question_of_the_same_fit_is_answered_once(
    client: TestClient, keys: Any, registry: list[str]
) -> None:
    admin = keys.headers("admin")
    index: SuggestionIndex = client.app.state.suggestions  # type: ignore[attr-defined]
    path = "/api/organisations/nanomat/suggestions"
    first = client.get(path, params={"k": 5, "country": "DE,FR"}, headers=admin)
    fit = index.fit_for("nanomat")
    assert len(fit.answers) == 1
    again = client.get(path, params={"k": 5, "country": "FR,DE"}, headers=admin)  # same filter
    assert again.content == first.content
    assert len(fit.answers) == 1
    other = client.get(path, params={"k": 5, "country": "DE"}, headers=admin)
    assert {s["country"] for s in other.json()["suggestions"]} == {"DE"}
    assert len(fit.answers) == 2
    # a change of the registry: a new fit, whose answers start empty and see the change
    r = client.delete("/api/organisations/liege-uni", headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 204
    after = client.get(path, params={"k": 60}, headers=admin).json()
    assert "liege-uni" not in [s["id"] for s in after["suggestions"]]
    assert index.fit_for("nanomat").answers is not fit.answers


def test_kept_answers_stay_within_their_byte_budget() -> None:
    from matchmaker.service.suggestion_index import Answers

    answers = Answers(max_bytes=1000)
    for n in range(50):
        answers.put(n, b"x" * 60)
    assert answers.bytes <= 1000
    assert len(answers) == 16  # the most recent ones
    assert answers.get(49) is not None
    assert answers.get(0) is None
    answers.put("large", b"x" * 100)  # over a sixteenth of the budget: not kept
    assert answers.get("large") is None


def test_suggestions_are_scored_inside_the_workers_gate(
    client: TestClient, keys: Any, registry: list[str]
) -> None:
    """Scoring waits for the worker's gate (matchmaker.service.gate; defect 18 of the reliability
    round)."""
    gate: Gate = client.app.state.compute_gate  # type: ignore[attr-defined]
    path = "/api/organisations/nanomat/suggestions"
    admin = keys.headers("admin")
    assert client.get(path, params={"k": 3}, headers=admin).status_code == 200  # fitted
    answers: list[int] = []

    def ask() -> None:
        answers.append(client.get(path, params={"k": 4}, headers=admin).status_code)

    gate.acquire()
    asking = threading.Thread(target=ask)
    asking.start()
    _wait_until(lambda: gate.waiting == 1)  # the new question waits for the gate
    assert answers == []
    gate.release()
    asking.join(timeout=30)
    assert answers == [200]
    # a question answered before (kept per fit) does not wait for the gate
    gate.acquire()
    asking = threading.Thread(target=ask)
    asking.start()
    asking.join(timeout=30)
    gate.release()
    assert answers == [200, 200]


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_worker_works_on_its_setting_of_requests_at_once(client_factory: Any) -> None:
    """``MATCHMAKER_REQUEST_THREADS``: the routes' thread pool holds that many tokens (anyio's
    limiter hands them out in arrival order)."""
    assert _tokens(client_factory()).total_tokens == 1
    assert _tokens(client_factory(request_threads=5)).total_tokens == 5


def test_a_long_request_does_not_wait_for_the_request_thread(
    client_factory: Any, keys: Any
) -> None:
    """An import runs in the long requests' threads (``matchmaker.service.gate.long_request``): it
    goes
    through while the one request thread is taken, which a plain read waits for."""
    client = client_factory()
    admin = keys.headers("admin")
    assert client.get("/api/organisations", headers=admin).status_code == 200  # key known
    limiter = _tokens(client)
    holder = object()
    client.portal.call(limiter.acquire_on_behalf_of, holder)  # type: ignore[union-attr]
    answers: dict[str, int] = {}

    def ask(name: str, method: str, path: str, **kwargs: Any) -> None:
        answers[name] = client.request(method, path, headers=admin, **kwargs).status_code

    csv = "id,name,type,region,description\nlong-1,Long One,sme,DE21,Sensors for farms\n"
    files = {"file": ("o.csv", csv.encode(), "text/csv")}
    importing = threading.Thread(
        target=ask, args=("import", "POST", "/api/organisations/import"), kwargs={"files": files}
    )
    reading = threading.Thread(target=ask, args=("read", "GET", "/api/organisations/long-1"))
    try:
        importing.start()
        importing.join(timeout=60)
        assert answers == {"import": 200}
        reading.start()
        _wait_until(lambda: limiter.statistics().tasks_waiting == 1)
        assert "read" not in answers  # waits for the request thread
    finally:
        client.portal.call(limiter.release_on_behalf_of, holder)  # type: ignore[union-attr]
    reading.join(timeout=30)
    assert answers == {"import": 200, "read": 200}


def _tokens(client: TestClient) -> Any:
    import anyio.to_thread

    return client.portal.call(anyio.to_thread.current_default_thread_limiter)  # type: ignore[union-attr]
