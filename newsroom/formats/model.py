"""The data every syndication format is built from: one published article version in
one language, plus the small text and time helpers that the formats share.

Formatters are pure: a :class:`PublishedItem` (and a clock value where a format needs
one) in, bytes out. Callers build items from ``rm_publications`` (or the events);
nothing here reads a database, a file or the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit
from uuid import UUID

from lxml import etree, html

from newsroom import content
from newsroom.domain.errors import ValidationFailed

PubStatus = Literal["usable", "canceled", "withheld"]
PUB_STATUSES: frozenset[str] = frozenset({"usable", "canceled", "withheld"})

DEFAULT_PROVIDER = "Newsroom"

# Characters XML 1.0 cannot carry at all (C0 controls but tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF). The input rules already refuse most of them; the
# formatters drop any that slip through rather than emit a document that will not parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Primary subtags (and scripts) written right to left.
_RTL_LANGUAGES = frozenset({
    "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "ku", "ps", "sd", "syr", "ug",
    "ur", "yi",
})
_RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg"})


# The C0 controls of ``_NOT_XML`` as the single bytes they are in UTF-8.
_NOT_XML_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def clean_text(value: str) -> str:
    """``value`` without the characters that XML 1.0 (and UTF-8) cannot carry."""
    if _carries_in_xml(value):
        return value
    return _NOT_XML.sub("", value)


def clean_texts(*values: str) -> tuple[str, ...]:
    """:func:`clean_text` of each value, with one check over them all (the usual case:
    nothing to drop) instead of one call per value."""
    if _carries_in_xml("".join(values)):
        return values
    return tuple(_NOT_XML.sub("", value) for value in values)


def _carries_in_xml(value: str) -> bool:
    """Whether ``value`` has none of the characters ``_NOT_XML`` matches, proven in
    C loops rather than by the regex, which tests each character against its class
    (~12 us on a 4,000-character body with typographic quotes; this is about half).

    A lone surrogate does not encode to UTF-8; a control character stays one byte,
    which ``bytes.translate`` deletes; U+FFFE and U+FFFF are found by ``in``."""
    try:
        encoded = value.encode()
    except UnicodeEncodeError:
        return False
    return (len(encoded.translate(None, _NOT_XML_CONTROL_BYTES)) == len(encoded)
            and "\ufffe" not in value and "\uffff" not in value)


# Elements whose content is code or embedded objects, never text: dropped whole.
_DROP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed",
                   "svg", "math", "head", "title", "textarea", "select"})
_KEEP_ATTRIBUTES = {"a": ("href", "rel")}


def _append_text(parent: etree._Element, text: str | None) -> None:
    """Add text after the last child of ``parent`` (or inside it when it has none)."""
    if not text:
        return
    text = clean_text(text)
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _copy_allowed(source: etree._Element, target: etree._Element, namespace: str | None
                  ) -> None:
    _append_text(target, source.text)
    for child in source:
        tag = child.tag
        if not isinstance(tag, str):  # comments and processing instructions
            _append_text(target, child.tail)
            continue
        name = tag.rsplit("}", 1)[-1].lower()
        if name in content.ALLOWED_TAGS:
            copy = etree.SubElement(target, f"{{{namespace}}}{name}" if namespace else name)
            for attribute in _KEEP_ATTRIBUTES.get(name, ()):
                value = child.get(attribute)
                if value is not None:
                    copy.set(attribute, clean_text(value))
            _copy_allowed(child, copy, namespace)
        elif name not in _DROP:
            # Not on the allowlist: keep what it says, not the element.
            _copy_allowed(child, target, namespace)
        _append_text(target, child.tail)


def fill_allowed_html(fragment: str, target: etree._Element, namespace: str | None = None
                      ) -> None:
    """Append the HTML ``fragment`` to ``target``, element by element, keeping only the
    body allowlist of DESIGN §6 (tags, and ``href``/``rel`` on links); with a
    ``namespace`` (XHTML), the copies are in it. Text is carried over as text, so the
    result is well-formed whatever the fragment held."""
    fragment = clean_text(fragment)
    if not fragment.strip():
        return
    wrapper = html.fragment_fromstring(fragment, create_parent="div")
    _copy_allowed(wrapper, target, namespace)


def allowed_html(fragment: str) -> str:
    """The HTML ``fragment`` re-serialized with only the allowlisted markup."""
    wrapper = etree.Element("div")
    fill_allowed_html(fragment, wrapper)
    text = etree.tostring(wrapper, method="html", encoding="unicode")
    return text[len("<div>"):-len("</div>")]


def canonical_language(tag: str) -> str:
    """The BCP 47 tag in canonical case (``fr``, ``en-CA``, ``zh-Hant-TW``).

    Raises ``ValueError`` for anything that is not a language tag."""
    try:
        return content.language(tag)
    except ValidationFailed as exc:
        raise ValueError(str(exc)) from None


def text_direction(tag: str) -> Literal["ltr", "rtl"]:
    primary, *rest = canonical_language(tag).split("-")
    if primary in _RTL_LANGUAGES or any(part in _RTL_SCRIPTS for part in rest):
        return "rtl"
    return "ltr"


def iso(value: datetime) -> str:
    """RFC 3339 / xs:dateTime / W3C datetime in UTC with a ``Z``."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {value!r}: formatters need aware times")
    # The usual time is in UTC already: written without its zone, then "Z".
    if offset:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat() + "Z"


def normalize_base_url(base_url: str) -> str:
    """``https://host[/prefix]`` without a trailing slash; refuses anything else."""
    base = base_url.strip().rstrip("/")
    parts = urlsplit(base)
    if (parts.scheme not in ("http", "https") or not parts.netloc or parts.query
            or parts.fragment or any(c.isspace() for c in base)):
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    return base


def item_uri(base_url: str, article_id: UUID, language: str) -> str:
    """The identity of one article in one language, the same in every format and for
    every revision: ninjs ``uri``, NewsML-G2 ``guid``, Atom ``id``, sitemap ``loc``.

    It is the public page's address, ``{base_url}/news/{id}?lang={lang}`` (DESIGN §6),
    so it also resolves for people and crawlers. The language tag is canonicalized
    (``FR`` and ``fr`` give one URI); the revision is not part of it, because a
    correction is a new version of the same item, not a new item.
    """
    return f"{normalize_base_url(base_url)}/news/{article_id}?lang={canonical_language(language)}"


def translation_links(base_url: str, article_id: UUID, languages: Iterable[str]
                      ) -> dict[str, str]:
    """``{language: item_uri}`` for the other published languages of an article."""
    return {canonical_language(lang): item_uri(base_url, article_id, lang)
            for lang in languages}


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class PublishedItem:
    """One article version in one language, as subscribers and readers get it.

    - ``body`` is the stored body: an HTML fragment (already sanitized on input) or
      plain text, which the formats render as ``<p>`` paragraphs.
    - ``dateline`` and ``byline``: translations have none of their own; pass the
      source's, as the public page does.
    - ``first_created``: when the article was created; ``version_created``: when this
      revision (or, for a retraction, the retraction) happened;
      ``first_published_at``: the first publication in this language.
    - ``pub_status``: ``usable``; ``canceled`` for a retraction (``retraction_reason``
      then says why); ``withheld`` for an item pulled for now. Only usable items carry
      their body.
    - ``correction_note``: the public note of the correction that made this revision
      (None on revision 1).
    - ``translations``: ``{language: item_uri}`` of the article's other published
      languages, the source included when this item is a translation. The item's own
      language is ignored if present.
    """

    article_id: UUID
    language: str
    revision: int
    headline: str
    body: str
    dateline: str
    byline: str
    first_created: datetime
    version_created: datetime
    first_published_at: datetime
    base_url: str
    source_language: str
    embargo_until: datetime | None = None
    pub_status: PubStatus = "usable"
    correction_note: str | None = None
    retraction_reason: str | None = None
    translations: Mapping[str, str] = field(default_factory=dict, hash=False)
    provider: str = DEFAULT_PROVIDER
    copyright_holder: str = DEFAULT_PROVIDER

    def __post_init__(self) -> None:
        if self.revision < 1:
            raise ValueError(f"revision starts at 1, got {self.revision}")
        if self.pub_status not in PUB_STATUSES:
            raise ValueError(f"pub_status must be one of {sorted(PUB_STATUSES)}")
        if self.retraction_reason is not None and self.pub_status != "canceled":
            raise ValueError("a retracted item (retraction_reason set) must be canceled")
        for name in ("first_created", "version_created", "first_published_at",
                     "embargo_until"):
            _aware(name, getattr(self, name))
        language = canonical_language(self.language)
        object.__setattr__(self, "language", language)
        object.__setattr__(self, "source_language", canonical_language(self.source_language))
        object.__setattr__(self, "base_url", normalize_base_url(self.base_url))
        others = {canonical_language(lang): uri for lang, uri in self.translations.items()}
        others.pop(language, None)
        object.__setattr__(self, "translations", dict(sorted(others.items())))

    @property
    def uri(self) -> str:
        """:func:`item_uri`, from the base URL and language ``__post_init__`` already
        normalized (so not checked again for every format and delivery)."""
        return f"{self.base_url}/news/{self.article_id}?lang={self.language}"

    @property
    def is_source(self) -> bool:
        return self.language == self.source_language

    @property
    def usable(self) -> bool:
        return self.pub_status == "usable"

    @property
    def public_since(self) -> datetime:
        """When readers could first see it: publication, or the embargo's end."""
        if self.embargo_until is not None and self.embargo_until > self.first_published_at:
            return self.embargo_until
        return self.first_published_at

    @property
    def edit_note(self) -> str | None:
        """The note for receiving editors: the retraction reason on a canceled item,
        else the correction note of this revision."""
        note = self.retraction_reason if self.pub_status == "canceled" else self.correction_note
        return note if note and note.strip() else None

    def embargoed_at(self, now: datetime) -> bool:
        return self.embargo_until is not None and now < self.embargo_until

    def body_html(self) -> str:
        """The body as an HTML fragment: plain text becomes ``<p>`` paragraphs, and HTML
        keeps only the allowlisted markup (bodies are sanitized on input already; this
        makes every format safe on its own)."""
        text = clean_text(self.body)
        if content.is_html(text):
            return allowed_html(text)
        # Escaped text in <p> and <br> only: safe by construction, and the very string
        # the allowlist pass makes of it, without parsing it (the costly part).
        # Escaping touches neither blank lines nor spaces: escape once, then split.
        paragraphs = content.text_paragraphs(html_text(text))
        if not paragraphs:
            return ""
        # "</p><p>" has no line break, so the line breaks are replaced in one pass
        # over the whole body rather than paragraph by paragraph.
        joined = "<p>" + "</p><p>".join(paragraphs) + "</p>"
        if "\n" in joined:
            joined = joined.replace("\n", "<br>")
        return joined.replace("\r", "\n") if "\r" in joined else joined

    def body_lines(self) -> list[list[str]] | None:
        """A plain-text body as paragraphs of lines (None for an HTML body). A lone
        carriage return is a line feed inside a line, as an HTML parser reads it."""
        text = clean_text(self.body)
        if content.is_html(text):
            return None
        return [[line.replace("\r", "\n") for line in paragraph.split("\n")]
                for paragraph in content.text_paragraphs(text)]


def html_text(text: str) -> str:
    """Text escaped as lxml's HTML serializer writes a text node (quotes as they are)."""
    # ``in`` finds a character with memchr, while ``replace`` counts occurrences
    # character by character first: most texts have none of the three.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def latest_versions(items: Iterable[PublishedItem]) -> list[PublishedItem]:
    """One item per :attr:`PublishedItem.uri`: the latest revision, and of equal
    revisions the latest ``version_created`` (a retraction keeps its revision).
    Order: first appearance of each uri."""
    latest: dict[str, PublishedItem] = {}
    for item in items:
        seen = latest.get(item.uri)
        if seen is None or ((item.revision, item.version_created)
                            > (seen.revision, seen.version_created)):
            latest[item.uri] = item
    return list(latest.values())
