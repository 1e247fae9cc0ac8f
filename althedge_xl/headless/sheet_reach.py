"""Which sheets the formulas of some sheets can reach, read from the package before any sheet is parsed.

The report needs seven of the template's eleven sheets and what their formulas refer to; reading
the Backtest sheet (its cached equity curves are ~18,000 cells) would only be thrown away. The sheets'
formula texts are scanned as text: a sheet's name followed by ``!``, or a defined name whose
definition refers to a sheet, reaches that sheet, and so on from there. The scan errs on the side of
reading more: a word that merely looks like a name counts, and a formula it cannot follow
(``INDIRECT``, a 3-D reference ``Sheet1:Sheet3!A1``, a table or another workbook) means every sheet.
The engine layer checks the result again on the formulas it parsed
(:func:`~althedge_xl.headless.cycles.referenced_sheets`).
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from io import BytesIO
from xml.etree import ElementTree

_FORMULA = re.compile(r"<(?:\w+:)?f\b[^>]*>(.*?)</(?:\w+:)?f>", re.S)
#: A word that may be a defined name: a letter (any script), ``_`` or ``\\`` first, then letters,
#: digits, ``_``, ``.``, ``?`` or ``\\`` (Excel's rule for names).
_WORD = re.compile(r"(?:[^\W\d]|\\)[\w.?\\]*")
#: What the scan cannot follow: a text reference, a range of sheets, a table or another workbook.
_UNFOLLOWABLE = re.compile(r"INDIRECT\s*\(|[\w.']+:[\w.']+!|\[", re.I)
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def reachable_sheets(package: bytes, wanted: Sequence[str]) -> set[str] | None:
    """The sheets ``wanted`` and every sheet their formulas reach; None when that cannot be told."""
    try:
        archive = zipfile.ZipFile(BytesIO(package))
        parts, names = _sheets_and_names(archive)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    by_upper = {sheet.upper(): sheet for sheet in parts}
    reached: set[str] = set()
    todo = [by_upper[w.upper()] for w in wanted if w.upper() in by_upper]
    while todo:
        sheet = todo.pop()
        if sheet in reached:
            continue
        reached.add(sheet)
        try:
            texts = _formula_texts(archive.read(parts[sheet]).decode("utf-8"))
        except (KeyError, UnicodeDecodeError):
            return None
        found = _sheets_in(texts, by_upper, names)
        if found is None:
            return None
        todo.extend(found - reached)
    return reached


def _sheets_and_names(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """Each sheet's name -> its part in the package; each defined name (capitals) -> its definition."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts: dict[str, str] = {}
    names: dict[str, str] = {}
    for element in book.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "sheet":
            target = targets.get(element.get(_RELATIONSHIP_ID), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            parts[element.get("name", "")] = path
        elif tag == "definedName" and element.text:
            name = element.get("name", "").upper()
            names[name] = f"{names.get(name, '')} {element.text}"
    return parts, names


def _formula_texts(sheet_xml: str) -> list[str]:
    return [html.unescape(text) for text in _FORMULA.findall(sheet_xml)]


def _sheets_in(texts: Iterable[str], by_upper: dict[str, str], names: dict[str, str]) -> set[str] | None:
    """The sheets formula ``texts`` refer to, directly or through defined names; None if not followable."""
    found: set[str] = set()
    seen_names: set[str] = set()
    pending = list(texts)
    while pending:
        text = pending.pop()
        if _UNFOLLOWABLE.search(text):
            return None
        upper = text.upper()
        for key, sheet in by_upper.items():
            quoted = "'" + key.replace("'", "''") + "'!"
            if quoted in upper or re.search(rf"(?<![\w.]){re.escape(key)}!", upper):
                found.add(sheet)
        for word in {w.upper() for w in _WORD.findall(text)} & names.keys() - seen_names:
            seen_names.add(word)
            pending.append(names[word])
    return found
