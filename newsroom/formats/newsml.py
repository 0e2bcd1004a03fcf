"""NewsML-G2 2.35 ``newsItem`` for one article version in one language.

Built with lxml; valid against ``standards/newsml-g2/NewsML-G2_2.35-spec-All-Power.xsd``
(checked offline in the tests). The body goes in ``contentSet/inlineXML`` as an XHTML
document rebuilt element by element from the stored HTML, keeping only the body
allowlist of DESIGN §6, so whatever the stored fragment holds, the result is
well-formed XML.
"""

from __future__ import annotations

from lxml import etree

from newsroom.formats.model import (
    PublishedItem,
    clean_text,
    fill_allowed_html,
    iso,
    text_direction,
)

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STANDARD_VERSION = "2.35"
# The IPTC catalog that declares the ninat:, stat:, sig: and irel: schemes used below.
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_41.xml"
MEDIA_TYPE = "application/vnd.iptc.g2.newsitem+xml"

_PUB_STATUS_QCODES = {"usable": "stat:usable", "canceled": "stat:canceled",
                      "withheld": "stat:withheld"}


def _nar(tag: str) -> str:
    return f"{{{NAR}}}{tag}"


def _sub(parent: etree._Element, name: str, text: str | None = None, /,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _nar(name), attributes)
    if text is not None:
        element.text = clean_text(text)
    return element


def _content_set(item: PublishedItem, root: etree._Element) -> None:
    content_set = _sub(root, "contentSet")
    inline = _sub(content_set, "inlineXML", contenttype="application/xhtml+xml")
    page = etree.SubElement(inline, f"{{{XHTML}}}html", nsmap={None: XHTML})
    page.set(f"{{{XML_NS}}}lang", item.language)
    if text_direction(item.language) == "rtl":
        page.set("dir", "rtl")
    head = etree.SubElement(page, f"{{{XHTML}}}head")
    etree.SubElement(head, f"{{{XHTML}}}title").text = clean_text(item.headline)
    body = etree.SubElement(page, f"{{{XHTML}}}body")
    paragraphs = item.body_lines()
    if paragraphs is None:
        fill_allowed_html(clean_text(item.body), body, XHTML)  # one allowlist pass
        return
    for lines in paragraphs:  # plain text: the elements directly, nothing to parse
        paragraph = etree.SubElement(body, f"{{{XHTML}}}p")
        paragraph.text = lines[0]
        for line in lines[1:]:
            etree.SubElement(paragraph, f"{{{XHTML}}}br").tail = line


def newsml_element(item: PublishedItem) -> etree._Element:
    root = etree.Element(_nar("newsItem"), nsmap={None: NAR})
    root.set("guid", item.uri)
    root.set("version", str(item.revision))
    root.set("standard", "NewsML-G2")
    root.set("standardversion", STANDARD_VERSION)
    root.set("conformance", "power")
    root.set(f"{{{XML_NS}}}lang", item.language)
    if text_direction(item.language) == "rtl":
        root.set("dir", "rtl")
    _sub(root, "catalogRef", href=IPTC_CATALOG)

    rights = _sub(root, "rightsInfo")
    holder = _sub(rights, "copyrightHolder")
    _sub(holder, "name", item.copyright_holder)

    meta = _sub(root, "itemMeta")
    _sub(meta, "itemClass", qcode="ninat:text")
    provider = _sub(meta, "provider", uri=item.base_url + "/")
    _sub(provider, "name", item.provider)
    _sub(meta, "versionCreated", iso(item.version_created))
    _sub(meta, "firstCreated", iso(item.first_created))
    if item.embargo_until is not None:
        _sub(meta, "embargoed", iso(item.embargo_until))
    _sub(meta, "pubStatus", qcode=_PUB_STATUS_QCODES[item.pub_status])
    note = item.edit_note
    if note is not None:
        _sub(meta, "edNote", note)
    if item.correction_note and item.pub_status == "usable":
        _sub(meta, "signal", qcode="sig:correction")
    for language, uri in item.translations.items():
        # Another language version of the same article: a pointer to that Item by its
        # guid, with its language as a hint.
        link = _sub(meta, "link", rel="irel:seeAlso", residref=uri)
        _sub(link, "language", tag=language)

    content_meta = _sub(root, "contentMeta")
    _sub(content_meta, "language", tag=item.language)
    _sub(content_meta, "headline", item.headline)
    if item.dateline.strip():
        _sub(content_meta, "dateline", item.dateline)
    if item.byline.strip():
        _sub(content_meta, "by", item.byline)

    if item.usable:
        _content_set(item, root)
    return root


def newsml_bytes(item: PublishedItem) -> bytes:
    """The ``newsItem`` as a UTF-8 XML document."""
    body = etree.tostring(newsml_element(item), encoding="UTF-8", xml_declaration=False,
                          pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
