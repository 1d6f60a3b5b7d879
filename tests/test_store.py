"""The store, on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.models import Event, Organisation
from matchmaker.store import ImportSummary, Store, database_url


def test_import_and_read_back(db_url: str, sample_orgs: list[Organisation]) -> None:
    with Store(db_url) as store:
        summary = store.import_organisations(sample_orgs)
        assert (summary.created, summary.replaced) == (2, 0)
        assert store.count_organisations() == 2
        assert store.organisations() == sorted(sample_orgs, key=lambda o: o.id)
        assert store.get_organisation("nanomat") == sample_orgs[0]
        assert store.get_organisation("nobody") is None
        assert store.counts_by("country") == [("BE", 1), ("DE", 1)]


def test_existing_ids_are_refused_and_nothing_is_written(
    db_url: str, sample_orgs: list[Organisation]
) -> None:
    with Store(db_url) as store:
        store.import_organisations(sample_orgs[:1])
        with pytest.raises(InvalidInputError, match="1 organisation id is already in the database"):
            store.import_organisations(sample_orgs)
        # the new organisation of the refused import was not half-imported
        assert store.count_organisations() == 1


def test_replace_raises_the_version(db_url: str, sample_orgs: list[Organisation]) -> None:
    with Store(db_url) as store:
        store.import_organisations(sample_orgs)
        renamed = sample_orgs[0].model_copy(update={"name": "Renamed"})
        summary = store.import_organisations([renamed], replace=True)
        assert (summary.created, summary.replaced) == (0, 1)
        got = store.get_organisation("nanomat")
        assert got is not None
        assert got.name == "Renamed"


def test_duplicate_ids_in_one_import(db_url: str, sample_orgs: list[Organisation]) -> None:
    with Store(db_url) as store, pytest.raises(InvalidInputError, match="duplicate ids"):
        store.import_organisations([sample_orgs[0], sample_orgs[0]])


def test_events(db_url: str, sample_orgs: list[Organisation]) -> None:
    ev = Event(id="ev", name="Workshop", organisations=sample_orgs)
    with Store(db_url) as store:
        assert store.save_event(ev) == (1, ImportSummary(created=2, replaced=0))
        with pytest.raises(InvalidInputError, match="event 'ev' is already in the database"):
            store.save_event(ev)
        assert store.save_event(ev, replace=True) == (2, ImportSummary(created=0, replaced=2))
        assert store.get_event("ev") == ev
        assert store.event_ids() == ["ev"]


def test_bulk_import_in_chunks(db_url: str, sample_orgs: list[Organisation]) -> None:
    base = sample_orgs[1]
    many = [base.model_copy(update={"id": f"o{i:05d}"}) for i in range(12_000)]
    with Store(db_url) as store:
        assert store.import_organisations(many).created == 12_000
        assert store.count_organisations() == 12_000


def test_database_url() -> None:
    assert database_url(None) == "sqlite:///matchmaker.db"
    assert database_url("var/x.db") == "sqlite:///var/x.db"
    assert database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_sqlite_uses_wal(tmp_path: object) -> None:
    from sqlalchemy import text

    with Store(f"sqlite:///{tmp_path}/w.db") as store, store.engine.connect() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"


def test_event_keeps_stored_profiles_and_is_all_or_nothing(
    db_url: str, sample_orgs: list[Organisation]
) -> None:
    renamed = sample_orgs[0].model_copy(update={"name": "Stored name"})
    with Store(db_url) as store:
        store.import_organisations([renamed])
        ev = Event(id="ev", name="Workshop", organisations=sample_orgs)
        assert store.save_event(ev)[1] == ImportSummary(created=1, replaced=0)
        kept = store.get_organisation("nanomat")
        assert kept is not None
        assert kept.name == "Stored name"
        # A refused event stores none of its new organisations either.
        extra = sample_orgs[1].model_copy(update={"id": "newcomer"})
        again = Event(id="ev", name="Workshop", organisations=[*sample_orgs, extra])
        with pytest.raises(InvalidInputError):
            store.save_event(again)
        assert store.get_organisation("newcomer") is None


def test_embeddings_are_kept_by_model_and_text(db_url: str) -> None:
    import numpy as np

    from matchmaker.store import StoreEmbeddingCache
    from matchmaker.text import text_key

    vectors = {text_key(f"text {i}"): np.full(4, i, dtype=np.float32) for i in range(3)}
    with Store(db_url) as store:
        cache = StoreEmbeddingCache(store)
        cache.put_many("model-a", vectors)
        cache.put_many("model-a", {text_key("text 0"): np.ones(4, dtype=np.float32)})
        got = cache.get_many("model-a", [*vectors, text_key("unknown")])
        assert set(got) == set(vectors)
        assert got[text_key("text 2")].tolist() == [2.0] * 4
        assert got[text_key("text 0")].tolist() == [0.0] * 4  # the first vector stays
        assert cache.get_many("model-b", list(vectors)) == {}
