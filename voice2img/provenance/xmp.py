"""XMP in the PNG (an ``iTXt`` chunk named ``XML:com.adobe.xmp``), the way exiftool and photo
managers read it: IPTC's ``DigitalSourceType`` says "trained algorithmic media", ``dc:description``
holds the prompt, ``xmp:CreatorTool`` the software, and IPTC 2025.1's ``AISystemUsed`` /
``AIPromptInformation`` the image model and prompt for readers that know them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from . import DIGITAL_SOURCE_TYPE

KEY = "XML:com.adobe.xmp"
_NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
       "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/"}


def packet(prompt: str, *, software: str, model: str) -> str:
    """The XMP packet for one image."""
    prompt, model = _xml_text(prompt), _xml_text(model)
    namespaces = " ".join(f"xmlns:{k}={quoteattr(v)}" for k, v in _NS.items() if k != "rdf")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf={quoteattr(_NS["rdf"])}>\n'
        f'  <rdf:Description rdf:about="" {namespaces}\n'
        f'    Iptc4xmpExt:DigitalSourceType={quoteattr(DIGITAL_SOURCE_TYPE)}\n'
        f'    Iptc4xmpExt:AISystemUsed={quoteattr(model)}\n'
        f'    Iptc4xmpExt:AIPromptInformation={quoteattr(prompt)}\n'
        f'    xmp:CreatorTool={quoteattr(software)}>\n'
        f'   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(prompt)}</rdf:li></rdf:Alt></dc:description>\n'
        '  </rdf:Description>\n'
        ' </rdf:RDF>\n'
        '</x:xmpmeta>\n'
        '<?xpacket end="w"?>'
    )


def read(text: str | None) -> dict:
    """``{"digital_source_type": …, "description": …, "creator_tool": …}`` from an XMP packet
    (empty strings for what is missing; an unreadable packet reads as empty)."""
    out = {"digital_source_type": "", "description": "", "creator_tool": ""}
    if not text:
        return out
    try:
        root = ET.fromstring(text[text.find("<x:xmpmeta"):text.rfind("</x:xmpmeta>") + len("</x:xmpmeta>")])
    except ET.ParseError:
        return out
    for description in root.iter(f"{{{_NS['rdf']}}}Description"):
        out["digital_source_type"] = out["digital_source_type"] or _value(description, "Iptc4xmpExt", "DigitalSourceType")
        out["creator_tool"] = out["creator_tool"] or _value(description, "xmp", "CreatorTool")
        for li in description.iterfind("dc:description/rdf:Alt/rdf:li", _NS):
            out["description"] = out["description"] or (li.text or "")
    return out


def _xml_text(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot hold."""
    return "".join(c for c in text if c >= " " or c in "\t\n\r")


def _value(element, prefix: str, name: str) -> str:
    """An XMP property written either as an attribute or as a child element."""
    tag = f"{{{_NS[prefix]}}}{name}"
    if tag in element.attrib:
        return element.attrib[tag]
    child = element.find(tag)
    if child is None:
        return ""
    return child.text or child.attrib.get(f"{{{_NS['rdf']}}}resource", "")
