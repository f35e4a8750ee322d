"""Safe markup: what a user or a model wrote is never read as Markdown or HTML.

Pure string functions (no Streamlit): ``esc`` for HTML and Markdown lines, ``esc_attr`` for
attribute values, ``plain`` for places Streamlit reads as Markdown, ``highlight`` for marked
spans, and the scrolling-box markup the widgets draw.
"""

from __future__ import annotations

import html
import re

# Characters that start Markdown, HTML, Streamlit directives (``:red[…]``) or maths (``$``)
# in the text a page draws; GFM autolinks (``http://``, ``www.``, ``a@b``) are broken apart too.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "\\`*_[](){}!#|~$@"}
_ENTITIES.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
                  ord("'"): "&#x27;"})
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9]):(?=//)|(?<=\b[Ww]{3})\.")
# What Markdown (or a bare link) would read, backslash-escaped by :func:`plain`; ``_`` only at a
# word's edge (``snake_case`` is never emphasis), so ids and model names stay as typed.
_MD_SPECIAL = re.compile(r"[\\`*\[\](){}!#|~$<>&@]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"
                         r"|(?<=[A-Za-z0-9]):(?=//)|(?<=\b[Ww]{3})\.")


def esc(text: object) -> str:
    """Any record or model text made inert for markup: HTML-escaped, and every character
    Markdown would read (and the ``://`` / ``www.`` of a bare link) turned into a character
    reference, shown as itself and never parsed; safe inside HTML and in a Markdown line."""
    escaped = ("" if text is None else str(text)).translate(_ENTITIES)
    return _AUTOLINK.sub(lambda m: f"&#{ord(m.group(0))};", escaped)


def esc_attr(text: object) -> str:
    """Text for an HTML attribute value (``title="…"``), where Markdown is never read."""
    return html.escape("" if text is None else str(text), quote=True)


def plain(text: object) -> str:
    """Text for a place Streamlit always reads as Markdown (widget labels, radio options,
    captions, expander titles, toasts, info boxes): every character Markdown would read
    backslash-escaped and line breaks made spaces, so it shows exactly as written."""
    flat = " ".join(("" if text is None else str(text)).splitlines())
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)


def highlight(text: str, spans: list[tuple], css: str = "background:#fff3b0") -> str:
    """Escaped ``text`` with ``<mark>`` around each (start, end, title[, css]) span
    (non-overlapping; a span's own css, when given, replaces ``css``)."""
    out: list[str] = []
    pos = 0
    for start, end, title, *own in sorted(spans):
        if start < pos:
            continue
        out.append(esc(text[pos:start]))
        style = own[0] if own else css
        out.append(f'<mark style="{esc_attr(style)}" title="{esc_attr(title)}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def scroll_box_html(body: str, height: int = 420) -> str:
    """A scrolling box around ``body``, markup that is already safe (escaped or highlighted),
    on one line, so no blank line can end the box and let Markdown read the rest."""
    body = body.replace("\r\n", "\n").replace("\n", "<br>")
    return (f'<div style="max-height:{height}px;overflow-y:auto;white-space:pre-wrap;'
            f'border:1px solid #ddd;border-radius:6px;padding:.6rem;font-size:.9rem">{body}</div>')


def text_box_html(text: str, height: int = 420) -> str:
    """The markup of a text box: the text escaped, in a scrolling box."""
    return scroll_box_html(esc(text), height)
