"""The package's layers import only downward, and the function list needs numpy alone.

core ← excel ← udfs ← market ← workbook ← headless ← cli (DESIGN.md, "Layers"): a module may import
its own layer and the layers below it, never one above. Every import counts, the lazy ones inside
functions and those only for type checkers included, since each names a dependency of the module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "althedge_xl"

#: Layer of each part of the package, lowest first. The package root (its version), the worked
#: examples (data the builder and the tests share), the atomic file write and where the shipped
#: files are sit with core: every layer may use them and they import nothing of the package above them.
LAYERS = {
    "althedge_xl": 0,
    "althedge_xl.worked_examples": 0,
    "althedge_xl.files": 0,
    "althedge_xl.shipped": 0,
    "althedge_xl.core": 0,
    "althedge_xl.excel": 1,
    "althedge_xl.udfs": 2,
    "althedge_xl.market": 3,
    "althedge_xl.workbook": 4,
    "althedge_xl.headless": 5,
    "althedge_xl.libreoffice": 5,
    "althedge_xl.cli": 6,
}

#: What importing the function list must not load (the extras' libraries and pandas).
HEAVY = ("ccxt", "formulas", "openpyxl", "pandas", "matplotlib")


def layer_of(module: str) -> int:
    """The layer of a module of the package: that of its longest listed prefix."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS and (end > 1 or len(parts) == 1):
            return LAYERS[prefix]
    raise AssertionError(f"{module}: no layer; add its package to LAYERS (and to DESIGN.md's layers)")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) of every import of the package in ``path``, relative ones resolved."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from althedge_xl import udfs` imports the module althedge_xl.udfs, not just the root.
            found += [
                (node.lineno, f"{target}.{alias.name}") for alias in node.names if _is_module(root, target, alias.name)
            ]
    return [(line, m) for line, m in found if m == "althedge_xl" or m.startswith("althedge_xl.")]


def _is_module(root: Path, package: str, name: str) -> bool:
    folder = root.parent.joinpath(*package.split("."), name)
    return folder.is_dir() or folder.with_suffix(".py").is_file()


def test_layer_rule_knows_every_module():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_layer_rule_sees_lazy_and_relative_imports(tmp_path):
    # The rule is only as good as the parser: imports inside functions and relative ones count.
    fake = tmp_path / "althedge_xl" / "udfs" / "fake.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from althedge_xl.cli import main\n\n\nfrom ..headless import engine\n")
    names = {m for _, m in imported_modules(fake, tmp_path / "althedge_xl")}
    assert {"althedge_xl.cli", "althedge_xl.headless"} <= names, names
    assert max(layer_of(m) for m in names) > layer_of("althedge_xl.udfs.fake")


def test_layers_import_only_downward():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for line, imported in imported_modules(path):
            if layer_of(imported) > layer_of(importer):
                violations.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {importer} imports {imported}")
    assert not violations, (
        "imports against the layers (core ← excel ← udfs ← market ← workbook ← headless ← cli):\n"
        + "\n".join(violations)
    )


@pytest.mark.parametrize("on_server", [False, True], ids=["plain-python", "office-js"])
def test_function_list_loads_none_of_the_extras(on_server):
    # A fresh interpreter where the heavy libraries cannot be imported at all; the function list
    # must import and compute, and have loaded none of them.
    env_line = "import os; os.environ.update(XLWINGS_ON_SERVER='true', XLWINGS_LICENSE_KEY='noncommercial')\n"
    code = (
        (env_line if on_server else "")
        + "import sys\n"
        + "".join(f"sys.modules[{name!r}] = None\n" for name in HEAVY)
        + "import althedge_xl.udfs as u\n"
        + f"loaded = [n for n in {HEAVY!r} if sys.modules.get(n) is not None]\n"
        + "assert not loaded, loaded\n"
        + "print(u.HEDGE_NOTIONAL([[30000], [20000]], 0.4), u.HEDGE_MARGIN(20000, 20))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["20000.0", "1000.0"]  # DESIGN.md: 50,000 x 40%; 20,000 at 20x
