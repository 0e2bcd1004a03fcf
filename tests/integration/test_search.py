"""Full-text search over the read model, with accents folded, on both stores."""

from __future__ import annotations

from conftest import make_cast

from newsroom.bootstrap import Services
from newsroom.projections.article_search import fold, matching_ids


def test_fold_strips_case_and_diacritics() -> None:
    assert fold("CORÉE du Nord, Île") == "coree du nord, ile"


def test_search_matches_with_or_without_accents(any_services: Services) -> None:
    cast = make_cast(any_services)
    app = any_services.app
    korea = app.create_article(cast.journalist, headline="Séoul répond", language="fr",
                               body="La Corée du Nord a qualifié jeudi les critiques.").id
    app.create_article(cast.journalist, headline="Budget", language="en",
                       body="The council delayed the vote.")
    moved = app.create_article(cast.journalist, headline="Draft", language="fr",
                               body="Rien.").id
    app.revise(cast.journalist, moved, {"body": "Pyongyang et la Corée."}, 1)
    any_services.projections.catch_up()
    with any_services.engine.connect() as conn:
        for words in ("Corée", "coree", "CORÉE du nord", "seoul"):
            assert korea in matching_ids(conn, words, 10), words
        # A revision replaces the searchable text.
        assert matching_ids(conn, "pyongyang", 10) == [moved]
        assert matching_ids(conn, "rien", 10) == []
        assert matching_ids(conn, '"*) OR NEAR(', 10) == []
