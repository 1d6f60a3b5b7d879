"""The text encoders: meaning across wordings and languages, the cache, TF-IDF as before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.text import SentenceEncoder, TfidfEncoder, make_encoder, text_key
from matchmaker.text.semantic import model_version

NEEDS = [
    "aerial monitoring of bridges and viaducts",
    "recycling of lithium batteries from electric cars",
    "funding advice for rural tourism start-ups",
]
OFFERS = [
    "UAV inspection services for civil infrastructure",
    "recovery of cobalt and lithium from used EV battery packs",
    "grant consulting for young companies in countryside hospitality",
]
# The same offers, as organisations in Germany, France and Poland write them.
TRANSLATED = [
    "Inspektion von Brücken mit Drohnen",
    "recyclage des batteries lithium-ion de véhicules électriques",
    "doradztwo w zakresie dotacji dla startupów turystycznych na wsi",
]


def test_paraphrases_meet_and_tfidf_does_not() -> None:
    enc = SentenceEncoder()
    sims = enc.encode(NEEDS) @ enc.encode(OFFERS).T
    # every need finds its own offer first, though they share almost no word
    assert list(sims.argmax(axis=1)) == [0, 1, 2]
    assert float(np.diag(sims).min()) > float(sims[~np.eye(3, dtype=bool)].max())
    tfidf = TfidfEncoder(dims=8).fit(NEEDS + OFFERS)
    t = tfidf.encode(NEEDS) @ tfidf.encode(OFFERS).T
    assert float(t[0, 0]) < 0.2  # "aerial monitoring" and "UAV inspection" share nothing


def test_an_english_need_meets_its_offer_in_another_language() -> None:
    enc = SentenceEncoder()
    sims = enc.encode(NEEDS) @ enc.encode(TRANSLATED).T
    assert list(sims.argmax(axis=1)) == [0, 1, 2]


def test_vectors_are_unit_float32_rows_in_input_order() -> None:
    enc = SentenceEncoder()
    v = enc.encode([*OFFERS, OFFERS[0]])
    assert v.dtype == np.float32
    assert v.shape == (4, 512)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v[0], v[3])
    assert enc.encode([]).shape == (0, 512)


class DictCache:
    def __init__(self) -> None:
        self.data: dict[tuple[str, bytes], Any] = {}
        self.gets = 0

    def get_many(self, model: str, keys: Sequence[bytes]) -> dict[bytes, Any]:
        self.gets += 1
        return {k: self.data[(model, k)] for k in keys if (model, k) in self.data}

    def put_many(self, model: str, vectors: dict[bytes, Any]) -> None:
        for k, v in vectors.items():
            self.data[(model, k)] = v


def test_each_text_is_embedded_once_and_kept_in_the_persistent_cache() -> None:
    cache = DictCache()
    texts = [f"cache test text number {i} about marine robotics" for i in range(5)]
    first = SentenceEncoder(cache=cache)
    a = first.encode(texts)
    assert first.n_embedded_ == 5
    assert len(cache.data) == 5
    assert (model_version(), text_key(texts[0])) in cache.data
    again = SentenceEncoder(cache=cache)
    b = again.encode(texts)
    assert again.n_embedded_ == 0  # from the persistent cache
    assert np.array_equal(a, b)
    # without a persistent cache, the process's memory keeps them
    plain = SentenceEncoder()
    plain.encode(texts[:2])
    assert plain.n_embedded_ == 2
    twice = SentenceEncoder()
    assert np.allclose(twice.encode(texts[:2]), a[:2], atol=1e-6)  # a batch of 5 vs 2
    assert twice.n_embedded_ == 0


def test_a_text_found_only_in_the_persistent_cache_is_not_embedded_again() -> None:
    cache = DictCache()
    text = "a text that only the persistent cache knows, about wool"
    vector = np.zeros(512, dtype=np.float32)
    vector[7] = 1.0
    cache.put_many(model_version(), {text_key(text): vector})
    enc = SentenceEncoder(cache=cache)
    got = enc.encode([text])
    assert enc.n_embedded_ == 0
    assert got[0, 7] == 1.0


def test_unknown_encoder_is_a_named_error() -> None:
    with pytest.raises(InvalidInputError, match="The 'encoder' parameter of ProfileSpace must be"):
        make_encoder("word2vec")


def test_tfidf_state_round_trips() -> None:
    texts = [
        f"{w} processing for {x}" for w in ("dairy", "wool", "olive") for x in ("farms", "sme")
    ]
    enc = TfidfEncoder(dims=4).fit(texts)
    header, arrays = enc.state()
    again = TfidfEncoder.from_state(header, arrays)
    assert again.version == enc.version
    assert np.array_equal(again.encode(texts), enc.encode(texts))
