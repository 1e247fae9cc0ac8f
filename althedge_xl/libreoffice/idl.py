"""The add-in's UNO interface in UNOIDL, written from the function list.

Every function returns a table, ``sequence<sequence<any>>`` (a single value as a 1 x 1 table,
which a cell shows as that value), and takes every argument as ``any``. A method declared to
return ``any`` cannot hand Calc a table from Python: PyUNO turns a tuple of rows into a
``sequence<any>`` of sequences, which Calc answers with ``#VALUE!``; with the table type declared,
UNO's invocation adapter converts the rows to it. Calc treats an ``any`` argument as optional, passes a typed value
as a number or text and a range as a table. LibreOffice compiles nothing from this text at the
user's end: the type library (``XAltHedge.rdb``) is built from it with the SDK's ``unoidl-write``
and kept in the package (see :mod:`.extension`).
"""

from __future__ import annotations

from collections.abc import Sequence

from althedge_xl.libreoffice.addin_spec import INTERFACE, UNO_MODULE, AddinFunction


def interface_idl(functions: Sequence[AddinFunction]) -> str:
    """The ``.idl`` text of the interface ``org::althedge::xl::XAltHedge`` with one method per function."""
    opening = " ".join(f"module {part} {{" for part in UNO_MODULE)
    closing = " ".join("};" for _ in UNO_MODULE)
    methods = []
    for function in functions:
        arguments = ", ".join(f"[in] any {argument.idl_name}" for argument in function.arguments)
        methods.append(f"        sequence< sequence< any > > {function.name}({arguments});")
    return "\n".join(
        [
            "// Written by `althedge libreoffice` from the function list; do not edit.",
            "#include <com/sun/star/uno/XInterface.idl>",
            "",
            opening,
            f"    interface {INTERFACE} : com::sun::star::uno::XInterface",
            "    {",
            *methods,
            "    };",
            closing,
            "",
        ]
    )
