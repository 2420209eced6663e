"""Open Badges in SVG: ``<openbadges:assertion>`` (OB 1.x/2.0) and ``<openbadges:credential>`` (OB 3.0).

Elements are matched by namespace URI and local name, never by prefix. Documents are parsed with defusedxml, which
refuses entity declarations and external references (XXE, billion laughs, parameter entities) before anything else
happens. A bare ``<!DOCTYPE svg PUBLIC …>`` line, which illustration tools write and real badges carry, is accepted:
it declares nothing and is never fetched. Baking splices text into the original
bytes, so the rest of the image stays byte-identical.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from .._errors import InputTooLarge, MalformedInput, UnsafeInput
from .._limits import DEFAULT_LIMITS, Limits, describe_size

__all__ = ["OB2_NAMESPACE", "OB3_NAMESPACE", "SvgBadge", "read_badge_elements", "bake_svg", "looks_like_svg"]

OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
CLR_NAMESPACE = "https://purl.imsglobal.org/clr/v2p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_BADGE_ELEMENTS = {
    (OB3_NAMESPACE, "credential"),
    (OB2_NAMESPACE, "assertion"),
    (CLR_NAMESPACE, "credential"),
}


@dataclass(frozen=True)
class SvgBadge:
    namespace: str
    local_name: str
    verify: str | None
    body: str

    @property
    def tag(self) -> str:
        return f"{{{self.namespace}}}{self.local_name}"


def looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<svg" in data[:65536]


def _parse(data: bytes) -> Element:
    try:
        return defusedxml.ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise UnsafeInput(
            f"SVG refused: it declares the XML entity {exc.name!r} (entities are never expanded)"
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeInput(f"SVG refused: {exc}") from exc
    except ParseError as exc:
        raise MalformedInput(f"SVG is not well-formed XML: {exc}") from exc


def read_badge_elements(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[SvgBadge]:
    """Every Open Badges element in the document, in document order."""
    root = _parse(data)
    if root.tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise MalformedInput(f"not an SVG document (root element is {root.tag!r})")
    found: list[SvgBadge] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith("{"):
            continue
        namespace, _, local = element.tag[1:].partition("}")
        if (namespace, local) not in _BADGE_ELEMENTS:
            continue
        body = "".join(element.itertext()).strip()
        verify = element.get("verify")
        if len(body.encode()) > limits.max_text_bytes or len((verify or "").encode()) > limits.max_text_bytes:
            raise InputTooLarge(f"the SVG badge element holds more than {describe_size(limits.max_text_bytes)}")
        found.append(SvgBadge(namespace, local, verify.strip() if verify else None, body))
    return found


def _end_of_start_tag(data: bytes, start: int) -> int:
    """Index just past the ``>`` closing the start tag that begins at ``start`` (quotes may hide ``>``)."""
    quote: int | None = None
    for index in range(start, len(data)):
        byte = data[index]
        if quote is not None:
            if byte == quote:
                quote = None
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return index + 1
    raise MalformedInput("SVG is not well-formed XML: unterminated start tag")


def _element_spans(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """Byte offset just past the root start tag, and the byte spans of every Open Badges element."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    depth = 0
    root_end = -1
    open_badge: tuple[int, int, int | None] | None = None  # (start offset, depth, end offset if self-closing)
    spans: list[tuple[int, int]] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal depth, root_end, open_badge
        offset = parser.CurrentByteIndex
        if depth == 0:
            root_end = _end_of_start_tag(data, offset)
        namespace, _, local = name.rpartition("}")
        if open_badge is None and (namespace, local) in _BADGE_ELEMENTS:
            tag_end = _end_of_start_tag(data, offset)
            open_badge = (offset, depth, tag_end if data[tag_end - 2 : tag_end] == b"/>" else None)
        depth += 1

    def end(_name: str) -> None:
        nonlocal depth, open_badge
        depth -= 1
        if open_badge is not None and open_badge[1] == depth:
            # For a self-closing element expat's position here is the *next* token, so the end is known from the start.
            stop = open_badge[2] if open_badge[2] is not None else data.index(b">", parser.CurrentByteIndex) + 1
            spans.append((open_badge[0], stop))
            open_badge = None

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(data, True)
    return root_end, spans


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def bake_svg(data: bytes, payload: str, *, ob3: bool, as_attribute: bool) -> bytes:
    """Return ``data`` with one Open Badges element as the first child of ``<svg>``, replacing any existing one.

    ``as_attribute`` puts the payload in ``verify`` (a JWS or a URL); otherwise it goes in the body as CDATA (JSON).
    """
    root = _parse(data)  # refuse entities before the offset-tracking pass
    if root.tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise MalformedInput(f"not an SVG document (root element is {root.tag!r})")
    root_end, spans = _element_spans(data)
    if data[:root_end].endswith(b"/>"):
        raise MalformedInput("the SVG is empty (<svg/>): there is no image to bake into")
    namespace, local = (OB3_NAMESPACE, "credential") if ob3 else (OB2_NAMESPACE, "assertion")
    root_tag = data[:root_end].decode("utf-8", "replace")
    declared = re.search(r"""xmlns:openbadges\s*=\s*(["'])(.*?)\1\s*[/>\s]""", root_tag[root_tag.rfind("<svg") :])
    needs_local_ns = declared is not None and declared.group(2) != namespace
    # Imported here: xml.sax.saxutils loads urllib.request (and http.client, email): a tenth of `backpack verify`'s
    # start-up, paid by every reader of images for what only baking needs.
    from xml.sax.saxutils import quoteattr

    ns_attr = f" xmlns:openbadges={quoteattr(namespace)}"
    if as_attribute:
        element = f"<openbadges:{local}{ns_attr if needs_local_ns else ''} verify={quoteattr(payload)}/>"
    else:
        element = f"<openbadges:{local}{ns_attr if needs_local_ns else ''}>{_cdata(payload)}</openbadges:{local}>"
    out = bytearray()
    cursor = 0
    for span_start, span_stop in spans:
        if span_start < root_end:
            continue
        out += data[cursor:span_start]
        cursor = span_stop
    out += data[cursor:]
    head, tail = bytes(out[:root_end]), bytes(out[root_end:])
    if declared is None:  # the spec asks for the declaration on the root element
        head = head[:-1] + ns_attr.encode() + b">"
    return head + element.encode() + tail
