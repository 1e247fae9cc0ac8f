"""What a workbook file is before anything reads its sheets: an Excel 2007+ zip package, read within bounds.

Every part is checked before anything is inflated: its compression must be one Python's ``zipfile`` reads
(stored or Deflate; Excel writes Deflate, some tools Deflate64), and its declared size must be plausible for a
workbook (:data:`MAX_PART_BYTES` each, :data:`MAX_PACKAGE_BYTES` all together). ``zipfile`` stops inflating a
part at its declared size, so a zip bomb whose header lies fails its CRC check instead of filling the memory.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

#: The largest part (one sheet's XML, the VBA project…) a workbook may have: 100 MB uncompressed. Excel's own
#: limits (1,048,576 rows × 16,384 columns) allow more in theory, but a workbook that size is no AltHedge file.
MAX_PART_BYTES = 100_000_000
#: The largest the whole package may be once uncompressed.
MAX_PACKAGE_BYTES = 400_000_000
_READABLE = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "Deflate"}
_METHODS = {9: "Deflate64", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 93: "Zstandard", 98: "PPMd"}


class WorkbookError(Exception):
    """A workbook cannot be read or computed; the message says what to fix, in one line."""


def check_readable(path: Path) -> None:
    """Raise :class:`WorkbookError` unless ``path`` is an existing Excel 2007+ workbook that can be read safely.

    The file is opened before anything asks whether it is a zip package (``zipfile.is_zipfile`` reads a
    file it cannot open as "not a zip"), so a file that may not be read says so, and why.
    """
    try:
        if path.is_dir():
            raise WorkbookError(f"{path}: is a folder, not a workbook")
        with open(path, "rb") as stream:
            if not zipfile.is_zipfile(stream):
                raise WorkbookError(f"{path}: not an Excel workbook (.xlsx/.xlsm)")
            with zipfile.ZipFile(stream) as archive:
                check_parts(archive, str(path))
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"{path}: a damaged zip package ({exc})") from None


def check_parts(archive: zipfile.ZipFile, name: str) -> None:
    """Raise :class:`WorkbookError` (naming the workbook ``name``) unless every part can be read within bounds."""
    infos = archive.infolist()
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise WorkbookError(f"{name}: not an Excel workbook (no xl/workbook.xml inside)")
    total = 0
    for info in infos:
        if info.compress_type not in _READABLE:
            method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
            raise WorkbookError(
                f"{name}: its part {info.filename} is compressed with {method}, which AltHedge cannot read;"
                " open it in Excel and save it again"
            )
        if info.flag_bits & 0x1:
            raise WorkbookError(f"{name}: its part {info.filename} is encrypted; save it without a password")
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError(
                f"{name}: its part {info.filename} would be {info.file_size:,} bytes uncompressed, more than the"
                f" {MAX_PART_BYTES:,} a workbook part may have (a damaged file or a zip bomb); nothing was read"
            )
        total += info.file_size
    if total > MAX_PACKAGE_BYTES:
        raise WorkbookError(
            f"{name}: would be {total:,} bytes uncompressed, more than the {MAX_PACKAGE_BYTES:,} a workbook may have"
        )


def read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of one part, never more than :data:`MAX_PART_BYTES` (its size was checked before)."""
    with archive.open(info) as stream:
        data = stream.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise WorkbookError(f"part {info.filename} is larger than {MAX_PART_BYTES:,} bytes")
    return data
