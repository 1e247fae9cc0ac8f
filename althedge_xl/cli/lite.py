"""``althedge lite [DIR]``: what a user pastes or uploads into xlwings Lite (Excel on Mac and the web).

xlwings Lite runs Python in the add-in's browser runtime (Pyodide): a workbook carries its
``main.py`` and ``requirements.txt``, installs the packages named there (pure-Python wheels from
PyPI, compiled ones such as numpy from Pyodide's own repository), and keeps files imported through
*Files > Import/Export* under ``/data``. ``althedge lite`` writes:

* ``main.py``: imports the function list, nothing copied by hand;
* ``requirements.txt``: ``numpy`` (Pyodide's, unpinned as Lite asks), and with ``--pypi`` the
  released ``althedge-xl`` itself;
* ``althedge_xl-VERSION.zip``: the function list's part of the package (the root's modules, core,
  excel, udfs), for the upload route; Python imports pure-Python code from a zip put on ``sys.path``;
* ``AltHedge-Lite.xlsx``: the template without VBA (see :func:`althedge_xl.workbook.build.lite_template`);
* ``README.txt``: the steps.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

from althedge_xl import __version__
from althedge_xl.cli._common import Subcommands, UserError
from althedge_xl.cli.market_history import data_folder
from althedge_xl.files import write_atomically

#: The parts of the package the function list needs (numpy alone; the layers below the market).
FUNCTION_LIST_PARTS = ("core", "excel", "udfs")
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
#: A fixed date inside the zip keeps the bundle the same from one run to the next.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

MAIN_PY = '''\
"""AltHedge XL in xlwings Lite: every AltHedge function (category "AltHedge"), from althedge_xl.

Written by `althedge lite` for althedge-xl {version}. The functions come from the package: installed
from PyPI when requirements.txt names althedge-xl, otherwise the file {zip_name} uploaded
through xlwings Lite's Files > Import/Export (it lands in /data).
"""

import sys
from pathlib import Path

PACKAGE_ZIP = "{zip_name}"


def _use_uploaded_package():
    """Put the uploaded zip on the import path: Python imports pure-Python packages from a zip."""
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    for folder in (Path("/data"), here):
        if (folder / PACKAGE_ZIP).is_file():
            sys.path.insert(0, str(folder / PACKAGE_ZIP))
            return
    raise ImportError(f"althedge_xl is not installed and {{PACKAGE_ZIP}} is not uploaded (Files > Import/Export)")


try:
    import althedge_xl  # noqa: F401  (installed from PyPI through requirements.txt)
except ImportError:
    _use_uploaded_package()

from althedge_xl.udfs import *  # noqa: E402, F403  (every AltHedge function, registered with xlwings)
'''

README_TXT = """\
AltHedge XL {version} for xlwings Lite (Excel on Windows, macOS and the web; the functions need
no Python on your computer: Lite runs them inside Excel)

1. Open AltHedge-Lite.xlsx in Excel (desktop or web) and add the xlwings Lite add-in
   (Home > Add-ins, search "xlwings Lite"); it is free for personal and commercial use.
2. In the xlwings Lite pane, open the requirements.txt tab and add the lines of requirements.txt
   here below the xlwings line it already has.
3. {route}
4. Open the main.py tab and replace its content with main.py here. The AltHedge functions appear
   in Excel's formula autocomplete; the sheets recalculate.

If cells keep showing the saved numbers or #NAME? after step 4, re-enter the formulas once: select
a sheet's cells and Find and Replace "=" with "=" (looking in formulas), or edit a cell and press
Enter. A formula saved before its function was registered may stay uncalculated until then.

Prices are not refreshed inside xlwings Lite (the exchanges' APIs do not answer a browser add-in):
type them on the Prices sheet, or refresh the file on a computer with Python, with
`althedge refresh AltHedge-Lite.xlsx` (pip install "althedge-xl[market]"), or with the Refresh
button of AltHedge.xlsm in Windows Excel, then open it again here.
See the README's "Excel on Mac and the web".
"""

ROUTE_PYPI = "Nothing to upload: requirements.txt names althedge-xl, which Lite installs from PyPI."
ROUTE_UPLOAD = "Upload {zip_name} through the xlwings Lite menu: Files > Import/Export (it lands in /data)."


def register(commands: Subcommands) -> None:
    parser = commands.add_parser("lite", help="write the files for xlwings Lite (Excel on Mac and the web)")
    parser.add_argument("dir", nargs="?", default="althedge-lite", help="folder to write (default althedge-lite)")
    parser.add_argument("--pypi", action="store_true", help="install althedge-xl from PyPI instead of an upload")
    parser.add_argument("--no-workbook", action="store_true", help="skip AltHedge-Lite.xlsx (needs the [report] extra)")
    parser.add_argument(
        "--data", help="market-history folder the workbook is built from (default $ALTHEDGE_DATA, else ../shared/data)"
    )
    parser.set_defaults(run=run, needs=lambda args: () if args.no_workbook else ("report",))


def run(args: argparse.Namespace) -> int:
    out = Path(args.dir)
    data = None
    if not args.no_workbook:  # the workbook is built from the market history, as the template is
        try:
            data = data_folder(args.data, needed_for="the Lite workbook (AltHedge-Lite.xlsx)")
        except UserError as exc:
            raise UserError(f"{exc}; --no-workbook writes the other files") from None
    written = write_bundle(out, pypi=args.pypi, workbook=not args.no_workbook, data_dir=data)
    print(f"wrote {', '.join(p.name for p in written)} to {out}; see {out / 'README.txt'}")
    return 0


def write_bundle(out: Path, pypi: bool = False, workbook: bool = True, data_dir: Path | None = None) -> list[Path]:
    """Write the Lite files into ``out`` (created if missing); returns their paths.

    The workbook is built from the market history in ``data_dir`` (default: the builder's).
    """
    zip_name = f"althedge_xl-{__version__}.zip"
    requirements = ["numpy", *([f"althedge-xl=={__version__}"] if pypi else [])]
    route = ROUTE_PYPI if pypi else ROUTE_UPLOAD.format(zip_name=zip_name)
    files: dict[str, bytes] = {
        "main.py": MAIN_PY.format(version=__version__, zip_name=zip_name).encode(),
        "requirements.txt": ("\n".join(requirements) + "\n").encode(),
        "README.txt": README_TXT.format(version=__version__, route=route).encode(),
    }
    if not pypi:
        files[zip_name] = function_list_zip()
    if workbook:
        from althedge_xl.headless.template import template_bytes
        from althedge_xl.workbook.build import LITE_NAME

        files[LITE_NAME] = template_bytes(data_dir, lite=True)
    out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        write_atomically(out / name, content)
    return [out / name for name in files]


def function_list_zip() -> bytes:
    """The package's function list (the root's modules, core, excel, udfs) as a zip Python can import from."""
    sources = [*sorted(PACKAGE_ROOT.glob("*.py")), PACKAGE_ROOT / "py.typed"]
    for part in FUNCTION_LIST_PARTS:
        sources += sorted((PACKAGE_ROOT / part).rglob("*.py"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sources:
            name = source.relative_to(PACKAGE_ROOT.parent).as_posix()
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    return buffer.getvalue()
