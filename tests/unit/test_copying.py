"""The aggregates' fast deep copy must be a real deep copy of their state."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from uuid import uuid4

from newsroom.domain.article import Article
from newsroom.domain.user import User

ACTOR = uuid4()


def test_copy_of_an_article_shares_no_mutable_state() -> None:
    article = Article.create(headline="H", body="B", language="fr", dateline="",
                             byline="", actor_id=ACTOR, role="editor")
    article.comment("first", actor_id=ACTOR, role="editor")
    article.submit([{"kind": "x", "severity": "warning", "start": 0, "end": 1}],
                   actor_id=ACTOR, role="editor")
    clone = copy.deepcopy(article)
    assert vars(clone) == vars(article) and clone is not article
    clone.comment("second", actor_id=ACTOR, role="editor")
    clone.qa_findings[0]["kind"] = "changed"
    clone.revise({"headline": "H2"}, actor_id=ACTOR, role="editor")
    assert [c["text"] for c in article.comments] == ["first"]
    assert article.qa_findings[0]["kind"] == "x"
    assert article.headline == "H" and article.version == 3
    assert len(article.pending_events) == 3 and len(clone.pending_events) == 5


def test_copy_of_a_user_keeps_token_state_apart() -> None:
    user = User.register(name="ann", password_hash="h", actor_id=ACTOR, role="admin")
    token = uuid4()
    user.issue_token(token, "d", datetime(2030, 1, 1, tzinfo=UTC), actor_id=ACTOR, role="admin")
    clone = copy.deepcopy(user)
    clone.revoke_token(token, actor_id=ACTOR, role="admin")
    assert user.tokens[token.hex]["revoked"] is False
    assert clone.tokens[token.hex]["revoked"] is True
