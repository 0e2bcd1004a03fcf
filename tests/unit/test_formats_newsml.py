"""NewsML-G2 2.35: every case validates against IPTC's XSD, loaded offline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from lxml import etree
from unit.test_formats_model import (
    ARTICLE,
    BASE,
    CASES,
    HOSTILE,
    correction,
    embargoed,
    fresh_fr,
    hostile,
    hostile_html,
    retraction,
    standards_dir,
    translation_es,
)

from newsroom.formats import PublishedItem, item_uri, newsml_bytes
from newsroom.formats.newsml import NAR, XHTML, newsml_element

NS = {"g": NAR, "h": XHTML}


class _Offline(etree.Resolver):
    """Serves xml.xsd from the standards folder; a request for anything else on the
    network fails loudly (the parser's no_network would only fail quietly)."""

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url.rsplit("/", 1)[-1] == "xml.xsd":
            return self.resolve_filename(f"{self.folder}/xml.xsd", context)
        if "://" in system_url and not system_url.startswith("file:"):
            raise AssertionError(f"the XSD asked for {system_url}: no network in tests")
        return None  # a local file: the default loader reads it


def newsml_schema() -> etree.XMLSchema:
    """IPTC's NewsML-G2 2.35 XSD, loaded offline (the integration tests use it too)."""
    folder = standards_dir() / "newsml-g2"
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Offline(str(folder)))
    document = etree.parse(str(folder / "NewsML-G2_2.35-spec-All-Power.xsd"), parser)
    return etree.XMLSchema(document)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return newsml_schema()


def parse(raw: bytes) -> etree._Element:
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return etree.fromstring(raw, etree.XMLParser(no_network=True, resolve_entities=False))


def assert_valid(schema: etree.XMLSchema, root: etree._Element) -> None:
    assert schema.validate(root), "\n".join(str(e) for e in schema.error_log)


def text(root: etree._Element, path: str) -> str:
    found = root.xpath(f"string({path})", namespaces=NS)
    assert isinstance(found, str)
    return found


def test_the_schema_really_checks(schema: etree.XMLSchema) -> None:
    root = newsml_element(fresh_fr())
    meta = root.find(f"{{{NAR}}}itemMeta")
    assert meta is not None
    meta.remove(meta[0])  # itemClass is required
    assert not schema.validate(root)
    root = newsml_element(fresh_fr())
    del root.attrib["guid"]
    assert not schema.validate(root)


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_case_is_xsd_valid(schema: etree.XMLSchema, case: str) -> None:
    assert_valid(schema, parse(newsml_bytes(CASES[case]())))


def test_fresh_article() -> None:
    root = parse(newsml_bytes(fresh_fr()))
    assert root.get("guid") == item_uri(BASE, ARTICLE, "fr")
    assert root.get("version") == "1"
    assert root.get("standardversion") == "2.35"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert text(root, "g:itemMeta/g:itemClass/@qcode") == "ninat:text"
    assert text(root, "g:itemMeta/g:provider/g:name") == "Newsroom Wire"
    assert text(root, "g:rightsInfo/g:copyrightHolder/g:name") == "Newsroom Wire Inc."
    assert text(root, "g:itemMeta/g:versionCreated") == "2026-03-02T10:00:00Z"
    assert text(root, "g:itemMeta/g:firstCreated") == "2026-03-02T08:15:00Z"
    assert text(root, "g:itemMeta/g:pubStatus/@qcode") == "stat:usable"
    assert root.xpath("g:itemMeta/g:embargoed|g:itemMeta/g:edNote", namespaces=NS) == []
    assert text(root, "g:contentMeta/g:language/@tag") == "fr"
    assert text(root, "g:contentMeta/g:headline") == fresh_fr().headline
    assert text(root, "g:contentMeta/g:by") == "Jeanne Tremblay"
    assert text(root, "g:contentMeta/g:dateline") == "SÉOUL"
    paragraphs = root.xpath("g:contentSet/g:inlineXML/h:html/h:body/h:p", namespaces=NS)
    assert [p.xpath("string()") for p in paragraphs] == [
        "Premier paragraphe, avec « guillemets » & esperluette.",
        "Deuxième paragraphesur deux lignes.",
    ]
    assert root.xpath("//h:p/h:br", namespaces=NS)


def test_correction() -> None:
    root = parse(newsml_bytes(correction()))
    assert root.get("version") == "2"
    assert root.get("guid") == item_uri(BASE, ARTICLE, "fr")
    assert text(root, "g:itemMeta/g:edNote") == "Le nom du ministre a été corrigé."
    assert text(root, "g:itemMeta/g:signal/@qcode") == "sig:correction"
    assert text(root, "//h:body/h:p/h:strong") == "corrigé"


def test_retraction() -> None:
    root = parse(newsml_bytes(retraction()))
    assert text(root, "g:itemMeta/g:pubStatus/@qcode") == "stat:canceled"
    assert text(root, "g:itemMeta/g:edNote") == "Article retiré : la source s’est rétractée."
    assert root.xpath("g:contentSet|g:itemMeta/g:signal", namespaces=NS) == []


def test_embargo() -> None:
    root = parse(newsml_bytes(embargoed()))
    assert text(root, "g:itemMeta/g:embargoed") == "2026-03-02T16:00:00Z"


def test_translation_links() -> None:
    root = parse(newsml_bytes(translation_es()))
    links = root.xpath("g:itemMeta/g:link", namespaces=NS)
    assert [(link.get("residref"), link.xpath("string(g:language/@tag)", namespaces=NS))
            for link in links] == [(item_uri(BASE, ARTICLE, "en"), "en"),
                                   (item_uri(BASE, ARTICLE, "fr"), "fr")]


@pytest.mark.parametrize("make", [hostile, hostile_html])
def test_hostile_text_round_trips(schema: etree.XMLSchema,
                                  make: Callable[[], PublishedItem]) -> None:
    raw = newsml_bytes(make())
    raw.decode("utf-8")
    root = parse(raw)
    assert_valid(schema, root)
    assert root.get("dir") == "rtl"
    assert text(root, "g:contentMeta/g:headline") == HOSTILE
    assert text(root, "g:contentMeta/g:by") == HOSTILE
    assert text(root, "g:contentMeta/g:dateline") == HOSTILE
    assert text(root, "g:itemMeta/g:edNote") == HOSTILE
    assert text(root, "g:itemMeta/g:provider/g:name") == "News & <Co> ]]>"
    assert text(root, "//h:head/h:title") == HOSTILE
    body = root.xpath("//h:body", namespaces=NS)[0]
    # Only the allowlist, all in the XHTML namespace.
    names = {etree.QName(e).localname for e in body.iter()} - {"body"}
    assert names <= {"p", "a", "br", "strong"}
    assert {etree.QName(e).namespace for e in body.iter()} == {XHTML}
    content = body.xpath("string()")
    assert "]]>" in content and "👩🏽‍🚀" in content and "עברית" in content


def test_html_body_keeps_text_and_links_but_not_code() -> None:
    root = parse(newsml_bytes(hostile_html()))
    assert text(root, "//h:a/@href") == "https://e.example/?a=1&b=2"
    content = text(root, "//h:body")
    assert "Un </script> ]]>" in content
    assert "alert" not in content and "comment" not in content and "p{}" not in content


def test_stray_control_characters_do_not_break_the_document(schema: etree.XMLSchema
                                                             ) -> None:
    bad = replace(fresh_fr(), headline="Titre\x0bavec\x00contrôle", body="Texte\x1b ici")
    root = parse(newsml_bytes(bad))
    assert_valid(schema, root)
    assert text(root, "g:contentMeta/g:headline") == "Titreaveccontrôle"
