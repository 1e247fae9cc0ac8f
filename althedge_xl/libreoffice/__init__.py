"""AltHedge's functions in LibreOffice Calc: a Python UNO Calc add-in, built from the function list.

* :mod:`.addin_spec`: the function list as the add-in declares it (names, argument names UNOIDL accepts);
* :mod:`.idl`, :mod:`.xcu`, :mod:`.extension`: the interface, the configuration (Function Wizard help,
  the binding job) and the ``.oxt`` itself;
* :mod:`.cells`: what LibreOffice passes a function, turned into what xlwings would pass, and
  results turned into what a Calc cell shows (real error values);
* :mod:`.uno_component`: the add-in and its jobs as UNO components;
* :mod:`.binding`: re-entering a loaded workbook's AltHedge formulas so they call the add-in;
* :mod:`.plain_names`: the saved ``.xlsx``/``.xlsm`` rewritten with Excel's plain function names;
* :mod:`.headless` and :mod:`.soffice_driver`: a workbook computed by headless LibreOffice with the
  extension (``althedge report --engine libreoffice``).

``althedge libreoffice [--install]`` is :mod:`althedge_xl.cli.libreoffice`. The add-in's own code runs
inside LibreOffice's Python (``althedge_addin.py`` and the modules it imports, bundled into the
extension), as does the driver; the rest runs in the project's Python.
"""
