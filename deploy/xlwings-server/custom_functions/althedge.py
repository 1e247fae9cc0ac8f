"""AltHedge's Excel functions for xlwings Server: the package's function list, imported as it is.

xlwings Server sets ``XLWINGS_ON_SERVER=true`` before importing this, so each function is an
Office.js custom function (category "AltHedge", help for every argument, real Excel errors).
Excel shows them under the add-in's namespace: ``XLWINGS_FUNCTIONS_NAMESPACE=ALTHEDGE`` in the
server's ``.env`` gives ``=ALTHEDGE.HEDGE_MARGIN(...)``.
"""

from althedge_xl.udfs import *  # noqa: F403
from althedge_xl.udfs import __all__  # noqa: F401
