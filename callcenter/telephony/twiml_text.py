"""TwiML elements written as text, byte for byte as the ``twilio`` library's builders write them.

The builders make an object per verb, turn every tree into ``xml.etree`` elements and serialise
those: a tenth of a webhook's server time went there (docs/performance.md). These functions
write the same characters directly: attributes sorted by name, ``None`` left out, booleans as
``true``/``false``, an element with neither text nor children closed as ``<Name />``, text and
attribute values escaped as ``xml.etree`` escapes them. tests/telephony/test_twiml_text.py checks
every document ``twiml`` renders against the builders' output.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from xml.sax.saxutils import escape

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def _text(value: str) -> str:
    # xml.etree's _escape_cdata, as the builders wrote text
    return escape(value)


# xml.etree's _escape_attrib beyond &, < and >, as the builders wrote attributes
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _attribute(value: object) -> str:
    # str() or true/false as the builders give it
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return _escaped_attribute(text)


@functools.lru_cache(maxsize=1024)
def _escaped_attribute(text: str) -> str:
    # Attribute values repeat from one answer to the next (voice, language, timeouts, actions):
    # a webhook's dozen would otherwise each go through escape's seven replacements again.
    return escape(text, _ATTRIBUTE_ENTITIES)


def _head(name: str, attributes: Mapping[str, object] | None) -> str:
    head = "<" + name
    if attributes:
        for key in sorted(attributes):
            value = attributes[key]
            if value is not None:
                head += f' {key}="{_attribute(value)}"'
    return head


def element(name: str, attributes: Mapping[str, object] | None = None, text: str | None = None,
            *children: str) -> str:
    """``<name a="1">text<child/>...</name>``; attribute names are given as TwiML spells them."""
    head = _head(name, attributes)
    if not text and not children:
        return head + " />"
    return f"{head}>{_text(text) if text else ''}{''.join(children)}</{name}>"


def opening(name: str, attributes: Mapping[str, object] | None = None) -> str:
    """The opening tag ``element`` writes for an element with children (``<name a="1">``)."""
    return _head(name, attributes) + ">"


def document(*verbs: str) -> str:
    """A whole TwiML answer: the declaration and ``<Response>`` around ``verbs``."""
    return DECLARATION + element("Response", None, None, *verbs)
