"""Build step the package metadata in pyproject.toml cannot say: ship the template and the README.

``build_py`` copies ``workbook/AltHedge.xlsm`` (a build output committed beside the code) and
``README.md`` into the wheel's ``althedge_xl/_shipped/`` (see ``althedge_xl.shipped``), so an
installed package can ``althedge init`` and ``althedge report`` from any folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"AltHedge.xlsm": ROOT / "workbook" / "AltHedge.xlsm", "README.md": ROOT / "README.md"}


class BuildPyWithShippedFiles(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "althedge_xl" / "_shipped"
        target.mkdir(parents=True, exist_ok=True)
        for name, source in SHIPPED.items():
            shutil.copyfile(source, target / name)


setup(cmdclass={"build_py": BuildPyWithShippedFiles})
