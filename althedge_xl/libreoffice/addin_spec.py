"""The function list as the Calc add-in declares it: one :class:`AddinFunction` per AltHedge function.

Calc calls an add-in's methods by the names in its UNO interface, and shows the argument names and
help of ``CalcAddIns.xcu`` in the Function Wizard; both come from here, and here from the UDFs'
own specs (``althedge_xl.udfs``), so no list is kept by hand.

UNOIDL refuses a lower-case letter after an underscore in an identifier (``alt_values``), so an
argument's interface name is its Python name in camel case (``altValues``); the Function Wizard
shows the Python name, and the function is called with its arguments by position.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from althedge_xl.excel.function import udf_spec

#: The UNO module of the add-in's interface and implementations (``org.althedge.xl``).
UNO_MODULE = ("org", "althedge", "xl")
#: The interface Calc reads the functions from.
INTERFACE = "XAltHedge"
#: The implementation (service) name of the add-in, the node name in CalcAddIns.xcu.
ADDIN_SERVICE = "org.althedge.xl.AltHedgeAddIn"
#: The job that binds a loaded workbook's formulas to the add-in (see :mod:`.binding`).
BIND_JOB_SERVICE = "org.althedge.xl.BindFormulas"
#: The job that rewrites a saved workbook with Excel's plain function names (see :mod:`.plain_names`).
SAVE_JOB_SERVICE = "org.althedge.xl.PlainNamesOnSave"
#: The extension's identifier in LibreOffice's Extension Manager.
EXTENSION_ID = "org.althedge.xl"


@dataclass(frozen=True)
class AddinArgument:
    """One argument: its Python name, the name the interface uses, its help, whether it may be left out."""

    name: str
    idl_name: str
    help: str
    optional: bool
    default: Any


@dataclass(frozen=True)
class AddinFunction:
    """One AltHedge function as the add-in declares it."""

    name: str
    description: str
    category: str
    arguments: tuple[AddinArgument, ...]


def idl_identifier(name: str) -> str:
    """``alt_values`` -> ``altValues``: a name UNOIDL accepts (no lower-case letter after an underscore).

    >>> idl_identifier("alt_values"), idl_identifier("notional"), idl_identifier("contract_usd")
    ('altValues', 'notional', 'contractUsd')
    """
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def addin_function(function: Callable[..., Any]) -> AddinFunction:
    """The add-in's declaration of one AltHedge UDF, from its spec and signature."""
    spec = udf_spec(function)
    parameters = inspect.signature(function).parameters
    arguments = tuple(
        AddinArgument(
            name=name,
            idl_name=idl_identifier(name),
            help=spec.arg_docs[name],
            optional=parameter.default is not inspect.Parameter.empty,
            default=None if parameter.default is inspect.Parameter.empty else parameter.default,
        )
        for name, parameter in parameters.items()
    )
    return AddinFunction(spec.name, spec.description, spec.category, arguments)


def addin_functions() -> list[AddinFunction]:
    """Every AltHedge function, in name order, as the add-in declares it."""
    import althedge_xl.udfs as udfs

    return [addin_function(getattr(udfs, name)) for name in sorted(udfs.__all__)]
