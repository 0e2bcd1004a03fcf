"""JSON API for translations: request, read, post-edit, approve, publish."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from newsroom.serialize import translation_document
from newsroom.web.api_articles import existing_article, saved_response
from newsroom.web.context import api_actor, newsroom
from newsroom.web.requests import if_match, json_body, uuid_arg

bp = Blueprint("api_translations", __name__)


@bp.post("/articles/<article_id>/translations")
def request_translations(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("translation.request")
    aid = existing_article(article_id)
    data = json_body(("languages",), required=("languages",))
    saved = newsroom().request_translations(actor, aid, data["languages"],
                                            if_match(required=False))
    article = newsroom().get_article(actor, aid)
    return saved_response(saved, 202, translations=sorted(article.translation_languages))


@bp.get("/articles/<article_id>/translations/<lang>")
def read(article_id: str, lang: str) -> Response:
    actor = api_actor()
    actor.role_for("translation.read")
    aid = uuid_arg(article_id)
    translation = newsroom().get_translation(actor, aid, lang)
    article = newsroom().get_article(actor, aid)
    response = jsonify(translation_document(translation, article))
    response.headers["ETag"] = f'"{translation.version}"'
    return response


@bp.patch("/articles/<article_id>/translations/<lang>")
def post_edit(article_id: str, lang: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("translation.edit")
    aid = existing_article(article_id)
    newsroom().get_translation(actor, aid, lang)
    data = json_body(("headline", "body"))
    saved = newsroom().post_edit_translation(actor, aid, lang, data, if_match(required=True))
    return saved_response(saved)


@bp.post("/articles/<article_id>/translations/<lang>/approve")
def approve(article_id: str, lang: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("translation.approve")
    aid = existing_article(article_id)
    newsroom().get_translation(actor, aid, lang)
    data = json_body(("override_reason",), optional_body=True)
    return saved_response(newsroom().approve_translation(
        actor, aid, lang, data.get("override_reason"), if_match(required=False)))


@bp.post("/articles/<article_id>/translations/<lang>/publish")
def publish(article_id: str, lang: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("translation.publish")
    aid = existing_article(article_id)
    newsroom().get_translation(actor, aid, lang)
    json_body((), optional_body=True)
    return saved_response(newsroom().publish_translation(actor, aid, lang,
                                                          if_match(required=False)))
