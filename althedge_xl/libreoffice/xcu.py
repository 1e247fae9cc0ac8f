"""The extension's configuration, written from the function list.

* ``CalcAddIns.xcu``: each function's display name, description, category and argument help for the
  Function Wizard, and its ``CompatibilityName`` (the plain Excel name, ``HEDGE_MARGIN``);
* ``Jobs.xcu``: the jobs LibreOffice runs on document events: binding a loaded workbook's formulas
  to the add-in (``OnLoadFinished``: it fires for hidden documents too, ``OnLoad`` does not) and
  writing Excel's plain names into a saved ``.xlsx``/``.xlsm`` (``OnSaveDone``, ``OnSaveAsDone``,
  ``OnSaveToDone``).

An argument's node is named as the interface names the parameter (``altValues``): LibreOffice
matches the help to the method's parameters by that name and takes their order from the interface.
Calc knows only its own function categories: a category it does not know, such as "AltHedge", is
shown as "Add-in".
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from althedge_xl.libreoffice.addin_spec import ADDIN_SERVICE, BIND_JOB_SERVICE, SAVE_JOB_SERVICE, AddinFunction

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:component-data xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" oor:name="{name}" oor:package="org.openoffice.Office">\n'
)

#: The document events whose jobs rewrite a saved Excel workbook with plain function names.
SAVE_EVENTS = ("OnSaveDone", "OnSaveAsDone", "OnSaveToDone")
#: The event whose job binds a loaded workbook's formulas (fires once the file is read, for hidden documents too).
LOAD_EVENT = "OnLoadFinished"


def _prop(name: str, value: str, localized: bool = True) -> str:
    lang = ' xml:lang="en-US"' if localized else ""
    return f'<prop oor:name="{name}"><value{lang}>{escape(value)}</value></prop>'


def calc_addins_xcu(functions: Sequence[AddinFunction]) -> str:
    """``CalcAddIns.xcu``: the Function Wizard's text for every function, in the function list's words."""
    lines = [
        _HEAD.format(name="CalcAddIns"),
        ' <node oor:name="AddInInfo">',
        f'  <node oor:name={quoteattr(ADDIN_SERVICE)} oor:op="replace">',
        '   <node oor:name="AddInFunctions">',
    ]
    for function in functions:
        lines += [
            f'    <node oor:name={quoteattr(function.name)} oor:op="replace">',
            "     " + _prop("DisplayName", function.name),
            "     " + _prop("Description", function.description),
            "     " + _prop("Category", function.category, localized=False),
            "     " + _prop("CompatibilityName", function.name),
            '     <node oor:name="Parameters">',
        ]
        for argument in function.arguments:
            help_text = argument.help + (" (optional)" if argument.optional else "")
            lines += [
                f'      <node oor:name="{argument.idl_name}" oor:op="replace">',
                "       " + _prop("DisplayName", argument.name),
                "       " + _prop("Description", help_text),
                "      </node>",
            ]
        lines += ["     </node>", "    </node>"]
    lines += ["   </node>", "  </node>", " </node>", "</oor:component-data>", ""]
    return "\n".join(lines)


def jobs_xcu() -> str:
    """``Jobs.xcu``: the binding job on :data:`LOAD_EVENT`, the plain-names job on :data:`SAVE_EVENTS`."""
    jobs = {"AltHedgeBindFormulas": BIND_JOB_SERVICE, "AltHedgePlainNames": SAVE_JOB_SERVICE}
    events = {LOAD_EVENT: "AltHedgeBindFormulas", **{event: "AltHedgePlainNames" for event in SAVE_EVENTS}}
    lines = [_HEAD.format(name="Jobs"), ' <node oor:name="Jobs">']
    for job, service in jobs.items():
        lines += [
            f'  <node oor:name="{job}" oor:op="replace">',
            "   " + _prop("Service", service, localized=False),
            "  </node>",
        ]
    lines += [" </node>", ' <node oor:name="Events">']
    for event, job in events.items():
        lines += [
            f'  <node oor:name="{event}" oor:op="fuse">',
            '   <node oor:name="JobList">',
            f'    <node oor:name="{job}" oor:op="replace"/>',
            "   </node>",
            "  </node>",
        ]
    lines += [" </node>", "</oor:component-data>", ""]
    return "\n".join(lines)
