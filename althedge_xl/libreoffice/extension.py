"""``AltHedge.oxt``: the LibreOffice extension, built from the function list.

The extension holds:

* ``XAltHedge.rdb``: the add-in's interface as a type library. It is compiled from
  :func:`~althedge_xl.libreoffice.idl.interface_idl` with the LibreOffice SDK's ``unoidl-write``
  (Debian: ``libreoffice-dev``) and kept in the package, so building the extension needs no SDK;
  ``tests/test_libreoffice_addin.py`` compiles it again and fails when it differs (:func:`compile_rdb`);
* ``CalcAddIns.xcu`` and ``Jobs.xcu`` (:mod:`.xcu`), ``description.xml``, ``META-INF/manifest.xml``;
* ``althedge_addin.py``: the components (:mod:`.uno_component`);
* ``pythonpath/althedge_xl/``: the package's function list (the root's modules, core, excel, udfs)
  and the add-in's own modules. LibreOffice's Python loader puts ``pythonpath`` on ``sys.path``;
  LibreOffice's Python must have numpy.

The archive is the same bytes from one build to the next (fixed dates, sorted entries).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

from althedge_xl import __version__
from althedge_xl.files import scratch_folder
from althedge_xl.libreoffice.addin_spec import EXTENSION_ID, INTERFACE, addin_functions
from althedge_xl.libreoffice.xcu import calc_addins_xcu, jobs_xcu

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
#: The committed type library of the add-in's interface.
RDB_PATH = HERE / f"{INTERFACE}.rdb"
#: The extension's file name.
OXT_NAME = "AltHedge.oxt"
#: The parts of the package the functions need inside LibreOffice (numpy alone).
FUNCTION_LIST_PARTS = ("core", "excel", "udfs")
#: The add-in's own modules that run inside LibreOffice.
ADDIN_MODULES = ("__init__.py", "addin_spec.py", "cells.py", "binding.py", "plain_names.py")
#: The SDK's type-library compiler on Debian/Ubuntu (package libreoffice-dev).
UNOIDL_WRITE = Path("/usr/lib/libreoffice/sdk/bin/unoidl-write")
#: LibreOffice's own types (``com.sun.star.uno.XInterface``), which the interface refers to.
LIBREOFFICE_TYPES = Path("/usr/lib/libreoffice/program/types.rdb")
#: A fixed date inside the archive keeps the extension the same bytes from one build to the next.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

DESCRIPTION_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<description xmlns="http://openoffice.org/extensions/description/2006"
             xmlns:d="http://openoffice.org/extensions/description/2006"
             xmlns:l="http://libreoffice.org/extensions/description/2011"
             xmlns:xlink="http://www.w3.org/1999/xlink">
  <identifier value="{identifier}"/>
  <version value="{version}"/>
  <dependencies>
    <l:LibreOffice-minimal-version value="7.4" d:name="LibreOffice 7.4"/>
  </dependencies>
  <display-name><name lang="en">AltHedge XL functions</name></display-name>
  <extension-description><src lang="en" xlink:href="description-en.txt"/></extension-description>
</description>
"""

DESCRIPTION_TXT = """\
AltHedge XL {version}: every AltHedge function (category AltHedge) in LibreOffice Calc, computed by
the althedge_xl package bundled in this extension. LibreOffice's Python must have numpy.
"""

MANIFEST_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.uno-typelibrary;type=RDB"
                       manifest:full-path="{rdb}"/>
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.configuration-data"
                       manifest:full-path="CalcAddIns.xcu"/>
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.configuration-data"
                       manifest:full-path="Jobs.xcu"/>
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.uno-component;type=Python"
                       manifest:full-path="althedge_addin.py"/>
</manifest:manifest>
"""


class ExtensionError(Exception):
    """The extension cannot be built or compiled (a missing tool, a failing compiler)."""


def compile_rdb(idl_text: str, types: Path = LIBREOFFICE_TYPES, tool: Path = UNOIDL_WRITE) -> bytes:
    """The type library of ``idl_text``, compiled with the SDK's ``unoidl-write`` (needs ``libreoffice-dev``)."""
    if not tool.exists():
        raise ExtensionError(f"{tool} is missing: install the LibreOffice SDK (Debian/Ubuntu: libreoffice-dev)")
    with scratch_folder("althedge-idl-") as scratch:
        source = Path(scratch) / f"{INTERFACE}.idl"
        source.write_text(idl_text, encoding="utf-8")
        target = Path(scratch) / f"{INTERFACE}.rdb"
        done = subprocess.run(
            [str(tool), str(types), str(source), str(target)], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise ExtensionError(f"unoidl-write failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
        return target.read_bytes()


def _package_sources() -> list[Path]:
    sources = [*sorted(PACKAGE_ROOT.glob("*.py"))]
    for part in FUNCTION_LIST_PARTS:
        sources += sorted((PACKAGE_ROOT / part).rglob("*.py"))
    sources += [HERE / name for name in ADDIN_MODULES]
    return sources


def extension_files() -> dict[str, bytes]:
    """Every file of the extension by its path inside the archive."""
    functions = addin_functions()
    files = {
        "META-INF/manifest.xml": MANIFEST_XML.format(rdb=RDB_PATH.name).encode(),
        "description.xml": DESCRIPTION_XML.format(identifier=EXTENSION_ID, version=__version__).encode(),
        "description-en.txt": DESCRIPTION_TXT.format(version=__version__).encode(),
        RDB_PATH.name: RDB_PATH.read_bytes(),
        "CalcAddIns.xcu": calc_addins_xcu(functions).encode(),
        "Jobs.xcu": jobs_xcu().encode(),
        "althedge_addin.py": (HERE / "uno_component.py").read_bytes(),
    }
    for source in _package_sources():
        files["pythonpath/" + source.relative_to(PACKAGE_ROOT.parent).as_posix()] = source.read_bytes()
    return files


def extension_bytes() -> bytes:
    """The ``.oxt`` archive (the same bytes from one build to the next)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(extension_files().items()):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def write_extension(folder: Path) -> Path:
    """Write ``AltHedge.oxt`` into ``folder`` (created if missing), atomically; its path."""
    from althedge_xl.files import write_atomically

    path = folder / OXT_NAME
    write_atomically(path, extension_bytes())
    return path


def unoidl_write_available() -> bool:
    """True where the SDK's ``unoidl-write`` and LibreOffice's types are installed."""
    return UNOIDL_WRITE.exists() and LIBREOFFICE_TYPES.exists() and shutil.which("soffice") is not None
