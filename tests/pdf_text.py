"""The text of each page of a PDF that LibreOffice wrote, for tests (no PDF library needed).

LibreOffice writes every page's content as one Flate-compressed stream and its fonts as subsets
with a ``ToUnicode`` map of one- or two-byte codes. Each ``BT … ET`` block it draws is one piece of
text (a cell, a header or a footer), shown with ``Tj`` or ``TJ`` on hex strings. That is all this
reads: enough to know which sheet a page prints (its header names the sheet) and what is on it.
"""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(<<.*?>>)?\s*(?:stream\r?\n(.*?)\r?\nendstream)?\s*endobj", re.S)
_PAGE = re.compile(rb"/Type\s*/Page\b")
_CONTENTS = re.compile(rb"/Contents\s+(\d+) 0 R")
_RESOURCES = re.compile(rb"/Resources\s+(\d+) 0 R")
_FONT_DICT = re.compile(rb"/Font\s*(?:<<(.*?)>>|(\d+) 0 R)", re.S)
_FONT_REF = re.compile(rb"/(\w+)\s+(\d+) 0 R")
_TO_UNICODE = re.compile(rb"/ToUnicode\s+(\d+) 0 R")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
_TOKENS = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\b(BT|ET)\b")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (its dictionary, its decompressed stream or b'')."""
    found = {}
    for match in _OBJECT.finditer(pdf):
        head, stream = match.group(2) or b"", match.group(3) or b""
        if stream and b"FlateDecode" in head:
            stream = zlib.decompressobj().decompress(stream)  # lenient: a stream cut short keeps what it has
        found[int(match.group(1))] = (head, stream)
    return found


def _unicode_map(cmap: bytes) -> tuple[int, dict[int, str]]:
    """A ToUnicode CMap as (bytes per code, code → text)."""
    width = 1
    space = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", cmap)
    if space:
        width = len(space.group(1)) // 2
    table: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        values = _HEX.findall(block)
        for code, text in zip(values[::2], values[1::2], strict=True):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in _BFRANGE.findall(cmap):
        values = _HEX.findall(block)
        for first, last, start in zip(values[::3], values[1::3], values[2::3], strict=True):
            base = int(start, 16)
            for offset, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                table[code] = chr(base + offset)
    return width, table


def page_texts(pdf: bytes) -> list[list[str]]:
    """Each page's pieces of text, in the order the page draws them."""
    objects = _objects(pdf)
    pages = []
    for number in sorted(objects):
        head, _ = objects[number]
        if not _PAGE.search(head):
            continue
        contents = _CONTENTS.search(head)
        resources = _RESOURCES.search(head)
        if contents is None or resources is None:
            continue
        fonts: dict[bytes, tuple[int, dict[int, str]]] = {}
        font_dict = _FONT_DICT.search(objects[int(resources.group(1))][0])
        inline, indirect = font_dict.groups() if font_dict else (b"", None)
        names = objects[int(indirect)][0] if indirect else inline or b""
        for name, ref in _FONT_REF.findall(names):
            to_unicode = _TO_UNICODE.search(objects[int(ref)][0])
            if to_unicode:
                fonts[name] = _unicode_map(objects[int(to_unicode.group(1))][1])
        pages.append(_texts(objects[int(contents.group(1))][1], fonts))
    return pages


def _texts(stream: bytes, fonts: dict[bytes, tuple[int, dict[int, str]]]) -> list[str]:
    texts: list[str] = []
    width, table, piece = 1, {}, ""
    for match in _TOKENS.finditer(stream):
        font, hex_string, keyword = match.groups()
        if font is not None:
            width, table = fonts.get(font, (1, {}))
        elif keyword == b"BT":
            piece = ""
        elif keyword == b"ET":
            if piece:
                texts.append(piece)
        elif hex_string is not None:
            raw = bytes.fromhex(hex_string.decode())
            codes = [int.from_bytes(raw[i : i + width], "big") for i in range(0, len(raw), width)]
            piece += "".join(table.get(code, "?") for code in codes)
    return texts
